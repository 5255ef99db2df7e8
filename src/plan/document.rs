//! The machine-readable plan (`lsm plan --json`, `lsm plan -o FILE`), a
//! versioned document described by `schemas/plan.schema.json`.
//!
//! Compatibility rule (Terraform's): a change of the major part of
//! `format_version` breaks consumers; minor bumps only add fields, and
//! consumers must ignore fields they do not know.

use crate::manifest::schema::Kind;
use crate::plan::{Action, ActionKind, Detail, Plan, ReasonCode, Subject, Summary};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The current document format.
pub(crate) const FORMAT_VERSION: &str = "1.4";

/// The JSON plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "lsm plan", deny_unknown_fields)]
pub(crate) struct PlanDocument {
    /// `MAJOR.MINOR`; a major change breaks consumers.
    pub format_version: String,
    /// The lsm that made the plan.
    pub lsm_version: String,
    /// `watch_only` for a watch-only node (format 1.3); absent for a signer.
    #[serde(default, skip_serializing_if = "Kind::is_signer")]
    pub kind: Kind,
    pub signer: String,
    /// `docker` or `native`.
    pub runtime: String,
    pub network: String,
    /// The image (`repo:tag[@digest]`) or lnd binary the signer runs.
    pub target: String,
    /// The manifest file the plan was made from.
    pub manifest: String,
    /// Its absolute path (format 1.1): `lsm apply PLAN` without `-f` uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_path: Option<String>,
    /// sha256 of the resolved manifest; apply refuses a plan whose manifest changed.
    pub manifest_hash: String,
    /// sha256 of the observed state; apply refuses (exit 3) when it changed.
    pub observed_digest: String,
    /// True when applying would change something.
    pub changed: bool,
    /// False when a protection blocks the plan (see `blockers`).
    pub applyable: bool,
    pub summary: SummaryDoc,
    pub actions: Vec<ActionDoc>,
    pub blockers: Vec<BlockerDoc>,
    /// Always worth reading, even when nothing changes (format 1.1).
    #[serde(default)]
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
}

/// Counts of the summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct SummaryDoc {
    pub add: usize,
    pub change: usize,
    pub replace: usize,
    pub destroy: usize,
}

impl From<Summary> for SummaryDoc {
    fn from(s: Summary) -> Self {
        SummaryDoc {
            add: s.add,
            change: s.change,
            replace: s.replace,
            destroy: s.destroy,
        }
    }
}

/// One action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct ActionDoc {
    /// Stable resource address, e.g. `container.signer`.
    pub address: String,
    /// One of create, update, replace, destroy, start, restart.
    pub action: ActionKind,
    /// Terraform-style list: `["delete","create"]` for a replacement.
    pub actions: Vec<String>,
    /// Why, as a stable code ([`ReasonCode`]); match on this, not on
    /// `reason`. Absent only in plans saved by format 1.1.
    #[serde(default)]
    pub reason_code: Option<ReasonCode>,
    pub reason: String,
    /// Attributes that force the replacement.
    pub replace_paths: Vec<String>,
    /// True when the watch-only node loses its signer for a while.
    pub disruptive: bool,
    /// True when the action repairs a change made outside lsm.
    pub drift: bool,
    pub details: Vec<DetailDoc>,
}

/// Reviewer context; never secret material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum DetailDoc {
    Change {
        field: String,
        from: String,
        to: String,
    },
    FileDiff {
        path: String,
        old: Option<String>,
        new: String,
    },
    /// The current content cannot be read (`why`); `new` is what is written.
    FileUnread {
        path: String,
        why: String,
        new: String,
    },
    Note {
        text: String,
    },
}

impl From<&Detail> for DetailDoc {
    fn from(d: &Detail) -> Self {
        match d {
            Detail::Change { field, from, to } => DetailDoc::Change {
                field: field.clone(),
                from: from.clone(),
                to: to.clone(),
            },
            Detail::FileDiff { path, old, new } => DetailDoc::FileDiff {
                path: path.clone(),
                old: old.clone(),
                new: new.clone(),
            },
            Detail::FileUnread { path, why, new } => DetailDoc::FileUnread {
                path: path.clone(),
                why: why.clone(),
                new: new.clone(),
            },
            Detail::Note { text } => DetailDoc::Note { text: text.clone() },
        }
    }
}

