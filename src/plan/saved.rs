//! Saved plans: `lsm plan -o plan.json`, then `lsm apply plan.json` applies
//! exactly that plan — or refuses with exit 3 when the manifest or the
//! observed state changed since. The check hashes the observed world itself,
//! so even a plan made on an empty host goes stale once anything exists
//! (Terraform's first-plan hole, hashicorp/terraform#24078, does not apply).

use crate::error::Failure;
use crate::exit::Exit;
use crate::fsutil::{Existing, atomic_write};
use crate::plan::document::{ActionDoc, FORMAT_VERSION, PlanDocument};
use std::path::Path;

/// Largest plan file lsm reads; plans are a few KiB.
const MAX_PLAN_BYTES: u64 = 8 * 1024 * 1024;

/// Writes the plan document atomically (0644: plans hold no secrets).
pub(crate) fn write(path: &Path, doc: &PlanDocument) -> Result<(), Failure> {
    let mut bytes = serde_json::to_vec_pretty(doc)
        .map_err(|e| Failure::error(format!("cannot serialise the plan: {e}")))?;
    bytes.push(b'\n');
    atomic_write(path, &bytes, 0o644, Existing::Replace)
        .map_err(|e| Failure::error(format!("cannot write the plan to {}: {e}", path.display())))
}

/// Reads and checks a saved plan file.
pub(crate) fn read(path: &Path) -> Result<PlanDocument, Failure> {
    let shown = path.display();
    // A regular file only: a FIFO or a device is refused, never waited on.
    let bytes = crate::regular_file::read(path, MAX_PLAN_BYTES).map_err(|e| match e {
        crate::regular_file::ReadError::TooLarge { .. } => Failure::error(format!(
            "{shown} is larger than {MAX_PLAN_BYTES} bytes; that is not an lsm plan file"
        ))
        .hint("make a plan with `lsm plan -o plan.json`"),
        other => Failure::error(format!("cannot read the plan file {shown}: {other}")),
    })?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        Failure::error(format!(
            "{shown}:{}:{}: not a JSON plan file: {e}",
            e.line(),
            e.column()
        ))
        .hint("make a plan with `lsm plan -o plan.json`")
    })?;
    let version = value
        .get("format_version")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let major = |v: &str| v.split('.').next().unwrap_or("").to_string();
    if version.is_empty() {
        return Err(Failure::error(format!(
            "{shown} is not an lsm plan file (no format_version)"
        ))
        .hint("make a plan with `lsm plan -o plan.json`"));
    }
    if major(version) != major(FORMAT_VERSION) {
        return Err(Failure::error(format!(
            "{shown} has plan format {version}; this lsm reads format {FORMAT_VERSION}"
        ))
        .hint("make the plan again with this lsm"));
    }
    serde_json::from_value(value).map_err(|e| {
        Failure::error(format!("{shown} is not a valid lsm plan: {e}"))
            .hint("make a plan with `lsm plan -o plan.json`; do not edit plan files by hand")
    })
}

/// Refuses (exit 3) a saved plan that no longer matches the current one.
pub(crate) fn check_fresh(saved: &PlanDocument, current: &PlanDocument) -> Result<(), Failure> {
    let stale = |what: String| {
        Failure::with_exit(Exit::StalePlan, format!("Saved plan is stale: {what}"))
            .hint("run `lsm plan -o <file>` again, review it, and apply the new plan")
    };
    if saved.lsm_version != current.lsm_version {
        return Err(stale(format!(
            "it was made by lsm {}, this is lsm {}",
            saved.lsm_version, current.lsm_version
        )));
    }
    if saved.signer != current.signer {
        return Err(stale(format!(
            "it is for signer \"{}\", the manifest declares \"{}\"",
            saved.signer, current.signer
        )));
    }
    if saved.manifest_hash != current.manifest_hash {
        return Err(stale(format!(
            "{} (or its versions.env) changed since the plan was made",
            current.manifest
        )));
    }
    if saved.observed_digest != current.observed_digest {
        return Err(stale(format!(
            "the signer changed since the plan was made (observed state {} → {})",
            short(&saved.observed_digest),
            short(&current.observed_digest)
        )));
    }
    let key = |a: &ActionDoc| (a.address.clone(), a.action, a.replace_paths.clone());
    let s: Vec<_> = saved.actions.iter().map(key).collect();
    let c: Vec<_> = current.actions.iter().map(key).collect();
    if s != c {
        return Err(stale(
            "the actions it lists differ from what is needed now".to_string(),
        ));
    }
    Ok(())
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
        assert_fifo_refused(&err.message);
    }
}
