//! The wallet's files in `[wallet] secrets_dir`: wallet-password.txt and
//! seed.txt (see [`seed`](super::seed) for its format). Observing them
//! (presence, modes, whether they are usable — never their content in a
//! plan), reading them for lnd, and spotting leftovers of an interrupted
//! write.
//!
//! Every read opens the file without following a symlink and without
//! blocking on a FIFO: lsm writes plain files here, and anything else in
//! their place is reported, never used.

use crate::fsutil::{self, mode_of, temp_prefix_for};
use crate::regular_file::ReadError;
use crate::wallet::Error;
use crate::wallet::diff::{
    FileView, IDENTITY_FILE, IDENTITY_PENDING_FILE, PASSWORD_FILE, REHEARSAL_FILE, SEED_FILE,
    SecretsView,
};
use crate::wallet::seed::{self, SeedFile};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Far more than 24 words or a password need; a larger file is not one.
/// lnd's minimum wallet password length.
const MIN_PASSWORD_BYTES: usize = 8;

// Files the runtime and the watch-only node keep in the secrets
// directory. They are named here, in the directory's layout, because this
// module decides which names in it are lsm's and which temp files are
// leftovers of its writes; their owners, above the wallet, take them from
// here.

/// The native runtime's rendered lnd.conf (0600).
pub(crate) const NATIVE_CONF_FILE: &str = "signer-lnd.conf";
/// lnd's stdout and stderr under the native runtime's process
/// supervisor, appended.
pub(crate) const NATIVE_LOG_FILE: &str = "signer-lnd.log";
/// A native watch-only node's copies of its signer's certificate and
/// macaroon (0600 in 0700).
pub(crate) const SIGNER_TLS_CERT_FILE: &str = "signer-tls.cert";
pub(crate) const SIGNER_MACAROON_FILE: &str = "signer.macaroon";
/// A watch-only node's record of the signer its wallet was made for.
pub(crate) const WATCHONLY_RECORD_FILE: &str = "watchonly-signer.json";

/// What lsm itself keeps in the secrets directory besides the wallet's
/// two files: its macaroon root key record, the identity record and its
/// pending note, the last rehearsal's outcome, and (native runtime) lnd's
/// config and console log.
const OTHER_OWN_FILES: &[&str] = &[
    crate::scope::ledger::LEDGER_FILE,
    IDENTITY_FILE,
    IDENTITY_PENDING_FILE,
    REHEARSAL_FILE,
    NATIVE_CONF_FILE,
    NATIVE_LOG_FILE,
    // A native watch-only node's signer credentials, and the record of
    // the signer its wallet was made for.
    SIGNER_TLS_CERT_FILE,
    SIGNER_MACAROON_FILE,
    WATCHONLY_RECORD_FILE,
];

/// The secrets directory and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WalletFiles {
    pub dir: PathBuf,
    /// Other names in `dir` that are lsm's: the bundle directory and its
    /// archive, when the bundle lives directly inside (the default layout).
    pub also_lsms: Vec<String>,
}

impl WalletFiles {
    pub(crate) fn new(dir: impl Into<PathBuf>) -> Self {
        WalletFiles {
            dir: dir.into(),
            also_lsms: Vec::new(),
        }
    }

    /// The secrets directory of a manifest, knowing where its bundle is.
    pub(crate) fn from_resolved(r: &crate::manifest::Resolved) -> Self {
        let mut files = WalletFiles::new(r.wallet.secrets_dir.clone());
        if r.bundle.path.parent() == Some(files.dir.as_path())
            && let Some(name) = r.bundle.path.file_name()
        {
            let name = name.to_string_lossy().into_owned();
            files
                .also_lsms
                .push(format!("{name}{}", crate::bundle::ARCHIVE_SUFFIX));
            files.also_lsms.push(name);
        }
        files
    }

    /// The entries among `names` that are not lsm's (see [`crate::dirguard`]).
    pub(crate) fn foreign_names(&self, names: &[String]) -> Vec<String> {
        names
            .iter()
            .filter(|n| {
                let n = n.as_str();
                !(n == PASSWORD_FILE
                    || n == SEED_FILE
                    || OTHER_OWN_FILES.contains(&n)
                    || n == format!("{NATIVE_LOG_FILE}.1")
                    || n.starts_with(fsutil::TEMP_PREFIX)
                    || self.also_lsms.iter().any(|o| o == n))
            })
            .cloned()
            .collect()
    }

