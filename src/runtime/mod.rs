//! Runtimes: where lnd runs (a Docker container, or a host process). Plan
//! and apply never learn which one they face; they see only these traits,
//! and [`choose`] is the one place that picks a runtime by its kind.
//!
//! The split into [`Observer`] and [`Runtime`] is what makes `lsm plan`
//! read-only by construction: `plan` is built from an observer, and an
//! observer has no way to produce the runtime that executes actions.
//!
//! Each runtime plans and executes steps in its own vocabulary
//! ([`Runtime::Op`]), and keeps its own handle on a throwaway lnd
//! ([`Runtime::ThrowawayHandle`]).

pub(crate) mod choose;
pub(crate) mod conf;
pub(crate) mod docker;
mod error;
pub(crate) mod native;

pub(crate) use error::{Error, LndLogs};

use crate::manifest::enums::Network;
use crate::plan::ReasonCode;
use crate::plan::op::{RuntimeOp, Vocabulary};
use crate::plan::{Action, ActionKind, Address, Op, PlanPart, Subject};
use crate::signer::SignerAccess;
use serde::Serialize;

/// lnd's admin.macaroon relative to its lnddir (lnd-facts §4): written
/// there when the wallet is created.
pub(crate) fn admin_macaroon_rel(network: Network) -> String {
    format!("data/chain/bitcoin/{network}/admin.macaroon")
}

/// `host:port`, bracketing an IPv6 host.
pub(crate) fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The address lsm dials for a gRPC bind on this host: an unspecified bind
/// (`0.0.0.0`, `[::]`) is reached over loopback.
pub(crate) fn local_dial(bind: std::net::SocketAddr) -> String {
    let ip = bind.ip();
    let host = if ip.is_unspecified() && ip.is_ipv6() {
        "::1".to_string()
    } else if ip.is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        ip.to_string()
    };
    host_port(&host, bind.port())
}

/// Replacing the signer (container or process) by the runtime's step `op`
/// for the changes that force it, each `(replace path, reason)`; `kept`
/// says what survives (the wallet).
pub(crate) fn replace_signer(
    address: Address,
    changes: &[(String, String)],
    kept: String,
    op: impl Into<Op>,
) -> Action {
    let reason = changes
        .iter()
        .map(|(_, r)| r.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let mut a = Action::new(
        address,
        ActionKind::Replace,
        ReasonCode::SpecChanged,
        reason,
        op.into(),
    )
    .disruptive()
    .note(kept);
    for (path, _) in changes {
        a = a.replace_path(path.clone());
    }
    a
}

/// A watch-only node's signer credentials action, the same for every
/// runtime but its step `op`: `changed` names the copies that differ from
/// the imported bundle's (then an update, and lnd restarts to read them);
/// when none differs but some are missing or unread, they are written
/// (`create` says where).
pub(crate) fn signer_credentials_action(
    changed: &[String],
    create: String,
    op: impl Into<Op>,
) -> Action {
    let (kind, code, reason) = if changed.is_empty() {
        (
            ActionKind::Create,
            ReasonCode::SignerCredentialsMissing,
            create,
        )
    } else {
        (
            ActionKind::Update,
            ReasonCode::SignerCredentialsChanged,
            format!(
                "update the signer credentials: {} differ from the imported bundle's (a \
                 re-exported bundle); lnd restarts to use them",
                changed.join(" and ")
            ),
        )
    };
    Action::new(
        Address::FILE_SIGNER_CREDENTIALS,
        kind,
        code,
        reason,
        op.into(),
    )
}

/// One status condition (`lsm status`), Kubernetes-style.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Condition {
    /// CamelCase, e.g. `ContainerRunning`.
    #[serde(rename = "type")]
    pub kind: String,
    pub status: bool,
    /// CamelCase, e.g. `Exited`.
    pub reason: String,
    pub message: String,
}

impl Condition {
    pub(crate) fn new(kind: &str, status: bool, reason: &str, message: impl Into<String>) -> Self {
        Condition {
            kind: kind.to_string(),
            status,
            reason: reason.to_string(),
            message: message.into(),
        }
    }
}

/// What a runtime saw of its own resources.
pub(crate) trait Observation {
    /// A canonical value of everything observed that a plan depends on; the
    /// plan's observed digest hashes it. Nothing secret may be in it.
    fn digest_input(&self) -> serde_json::Value;
    /// How to reach lnd, or why it cannot be reached now.
    fn access(&self) -> Result<SignerAccess, String>;
    /// Whether lnd's wallet exists, when the runtime can tell without lnd.
    fn wallet_exists(&self) -> Option<bool>;
    /// Runtime conditions for `lsm status` (running, config in sync).
    fn conditions(&self) -> Vec<Condition>;
    /// Why lnd will not come up without another apply step (the process lsm
    /// started has exited), so apply fails at once with lnd's last log lines
    /// instead of waiting for its deadline. `None` while lnd may still come up.
    fn stopped(&self) -> Option<String> {
        None
    }
}

