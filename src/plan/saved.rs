//! Saved plans: `lsm plan -o plan.json`, then `lsm apply plan.json` applies
//! exactly that plan — or refuses with exit 3 when the manifest or the
//! observed state changed since. The check hashes the observed world itself,
//! so even a plan made on an empty host goes stale once anything exists
//! (Terraform's first-plan hole, hashicorp/terraform#24078, does not apply).

use crate::fsutil::{Existing, atomic_write};
use crate::plan::document::{ActionDoc, FORMAT_VERSION, PlanDocument};
use crate::plan::error::{Error, Staleness};
use std::path::Path;

/// Largest plan file lsm reads; plans are a few KiB.
const MAX_PLAN_BYTES: u64 = 8 * 1024 * 1024;

/// Writes the plan document atomically (0644: plans hold no secrets).
pub(crate) fn write(path: &Path, doc: &PlanDocument) -> Result<(), Error> {
    let mut bytes = serde_json::to_vec_pretty(doc).map_err(Error::Serialise)?;
    bytes.push(b'\n');
    atomic_write(path, &bytes, 0o644, Existing::Replace).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads and checks a saved plan file.
pub(crate) fn read(path: &Path) -> Result<PlanDocument, Error> {
    let path_buf = || path.to_path_buf();
    // A regular file only: a FIFO or a device is refused, never waited on.
    let bytes = crate::regular_file::read(path, MAX_PLAN_BYTES).map_err(|e| match e {
        crate::regular_file::ReadError::TooLarge { limit } => Error::TooLarge {
            path: path_buf(),
            limit,
        },
        source => Error::Read {
            path: path_buf(),
            source,
        },
    })?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|source| Error::NotJson {
            path: path_buf(),
            line: source.line(),
            column: source.column(),
            source,
        })?;
    let version = value
        .get("format_version")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let major = |v: &str| v.split('.').next().unwrap_or("").to_string();
    if version.is_empty() {
        return Err(Error::NoFormatVersion { path: path_buf() });
    }
    if major(version) != major(FORMAT_VERSION) {
        return Err(Error::FormatVersion {
            path: path_buf(),
            version: version.to_string(),
        });
    }
    serde_json::from_value(value).map_err(|source| Error::Invalid {
        path: path_buf(),
        source,
    })
}

/// Refuses ([`Error::Stale`]) a saved plan that no longer matches the
/// current one.
pub(crate) fn check_fresh(saved: &PlanDocument, current: &PlanDocument) -> Result<(), Error> {
    staleness(saved, current).map_or(Ok(()), |s| Err(Error::Stale(s)))
}

/// What changed since `saved` was made, if anything.
fn staleness(saved: &PlanDocument, current: &PlanDocument) -> Option<Staleness> {
    if saved.lsm_version != current.lsm_version {
        return Some(Staleness::LsmVersion {
            saved: saved.lsm_version.clone(),
            current: current.lsm_version.clone(),
        });
    }
    if saved.signer != current.signer {
        return Some(Staleness::Signer {
            saved: saved.signer.clone(),
            current: current.signer.clone(),
        });
    }
    if saved.manifest_hash != current.manifest_hash {
        return Some(Staleness::Manifest {
            manifest: current.manifest.clone(),
        });
    }
    if saved.observed_digest != current.observed_digest {
        return Some(Staleness::Observed {
            saved: short(&saved.observed_digest).to_string(),
            current: short(&current.observed_digest).to_string(),
        });
    }
    let key = |a: &ActionDoc| (a.address.clone(), a.action, a.replace_paths.clone());
    let s: Vec<_> = saved.actions.iter().map(key).collect();
    let c: Vec<_> = current.actions.iter().map(key).collect();
    (s != c).then_some(Staleness::Actions)
}

fn short(d: &str) -> &str {
    d.get(..12).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regular_file::test_support::{assert_fifo_refused, temp_fifo, without_hanging};

    #[test]
    fn a_fifo_as_the_plan_file_is_refused_not_waited_on() {
        let (_dir, fifo) = temp_fifo("plan.json");
        let err = without_hanging(move || read(&fifo).map(|_| ())).unwrap_err();
        assert!(matches!(err, Error::Read { .. }), "{err:?}");
        assert_fifo_refused(&crate::error::chain(&err));
    }
}
