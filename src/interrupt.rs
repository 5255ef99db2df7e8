//! Ctrl-C, SIGTERM and SIGHUP while lsm holds something that must not
//! outlive it. A restore rehearsal's throwaway lnd runs with a copy of the
//! signer's wallet restored and unlocked; killed by the default action of
//! a signal, lsm would leave that container (or that temp directory)
//! behind, running, however briefly it meant to keep it.
//!
//! [`on_interrupt`] registers a cleanup for as long as its [`Guard`] lives.
//! The first registration takes over SIGINT, SIGTERM and SIGHUP for the
//! rest of the process: on one, the work wrapped in [`unless_interrupted`]
//! stops where it is (so it cannot go on to record what the interruption
//! caused: a connection cut by the cleanup is no failed rehearsal), every
//! registered cleanup runs (each bounded, a second signal cuts them
//! short), and lsm exits with 128 + the signal's number, as a shell
//! reports a process the signal killed. With nothing registered that is
//! all it does, so Ctrl-C still stops lsm at once anywhere else (at a
//! confirmation prompt, during apply).
//!
//! SIGKILL cannot be caught: the Docker runtime removes a leftover
//! throwaway container at the start of the next rehearsal, and the native
//! one's lnd dies with lsm (PR_SET_PDEATHSIG).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

type Cleanup = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

struct Registered {
    id: u64,
    what: String,
    cleanup: Cleanup,
}

struct Registry {
    next: u64,
    installed: bool,
    cleanups: Vec<Registered>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    next: 0,
    installed: false,
    cleanups: Vec::new(),
});

/// Set once a signal arrived; [`woken`] then wakes every
/// [`unless_interrupted`].
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn woken() -> &'static tokio::sync::Notify {
    static WOKEN: OnceLock<tokio::sync::Notify> = OnceLock::new();
    WOKEN.get_or_init(tokio::sync::Notify::new)
}

/// Runs `work` unless lsm is interrupted meanwhile. Then `work` is dropped
/// where it is (a call in flight is abandoned) and this never completes:
/// the signal's handler cleans up and exits the process.
pub async fn unless_interrupted<T>(work: impl Future<Output = T>) -> T {
    let notified = woken().notified();
    tokio::pin!(notified);
    // Registered before the flag is read, so no wake-up falls in between.
    notified.as_mut().enable();
    if INTERRUPTED.load(Ordering::SeqCst) {
        return std::future::pending().await;
    }
    tokio::select! {
        biased;
        () = notified => std::future::pending().await,
        v = work => v,
    }
}

/// How long one cleanup may take before lsm exits anyway.
const CLEANUP_DEADLINE: Duration = Duration::from_secs(30);

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Keeps a cleanup registered; dropping it unregisters the cleanup (the
/// owner cleaned up itself).
#[must_use = "the cleanup is unregistered when the guard drops"]
pub struct Guard {
    id: u64,
}

impl Drop for Guard {
    fn drop(&mut self) {
        registry().cleanups.retain(|r| r.id != self.id);
    }
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "interrupt::Guard({})", self.id)
    }
}

/// Runs `cleanup` if lsm is interrupted (SIGINT, SIGTERM, SIGHUP) while
/// the returned guard lives; `what` names it in the message lsm prints.
/// Must be called inside the tokio runtime. Without one, or when the
/// signals cannot be taken over, nothing is registered and the signals
/// keep their default action.
pub fn on_interrupt<F, Fut>(what: impl Into<String>, cleanup: F) -> Guard
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut r = registry();
    r.next += 1;
    let id = r.next;
    if !r.installed {
        r.installed = install();
    }
    if r.installed {
        r.cleanups.push(Registered {
            id,
            what: what.into(),
            cleanup: Box::new(move || Box::pin(cleanup())),
        });
    }
    Guard { id }
}

/// Takes over the signals (see the module doc); false when it cannot.
fn install() -> bool {
    use tokio::signal::unix::{SignalKind, signal};
    if tokio::runtime::Handle::try_current().is_err() {
        return false;
    }
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return false;
    };
    tokio::spawn(async move {
        let number = tokio::select! {
            _ = int.recv() => libc::SIGINT,
            _ = term.recv() => libc::SIGTERM,
            _ = hup.recv() => libc::SIGHUP,
        };
        // Taken before the interrupted work is woken: dropping that work
        // drops its guards, which would unregister their cleanups.
        let pending = std::mem::take(&mut registry().cleanups);
        INTERRUPTED.store(true, Ordering::SeqCst);
        woken().notify_waiters();
        let run = async {
            for r in pending {
                anstream::eprintln!("interrupted: removing {}", r.what);
                if tokio::time::timeout(CLEANUP_DEADLINE, (r.cleanup)())
                    .await
                    .is_err()
                {
                    anstream::eprintln!(
                        "interrupted: {} was not removed within {}s; remove it by hand",
                        r.what,
                        CLEANUP_DEADLINE.as_secs()
                    );
                }
            }
        };
        tokio::select! {
            () = run => {}
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
        std::process::exit(128 + number);
    });
    true
}
