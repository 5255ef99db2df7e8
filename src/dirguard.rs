//! Whose directory is this? lsm writes the seed, the wallet password and
//! the credentials bundle only into a directory it created itself, or one
//! that is provably the user's own and holds nothing but lsm's files.
//!
//! - A directory lsm creates gets mode 0700 and a marker file,
//!   [`MARKER`]. Only a marked directory's mode is lsm's to repair: the
//!   mode of one lsm did not create (say `/tmp`, or a directory the
//!   operator made 0750 on purpose) is never changed, only reported.
//! - An existing directory must belong to the user running lsm and must
//!   not be group- or world-writable: anyone else who can write there can
//!   plant a seed lsm would restore, or swap the bundle's files.
//! - An existing directory lsm did not create is taken only when it holds
//!   lsm's own files and nothing else (a secrets directory of the shell
//!   kit, an interrupted first apply) — or, for the bundle, when it is a
//!   bundle (it has bundle.json). `/etc` or lnd's own data directory, with
//!   lnd's macaroons in it, is refused rather than chmodded and cleaned.
//!
//! A refusal is a typed [`Refusal`] with its fix: the plan shows it as a
//! blocker, and apply checks again right before it writes ([`prepare`];
//! the CLI makes [`Error::Refused`] exit 5).

use serde::Serialize;
use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The file lsm puts in every directory it creates for secrets or the
/// bundle: its proof that it made the directory, so may set its mode.
pub const MARKER: &str = ".lsm-dir";

const MARKER_TEXT: &str = "lsm created this directory. It sets the mode (0700) only of \
     directories it created, and knows them by this file.\n";

/// How many foreign names a refusal lists.
const SHOWN: usize = 3;

/// What a guarded directory is for, in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// `[wallet] secrets_dir`.
    Secrets,
    /// `[bundle] path`.
    Bundle,
}

impl Role {
    fn key(self) -> &'static str {
        match self {
            Role::Secrets => "[wallet] secrets_dir",
            Role::Bundle => "[bundle] path",
        }
    }
}

/// A guarded directory as observed. Serialised into the plan's observed
/// digest (names only, never contents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum DirView {
    Missing,
    Present {
        uid: u32,
        mode: u32,
        /// lsm created it (the marker is there, a regular file).
        marked: bool,
        /// Entries that are not lsm's (sorted), when lsm did not create it
        /// and it is not lsm's by its contents; empty otherwise.
        foreign: Vec<String>,
    },
    /// A file, a FIFO, ...: `kind` says what.
    NotADirectory {
        kind: &'static str,
    },
    Unreadable {
        error: String,
    },
}

impl DirView {
    /// Whether lsm created this directory (and so may set its mode).
    pub(crate) fn marked(&self) -> bool {
        matches!(self, DirView::Present { marked: true, .. })
    }
}

/// The user lsm runs as.
pub(crate) fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Why a file lsm trusts (a secret, the identity record) owned by `uid`
/// with `mode` cannot be taken as the user's own: another user owns it, or
/// others can write it, so someone else may have chosen its content.
pub fn not_own(uid: u32, mode: u32, euid: u32) -> Option<String> {
    if uid != euid {
        Some(format!(
            "it belongs to uid {uid}, not to the user running lsm (uid {euid})"
        ))
    } else if mode & 0o022 != 0 {
        Some(format!("others can write it (mode {mode:04o})"))
    } else {
        None
    }
}

/// Observes `dir`. `foreign` gets every entry name and returns those that
/// are not lsm's (empty when the directory is lsm's by its contents).
/// Follows a symlink at `dir` itself (operators link directories into
/// place); the checks apply to what it points at.
pub(crate) fn observe(dir: &Path, foreign: impl Fn(&[String]) -> Vec<String>) -> DirView {
    let meta = match fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return DirView::Missing,
        Err(e) => {
            return DirView::Unreadable {
                error: e.to_string(),
            };
        }
    };
    if !meta.is_dir() {
        return DirView::NotADirectory {
            kind: crate::regular_file::kind_of(&meta.file_type()),
        };
    }
    let names: Vec<String> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) => {
            return DirView::Unreadable {
                error: e.to_string(),
            };
        }
    };
    let marked = fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.file_type().is_file());
    let mut foreign = if marked {
        Vec::new()
    } else {
        let others: Vec<String> = names
            .into_iter()
            .filter(|n| n != MARKER && !marker_leftover(n))
            .collect();
        foreign(&others)
    };
    foreign.sort();
    DirView::Present {
        uid: meta.uid(),
        mode: meta.mode() & 0o7777,
        marked,
        foreign,
    }
}

