//! [`runtime::Error`](crate::runtime::Error) as a command failure.

use crate::error::{Failure, chain};
use crate::runtime::Error;

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::Untyped(f) => f,
            Error::ForeignStep(_) => Failure::error(chain(&e)),
        }
    }
}
