//! Exit codes are part of lsm's API: pipelines and config management route on
//! them. They live in one place so every command maps outcomes the same way.

/// The process exit codes lsm documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exit {
    /// Success, or nothing to change.
    Ok = 0,
    /// Any error: bad input, unreachable engine, failed apply.
    Error = 1,
    /// Changes present (`plan --detailed-exitcode`) or made (`apply --detailed-exitcode`).
    Changes = 2,
    /// A saved plan no longer matches the observed state.
    StalePlan = 3,
    /// Another lsm holds the signer's lock.
    LockHeld = 4,
    /// A protection refused the operation (seed safety, wallet mismatch, ...).
    Blocked = 5,
}

impl Exit {
    /// The numeric process exit status.
    pub(crate) fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}