/// What the wallet's side of the plan knows that a runtime's plan may
/// depend on. Facts about the wallet, not steps of any runtime: one whose
/// lnd reads the wallet password from a copy of its own plans that copy
/// from them; one whose lnd reads wallet-password.txt in place needs none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WalletFacts {
    /// wallet-password.txt as apply will find it.
    pub password: PasswordFile,
    /// lnd reported that there is no wallet: no password guards one.
    pub no_wallet: bool,
}

/// wallet-password.txt on the host, as apply will find it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PasswordFile {
    /// It exists now.
    Present,
    /// It will be generated earlier in this plan.
    Planned,
    /// It is missing and will not be generated (a blocker says why).
    Missing,
}

/// Read-only access to a runtime. `plan` and `status` use only this.
#[allow(async_fn_in_trait)]
pub(crate) trait Observer {
    type Observation: Observation;
    /// Who and what: for plan headers and plan files.
    fn subject(&self) -> Subject;
    /// Where lnd writes the admin.macaroon lsm reads, in the operator's
    /// terms (for messages).
    fn admin_macaroon_location(&self) -> String;
    /// How an operator restarts lnd under this runtime, as a command or
    /// step to quote in a fix (for messages).
    fn restart_hint(&self) -> String;
    /// What lnd runs from, for messages ("the signer's own image"):
    /// `image` or `binary`.
    fn lnd_artifact(&self) -> &'static str;
    /// Observes everything the runtime owns, concurrently, without sleeping.
    async fn observe(&self) -> Result<Self::Observation, Error>;
    /// The actions that converge the runtime, given what the wallet's
    /// side of the plan knows.
    fn diff(&self, observed: &Self::Observation, wallet: WalletFacts) -> PlanPart;
    /// The actions that remove the signer (`destroy`); `purge` also removes
    /// its data, where the runtime allows that.
    fn destroy_diff(&self, observed: &Self::Observation, purge: bool) -> PlanPart;
    /// A restart of the running lnd for `reason` (a resource other than
    /// the runtime's own needs it, such as the certificate's names), or None
    /// when lnd is not running: its start is planned already.
    fn restart(
        &self,
        observed: &Self::Observation,
        code: crate::plan::ReasonCode,
        reason: String,
    ) -> Option<Action>;
}

/// A throwaway lnd for a restore rehearsal (`lsm seed verify`,
/// `destroy --purge-volume`): the signer's own image or binary, on the
/// signer's network, with no chain backend, no p2p listener, no published
/// port, and its data in a tmpfs or a temp directory that goes with it.
/// `H` is what its runtime needs to remove it ([`Runtime::ThrowawayHandle`]).
pub(crate) struct Throwaway<H> {
    /// How lsm dials it; the certificate is its own, fresh one.
    pub access: SignerAccess,
    /// What it is, for messages (`container x from image y`).
    pub what: String,
    /// What to remove afterwards.
    pub(crate) handle: H,
    /// Removes it if lsm is interrupted before `remove_throwaway` did.
    pub(crate) on_interrupt: crate::interrupt::Guard,
}

/// The lnd flags of a throwaway lnd (see [`Throwaway`]) besides its lnddir.
pub(crate) fn throwaway_lnd_flags(network: Network, rpc_listen: &str) -> Vec<String> {
    vec![
        format!("--bitcoin.{network}"),
        "--bitcoin.node=nochainbackend".to_string(),
        "--nolisten".to_string(),
        "--nobootstrap".to_string(),
        "--norest".to_string(),
        format!("--rpclisten={rpc_listen}"),
        "--debuglevel=info".to_string(),
    ]
}

/// A runtime that can also change things. Only `apply` and `destroy` make one.
#[allow(async_fn_in_trait)]
pub(crate) trait Runtime {
    type Observer: Observer;
    /// The steps this runtime plans and carries out (its vocabulary).
    type Op: Vocabulary;
    /// What this runtime needs to remove its throwaway lnd.
    type ThrowawayHandle;
    fn observer(&self) -> &Self::Observer;
    /// Carries out one of its own steps.
    async fn execute(&self, op: &Self::Op) -> Result<(), Error>;
    /// Carries out one planned runtime step. The runtime that carries out
    /// a plan is the one that made it, so another runtime's step is lsm's
    /// own bug: refused, never executed.
    async fn execute_planned(&self, op: &RuntimeOp) -> Result<(), Error> {
        self.execute(Self::Op::expect(op)?).await
    }
    /// The last lines lnd wrote, for failure reports.
    async fn recent_logs(&self, lines: usize) -> Vec<String>;
    /// Starts a [`Throwaway`] lnd and waits until it serves gRPC (its
    /// tls.cert exists). It holds no wallet yet.
    async fn start_throwaway(&self) -> Result<Throwaway<Self::ThrowawayHandle>, Error>;
    /// Stops and removes a throwaway lnd and its data. Best effort: what
    /// cannot be removed is said in the returned text.
    async fn remove_throwaway(&self, t: Throwaway<Self::ThrowawayHandle>) -> Result<(), Error>;
}