    /// Whose directory it is (see [`crate::dirguard`]).
    pub(crate) fn observe_dir(&self) -> crate::dirguard::DirView {
        crate::dirguard::observe(&self.dir, |n| self.foreign_names(n))
    }

    /// Makes the directory ready for a secret to be written: created 0700
    /// (and marked) when missing, else refused unless it is the user's own
    /// and holds only lsm's files. Checked before every write.
    pub(crate) fn prepare_dir(&self) -> Result<(), Error> {
        crate::dirguard::prepare(
            &self.dir,
            crate::dirguard::Role::Secrets,
            crate::secrets::DIR_MODE,
            |n| self.foreign_names(n),
        )?;
        Ok(())
    }

    pub(crate) fn password_path(&self) -> PathBuf {
        self.dir.join(PASSWORD_FILE)
    }

    pub(crate) fn seed_path(&self) -> PathBuf {
        self.dir.join(SEED_FILE)
    }

    /// Presence, modes and usability. The contents are read and checked in
    /// memory (zeroized after), never kept or shown.
    pub(crate) fn observe(&self) -> SecretsView {
        let euid = crate::dirguard::euid();
        let mut untrusted = Vec::new();
        let (password, password_problem) =
            observe_file(&self.password_path(), euid, &mut untrusted, |b| {
                password_of(b).map(|_| ())
            });
        let mut seed_sha256 = None;
        let (seed, seed_problem) = observe_file(&self.seed_path(), euid, &mut untrusted, |b| {
            let parsed = seed::parse_and_check(b)?;
            seed_sha256 = Some(crate::wallet::identity::seed_fingerprint(&parsed.words));
            Ok(())
        });
        SecretsView {
            dir_mode: mode_of(&self.dir),
            dir: self.observe_dir(),
            euid,
            untrusted,
            password,
            password_problem,
            seed,
            seed_problem,
            temp_leftovers: self.temp_leftovers(),
            earlier_wallet: None,
            identity: crate::wallet::identity::observe(&self.dir, seed_sha256),
            last_rehearsal: crate::wallet::rehearsal::read(&self.dir),
        }
    }

    /// The wallet password, without a trailing newline.
    pub(crate) fn read_password(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let path = self.password_path();
        let bytes = read_own(&path)?;
        password_of(&bytes).map_err(|why| Error::BadPassword { path, why })
    }

    /// seed.txt's words (checked as lnd would check them) and birthday.
    /// Errors name the file and a word's position, never a word.
    pub(crate) fn read_seed(&self) -> Result<SeedFile, Error> {
        let path = self.seed_path();
        let bytes = read_own(&path)?;
        seed::parse_and_check(&bytes).map_err(|why| Error::BadSeed { path, why })
    }

    /// When lsm generated the seed, if seed.txt records it.
    pub(crate) fn read_birthday(&self) -> Option<u64> {
        let bytes = crate::secrets::read_file(&self.seed_path()).ok()?;
        seed::parse(&bytes.bytes).ok()?.birthday
    }

    /// Temp files of an interrupted write of seed.txt,
    /// wallet-password.txt or one of lsm's records beside them (identity,
    /// its pending note, root keys, rehearsal). Their content was never
    /// used: each file is read only after its rename made it durable.
    pub(crate) fn temp_leftovers(&self) -> Vec<String> {
        fsutil::list_temp_files(&self.dir, is_leftover).unwrap_or_default()
    }

    /// Removes what [`temp_leftovers`](Self::temp_leftovers) lists now.
    pub(crate) fn remove_temp_leftovers(&self) -> Result<(), Error> {
        fsutil::remove_temp_files(&self.dir, is_leftover).map_err(|source| Error::RemoveLeftovers {
            dir: self.dir.clone(),
            source,
        })
    }
}

/// A temp name of lsm's own atomic writes into the secrets directory.
fn is_leftover(name: &str) -> bool {
    [
        SEED_FILE,
        PASSWORD_FILE,
        IDENTITY_FILE,
        IDENTITY_PENDING_FILE,
        REHEARSAL_FILE,
        crate::scope::ledger::LEDGER_FILE,
        SIGNER_TLS_CERT_FILE,
        SIGNER_MACAROON_FILE,
        WATCHONLY_RECORD_FILE,
    ]
    .iter()
    .any(|f| name.starts_with(&temp_prefix_for(f)))
}

