//! The wallet's identity record, `wallet-identity.json` beside seed.txt:
//! which identity pubkey (on which network) the seed in seed.txt produced
//! when lsm created or restored the wallet from it, or when a restore
//! rehearsal (`lsm seed verify`) proved it.
//!
//! seed.txt's offline checks (word list, version, checksum) cannot tell
//! one wallet's seed from another's: another signer's seed.txt passes them
//! all. The record can: it names the seed by a fingerprint (a sha256 of the
//! words, in a 0600 file beside the words themselves) and the identity
//! that came out of it. A seed.txt whose fingerprint is not the record's,
//! or a live wallet whose identity is not the record's, is refused as that
//! wallet's backup; `destroy --purge-volume` and a restore then stop.
//!
//! The record is written once (never replaced). Right before InitWallet,
//! lsm writes `wallet-identity.pending` naming the seed it is about to
//! initialise the wallet from; a crash between InitWallet and the record
//! leaves that note, and the next apply records the identity of the wallet
//! lnd then has. A wallet lsm did not create (the shell kit's, one made
//! before the record existed) has no record until a rehearsal proves its
//! seed.txt.

use crate::fsutil::{self, Existing};
use crate::wallet::diff::{IDENTITY_FILE, IDENTITY_PENDING_FILE};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io;
use std::path::{Path, PathBuf};

/// The format this lsm writes; a newer one is refused, not rewritten.
pub(crate) const FORMAT_VERSION: u32 = 1;
const MAX_BYTES: u64 = 64 * 1024;

const ABOUT: &str = "The identity of the wallet lsm created or restored from seed.txt (or \
     proved with a restore rehearsal): seed.txt is that wallet's backup only while its \
     fingerprint is seed_sha256. Written once by lsm; keep it with seed.txt.";

/// A fingerprint of seed words: sha256 over a domain tag and the words
/// (lower case, single spaces), as lowercase hex. It identifies the seed
/// without revealing it (128 bits of entropy stand behind the words).
pub(crate) fn seed_fingerprint(words: &[String]) -> String {
    let mut h = Sha256::new();
    h.update(b"lsm seed fingerprint v1\n");
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            h.update(b" ");
        }
        h.update(w.to_ascii_lowercase().as_bytes());
    }
    hex::encode(h.finalize())
}

/// How plans show a seed fingerprint.
pub(crate) fn short(fingerprint: &str) -> String {
    format!("sha256:{}", fingerprint.get(..16).unwrap_or(fingerprint))
}

/// How the record came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Origin {
    /// lsm generated the seed and created the wallet.
    Created,
    /// lsm restored the wallet from seed.txt.
    Restored,
    /// A restore rehearsal proved seed.txt restores the live wallet.
    Rehearsal,
}

/// `wallet-identity.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IdentityRecord {
    pub format_version: u32,
    #[serde(default)]
    pub about: String,
    pub network: String,
    pub identity_pubkey: String,
    /// [`seed_fingerprint`] of the seed that produced the wallet.
    pub seed_sha256: String,
    pub origin: Origin,
    /// Unix time of the record.
    pub recorded_at: u64,
}

impl IdentityRecord {
    pub(crate) fn new(
        network: &str,
        identity_pubkey: &str,
        seed_sha256: &str,
        origin: Origin,
    ) -> Self {
        IdentityRecord {
            format_version: FORMAT_VERSION,
            about: ABOUT.to_string(),
            network: network.to_string(),
            identity_pubkey: identity_pubkey.to_string(),
            seed_sha256: seed_sha256.to_string(),
            origin,
            recorded_at: crate::fsutil::unix_now(),
        }
    }
}

/// `wallet-identity.pending`: the seed lsm is about to hand InitWallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Pending {
    pub format_version: u32,
    pub network: String,
    pub seed_sha256: String,
    /// Whether the seed was just generated or restored.
    pub origin: Origin,
    pub written_at: u64,
}

/// The record and the pending note as observed (nothing secret: a
/// fingerprint and a public key). Serialised into the plan's digest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct IdentityView {
    pub record: Option<IdentityRecord>,
    /// Why the record exists but cannot be used.
    pub record_problem: Option<String>,
    pub pending: Option<Pending>,
    /// [`seed_fingerprint`] of seed.txt, when it is usable.
    pub seed_sha256: Option<String>,
}

