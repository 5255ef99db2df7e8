//! `lsm status`: the signer's health as conditions (ContainerRunning or
//! ProcessRunning, ConfigInSync, WalletState, SignerRpcReady, BundleInSync),
//! each with a reason. Read-only; exit 0 when all hold, 2 when any does not.

use crate::cli::Context;
use crate::cli::common::{self, ObserverTask};
use crate::desired::Desired;
use crate::diagnostic::escape_line as esc;
use crate::error::CmdResult;
use crate::exit::Exit;
use crate::lnd::proto::lnrpc::WalletState;
use crate::observe;
use crate::plan::{Action, ActionKind, Plan};
use crate::reconcile::build::plan;
use crate::runtime::{Condition, Observation, Observer};
use crate::signer::SignerView;
use crate::wallet::diff::{SecretsView, WalletView};
use crate::watchonly::reach::Reach;
use serde_json::json;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Report whether the signer is as declared: each condition with a reason. \
                  Changes nothing.",
    after_help = "Exit codes: 0 every condition holds, 1 error, 2 some condition does not hold."
)]
pub(crate) struct StatusArgs {}

fn first(p: &Plan, f: impl Fn(&Action) -> bool) -> Option<&Action> {
    p.actions.iter().find(|a| f(a))
}

/// Conditions derived from the plan and lnd's answers. They agree with the
/// plan: every action it lists makes some condition false, so status is ok
/// exactly when the plan has nothing to do (and nothing blocks it).
pub(crate) fn conditions<O: Observation>(
    runtime: &O,
    signer: &SignerView,
    p: &Plan,
    remote: Option<&Reach>,
) -> Vec<Condition> {
    let mut out = runtime.conditions();
    let running = out.iter().all(|c| c.status);
    let wallet = wallet_condition(signer);
    let ready = ready_condition(signer);
    let is_bundle = |a: &Action| {
        a.address.as_str().starts_with("bundle.") || a.address.as_str().starts_with("macaroon.")
    };
    // Everything the other conditions do not already report is config:
    // lnd.conf, image, volume, container settings, secret files and modes.
    let explained = |a: &Action| {
        let addr = a.address.as_str();
        is_bundle(a)
            || (addr.starts_with("wallet.") && !wallet.status)
            || (matches!(a.kind, ActionKind::Start | ActionKind::Restart) && !running)
    };
    out.push(match first(p, |a| !explained(a)) {
        // The config can match while lnd does not run at all: say so rather
        // than claim the signer runs as declared (ContainerRunning or
        // ProcessRunning carries the why).
        None if !running => Condition::new(
            "ConfigInSync",
            true,
            "InSync",
            format!(
                "the configuration matches {}, but the {} is not running",
                p.subject.manifest_name,
                p.subject.kind.noun()
            ),
        ),
        None => Condition::new(
            "ConfigInSync",
            true,
            "InSync",
            format!(
                "the {} runs as {} declares",
                p.subject.kind.noun(),
                p.subject.manifest_name
            ),
        ),
        Some(a) => Condition::new(
            "ConfigInSync",
            false,
            "Drift",
            format!("{}: {}", a.address, a.reason),
        ),
    });
    out.push(wallet);
    out.push(ready);
    if let Some(reach) = remote {
        // A watch-only node exports no bundle; what it needs is its signer.
        out.push(Condition::new(
            "RemoteSignerReady",
            reach.ready(),
            if reach.ready() { "Ready" } else { "NotReady" },
            reach.describe(),
        ));
        return out;
    }
    let bundle = first(p, is_bundle);
    out.push(match bundle {
        None if signer.accounts.is_some() => Condition::new(
            "BundleInSync",
            true,
            "InSync",
            "the credentials bundle matches the live signer",
        ),
        None => Condition::new(
            "BundleInSync",
            false,
            "Unknown",
            "the bundle cannot be compared while lnd is not active",
        ),
        Some(a) => Condition::new(
            "BundleInSync",
            false,
            "Drift",
            format!("{}: {}", a.address, a.reason),
        ),
    });
    out
}