/// A file's view and, when present, why its content is unusable. A file
/// that is not the user's own is unusable whatever it holds, and is named
/// in `untrusted`.
fn observe_file(
    path: &Path,
    euid: u32,
    untrusted: &mut Vec<String>,
    check: impl FnOnce(&[u8]) -> Result<(), String>,
) -> (FileView, Option<String>) {
    match crate::secrets::read_file(path) {
        Err(ReadError::NotFound) => (FileView::Missing, None),
        Ok(f) => {
            if let Some(why) = crate::dirguard::not_own(f.uid, f.mode, euid) {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                untrusted.push(format!("{name}: {why}"));
                return (FileView::Present { mode: f.mode }, Some(why));
            }
            (FileView::Present { mode: f.mode }, check(&f.bytes).err())
        }
        Err(ReadError::NotRegular { kind }) => (FileView::NotRegular { kind }, None),
        // Present but unreadable (permissions, I/O): say so, never guess.
        Err(e) => (
            FileView::Present {
                mode: mode_of(path).unwrap_or(0),
            },
            Some(format!("it cannot be read: {e}")),
        ),
    }
}

/// Reads a secret file that must exist, be a regular file and be the
/// user's own (checked again here, right before lnd gets its content).
fn read_own(path: &Path) -> Result<Zeroizing<Vec<u8>>, Error> {
    let path_buf = || path.to_path_buf();
    match crate::secrets::read_file(path) {
        Ok(f) => match crate::dirguard::not_own(f.uid, f.mode, crate::dirguard::euid()) {
            None => Ok(f.bytes),
            Some(why) => Err(Error::NotOwn {
                path: path_buf(),
                why,
            }),
        },
        Err(ReadError::NotFound) => Err(Error::Missing { path: path_buf() }),
        Err(source) => Err(Error::Unreadable {
            path: path_buf(),
            source,
        }),
    }
}

/// The password in wallet-password.txt's bytes (trailing newlines dropped),
/// or why lnd would refuse it.
fn password_of(bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut password = Zeroizing::new(bytes.to_vec());
    while password.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        password.pop();
    }
    if password.len() < MIN_PASSWORD_BYTES {
        return Err(format!(
            "holds fewer than {MIN_PASSWORD_BYTES} bytes; lnd refuses such a wallet password"
        ));
    }
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observe_reports_unusable_files_without_reading_through_them() {
        let tmp = tempfile::tempdir().unwrap();
        let files = WalletFiles::new(tmp.path());
        let empty = files.observe();
        assert_eq!(empty.seed, FileView::Missing);
        assert_eq!(empty.password, FileView::Missing);

        std::fs::write(files.seed_path(), b"").unwrap();
        std::fs::write(files.password_path(), b"short\n").unwrap();
        let v = files.observe();
        assert!(matches!(v.seed, FileView::Present { .. }));
        assert!(v.seed_problem.unwrap().contains("0 words"));
        assert!(v.password_problem.unwrap().contains("fewer than 8"));

        std::fs::remove_file(files.seed_path()).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("gone"), files.seed_path()).unwrap();
        std::fs::remove_file(files.password_path()).unwrap();
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            files.password_path(),
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        let v = files.observe();
        assert_eq!(
            v.seed,
            FileView::NotRegular {
                kind: "a symbolic link"
            }
        );
        assert_eq!(
            v.password,
            FileView::NotRegular {
                kind: "a named pipe (FIFO)"
            }
        );
        assert!(files.read_password().is_err(), "a FIFO is never read");
    }

    #[test]
    fn only_leftovers_of_lsms_own_writes_are_listed_and_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let files = WalletFiles::new(tmp.path());
        for name in [
            ".lsm-tmp-seed.txt.Ab12",
            ".lsm-tmp-wallet-password.txt.Zz9",
            ".lsm-tmp-wallet-identity.json.Cd34",
            ".lsm-tmp-other.txt.x",
            "notes.txt",
        ] {
            std::fs::write(tmp.path().join(name), b"x").unwrap();
        }
        let mut listed = files.temp_leftovers();
        listed.sort();
        assert_eq!(
            listed,
            [
                ".lsm-tmp-seed.txt.Ab12",
                ".lsm-tmp-wallet-identity.json.Cd34",
                ".lsm-tmp-wallet-password.txt.Zz9"
            ]
        );
        files.remove_temp_leftovers().unwrap();
        assert!(files.temp_leftovers().is_empty());
        assert!(tmp.path().join(".lsm-tmp-other.txt.x").exists());
        assert!(tmp.path().join("notes.txt").exists());
    }
}