/// Reads a small JSON file of lsm's from `dir` (the identity record, its
/// pending note, the last rehearsal's outcome): `Ok(None)` when absent.
/// The record vouches for seed.txt, so like the secrets each must be the
/// user's own and writable by no one else: one another user owns or could
/// have written is refused, not believed.
pub(crate) fn read_json<T: for<'de> Deserialize<'de>>(
    dir: &Path,
    name: &str,
) -> Result<Option<T>, String> {
    use crate::regular_file::{Links, ReadError, read_with};
    let path = dir.join(name);
    match read_with(&path, MAX_BYTES, Links::Refuse) {
        Err(ReadError::NotFound) => Ok(None),
        Err(e) => Err(format!("{} cannot be read: {e}", path.display())),
        Ok(f) => {
            if let Some(why) = crate::dirguard::not_own(f.uid, f.mode, crate::dirguard::euid()) {
                return Err(format!("{} is not to be trusted: {why}", path.display()));
            }
            serde_json::from_slice(&f.bytes)
                .map(Some)
                .map_err(|e| format!("{} is not lsm's record: {e}", path.display()))
        }
    }
}

/// Observes the record and the pending note in `dir`; `seed_sha256` is
/// seed.txt's fingerprint when seed.txt is usable.
pub(crate) fn observe(dir: &Path, seed_sha256: Option<String>) -> IdentityView {
    let (record, record_problem) = match read_json::<IdentityRecord>(dir, IDENTITY_FILE) {
        Ok(Some(r)) if r.format_version > FORMAT_VERSION => (
            None,
            Some(format!(
                "{IDENTITY_FILE} has format_version {}; this lsm understands up to \
                 {FORMAT_VERSION} (upgrade lsm)",
                r.format_version
            )),
        ),
        Ok(r) => (r, None),
        Err(e) => (None, Some(e)),
    };
    IdentityView {
        record,
        record_problem,
        pending: read_json::<Pending>(dir, IDENTITY_PENDING_FILE)
            .ok()
            .flatten(),
        seed_sha256,
    }
}

/// Notes, durably, that lsm is about to initialise the wallet from the
/// seed with fingerprint `seed_sha256` (replacing an older note).
pub(crate) fn write_pending(
    dir: &Path,
    network: &str,
    seed_sha256: &str,
    origin: Origin,
) -> io::Result<()> {
    let pending = Pending {
        format_version: FORMAT_VERSION,
        network: network.to_string(),
        seed_sha256: seed_sha256.to_string(),
        origin,
        written_at: crate::fsutil::unix_now(),
    };
    let mut bytes = serde_json::to_vec_pretty(&pending).map_err(io::Error::other)?;
    bytes.push(b'\n');
    fsutil::atomic_write(
        &dir.join(IDENTITY_PENDING_FILE),
        &bytes,
        crate::secrets::FILE_MODE,
        Existing::Replace,
    )
}

