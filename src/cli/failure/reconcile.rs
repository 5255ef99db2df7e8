//! [`reconcile::Error`](crate::reconcile::Error) as a command failure: a
//! lower layer's error keeps that layer's exit code and hints.

use crate::error::Failure;
use crate::reconcile::Error;

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::Bundle(e) => e.into(),
            Error::Wallet(e) => e.into(),
            Error::Runtime(e) => e.into(),
            Error::Lnd(e) => e.into(),
            // The outcome comes first; the runtime's message says what is
            // left behind (its hints are for a failed step, not this).
            Error::ThrowawayLeft { summary, source } => Failure::error(format!(
                "the rehearsal ran ({summary}), but {}",
                Failure::from(*source).message
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::op::{DockerOp, NativeOp, RuntimeOp, Vocabulary};

    #[test]
    fn a_throwaway_left_behind_follows_the_outcome() {
        let op = RuntimeOp::Native(NativeOp::StartProcess);
        let source = crate::runtime::Error::from(DockerOp::expect(&op).unwrap_err());
        let removal = Failure::from(crate::runtime::Error::from(
            DockerOp::expect(&op).unwrap_err(),
        ));
        let f = Failure::from(Error::ThrowawayLeft {
            summary: "passed".into(),
            source: Box::new(source),
        });
        assert_eq!(f.exit, crate::exit::Exit::Error);
        assert_eq!(
            f.message,
            format!("the rehearsal ran (passed), but {}", removal.message)
        );
        assert!(f.hints.is_empty());
    }
}