/// Why lsm must not use a directory (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotADirectory {
        kind: &'static str,
    },
    Unreadable {
        error: String,
    },
    /// Another user owns it.
    NotOwn {
        uid: u32,
        euid: u32,
    },
    /// Group- or world-writable (`mode` with its special bits).
    Writable {
        mode: u32,
    },
    /// lsm did not create it and it holds what is not lsm's (sorted).
    Foreign {
        names: Vec<String>,
    },
}

impl Refusal {
    /// Why lsm must not use a directory so observed, by the user `euid`;
    /// `None` when it may (a missing directory is created).
    pub(crate) fn of(view: &DirView, euid: u32) -> Option<Refusal> {
        match view {
            DirView::Missing => None,
            DirView::NotADirectory { kind } => Some(Refusal::NotADirectory { kind }),
            DirView::Unreadable { error } => Some(Refusal::Unreadable {
                error: error.clone(),
            }),
            DirView::Present { uid, .. } if *uid != euid => {
                Some(Refusal::NotOwn { uid: *uid, euid })
            }
            DirView::Present { mode, .. } if mode & 0o022 != 0 => {
                Some(Refusal::Writable { mode: *mode })
            }
            DirView::Present { foreign, .. } if !foreign.is_empty() => Some(Refusal::Foreign {
                names: foreign.clone(),
            }),
            DirView::Present { .. } => None,
        }
    }

    /// The refusal as a plan blocker's reason or an error's message.
    pub(crate) fn reason(&self, dir: &str, role: Role) -> String {
        let key = role.key();
        match self {
            Refusal::NotADirectory { kind } => format!("{dir} ({key}) is {kind}, not a directory"),
            Refusal::Unreadable { error } => format!("{dir} ({key}) cannot be read: {error}"),
            Refusal::NotOwn { uid, euid } => format!(
                "{dir} ({key}) belongs to uid {uid}, not to the user running lsm (uid {euid}): \
                 whoever owns it can plant or swap what lsm reads there"
            ),
            Refusal::Writable { mode } => format!(
                "{dir} ({key}) is {} ({mode:04o}): anyone who can write there can plant or swap \
                 what lsm reads",
                if mode & 0o002 != 0 {
                    "world-writable"
                } else {
                    "group-writable"
                }
            ),
            Refusal::Foreign { names } => {
                let mut shown: Vec<String> = names
                    .iter()
                    .take(SHOWN)
                    .map(|n| crate::diagnostic::quote(n))
                    .collect();
                if names.len() > SHOWN {
                    shown.push(format!("{} more", names.len() - SHOWN));
                }
                format!(
                    "{dir} ({key}) already exists, lsm did not create it, and it holds what is \
                     not lsm's: {}",
                    shown.join(", ")
                )
            }
        }
    }

    /// The fix: a plan blocker's, and the hint the CLI prints under the
    /// refusal.
    pub(crate) fn fix(&self, role: Role) -> String {
        let key = role.key();
        match self {
            Refusal::NotADirectory { .. } => {
                format!("point {key} at a directory of its own; lsm creates it")
            }
            Refusal::Unreadable { .. } => {
                "make it readable by the user running lsm, or choose another directory".into()
            }
            Refusal::NotOwn { .. } => format!(
                "point {key} at a directory of your own (lsm creates it), or chown it yourself"
            ),
            Refusal::Writable { .. } => format!(
                "point {key} at a directory of its own that only you can write (lsm creates it \
                 0700); lsm never changes the mode of a directory it did not create"
            ),
            Refusal::Foreign { .. } => format!(
                "point {key} at a new or empty directory (lsm creates it 0700); lsm does not \
                 take over, chmod or clean a directory that holds other files"
            ),
        }
    }
}

