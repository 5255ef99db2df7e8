//! One node's outcome from its exit code, and the fleet's exit code: the
//! worst outcome wins, in this order (worst first):
//!
//! 1. **error** (1, or a child killed by a signal): lsm does not know what
//!    state the node is in; a human must look.
//! 2. **stale plan** (3): the reviewed plan no longer describes the node;
//!    plan again and review again.
//! 3. **lock held** (4): another lsm is working on the node; retry later.
//! 4. **blocked** (5): a protection refused, as designed; nothing changed
//!    on that node and a decision is needed.
//! 5. **changes** (2, only with `--detailed-exitcode`).
//! 6. **ok** (0).
//!
//! So a pipeline tells "some node failed" (1) from "nodes are only
//! blocked" (5): a 5 means every node either converged or was stopped by a
//! protection, with no error anywhere. Each node's own code is in the JSON.

use crate::exit::Exit;

/// What happened to one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    NoChanges,
    Changes,
    Blocked,
    LockHeld,
    Stale,
    Failed,
}

impl Outcome {
    /// The outcome of a child that exited with `code` (`None`: killed).
    pub(crate) fn of(_command: &str, code: Option<i32>) -> Outcome {
        match code {
            Some(0) => Outcome::NoChanges,
            Some(2) => Outcome::Changes,
            Some(3) => Outcome::Stale,
            Some(4) => Outcome::LockHeld,
            Some(5) => Outcome::Blocked,
            _ => Outcome::Failed,
        }
    }

    /// Worse outcomes rank higher.
    fn rank(self) -> u8 {
        match self {
            Outcome::NoChanges => 0,
            Outcome::Changes => 1,
            Outcome::Blocked => 2,
            Outcome::LockHeld => 3,
            Outcome::Stale => 4,
            Outcome::Failed => 5,
        }
    }

    pub(crate) fn exit(self) -> Exit {
        match self {
            Outcome::NoChanges => Exit::Ok,
            Outcome::Changes => Exit::Changes,
            Outcome::Blocked => Exit::Blocked,
            Outcome::LockHeld => Exit::LockHeld,
            Outcome::Stale => Exit::StalePlan,
            Outcome::Failed => Exit::Error,
        }
    }

    /// The words of the fleet summary for `command`.
    pub(crate) fn label(self, command: &str) -> &'static str {
        match (self, command) {
            (Outcome::NoChanges, "apply") => "unchanged",
            (Outcome::Changes, "apply") => "changed",
            (Outcome::NoChanges, "plan") => "no changes",
            (Outcome::Changes, "plan") => "to change",
            (Outcome::NoChanges, "destroy") => "destroyed",
            (Outcome::NoChanges, "validate") => "valid",
            (Outcome::Changes, "status") => "not ok",
            (Outcome::NoChanges, _) => "ok",
            (Outcome::Changes, _) => "changed",
            (Outcome::Blocked, _) => "blocked",
            (Outcome::LockHeld, _) => "locked",
            (Outcome::Stale, _) => "stale",
            (Outcome::Failed, _) => "failed",
        }
    }

    /// Whether the node is fine: for `status`, exit 2 means unhealthy.
    pub(crate) fn ok(self, command: &str) -> bool {
        match self {
            Outcome::NoChanges => true,
            Outcome::Changes => command != "status",
            _ => false,
        }
    }

    /// Every outcome, best first (the summary's order).
    pub(crate) const ALL: [Outcome; 6] = [
        Outcome::NoChanges,
        Outcome::Changes,
        Outcome::Blocked,
        Outcome::LockHeld,
        Outcome::Stale,
        Outcome::Failed,
    ];
}

/// The fleet's exit code: the worst node's.
pub(crate) fn worst(outcomes: &[Outcome]) -> Exit {
    outcomes
        .iter()
        .copied()
        .max_by_key(|o| o.rank())
        .unwrap_or(Outcome::NoChanges)
        .exit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_outcome_wins_and_failure_outranks_a_block() {
        use Outcome::*;
        assert_eq!(worst(&[NoChanges, Changes]), Exit::Changes);
        assert_eq!(worst(&[Changes, Blocked, NoChanges]), Exit::Blocked);
        assert_eq!(worst(&[Blocked, Failed]), Exit::Error);
        assert_eq!(worst(&[LockHeld, Blocked]), Exit::LockHeld);
        assert_eq!(worst(&[Stale, LockHeld]), Exit::StalePlan);
        assert_eq!(worst(&[]), Exit::Ok);
        assert_eq!(Outcome::of("plan", None), Failed);
    }
}
