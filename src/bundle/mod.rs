//! The credentials bundle a watch-only node imports: accounts.json (xpubs),
//! tls.cert, the scoped macaroon, bundle.json (what, for whom, hashes) and
//! optionally the same as one base64 tar.gz beside the directory.
//!
//! The bundle is a resource like any other: [`contents`] says what it should
//! hold (possibly only partly, when the signer cannot be asked), [`observe`]
//! reads what is on disk without following symlinks, [`diff`] turns the two
//! into reasoned plan actions, [`write`] carries them out crash-safely, and
//! [`verify`] checks a bundle offline, wherever it came from. For the
//! watch-only side, [`import`] takes a verified bundle in, typed, and
//! `live` checks it against the signer it is for (`verify --live`). What
//! the bundle should hold given the live signer and the wallet is decided
//! above the resources, in `reconcile::bundle`.

pub mod accounts;
pub mod archive;
pub mod bundle_json;
pub(crate) mod contents;
pub(crate) mod diff;
mod error;
pub mod import;
pub(crate) mod live;
pub mod network;
pub(crate) mod observe;
pub(crate) mod untar;
pub mod verify;
pub mod write;

pub use contents::{BundleInputs, DesiredBundle};
pub(crate) use contents::{Part, PartialInputs};
pub(crate) use diff::diff;
pub use error::Error;
pub(crate) use observe::{ObservedBundle, observe};

use std::path::{Path, PathBuf};

/// accounts.json: the xpubs, as `lncli wallet accounts list` prints them.
pub(crate) const ACCOUNTS_FILE: &str = "accounts.json";
/// tls.cert: the signer's certificate, byte for byte.
pub(crate) const TLS_CERT_FILE: &str = "tls.cert";
/// bundle.json: what the bundle is for, and the sha256 of every other file.
pub(crate) const BUNDLE_JSON_FILE: &str = "bundle.json";
/// The archive beside the directory is `<directory name>` + this.
pub(crate) const ARCHIVE_SUFFIX: &str = ".tar.gz.b64";
/// Bundle files are secrets (the macaroon) or sit next to one.
pub(crate) const FILE_MODE: u32 = crate::secrets::FILE_MODE;
/// The bundle directory.
pub(crate) const DIR_MODE: u32 = crate::secrets::DIR_MODE;

/// Where a bundle lives: its directory and, when archiving is on, the
/// `<name>.tar.gz.b64` beside it (where the old kit put
/// `credentials-bundle.tar.gz.b64`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleLayout {
    dir: PathBuf,
    dir_name: String,
    archive: bool,
}

impl BundleLayout {
    /// `dir` must end in a plain directory name (not `/`, `.` or `..`),
    /// because the archive is named after it.
    pub fn new(dir: impl Into<PathBuf>, archive: bool) -> Result<BundleLayout, Error> {
        let dir = dir.into();
        let dir_name = match dir.components().next_back() {
            Some(std::path::Component::Normal(n)) => n.to_str().map(str::to_string),
            _ => None,
        }
        .ok_or_else(|| Error::BadPath {
            path: dir.clone(),
            why: "it must end in a directory name (e.g. ./credentials-bundle), because the \
                  archive beside it is named after it"
                .into(),
        })?;
        Ok(BundleLayout {
            dir,
            dir_name,
            archive,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the `.tar.gz.b64` archive is wanted.
    pub(crate) fn archive_enabled(&self) -> bool {
        self.archive
    }

    /// The archive's file name, `<directory name>.tar.gz.b64`.
    pub(crate) fn archive_name(&self) -> String {
        format!("{}{ARCHIVE_SUFFIX}", self.dir_name)
    }

    /// The directory that holds the bundle directory and the archive.
    pub(crate) fn parent(&self) -> PathBuf {
        match self.dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    pub(crate) fn archive_path(&self) -> PathBuf {
        self.parent().join(self.archive_name())
    }

    /// How plan actions name a file: bare for files in the directory,
    /// `../name` for the archive and its leftovers beside it.
    pub(crate) fn beside(name: &str) -> String {
        format!("../{name}")
    }
}

/// `entity:action` strings, the form bundle.json and plans use.
pub(crate) fn permission_strings(perms: &[crate::lnd::permissions::Permission]) -> Vec<String> {
    perms.iter().map(ToString::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_names_the_archive_after_the_directory() {
        let l = BundleLayout::new("/srv/signer/credentials-bundle/", true).unwrap();
        assert_eq!(l.archive_name(), "credentials-bundle.tar.gz.b64");
        assert_eq!(
            l.archive_path(),
            PathBuf::from("/srv/signer/credentials-bundle.tar.gz.b64")
        );
        let rel = BundleLayout::new("bundle", false).unwrap();
        assert_eq!(rel.archive_path(), PathBuf::from("./bundle.tar.gz.b64"));
        for bad in ["/", ".", "..", "a/.."] {
            assert!(BundleLayout::new(bad, true).is_err(), "{bad}");
        }
    }
}
