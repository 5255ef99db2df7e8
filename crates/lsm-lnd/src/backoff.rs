//! The one retry delay of lsm: start small, double, stop at a cap. Every
//! wait for something outside lsm (lnd's state, a container, a unit, a
//! lock) polls with it, so none sleeps blindly for long and none spins.

use std::time::Duration;

/// Doubling delays from `start`, capped at `cap`.
#[derive(Debug, Clone)]
pub struct Backoff {
    start: Duration,
    cap: Duration,
    next: Duration,
}

impl Backoff {
    /// Delays `start`, `2 * start`, … up to `cap`.
    pub fn new(start: Duration, cap: Duration) -> Self {
        Backoff {
            start,
            cap,
            next: start,
        }
    }

    /// Starts over from the first delay (progress was seen).
    pub fn reset(&mut self) {
        self.next = self.start;
    }

    /// The delay to wait now; the next one doubles, up to the cap.
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.cap);
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_a_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(50), Duration::from_millis(500));
        let seq: Vec<u128> = (0..6).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(seq, [50, 100, 200, 400, 500, 500]);
        b.reset();
        assert_eq!(b.next_delay().as_millis(), 50);
    }
}
