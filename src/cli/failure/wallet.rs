//! [`wallet::Error`](crate::wallet::Error) as a command failure. Every
//! protection of the seed and the password is exit 5 with the fix; a wallet
//! lnd has that the plan did not expect is exit 1 (plan again).

use crate::error::{Failure, chain};
use crate::exit::Exit;
use crate::wallet::Error;

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            // A lower layer's error keeps that layer's exit code and hints.
            Error::Secrets(e) => e.into(),
            Error::Dir(e) => e.into(),
            Error::Lnd(e) => e.into(),
            e => {
                let (exit, hint) = verdict(&e);
                Failure::with_exit(exit, chain(&e)).with_hints(hint)
            }
        }
    }
}

/// The exit code and the fix of the wallet's own errors.
fn verdict(e: &Error) -> (Exit, Option<&'static str>) {
    match e {
        Error::Secrets(_) | Error::Dir(_) | Error::Lnd(_) => (Exit::Error, None),
        Error::Missing { .. } | Error::Unreadable { .. } => (Exit::Blocked, None),
        Error::NotOwn { .. } => (
            Exit::Blocked,
            Some("put your own copy there (owned by you, mode 0600)"),
        ),
        Error::BadPassword { .. } => (
            Exit::Blocked,
            Some("restore wallet-password.txt from your backup; lsm never edits it"),
        ),
        Error::BadSeed { .. } => (
            Exit::Blocked,
            Some("restore the original seed.txt from your offline backup; lsm never edits it"),
        ),
        Error::SeedExists { .. } => (
            Exit::Blocked,
            Some("run `lsm plan`: with a seed.txt present lsm restores from it instead"),
        ),
        Error::WalletExistsNow => (
            Exit::Error,
            Some("run `lsm plan` again; nothing was generated or written"),
        ),
        Error::NoWalletNow => (Exit::Error, Some("run `lsm plan` again")),
        Error::WalletFromElsewhere => (
            Exit::Blocked,
            Some(
                "find out who initialised the signer's wallet; `lsm plan` shows whether \
                     seed.txt is this wallet's, and `lsm seed verify` proves it",
            ),
        ),
        Error::SeedRejected { .. } => (
            Exit::Blocked,
            Some("restore the original seed.txt from your offline backup"),
        ),
        Error::WrongPassword { .. } => (
            Exit::Blocked,
            Some(
                "restore the wallet's own password file from your backup; lsm never \
                     replaces it",
            ),
        ),
        Error::Record(_) => (
            Exit::Blocked,
            Some("run `lsm plan`: it says which wallet seed.txt and the record belong to"),
        ),
        Error::RehearsalFailed { .. } => (
            Exit::Blocked,
            Some(
                "put this wallet's own seed words into seed.txt, then run `lsm seed verify` \
                     until it passes",
            ),
        ),
        Error::Write { .. }
        | Error::Encode { .. }
        | Error::Chmod { .. }
        | Error::RemoveLeftovers { .. } => (Exit::Error, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lnd::error::LndError;
    use crate::wallet::SeedRefusal;
    use crate::wallet::files::WalletFiles;

    #[test]
    fn unusable_secret_files_are_protections_naming_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let files = WalletFiles::new(tmp.path());
        let f = Failure::from(files.read_password().unwrap_err());
        assert_eq!(f.exit, Exit::Blocked);
        assert_eq!(
            f.message,
            format!("{} is missing", files.password_path().display())
        );
        assert!(f.hints.is_empty());
        std::fs::write(files.password_path(), b"short\n").unwrap();
        let f = Failure::from(files.read_password().unwrap_err());
        assert_eq!(f.exit, Exit::Blocked);
        assert_eq!(
            f.message,
            format!(
                "{} holds fewer than 8 bytes; lnd refuses such a wallet password",
                files.password_path().display()
            )
        );
        assert_eq!(
            f.hints,
            ["restore wallet-password.txt from your backup; lsm never edits it"]
        );
        std::fs::write(files.seed_path(), b"").unwrap();
        let f = Failure::from(files.read_seed().unwrap_err());
        assert_eq!(f.exit, Exit::Blocked);
        assert!(
            f.message.starts_with(&format!(
                "{} is not a usable seed: ",
                files.seed_path().display()
            )),
            "{}",
            f.message
        );
    }

    #[test]
    fn lnd_refusing_the_words_names_seed_txt_and_lnd_s_reason() {
        let f = Failure::from(Error::SeedRejected {
            path: "/s/seed.txt".into(),
            source: SeedRefusal::of(LndError::Internal("invalid mnemonic".into())),
        });
        assert_eq!(f.exit, Exit::Blocked);
        assert_eq!(
            f.message,
            "lnd rejected the words in /s/seed.txt: internal error: invalid mnemonic"
        );
        assert_eq!(
            f.hints,
            ["restore the original seed.txt from your offline backup"]
        );
    }

    #[test]
    fn a_word_lnd_names_is_never_shown() {
        let status =
            tonic::Status::unknown("word zebra isn't a part of default word list (index=3)");
        let f = Failure::from(Error::SeedRejected {
            path: "/s/seed.txt".into(),
            source: SeedRefusal::of(LndError::Other {
                method: "InitWallet".into(),
                status: Box::new(status),
            }),
        });
        assert_eq!(
            f.message,
            "lnd rejected the words in /s/seed.txt: a word is not in the aezeed word list"
        );
        assert!(!f.to_string().contains("zebra"), "{f}");
    }

    #[test]
    fn lower_layers_keep_their_own_exit_codes_and_hints() {
        let f = Failure::from(Error::Lnd(LndError::WalletAlreadyExists));
        assert_eq!(f.exit, Exit::Error);
        assert_eq!(f.message, "the signer already has a wallet");
        assert!(f.hints[0].starts_with("lsm never replaces an existing wallet"));
        let f = Failure::from(Error::Secrets(crate::secrets::Error::Exists {
            path: "/s/seed.txt".into(),
        }));
        assert_eq!(f.exit, Exit::Blocked);
    }

    #[test]
    fn an_identity_record_that_cannot_be_written_is_a_protection() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let record = |id: &str| {
            crate::wallet::identity::IdentityRecord::new(
                "regtest",
                id,
                "aa",
                crate::wallet::identity::Origin::Created,
            )
        };
        crate::wallet::identity::write_record(dir, &record("02ab")).unwrap();
        let err = crate::wallet::identity::write_record(dir, &record("03cd")).unwrap_err();
        let f = Failure::from(Error::from(err));
        assert_eq!(f.exit, Exit::Blocked);
        assert!(
            f.message.ends_with("lsm never replaces it"),
            "{}",
            f.message
        );
        assert_eq!(
            f.hints,
            ["run `lsm plan`: it says which wallet seed.txt and the record belong to"]
        );
    }

    #[test]
    fn io_failures_are_errors_with_their_cause() {
        let f = Failure::from(Error::Chmod {
            path: "/s/seed.txt".into(),
            mode: 0o600,
            source: std::io::Error::other("read-only file system"),
        });
        assert_eq!(f.exit, Exit::Error);
        assert_eq!(
            f.message,
            "cannot chmod 600 /s/seed.txt: read-only file system"
        );
        assert!(f.hints.is_empty());
    }
}