/// WalletState: what lnd says of its wallet.
fn wallet_condition(signer: &SignerView) -> Condition {
    match &signer.wallet {
        WalletView::Unlocked { .. } => Condition::new(
            "WalletState",
            true,
            "Unlocked",
            "the wallet exists and is unlocked",
        ),
        WalletView::Locked => {
            Condition::new("WalletState", false, "Locked", "the wallet is locked")
        }
        WalletView::NonExisting => {
            Condition::new("WalletState", false, "NonExisting", "lnd has no wallet")
        }
        WalletView::Unreachable { reason, .. } => {
            Condition::new("WalletState", false, "Unknown", reason.clone())
        }
    }
}

/// SignerRpcReady: lnd serves authenticated calls.
fn ready_condition(signer: &SignerView) -> Condition {
    match signer.state {
        Some(WalletState::ServerActive) => Condition::new(
            "SignerRpcReady",
            true,
            "ServerActive",
            format!(
                "lnd {} answers on {}",
                signer.version.as_deref().unwrap_or("(version unknown)"),
                signer.addr.as_deref().unwrap_or("?")
            ),
        ),
        Some(s) => Condition::new(
            "SignerRpcReady",
            false,
            "NotReady",
            format!("lnd is {}", s.as_str_name()),
        ),
        None => Condition::new(
            "SignerRpcReady",
            false,
            "Unreachable",
            "lnd does not answer",
        ),
    }
}

pub(crate) async fn run(_args: &StatusArgs, ctx: &Context) -> CmdResult {
    let (_loaded, desired) = common::load(ctx)?;
    common::with_observer(
        &desired,
        StatusCommand {
            ctx,
            desired: &desired,
        },
    )
    .await
}

struct StatusCommand<'a> {
    ctx: &'a Context,
    desired: &'a Desired,
}

impl ObserverTask for StatusCommand<'_> {
    type Output = Exit;
    type Error = crate::error::Failure;

    async fn run<Ob: Observer>(self, observer: &Ob) -> CmdResult {
        let StatusCommand { ctx, desired } = self;
        let world = observe::observe(observer, desired).await?;
        let p = plan(observer, desired, &world);
        let conds = conditions(
            &world.runtime,
            &world.signer,
            &p,
            world.remote_signer.as_ref(),
        );
        // A watch-only node has no seed to back up.
        let seed_backup = desired
            .watchonly
            .is_none()
            .then(|| SeedBackup::of(desired, &world.secrets, &world.signer));
        report(
            ctx,
            desired,
            &world.signer,
            seed_backup.as_ref(),
            &p,
            &conds,
        )
    }
}

/// What status says about the seed backup: whether seed.txt is proven to
/// be this wallet's, and when the last restore rehearsal ran and what it
/// found (fingerprints only).
struct SeedBackup {
    proof: &'static str,
    proof_text: String,
    last: Option<crate::wallet::rehearsal::Outcome>,
    /// The last rehearsal was of the seed.txt there now.
    current: bool,
}

