//! The plan: the ordered, reasoned actions that take the observed signer to
//! the desired one, rendered for humans ([`render`]) and machines
//! ([`document`]), saved and stale-checked ([`saved`]). This is the model
//! at the bottom of the resources: each resource makes its actions out of
//! these types, and the reconcile layer assembles them into a plan, so
//! nothing here names a resource.
//!
//! Resources form a chain — image → volume → config → signer → wallet →
//! macaroon → bundle — and the plan lists actions in that order, which is the
//! order the executor runs them in.

pub(crate) mod action;
pub(crate) mod document;
pub(crate) mod error;
pub(crate) mod op;
pub(crate) mod part;
pub(crate) mod reason;
pub(crate) mod render;
pub(crate) mod saved;

pub(crate) use action::{Action, ActionKind, Address, Blocker, Detail};
pub(crate) use op::Op;
pub(crate) use part::PlanPart;
pub(crate) use reason::{BlockerCode, ReasonCode};

use serde::Serialize;

/// Who the plan is for; printed in its header and stored in plan files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Subject {
    /// Which kind of node.
    pub kind: crate::manifest::schema::Kind,
    /// `[signer] name` (or `[watchonly] name`).
    pub signer: String,
    /// `docker` or `native`.
    pub runtime: String,
    /// `[signer] network`.
    pub network: String,
    /// What runs: `image:tag[@digest]` or the lnd binary.
    pub target: String,
    /// The manifest's file name, for "matches signer.toml".
    pub manifest_name: String,
}

/// A complete plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub subject: Subject,
    /// Digest of the resolved manifest the plan was made from.
    pub manifest_hash: String,
    /// Digest of everything observed; a saved plan is stale when it differs.
    pub observed_digest: String,
    pub actions: Vec<Action>,
    pub blockers: Vec<Blocker>,
    /// Things an operator must see that change nothing and block nothing (a
    /// volume lsm did not create, a seed file that could not restore the
    /// wallet): always shown.
    pub warnings: Vec<String>,
    /// Things worth knowing that change nothing (e.g. "wallet state is known
    /// only once the signer runs"); shown with `-v`.
    pub notes: Vec<String>,
}

/// Counts for the summary line, Terraform-style.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub(crate) struct Summary {
    pub add: usize,
    pub change: usize,
    pub replace: usize,
    pub destroy: usize,
}

impl Summary {
    /// Counts `actions` (a plan's, or those apply carried out, so the two
    /// summaries agree). Starting a container created or replaced among the
    /// same actions is part of creating it, not a change of its own.
    pub(crate) fn of(actions: &[Action]) -> Summary {
        let mut s = Summary::default();
        let made_here = |a: &Action| {
            actions.iter().any(|b| {
                b.address == a.address && matches!(b.kind, ActionKind::Create | ActionKind::Replace)
            })
        };
        for a in actions {
            match a.kind {
                ActionKind::Create => s.add += 1,
                ActionKind::Start | ActionKind::Restart if made_here(a) => {}
                ActionKind::Update | ActionKind::Start | ActionKind::Restart => s.change += 1,
                ActionKind::Replace => s.replace += 1,
                ActionKind::Destroy => s.destroy += 1,
            }
        }
        s
    }
}

impl Plan {
    /// The plan made of `part`: its actions in phase order (see
    /// [`op::Phase`]), its blockers, warnings and notes as merged.
    pub(crate) fn assemble(
        subject: Subject,
        manifest_hash: String,
        observed_digest: String,
        mut part: PlanPart,
    ) -> Plan {
        part.order_by_phase();
        Plan {
            subject,
            manifest_hash,
            observed_digest,
            actions: part.actions,
            blockers: part.blockers,
            warnings: part.warnings,
            notes: part.notes,
        }
    }

    /// True when applying would change something.
    pub(crate) fn changed(&self) -> bool {
        !self.actions.is_empty()
    }

    /// True when a protection refuses the plan (exit 5).
    pub(crate) fn blocked(&self) -> bool {
        !self.blockers.is_empty()
    }

    pub(crate) fn summary(&self) -> Summary {
        Summary::of(&self.actions)
    }

    /// Actions that interrupt the watch-only node's access to its signer.
    pub(crate) fn disruptive_count(&self) -> usize {
        self.actions.iter().filter(|a| a.disruptive).count()
    }
}
