//! Saved fleet plans: `lsm plan -f fleet/ -o fleet-plan.json` keeps every
//! node's saved plan in one file; `lsm apply fleet-plan.json` applies each
//! node's plan exactly (each refuses with exit 3 on its own when its node
//! changed since). Plans hold fingerprints, never secrets.

use super::manifests::Node;
use super::runner::NodeRun;
use crate::error::Failure;
use crate::fsutil::{Existing, atomic_write};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The fleet plan format; a node's own plan keeps its own format version.
pub(crate) const FLEET_PLAN_VERSION: &str = "1.0";
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// A fleet plan file.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct FleetPlan {
    pub fleet_plan_version: String,
    pub nodes: Vec<NodePlan>,
}

/// One node of a fleet plan: its plan, or why there is none.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct NodePlan {
    pub node: String,
    pub manifest: PathBuf,
    /// The node's saved plan (`lsm plan -o`), absent when its plan failed.
    pub plan: Option<Value>,
    pub plan_exit_code: Option<i32>,
}

impl FleetPlan {
    pub(crate) fn nodes(&self) -> Vec<Node> {
        self.nodes
            .iter()
            .map(|n| {
                // Loaded again for the order of the run (which signer's
                // bundle a watch-only node imports).
                let mut node = super::manifests::node(n.manifest.clone());
                node.name = n.node.clone();
                node
            })
            .collect()
    }
}

/// Whether `path` holds a fleet plan (rather than one node's plan).
pub(crate) fn is_fleet_plan(path: &Path) -> bool {
    crate::regular_file::read(path, MAX_BYTES)
        .ok()
        .and_then(|f| serde_json::from_slice::<Value>(&f).ok())
        .is_some_and(|v| v.get("fleet_plan_version").is_some())
}

/// Reads a fleet plan.
pub(crate) fn read(path: &Path) -> Result<FleetPlan, Failure> {
    let shown = super::shown(path);
    let f = crate::regular_file::read(path, MAX_BYTES)
        .map_err(|e| Failure::error(format!("cannot read the fleet plan {shown}: {e}")))?;
    let plan: FleetPlan = serde_json::from_slice(&f).map_err(|e| {
        Failure::error(format!(
            "{shown}:{}:{}: not a fleet plan: {e}",
            e.line(),
            e.column()
        ))
        .hint("make one with `lsm plan -f DIR -o fleet-plan.json`")
    })?;
    let major = |v: &str| v.split('.').next().unwrap_or("").to_string();
    if major(&plan.fleet_plan_version) != major(FLEET_PLAN_VERSION) {
        return Err(Failure::error(format!(
            "{shown} has fleet plan format {}; this lsm reads {FLEET_PLAN_VERSION}",
            plan.fleet_plan_version
        ))
        .hint("make the plan again with this lsm"));
    }
    Ok(plan)
}

/// Gathers the nodes' saved plans into the fleet plan at `out`.
pub(crate) fn write(
    out: &Path,
    nodes: &[Node],
    runs: &[NodeRun],
    dir: &PlanDir,
) -> Result<(), Failure> {
    let plan = FleetPlan {
        fleet_plan_version: FLEET_PLAN_VERSION.to_string(),
        nodes: nodes
            .iter()
            .zip(runs)
            .map(|(n, r)| NodePlan {
                node: n.name.clone(),
                // Absolute, so the plan applies from any directory.
                manifest: std::fs::canonicalize(&n.manifest).unwrap_or_else(|_| n.manifest.clone()),
                plan: std::fs::read(dir.plan_path(n))
                    .ok()
                    .and_then(|b| serde_json::from_slice(&b).ok()),
                plan_exit_code: r.code,
            })
            .collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&plan)
        .map_err(|e| Failure::error(format!("cannot serialise the fleet plan: {e}")))?;
    bytes.push(b'\n');
    atomic_write(out, &bytes, 0o644, Existing::Replace).map_err(|e| {
        Failure::error(format!(
            "cannot write the fleet plan to {}: {e}",
            super::shown(out)
        ))
    })
}

/// A private directory for the nodes' single plans, removed afterwards.
pub(crate) struct PlanDir(tempfile::TempDir);

impl PlanDir {
    pub(crate) fn new() -> Result<PlanDir, Failure> {
        tempfile::Builder::new()
            .prefix("lsm-fleet-")
            .tempdir()
            .map(PlanDir)
            .map_err(|e| Failure::error(format!("cannot make a temporary directory: {e}")))
    }

    /// Where `node`'s single plan goes: the name hex-encoded, so distinct
    /// names (unique in a run) never share a file.
    pub(crate) fn plan_path(&self, node: &Node) -> PathBuf {
        self.0
            .path()
            .join(format!("{}.plan.json", hex::encode(node.name.as_bytes())))
    }
}

/// The child arguments applying `node`'s part of `plan`: its single plan,
/// written to `dir`. A node without one cannot run.
pub(crate) fn apply_args(
    node: &Node,
    plan: &FleetPlan,
    dir: &PlanDir,
    fleet_file: &Path,
) -> Result<Vec<OsString>, String> {
    let entry = plan.nodes.iter().find(|n| n.node == node.name);
    let Some(single) = entry.and_then(|n| n.plan.as_ref()) else {
        let code = entry
            .and_then(|n| n.plan_exit_code)
            .map_or("none".to_string(), |c| c.to_string());
        return Err(format!(
            "{} has no saved plan in {} (its plan failed, exit {code}); plan the fleet again",
            node.name,
            super::shown(fleet_file)
        ));
    };
    let path = dir.plan_path(node);
    let bytes = serde_json::to_vec_pretty(single).map_err(|e| e.to_string())?;
    std::fs::write(&path, bytes)
        .map_err(|e| format!("cannot write {}: {e}", super::shown(&path)))?;
    let mut args = super::strip_fleet_flags(std::env::args_os().skip(1), Some(fleet_file));
    args.push(path.into_os_string());
    if !args.iter().any(|a| a == "--detailed-exitcode") {
        args.push("--detailed-exitcode".into());
    }
    Ok(args)
}
