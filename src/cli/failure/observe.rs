//! [`observe::Error`](crate::observe::Error) as a command failure: each
//! cause keeps its own layer's exit code and hints.

use crate::error::Failure;
use crate::observe::Error;

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::Runtime(e) => e.into(),
            Error::Bundle(e) => e.into(),
        }
    }
}
