//! [`LndError`] (from the `lsm-lnd` crate) as a command [`Failure`]: lnd's
//! message plus the hint an operator needs to fix it.

use crate::error::Failure;
use crate::lnd::error::LndError;

impl From<LndError> for Failure {
    fn from(e: LndError) -> Failure {
        let hint = match &e {
            LndError::WalletAlreadyExists => Some(
                "lsm never replaces an existing wallet: run `lsm plan` to see the wallet lnd has now (and whether seed.txt is its backup). If lnd keeps reporting no wallet while saying one exists, restart lnd (`docker restart <name>`, or stop the native lnd) and run `lsm apply`",
            ),
            LndError::WalletNotCreated => Some("create the wallet first (lsm apply does this)"),
            LndError::WalletLocked => Some(
                "unlock the wallet with its password (lsm apply unlocks it, or configure wallet-unlock-password-file)",
            ),
            LndError::NotReady | LndError::WaitingToStart => {
                Some("lnd is still starting; wait and retry, or raise the timeout")
            }
            LndError::UnlockerGone => Some("nothing to do: the wallet is already unlocked"),
            LndError::InvalidPassphrase => Some(
                "the wallet password file does not match this wallet; restore the right password file",
            ),
            LndError::PasswordTooShort => Some("use a wallet password of at least 8 bytes"),
            LndError::PermissionDenied { .. } => Some(
                "use a macaroon that grants this permission (lsm macaroon inspect shows what one grants)",
            ),
            LndError::MacaroonRejected { .. } => Some(
                "the macaroon was not baked by this signer, its root key was deleted, or a caveat (expiry, IP lock) forbids it",
            ),
            LndError::DefaultRootKeyUndeletable => None,
            LndError::Unimplemented { .. } => Some(
                "the signer's lnd lacks this service; release builds of lnd include signrpc and walletrpc",
            ),
            LndError::Unreachable { detail, .. }
                if detail.contains("keep-alive") || detail.contains("timed out") =>
            {
                Some(
                    "the connection to lnd went silent mid-call: the network path to the signer's host broke; \
                     once it is back, run the command again (an apply picks up where this one stopped)",
                )
            }
            LndError::Unreachable { .. } => Some(
                "is the signer running and listening there? lnd's rpclisten with a bare port binds only localhost",
            ),
            LndError::TlsMismatch { .. } => Some(
                "lnd regenerates tls.cert when it is missing or expired; copy the signer's current tls.cert and check it is really your signer (lsm never skips TLS verification)",
            ),
            LndError::BadCertificate { .. } => {
                Some("point at the signer's tls.cert (PEM, as lnd writes it)")
            }
            LndError::BadAddress(_) => None,
            LndError::Timeout { .. } => {
                Some("the signer is slow or unreachable; check it and retry, or raise the timeout")
            }
            LndError::Protocol { .. } | LndError::Other { .. } | LndError::Internal(_) => None,
        };
        Failure::error(crate::error::chain(&e)).with_hints(hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_carry_hints_and_no_secrets() {
        let f: Failure = LndError::TlsMismatch {
            endpoint: "h:1".into(),
            cert: "/p/tls.cert".into(),
            expected: "sha256:aa".into(),
            presented: "sha256:bb".into(),
        }
        .into();
        assert!(f.message.contains("presented a different TLS certificate"));
        assert!(f.message.contains("/p/tls.cert"));
        assert_eq!(f.hints.len(), 1);
    }
}
