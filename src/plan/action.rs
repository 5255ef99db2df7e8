//! One planned change to one resource, with the reason an operator needs to
//! trust it. The executor never decides *what* to do; it carries out
//! [`Action::op`] exactly as planned.

use crate::plan::ReasonCode;
use crate::plan::op::Op;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// A resource address, `<type>.<name>`: `container.signer`, `file.lnd_conf`.
/// Addresses are stable identifiers for JSON consumers and saved plans, so
/// every fixed one is a constant here, spelled once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub(crate) struct Address(Cow<'static, str>);

impl Address {
    pub(crate) const IMAGE_LND: Address = Address::fixed("image.lnd");
    pub(crate) const BINARY_LND: Address = Address::fixed("binary.lnd");
    pub(crate) const VOLUME_DATA: Address = Address::fixed("volume.data");
    pub(crate) const DIRECTORY_LND_DIR: Address = Address::fixed("directory.lnd_dir");
    pub(crate) const DIRECTORY_SECRETS: Address = Address::fixed("directory.secrets");
    pub(crate) const DIRECTORY_BUNDLE: Address = Address::fixed("directory.bundle");
    pub(crate) const CONTAINER_SIGNER: Address = Address::fixed("container.signer");
    pub(crate) const PROCESS_SIGNER: Address = Address::fixed("process.signer");
    pub(crate) const FILE_LND_CONF: Address = Address::fixed("file.lnd_conf");
    pub(crate) const FILE_SYSTEMD_UNIT: Address = Address::fixed("file.systemd_unit");
    pub(crate) const FILE_WALLET_PASSWORD: Address = Address::fixed("file.wallet_password");
    pub(crate) const FILE_ADMIN_MACAROON: Address = Address::fixed("file.admin_macaroon");
    pub(crate) const FILE_SIGNER_CREDENTIALS: Address = Address::fixed("file.signer_credentials");
    pub(crate) const WALLET_WATCHONLY: Address = Address::fixed("wallet.watchonly");
    pub(crate) const SIGNER_REMOTE: Address = Address::fixed("signer.remote");
    pub(crate) const WALLET_SIGNER: Address = Address::fixed("wallet.signer");
    pub(crate) const WALLET_IDENTITY: Address = Address::fixed("wallet.identity");
    pub(crate) const MACAROON_WATCHONLY: Address = Address::fixed("macaroon.watchonly");
    pub(crate) const MACAROON_ROOT_KEYS: Address = Address::fixed("macaroon.root_keys");
    pub(crate) const BUNDLE_FILES: Address = Address::fixed("bundle.files");
    pub(crate) const BUNDLE_STALE: Address = Address::fixed("bundle.stale");
    pub(crate) const SIGNER_NETWORK: Address = Address::fixed("signer.network");

    const fn fixed(address: &'static str) -> Address {
        Address(Cow::Borrowed(address))
    }

    /// `secret.<name>`: one of lsm's files in secrets_dir.
    pub(crate) fn secret(name: &str) -> Address {
        Address(Cow::Owned(format!("secret.{name}")))
    }

    /// `macaroon.root_key_<id>`: a root key lsm baked under.
    pub(crate) fn root_key(id: u64) -> Address {
        Address(Cow::Owned(format!("macaroon.root_key_{id}")))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What happens to a resource. The symbols follow Terraform's, which CI
/// reviewers already read fluently.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ActionKind {
    /// `+` the resource does not exist and will be created.
    Create,
    /// `~` the resource exists and is changed in place.
    Update,
    /// `-/+` the resource is destroyed and created again.
    Replace,
    /// `-` the resource is removed.
    Destroy,
    /// `>` a stopped signer is started.
    Start,
    /// `>` a running signer is restarted (e.g. to pick up lnd.conf).
    Restart,
}

impl ActionKind {
    /// The plan symbol, padded by the renderer.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            ActionKind::Create => "+",
            ActionKind::Update => "~",
            ActionKind::Replace => "-/+",
            ActionKind::Destroy => "-",
            ActionKind::Start | ActionKind::Restart => ">",
        }
    }

    /// Terraform-style `change.actions` list for JSON consumers.
    pub(crate) fn json_actions(self) -> &'static [&'static str] {
        match self {
            ActionKind::Create => &["create"],
            ActionKind::Update => &["update"],
            ActionKind::Replace => &["delete", "create"],
            ActionKind::Destroy => &["delete"],
            ActionKind::Start => &["start"],
            ActionKind::Restart => &["restart"],
        }
    }

    /// The verb shown before the address in human output.
    pub(crate) fn verb(self) -> &'static str {
        match self {
            ActionKind::Create => "create",
            ActionKind::Update => "update",
            ActionKind::Replace => "replace",
            ActionKind::Destroy => "destroy",
            ActionKind::Start => "start",
            ActionKind::Restart => "restart",
        }
    }
}

/// Extra context for a reviewer. None of it may carry secret material:
/// secrets appear as fingerprints only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Detail {
    /// A field that changes, e.g. `rpc port: 10012 → 10022`.
    Change {
        field: String,
        from: String,
        to: String,
    },
    /// A text file that changes; rendered as a unified diff.
    FileDiff {
        path: String,
        old: Option<String>,
        new: String,
    },
    /// A text file whose current content cannot be read now (`why`), so
    /// only the content to be written is shown. Not the same as a new file:
    /// one may already exist.
    FileUnread {
        path: String,
        why: String,
        new: String,
    },
    /// A free-form remark ("the volume and its wallet are kept").
    Note { text: String },
}

/// One reasoned step of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Action {
    pub address: Address,
    pub kind: ActionKind,
    /// Why, as a stable code (what pipelines and tests match on).
    pub code: ReasonCode,
    /// Why this action is needed, in the operator's terms.
    pub reason: String,
    /// Attributes that force a replacement (empty unless `kind` is Replace).
    pub replace_paths: Vec<String>,
    /// True when the watch-only node loses its signer for a while.
    pub disruptive: bool,
    /// True when the change repairs something altered outside lsm.
    pub drift: bool,
    pub details: Vec<Detail>,
    /// What the executor does.
    pub op: Op,
}

impl Action {
    pub(crate) fn new(
        address: Address,
        kind: ActionKind,
        code: ReasonCode,
        reason: impl Into<String>,
        op: Op,
    ) -> Self {
        Action {
            address,
            kind,
            code,
            reason: reason.into(),
            replace_paths: Vec::new(),
            disruptive: false,
            drift: false,
            details: Vec::new(),
            op,
        }
    }

    pub(crate) fn disruptive(mut self) -> Self {
        self.disruptive = true;
        self
    }

    pub(crate) fn drift(mut self) -> Self {
        self.drift = true;
        self
    }

    pub(crate) fn replace_path(mut self, path: impl Into<String>) -> Self {
        self.replace_paths.push(path.into());
        self
    }

    pub(crate) fn detail(mut self, detail: Detail) -> Self {
        self.details.push(detail);
        self
    }

    pub(crate) fn note(self, text: impl Into<String>) -> Self {
        self.detail(Detail::Note { text: text.into() })
    }
}

/// A protection that refuses the plan (exit 5): applying would risk the seed
/// or the wallet. Blockers are shown instead of being silently skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Blocker {
    /// Which protection, for pipelines and tests (the prose may change).
    pub code: crate::plan::BlockerCode,
    pub address: Address,
    pub reason: String,
    /// What the operator can do about it.
    pub fix: String,
}