/// Why lsm must not use `dir` for `role`, and the fix; `None` when it may
/// (a missing directory is created).
pub(crate) fn refusal(
    dir: &str,
    role: Role,
    view: &DirView,
    euid: u32,
) -> Option<(String, String)> {
    Refusal::of(view, euid).map(|r| (r.reason(dir, role), r.fix(role)))
}

/// Why a guarded directory could not be made ready.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The directory is not one lsm may write into: a protection.
    #[error("{}", refusal.reason(&dir.display().to_string(), *role))]
    Refused {
        dir: PathBuf,
        role: Role,
        refusal: Refusal,
    },
    #[error("cannot finish creating {}", dir.display())]
    FinishCreating {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot create {}", dir.display())]
    Create {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot mark {}", dir.display())]
    Mark {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot chmod {mode:o} {}", dir.display())]
    Chmod {
        dir: PathBuf,
        mode: u32,
        #[source]
        source: io::Error,
    },
}

/// Makes `dir` ready for lsm to write into: creates it (0700, marked) when
/// missing; otherwise refuses it ([`Error::Refused`]) as [`refusal`] would, and sets
/// its mode to `mode` only when lsm created it. Checked right before each
/// write, since the plan may be old.
pub(crate) fn prepare(
    dir: &Path,
    role: Role,
    mode: u32,
    foreign: impl Fn(&[String]) -> Vec<String>,
) -> Result<(), Error> {
    let mut view = observe(dir, &foreign);
    if finish_interrupted_creation(dir, &view).map_err(|source| Error::FinishCreating {
        dir: dir.to_path_buf(),
        source,
    })? {
        view = observe(dir, &foreign);
    }
    if view == DirView::Missing {
        let created = crate::fsutil::ensure_dir(dir, mode).map_err(|source| Error::Create {
            dir: dir.to_path_buf(),
            source,
        })?;
        if created {
            mark(dir).map_err(|source| Error::Mark {
                dir: dir.to_path_buf(),
                source,
            })?;
            return Ok(());
        }
        // Someone else made it meanwhile: judge it like any other.
        return prepare_existing(dir, role, mode, &observe(dir, &foreign));
    }
    prepare_existing(dir, role, mode, &view)
}

fn prepare_existing(dir: &Path, role: Role, mode: u32, view: &DirView) -> Result<(), Error> {
    if let Some(refusal) = Refusal::of(view, euid()) {
        return Err(Error::Refused {
            dir: dir.to_path_buf(),
            role,
            refusal,
        });
    }
    if let DirView::Present {
        mode: have,
        marked: true,
        ..
    } = view
        && *have != mode
    {
        chmod(dir, mode)?;
    }
    Ok(())
}

/// Writes the marker (0600, atomically) into a directory lsm just created.
fn mark(dir: &Path) -> io::Result<()> {
    crate::fsutil::atomic_write_with(
        &dir.join(MARKER),
        MARKER_TEXT.as_bytes(),
        crate::secrets::FILE_MODE,
        crate::fsutil::Existing::Replace,
        || {
            crate::crashpoint!("dirguard::mark_before_rename");
            Ok(())
        },
    )
}

/// The temp file of a marker write a crash cut short
/// (`.lsm-tmp-.lsm-dir.XXXXXX`): lsm's own, never a foreign file.
fn marker_leftover(name: &str) -> bool {
    name.strip_prefix(crate::fsutil::TEMP_PREFIX)
        .is_some_and(|rest| rest.starts_with(&format!("{MARKER}.")))
}

/// A directory lsm created but had not marked yet when it was stopped:
/// the user's own, holding nothing but the marker's temp file. The
/// creation is finished (leftover removed, marker written), so a crash
/// between `mkdir` and the marker's rename never strands the directory.
fn finish_interrupted_creation(dir: &Path, view: &DirView) -> io::Result<bool> {
    let DirView::Present {
        uid,
        marked: false,
        foreign,
        ..
    } = view
    else {
        return Ok(false);
    };
    if *uid != euid() || !foreign.is_empty() {
        return Ok(false);
    }
    let names: Vec<String> = fs::read_dir(dir)?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if names.is_empty() || !names.iter().all(|n| marker_leftover(n)) {
        return Ok(false);
    }
    for n in &names {
        fs::remove_file(dir.join(n))?;
    }
    mark(dir)?;
    Ok(true)
}

/// Sets `dir`'s mode when lsm created it (the wallet's FixPermissions):
/// never a directory it did not create. Returns whether it did.
pub(crate) fn restrict_if_marked(dir: &Path, mode: u32) -> Result<bool, Error> {
    if !observe(dir, |_| Vec::new()).marked() {
        return Ok(false);
    }
    chmod(dir, mode)?;
    Ok(true)
}

fn chmod(dir: &Path, mode: u32) -> Result<(), Error> {
    fs::set_permissions(dir, fs::Permissions::from_mode(mode)).map_err(|source| Error::Chmod {
        dir: dir.to_path_buf(),
        mode,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &[String]) -> Vec<String> {
        Vec::new()
    }

    fn all(names: &[String]) -> Vec<String> {
        names.to_vec()
    }

    #[test]
    fn a_missing_directory_is_created_0700_and_marked() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b/secrets");
        prepare(&dir, Role::Secrets, 0o700, all).unwrap();
        assert_eq!(crate::fsutil::mode_of(&dir), Some(0o700));
        let view = observe(&dir, all);
        assert!(view.marked(), "{view:?}");
        // Marked: its mode is lsm's to repair, and other files do not
        // make it foreign.
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o750)).unwrap();
        fs::write(dir.join("notes.txt"), b"x").unwrap();
        prepare(&dir, Role::Secrets, 0o700, all).unwrap();
        assert_eq!(crate::fsutil::mode_of(&dir), Some(0o700));
    }

    #[test]
    fn an_unmarked_directory_keeps_its_mode_and_is_refused_with_foreign_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("mine");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o750)).unwrap();
        prepare(&dir, Role::Secrets, 0o700, none).unwrap();
        assert_eq!(
            crate::fsutil::mode_of(&dir),
            Some(0o750),
            "not lsm's to chmod"
        );
        assert!(!restrict_if_marked(&dir, 0o700).unwrap());
        assert_eq!(crate::fsutil::mode_of(&dir), Some(0o750));
        fs::write(dir.join("passwd"), b"x").unwrap();
        let err = prepare(&dir, Role::Bundle, 0o700, all).unwrap_err();
        assert!(
            matches!(&err, Error::Refused { refusal: Refusal::Foreign { names }, .. } if names == &["passwd"]),
            "{err:?}"
        );
        assert!(err.to_string().contains("\"passwd\""), "{err}");
    }

    #[test]
    fn writable_by_others_or_owned_by_another_user_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("shared");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o1777)).unwrap();
        let err = prepare(&dir, Role::Secrets, 0o700, none).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Refused {
                    refusal: Refusal::Writable { mode: 0o1777 },
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("world-writable (1777)"), "{err}");
        assert_eq!(crate::fsutil::mode_of(&dir), Some(0o1777), "never chmodded");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o770)).unwrap();
        let err = prepare(&dir, Role::Secrets, 0o700, none).unwrap_err();
        assert!(err.to_string().contains("group-writable"), "{err}");
        let view = DirView::Present {
            uid: 65534,
            mode: 0o700,
            marked: true,
            foreign: Vec::new(),
        };
        let (reason, _) = refusal("/x", Role::Secrets, &view, 0).unwrap();
        assert!(reason.contains("belongs to uid 65534"), "{reason}");
        assert!(refusal("/x", Role::Secrets, &DirView::Missing, 0).is_none());
    }
}
