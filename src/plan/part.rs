//! One resource's part of a plan. Every resource's diff (the runtime's,
//! the wallet's, the macaroon scope's, the bundle's) returns this one type,
//! so the reconcile layer merges parts without knowing whose they are, and
//! the plan's order comes from each op's [`Phase`](super::op::Phase), not
//! from where a part happened to put an action.

use super::{Action, Blocker};

/// Actions, protections, warnings and notes of one resource.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct PlanPart {
    pub actions: Vec<Action>,
    /// Protections that refuse the plan (exit 5).
    pub blockers: Vec<Blocker>,
    /// What an operator must see even when nothing changes (always shown).
    pub warnings: Vec<String>,
    /// Worth knowing, changes nothing (shown with `-v`).
    pub notes: Vec<String>,
}

impl PlanPart {
    /// Appends `other`'s entries after this part's own, list by list.
    pub(crate) fn merge(&mut self, other: PlanPart) {
        self.actions.extend(other.actions);
        self.blockers.extend(other.blockers);
        self.warnings.extend(other.warnings);
        self.notes.extend(other.notes);
    }

    /// Puts the actions in the order the executor must run them: by phase,
    /// keeping each resource's own order within a phase (a stable sort).
    pub(crate) fn order_by_phase(&mut self) {
        self.actions.sort_by_key(|a| a.op.phase());
    }

    /// True when this part neither acts nor blocks.
    pub(crate) fn is_settled(&self) -> bool {
        self.actions.is_empty() && self.blockers.is_empty()
    }
}
