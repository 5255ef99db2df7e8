//! [`watchonly::Error`](crate::watchonly::Error) as a command failure: a
//! bundle that fails its checks or is for another network is a protection
//! (exit 5); one that cannot be read at all is an error.

use crate::error::{Failure, chain};
use crate::exit::Exit;
use crate::watchonly::Error;

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::Import(e) => {
                let refused = matches!(e, crate::bundle::Error::Rejected { .. });
                let mut f = Failure::from(e)
                    .hint("export it again on the signer (`lsm apply` there), then copy it here");
                if refused {
                    f.exit = Exit::Blocked;
                }
                f
            }
            Error::NetworkMismatch {
                network, declared, ..
            } => Failure::with_exit(Exit::Blocked, chain(&e)).hint(format!(
                "import a {declared} signer's bundle, or declare network = \"{network}\" for \
                 this node"
            )),
            Error::WalletExists { .. } => Failure::error(chain(&e)).hint("run `lsm plan` again"),
            Error::Write { .. } => Failure::error(chain(&e)),
            Error::Wallet(e) => e.into(),
            Error::Lnd(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Network;

    #[test]
    fn a_bundle_for_another_network_is_a_protection_with_both_fixes() {
        let f = Failure::from(Error::NetworkMismatch {
            bundle: "/b".into(),
            network: Network::Testnet,
            signer: "s1".into(),
            declared: Network::Regtest,
        });
        assert_eq!(f.exit, Exit::Blocked);
        assert_eq!(
            f.message,
            "the bundle /b is for testnet (signer s1), but watchonly.network is regtest"
        );
        assert_eq!(
            f.hints,
            ["import a regtest signer's bundle, or declare network = \"testnet\" for this node"]
        );
    }

    #[test]
    fn a_rejected_bundle_is_refused_and_an_unreadable_one_is_an_error() {
        let f = Failure::from(Error::Import(crate::bundle::Error::Rejected {
            bundle: "/b".into(),
            problems: vec!["x".into()],
        }));
        assert_eq!(f.exit, Exit::Blocked);
        assert_eq!(f.hints.len(), 2, "{f:?}");
        assert_eq!(
            f.hints[1],
            "export it again on the signer (`lsm apply` there), then copy it here"
        );
        let f = Failure::from(Error::Import(crate::bundle::Error::io(
            "read",
            std::path::Path::new("/b"),
            std::io::Error::other("gone"),
        )));
        assert_eq!(f.exit, Exit::Error);
        assert_eq!(f.message, "cannot read /b: gone");
        assert_eq!(
            f.hints,
            ["export it again on the signer (`lsm apply` there), then copy it here"]
        );
    }
}