impl SeedBackup {
    fn of(desired: &Desired, secrets: &SecretsView, signer: &SignerView) -> SeedBackup {
        use crate::wallet::proof::{SeedProof, seed_proof};
        let proof = seed_proof(&desired.wallet.network, secrets, &signer.wallet);
        let record = crate::wallet::diff::IDENTITY_FILE;
        let (name, text) = match &proof {
            SeedProof::NoSeed => ("none", "seed.txt is missing or unusable".to_string()),
            SeedProof::Proven => {
                let seed = secrets
                    .identity
                    .seed_sha256
                    .as_deref()
                    .map(|f| format!(", {}", crate::wallet::identity::short(f)))
                    .unwrap_or_default();
                let text = if signer.identity_pubkey.is_some() {
                    format!("seed.txt is this wallet's seed ({record} names it{seed})")
                } else {
                    // The record lies beside seed.txt: only lnd can confirm
                    // the wallet in its data is the one the record names.
                    format!(
                        "seed.txt is the seed {record} names{seed}; lnd does not answer, so the \
                         wallet's identity is not confirmed"
                    )
                };
                ("proven", text)
            }
            SeedProof::Unproven => (
                "unproven",
                format!("not proven ({record} is missing); `lsm seed verify` proves it"),
            ),
            SeedProof::Pending => (
                "pending",
                format!("{record} is still to be written (`lsm apply` records it)"),
            ),
            SeedProof::OtherSeed { .. } => (
                "other_seed",
                format!("REFUSED: seed.txt is not the seed {record} names"),
            ),
            SeedProof::OtherIdentity { .. } => (
                "other_identity",
                format!("REFUSED: {record} names another identity than the wallet's"),
            ),
            SeedProof::OtherNetwork { recorded } => (
                "other_network",
                format!("{record} is for {recorded}, not this network"),
            ),
            SeedProof::Unreadable(e) => ("unreadable", e.clone()),
        };
        let last = secrets.last_rehearsal.clone();
        let current = last
            .as_ref()
            .is_some_and(|l| secrets.identity.seed_sha256.as_ref() == Some(&l.seed_sha256));
        SeedBackup {
            proof: name,
            proof_text: text,
            last,
            current,
        }
    }

    fn rehearsal_text(&self) -> String {
        match &self.last {
            None => "never (`lsm seed verify` rehearses a restore from seed.txt)".to_string(),
            Some(l) if self.current => l.summary(),
            Some(l) => format!("{} — seed.txt has changed since", l.summary()),
        }
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "proof": self.proof,
            "detail": self.proof_text,
            "last_rehearsal": self.last,
            "last_rehearsal_of_current_seed": self.current,
        })
    }
}

fn report(
    ctx: &Context,
    desired: &Desired,
    signer: &SignerView,
    seed_backup: Option<&SeedBackup>,
    p: &Plan,
    conds: &[Condition],
) -> CmdResult {
    // A warning (a seed file that could not restore the wallet, a volume
    // lsm did not create) is something monitoring must catch too.
    let ok =
        conds.iter().all(|c| c.status) && !p.blocked() && !p.changed() && p.warnings.is_empty();
    if ctx.output.json {
        ctx.output.print_json(&json!({
            "signer": desired.resolved.signer.name,
            "ok": ok,
            "conditions": conds,
            "identity_pubkey": signer.identity_pubkey,
            "lnd_version": signer.version,
            "kind": desired.resolved.kind(),
            "seed_backup": seed_backup.map(SeedBackup::json),
            "blockers": p.blockers,
            "warnings": p.warnings,
        }))?;
    } else if !ctx.output.quiet {
        anstream::println!(
            "{} \"{}\":",
            crate::plan::render::capitalized(desired.resolved.kind_noun()),
            desired.resolved.signer.name
        );
        let w = conds.iter().map(|c| c.kind.len()).max().unwrap_or(0);
        for c in conds {
            let (mark, st) = if c.status {
                ("✓", crate::output::style::CREATE)
            } else {
                ("✗", crate::output::style::ERROR)
            };
            anstream::println!(
                "  {st}{mark}{st:#} {:<w$}  {:<12} {}",
                c.kind,
                c.reason,
                esc(&c.message)
            );
        }
        if let Some(seed_backup) = seed_backup {
            anstream::println!("  seed backup: {}", esc(&seed_backup.proof_text));
            anstream::println!(
                "  last restore rehearsal: {}",
                esc(&seed_backup.rehearsal_text())
            );
        }
        for b in &p.blockers {
            anstream::println!("  ! {}: {}", b.address, esc(&b.reason));
        }
        for w in &p.warnings {
            let st = crate::output::style::WARN;
            anstream::println!("  {st}warning{st:#}: {}", esc(w));
        }
    }
    Ok(if ok { Exit::Ok } else { Exit::Changes })
}