/// Why the identity record could not be written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RecordError {
    /// The record there cannot be read or is not to be trusted
    /// ([`read_json`]'s reason).
    #[error("{why}")]
    Unreadable { why: String },
    /// It records another wallet: lsm never replaces it.
    #[error(
        "{} already records identity {identity} on {network} for seed {seed}; lsm never \
         replaces it",
        path.display()
    )]
    Replaces {
        path: PathBuf,
        identity: String,
        network: String,
        /// Shortened fingerprint.
        seed: String,
    },
    #[error(transparent)]
    Encode(serde_json::Error),
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot sync {}", dir.display())]
    Sync {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot remove {}", path.display())]
    RemovePending {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Writes the record once: an existing record naming the same seed,
/// network and identity is kept as it is; one naming anything else is an
/// error (the caller's plan refused that case; it changed meanwhile). The
/// pending note goes once the record is durable.
pub(crate) fn write_record(dir: &Path, record: &IdentityRecord) -> Result<(), RecordError> {
    let path = dir.join(IDENTITY_FILE);
    match read_json::<IdentityRecord>(dir, IDENTITY_FILE)
        .map_err(|why| RecordError::Unreadable { why })?
    {
        Some(old)
            if old.seed_sha256 == record.seed_sha256
                && old.network == record.network
                && old.identity_pubkey == record.identity_pubkey => {}
        Some(old) => {
            return Err(RecordError::Replaces {
                path,
                identity: old.identity_pubkey,
                network: old.network,
                seed: short(&old.seed_sha256),
            });
        }
        None => {
            let mut bytes = serde_json::to_vec_pretty(record).map_err(RecordError::Encode)?;
            bytes.push(b'\n');
            fsutil::atomic_write(&path, &bytes, crate::secrets::FILE_MODE, Existing::Refuse)
                .map_err(|source| RecordError::Write { path, source })?;
        }
    }
    let pending = dir.join(IDENTITY_PENDING_FILE);
    match std::fs::remove_file(&pending) {
        Ok(()) => fsutil::sync_dir(dir).map_err(|source| RecordError::Sync {
            dir: dir.to_path_buf(),
            source,
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(RecordError::RemovePending {
            path: pending,
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &str) -> Vec<String> {
        w.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn fingerprints_ignore_case_and_differ_per_seed() {
        let a = seed_fingerprint(&words("abandon ability able"));
        assert_eq!(a, seed_fingerprint(&words("ABANDON Ability able")));
        assert_ne!(a, seed_fingerprint(&words("abandon able ability")));
        assert_eq!(a.len(), 64);
        assert_eq!(short(&a).len(), "sha256:".len() + 16);
    }

    #[test]
    fn the_record_is_written_once_and_clears_the_pending_note() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write_pending(dir, "regtest", "aa", Origin::Created).unwrap();
        assert_eq!(observe(dir, None).pending.unwrap().seed_sha256, "aa");
        let rec = IdentityRecord::new("regtest", "02ab", "aa", Origin::Created);
        write_record(dir, &rec).unwrap();
        let view = observe(dir, Some("aa".into()));
        assert_eq!(view.record.as_ref().unwrap().identity_pubkey, "02ab");
        assert!(view.pending.is_none());
        assert_eq!(
            crate::fsutil::mode_of(&dir.join(IDENTITY_FILE)),
            Some(0o600)
        );
        // The same again is fine; anything else is refused, never replaced.
        write_record(dir, &rec).unwrap();
        let other = IdentityRecord::new("regtest", "03cd", "bb", Origin::Restored);
        let err = write_record(dir, &other).unwrap_err();
        assert!(matches!(err, RecordError::Replaces { .. }), "{err:?}");
        assert!(err.to_string().contains("never replaces"), "{err}");
        assert_eq!(observe(dir, None).record.unwrap().identity_pubkey, "02ab");
    }

    /// The record vouches for seed.txt: one others could have written is
    /// refused like a secret file (and a pending note like it is ignored),
    /// never believed.
    #[test]
    fn a_record_others_can_write_is_refused_not_believed() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write_pending(dir, "regtest", "aa", Origin::Created).unwrap();
        write_record(
            dir,
            &IdentityRecord::new("regtest", "02ab", "aa", Origin::Created),
        )
        .unwrap();
        write_pending(dir, "regtest", "aa", Origin::Created).unwrap();
        for name in [IDENTITY_FILE, IDENTITY_PENDING_FILE] {
            std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(0o620))
                .unwrap();
        }
        let view = observe(dir, Some("aa".into()));
        assert!(view.record.is_none(), "{view:?}");
        assert!(view.pending.is_none(), "{view:?}");
        let problem = view.record_problem.unwrap();
        assert!(
            problem.contains("others can write it (mode 0620)"),
            "{problem}"
        );
        // write_record does not take it for lsm's either.
        let err = write_record(
            dir,
            &IdentityRecord::new("regtest", "02ab", "aa", Origin::Created),
        )
        .unwrap_err();
        assert!(err.to_string().contains("not to be trusted"), "{err}");
    }

    #[test]
    fn a_damaged_record_is_reported_not_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(IDENTITY_FILE), b"{nope").unwrap();
        let view = observe(tmp.path(), None);
        assert!(view.record.is_none());
        assert!(view.record_problem.unwrap().contains("is not lsm's record"));
    }
}