/// A protection that blocks the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct BlockerDoc {
    /// The protection, as a stable code (format 1.4; absent in older plans).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<crate::plan::BlockerCode>,
    pub address: String,
    pub reason: String,
    pub fix: String,
}

impl From<&Action> for ActionDoc {
    fn from(a: &Action) -> Self {
        ActionDoc {
            address: a.address.to_string(),
            action: a.kind,
            actions: a
                .kind
                .json_actions()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            reason_code: Some(a.code),
            reason: a.reason.clone(),
            replace_paths: a.replace_paths.clone(),
            disruptive: a.disruptive,
            drift: a.drift,
            details: a.details.iter().map(DetailDoc::from).collect(),
        }
    }
}

impl PlanDocument {
    /// The document for a plan.
    pub(crate) fn new(plan: &Plan) -> Self {
        let Subject {
            kind,
            signer,
            runtime,
            network,
            target,
            manifest_name,
        } = plan.subject.clone();
        PlanDocument {
            format_version: FORMAT_VERSION.to_string(),
            lsm_version: env!("CARGO_PKG_VERSION").to_string(),
            kind,
            signer,
            runtime,
            network,
            target,
            manifest: manifest_name,
            manifest_path: None,
            manifest_hash: plan.manifest_hash.clone(),
            observed_digest: plan.observed_digest.clone(),
            changed: plan.changed(),
            applyable: !plan.blocked(),
            summary: plan.summary().into(),
            actions: plan.actions.iter().map(ActionDoc::from).collect(),
            blockers: plan
                .blockers
                .iter()
                .map(|b| BlockerDoc {
                    code: Some(b.code),
                    address: b.address.to_string(),
                    reason: b.reason.clone(),
                    fix: b.fix.clone(),
                })
                .collect(),
            warnings: plan.warnings.clone(),
            notes: plan.notes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON Schema of [`PlanDocument`], as checked in at
    /// `schemas/plan.schema.json`.
    fn schema_json() -> String {
        let schema = schemars::schema_for!(PlanDocument);
        let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Ops are not part of the document: a saved plan is checked against
    /// the plan made again at apply time, whose own ops run. So renaming a
    /// runtime's steps never changes the format nor makes a saved plan stale.
    #[test]
    fn runtime_steps_are_not_part_of_the_document() {
        use crate::plan::op::{DockerOp, NativeOp};
        use crate::plan::{ActionKind, Address};
        let plan = |op: crate::plan::Op| Plan {
            subject: Subject {
                kind: Kind::Signer,
                signer: "s".into(),
                runtime: "docker".into(),
                network: "testnet".into(),
                target: "lnd".into(),
                manifest_name: "signer.toml".into(),
            },
            manifest_hash: "m".into(),
            observed_digest: "o".into(),
            actions: vec![Action::new(
                Address::FILE_LND_CONF,
                ActionKind::Create,
                ReasonCode::ConfigMissing,
                "write lnd.conf",
                op,
            )],
            blockers: vec![],
            warnings: vec![],
            notes: vec![],
        };
        let docker = PlanDocument::new(&plan(DockerOp::CopyConfig.into()));
        let native = PlanDocument::new(&plan(NativeOp::WriteConfig.into()));
        assert_eq!(docker, native);
        let json = serde_json::to_string(&docker).unwrap_or_default();
        assert!(
            !json.contains("CopyConfig") && !json.contains("copy_config"),
            "{json}"
        );
    }

    #[test]
    fn checked_in_schema_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/plan.schema.json");
        let want = schema_json();
        if std::env::var_os("LSM_UPDATE_SCHEMAS").is_some() {
            std::fs::write(path, &want).expect("write schema");
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "schemas/plan.schema.json is stale; regenerate it with \
             `LSM_UPDATE_SCHEMAS=1 cargo test --lib plan::document`"
        );
    }
}
