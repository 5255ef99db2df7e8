//! Crash injection for the crash-safety tests. With the `failpoints` feature
//! (test builds only), `FAILPOINTS="wallet::after_seed_write=return"` makes
//! the process exit at that point with status [`CRASH_EXIT`], skipping every
//! destructor — as close to `kill -9` as a test can get deterministically.
//! Without the feature the macro compiles to nothing.

/// The exit status of an injected crash.
pub const CRASH_EXIT: i32 = 86;

/// Marks a point where a crash must leave the signer recoverable.
#[macro_export]
macro_rules! crashpoint {
    ($name:literal) => {
        #[cfg(feature = "failpoints")]
        {
            if fail::eval($name, |_| ()).is_some() {
                std::process::exit($crate::crashpoint::CRASH_EXIT);
            }
        }
    };
}
