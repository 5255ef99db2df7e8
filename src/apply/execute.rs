//! The executor. It runs a plan's runtime steps in order, then works
//! level-triggered (like a kube-rs reconciler): wait for lnd, observe again,
//! plan the wallet/macaroon/bundle steps from what is true *now*, run them,
//! and repeat until nothing is left: the round whose fresh observation (made
//! after the last step) plans nothing is the proof of convergence; when the
//! rounds run out, one more observation must plan nothing, else apply fails.
//! Every step re-checks its own preconditions, so a crash at any point is
//! repaired by running apply again.

use super::Error;
use crate::apply::progress::Progress;
use crate::crashpoint;
use crate::desired::Desired;
use crate::lnd::client::LndClient;
use crate::lnd::proto::lnrpc::WalletState;
use crate::observe::{self, World};
use crate::plan::op::{MacaroonOp, Op, WalletOp};
use crate::plan::{Action, Plan};
use crate::reconcile::build::plan;
use crate::runtime::{Observation, Observer, Runtime};
use crate::signer::{self, SignerAccess};
use lsm_lnd::backoff::Backoff;
use std::time::Duration;
use tokio::time::Instant;
use zeroize::Zeroizing;

/// How long apply waits for lnd to come up and become ready.
pub(crate) const READY_TIMEOUT: Duration = Duration::from_secs(180);
/// Rounds of the signer phase before apply gives up (each round normally
/// finishes everything; more means something keeps changing underneath).
const MAX_ROUNDS: usize = 4;

/// What apply did.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// Actions carried out, in order.
    pub actions: Vec<Action>,
    /// True when a seed was generated or restored in this run.
    pub wallet_created: bool,
}

/// Secrets apply holds between steps, in memory only.
#[derive(Default)]
struct Held {
    admin_macaroon: Option<Zeroizing<Vec<u8>>>,
    baked: Option<Zeroizing<Vec<u8>>>,
}

/// Applies `plan` and verifies convergence.
pub(crate) async fn apply<R: Runtime>(
    rt: &R,
    desired: &Desired,
    plan_to_apply: &Plan,
    progress: &Progress,
    ready_timeout: Duration,
) -> Result<Applied, Error> {
    let mut applied = Applied::default();
    let cx = Phase {
        rt,
        desired,
        progress,
        deadline: Instant::now() + ready_timeout,
    };
    runtime_phase(&cx, plan_to_apply, &mut applied).await?;
    if !signer_phase(&cx, plan_to_apply, &mut applied).await? {
        // Out of rounds: observe once more; the plan must be empty.
        final_check(rt, desired).await?;
    }
    Ok(applied)
}

/// A watch-only lnd serves only once its chain backend has synced, which on
/// a public network's first start can outlast the timeout: the edge says so.
fn watchonly_wait(desired: &Desired, e: Error) -> Error {
    match desired.watchonly {
        Some(_) => Error::WatchOnlyNotReady(Box::new(e)),
        None => e,
    }
}

/// What every step of apply works with.
struct Phase<'a, R> {
    rt: &'a R,
    desired: &'a Desired,
    progress: &'a Progress,
    /// When lnd must have come up and become ready.
    deadline: Instant,
}

/// Runtime and host-secret steps, exactly as planned.
async fn runtime_phase<R: Runtime>(
    cx: &Phase<'_, R>,
    plan_to_apply: &Plan,
    applied: &mut Applied,
) -> Result<(), Error> {
    let (rt, files) = (cx.rt, &cx.desired.wallet_files);
    for action in plan_to_apply.actions.iter().filter(|a| !a.op.needs_lnd()) {
        let step = cx.progress.start(action);
        let result = match &action.op {
            Op::Runtime(op) => rt.execute_planned(op).await.map_err(Error::from),
            Op::Wallet(WalletOp::GeneratePassword) => {
                crate::wallet::execute::generate_password(files).map_err(Error::from)
            }
            Op::Wallet(WalletOp::FixPermissions) => {
                crate::wallet::execute::fix_permissions(files).map_err(Error::from)
            }
            Op::Wallet(WalletOp::RemoveLeftovers) => {
                files.remove_temp_leftovers().map_err(Error::from)
            }
            _ => Ok(()),
        };
        step.finish(&result);
        if let Err(f) = result {
            // lnd's own log explains only a failed start or restart: a
            // failed pull, volume or file step has nothing to do with what
            // lnd last printed, so its message carries no log lines.
            return Err(if action.op.starts_lnd() {
                with_logs(rt, f).await
            } else {
                f
            });
        }
        applied.actions.push(action.clone());
    }
    Ok(())
}

/// The signer phase: level-triggered, from fresh observations. True when a
/// round's fresh observation, made after the last step, plans nothing:
/// that observation is the convergence check.
async fn signer_phase<R: Runtime>(
    cx: &Phase<'_, R>,
    plan_to_apply: &Plan,
    applied: &mut Applied,
) -> Result<bool, Error> {
    let planned: Vec<&Action> = plan_to_apply
        .actions
        .iter()
        .filter(|a| a.op.needs_lnd())
        .collect();
    let mut held = Held::default();
    for _round in 0..MAX_ROUNDS {
        let world = match wait_for_signer(cx.rt, cx.desired, cx.progress, cx.deadline).await {
            Ok(w) => w,
            Err(e) => return Err(with_logs(cx.rt, watchonly_wait(cx.desired, e)).await),
        };
        let now = plan(cx.rt.observer(), cx.desired, &world);
        if now.blocked() {
            return Err(Error::Blocked {
                blockers: now.blockers,
            });
        }
        if let Some(a) = now.actions.iter().find(|a| !a.op.needs_lnd()) {
            return Err(Error::ChangedUnderneath {
                address: a.address.clone(),
                reason: a.reason.clone(),
            });
        }
        if now.actions.is_empty() && world.signer.complete() {
            return Ok(true);
        }
        run_round(cx, &planned, &now, &world, &mut held, applied).await?;
    }
    Ok(false)
}

/// Runs one round's steps, up to and including the first wallet step:
/// lnd then answers differently (accounts, macaroons exist), so the rest
/// is planned from a fresh observation.
async fn run_round<R: Runtime, O: Observation>(
    cx: &Phase<'_, R>,
    planned: &[&Action],
    now: &Plan,
    world: &World<O>,
    held: &mut Held,
    applied: &mut Applied,
) -> Result<(), Error> {
    for action in &now.actions {
        check_planned(planned, action, cx.progress)?;
        let step = cx.progress.start(action);
        let result = signer_step(cx.rt, action, cx.desired, world, held, cx.deadline).await;
        step.finish(&result);
        if let Err(f) = result {
            return Err(with_logs(cx.rt, f).await);
        }
        applied.actions.push(action.clone());
        if let Op::Wallet(op) = &action.op {
            if matches!(
                op,
                WalletOp::CreateWallet | WalletOp::RestoreWallet | WalletOp::CreateWatchOnlyWallet
            ) {
                applied.wallet_created = true;
            }
            return Ok(());
        }
    }
    Ok(())
}

/// A wallet is created or restored only when the approved plan showed
/// that very step: a seed the operator never saw planned is a new identity
/// for the watch-only node, or the wrong one restored (and a planned
/// restore never stands in for a new seed). Other steps the plan did not
/// show are run, and said.
fn check_planned(planned: &[&Action], action: &Action, progress: &Progress) -> Result<(), Error> {
    // A watch-only wallet is made from the bundle, so its identity is the
    // signer's whatever the plan showed: it is run and said like any step.
    let makes_wallet = matches!(
        action.op,
        Op::Wallet(WalletOp::CreateWallet | WalletOp::RestoreWallet)
    );
    let was_planned = planned.iter().any(|p| {
        if makes_wallet {
            p.op == action.op
        } else {
            p.address == action.address && p.kind == action.kind
        }
    });
    if makes_wallet && !was_planned {
        return Err(Error::Unplanned {
            address: action.address.clone(),
            reason: action.reason.clone(),
        });
    }
    if !was_planned {
        progress.note(&format!(
            "now that the signer runs, {} also needs: {}",
            action.address, action.reason
        ));
    }
    Ok(())
}

/// The observation after the last round: anything it still plans (or a
/// signer it cannot see whole) means apply did not converge.
async fn final_check<R: Runtime>(rt: &R, desired: &Desired) -> Result<(), Error> {
    let world = observe::observe(rt.observer(), desired).await?;
    let remaining = plan(rt.observer(), desired, &world);
    if !remaining.changed() && !remaining.blocked() && world.signer.complete() {
        return Ok(());
    }
    Err(Error::NotConverged {
        actions: remaining.actions,
        blockers: remaining.blockers,
        incomplete: (!world.signer.complete()).then(|| world.signer.why_incomplete()),
    })
}

/// `e` with lnd's last log lines after it, unless it shows them already.
async fn with_logs<R: Runtime>(rt: &R, e: Error) -> Error {
    // lnd logs a refused restore with the word it does not know, a seed
    // word; its log lines add nothing to that refusal.
    let seed_refused = matches!(e, Error::Wallet(crate::wallet::Error::SeedRejected { .. }));
    if seed_refused || e.has_lnd_logs() {
        return e;
    }
    let lines = rt.recent_logs(15).await;
    if lines.is_empty() {
        return e;
    }
    Error::WithLogs {
        error: Box::new(e),
        logs: crate::runtime::LndLogs(lines),
    }
}

/// Waits until lnd answers in a settled state (no wallet, locked, or
/// active), then observes the whole signer. Fails at once, instead of at
/// the deadline, when the runtime reports that lnd stopped or keeps
/// exiting ([`Observation::stopped`]).
async fn wait_for_signer<R: Runtime>(
    rt: &R,
    desired: &Desired,
    progress: &Progress,
    deadline: Instant,
) -> Result<World<<R::Observer as Observer>::Observation>, Error> {
    let spinner = progress.spinner("waiting for lnd");
    // lnd issues a new tls.cert as it starts when the declared names changed
    // (tlsautorefresh) or the old one expired; the copy read just before can
    // be the old one. The runtime reads the file again through a trusted
    // channel (the engine, the local disk), so a pin that no longer matches
    // while lnd starts means: read it again, until the deadline.
    loop {
        let result = wait_once(rt, desired, &spinner, deadline).await;
        match result {
            Err(Waited::CertRenewed(e)) if Instant::now() < deadline => {
                tracing::debug!("{e}; reading lnd's tls.cert again");
                spinner.set("waiting for lnd: it issued a new tls.cert");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(Waited::CertRenewed(e)) => {
                spinner.finish();
                return Err(e.into());
            }
            Err(Waited::Failed(e)) => {
                spinner.finish();
                return Err(e);
            }
            Ok(world) => {
                spinner.finish();
                return Ok(world);
            }
        }
    }
}

/// Why one wait for lnd ended without a world.
enum Waited {
    /// lnd presents another certificate than the one just read.
    CertRenewed(crate::lnd::error::LndError),
    Failed(Error),
}

impl From<Error> for Waited {
    fn from(e: Error) -> Self {
        Waited::Failed(e)
    }
}

impl From<observe::Error> for Waited {
    fn from(e: observe::Error) -> Self {
        Waited::Failed(e.into())
    }
}

impl From<crate::runtime::Error> for Waited {
    fn from(e: crate::runtime::Error) -> Self {
        Waited::Failed(e.into())
    }
}

impl From<crate::lnd::error::LndError> for Waited {
    fn from(e: crate::lnd::error::LndError) -> Self {
        Waited::Failed(e.into())
    }
}

/// One wait: for the runtime to show how to reach lnd, then for lnd to
/// settle, with the certificate read at the start.
async fn wait_once<R: Runtime>(
    rt: &R,
    desired: &Desired,
    spinner: &crate::apply::progress::Spinner,
    deadline: Instant,
) -> Result<World<<R::Observer as Observer>::Observation>, Waited> {
    let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(1));
    // lnd writes tls.cert a moment after the container starts; poll the
    // runtime with backoff (there is no event for a file appearing).
    let (observed, access): (_, SignerAccess) = loop {
        let observed = rt.observer().observe().await?;
        if let Some(why) = observed.stopped() {
            return Err(not_running(&why).into());
        }
        match observed.access() {
            Ok(a) => break (observed, a),
            Err(reason) if Instant::now() >= deadline => {
                return Err(Error::NotUp {
                    secs: READY_TIMEOUT.as_secs(),
                    reason,
                }
                .into());
            }
            Err(reason) => {
                spinner.set(&format!("waiting for lnd: {reason}"));
                tokio::time::sleep(backoff.next_delay()).await;
            }
        }
    };
    let lnd = signer::reader(&access, signer::observe_options("lnd's tls.cert"))?;
    // With auto_unlock, LOCKED is lnd on its way to unlocking itself from
    // wallet-unlock-password-file (seconds on real lnd): planning from it
    // would see no identity or accounts and take the empty plan for
    // convergence. Only without auto_unlock is LOCKED where lnd stays.
    let settled: &[WalletState] = if desired.wallet.auto_unlock {
        &[WalletState::NonExisting, WalletState::ServerActive]
    } else {
        &[
            WalletState::NonExisting,
            WalletState::Locked,
            WalletState::ServerActive,
        ]
    };
    // Settled at the first answer: nothing waited, so the runtime just
    // observed is current; observe the rest around it instead of reading
    // the runtime again.
    if lnd.get_state().await.is_ok_and(|s| settled.contains(&s)) {
        let world = observe::observe_with(observed, desired).await?;
        if !observe::torn(&world) {
            return Ok(world);
        }
        return Ok(observe::observe(rt.observer(), desired).await?);
    }
    spinner.set("waiting for lnd to be ready");
    // lnd may die while it starts: watch the runtime alongside.
    tokio::select! {
        s = lnd.wait_for_state(settled, deadline) => match s {
            Ok(_) => {}
            Err(e @ crate::lnd::error::LndError::TlsMismatch { .. }) => {
                return Err(Waited::CertRenewed(e));
            }
            Err(e) => return Err(e.into()),
        },
        why = until_stopped(rt, deadline) => return Err(not_running(&why).into()),
    };
    Ok(observe::observe(rt.observer(), desired).await?)
}

fn not_running(why: &str) -> Error {
    Error::NotRunning {
        why: why.to_string(),
    }
}

/// Re-observes the runtime with backoff (250 ms doubling to 2 s) until it
/// reports that lnd stopped; never returns before that or the deadline
/// (past which it waits forever: the other branch times out).
async fn until_stopped<R: Runtime>(rt: &R, deadline: Instant) -> String {
    let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(2));
    while Instant::now() < deadline {
        tokio::time::sleep_until((Instant::now() + backoff.next_delay()).min(deadline)).await;
        if let Ok(o) = rt.observer().observe().await
            && let Some(why) = o.stopped()
        {
            return why;
        }
    }
    std::future::pending().await
}

fn access_of<O: Observation>(world: &World<O>) -> Result<SignerAccess, Error> {
    world
        .runtime
        .access()
        .map_err(|reason| Error::Unreachable { reason })
}

/// The writing client for `access` (no macaroon attached): only apply's
/// signer steps make one; observation gets an [`crate::lnd::reader::LndReader`].
fn client(access: &SignerAccess) -> Result<LndClient, Error> {
    Ok(LndClient::connect(
        &access.addr,
        &access.tls_cert_pem,
        Default::default(),
    )?)
}

/// Waits for lnd to become SERVER_ACTIVE after an InitWallet or unlock,
/// watching the runtime alongside: lnd that dies meanwhile (after "Opened
/// wallet", say) fails apply at once instead of at the deadline.
async fn wait_active<R: Runtime>(
    rt: &R,
    client: &LndClient,
    deadline: Instant,
) -> Result<(), Error> {
    tokio::select! {
        s = client.wait_for_state(&[WalletState::ServerActive], deadline) => {
            s.map(|_| ()).map_err(Error::from)
        }
        why = until_stopped(rt, deadline) => Err(not_running(&why)),
    }
}

/// Carries out one wallet, macaroon or bundle step.
async fn signer_step<R: Runtime, O: Observation>(
    rt: &R,
    action: &Action,
    desired: &Desired,
    world: &World<O>,
    held: &mut Held,
    deadline: Instant,
) -> Result<(), Error> {
    let access = access_of(world)?;
    let client = client(&access)?;
    let files = &desired.wallet_files;
    match &action.op {
        Op::Wallet(op @ (WalletOp::CreateWallet | WalletOp::RestoreWallet)) => {
            let create = *op == WalletOp::CreateWallet;
            let prior = world.secrets.identity.pending.as_ref();
            make_wallet(rt, &client, desired, create, prior, held, deadline).await
        }
        Op::Wallet(WalletOp::RecordIdentity) => {
            // Planned only when the pending note names seed.txt's seed and
            // lnd reported the wallet's identity (see wallet::proof).
            let identity = world
                .signer
                .identity_pubkey
                .as_deref()
                .ok_or(Error::NoIdentity)?;
            let pending = world
                .secrets
                .identity
                .pending
                .as_ref()
                .ok_or(Error::PendingGone)?;
            Ok(crate::wallet::execute::record_identity(
                files,
                &desired.wallet.network,
                identity,
                &pending.seed_sha256,
                pending.origin,
            )?)
        }
        Op::Wallet(WalletOp::UnlockWallet) => {
            crate::wallet::execute::unlock(files, &client, deadline).await?;
            wait_active(rt, &client, deadline).await
        }
        Op::Wallet(WalletOp::RecordSigner) => {
            let link = desired
                .watchonly
                .as_ref()
                .ok_or(Error::NotWatchOnly { step: "record" })?;
            Ok(crate::watchonly::record::write(files, link)?)
        }
        Op::Wallet(WalletOp::CreateWatchOnlyWallet) => {
            let link = desired
                .watchonly
                .as_ref()
                .ok_or(Error::NotWatchOnly { step: "wallet" })?;
            crate::watchonly::wallet::create(files, &client, link, deadline).await?;
            wait_active(rt, &client, deadline).await
        }
        Op::Wallet(
            WalletOp::GeneratePassword | WalletOp::FixPermissions | WalletOp::RemoveLeftovers,
        ) => Ok(()),
        Op::Macaroon(MacaroonOp::Bake) => bake(&client, desired, world, held).await,
        Op::Macaroon(MacaroonOp::Revoke { root_key_id } | MacaroonOp::Renew { root_key_id }) => {
            let admin = admin_macaroon(held, world)?;
            client
                .with_macaroon(&admin)
                .delete_macaroon_id(*root_key_id)
                .await?;
            crashpoint!("macaroon::after_revoke");
            // Forgotten only once lnd deleted it; a crash before this line
            // leaves a record of a key lnd no longer has, which plans skip.
            update_ledger(desired, |l| l.forget(*root_key_id))
        }
        Op::Macaroon(MacaroonOp::Forget { root_key_ids }) => update_ledger(desired, |l| {
            for id in root_key_ids {
                l.forget(*id);
            }
        }),
        Op::Bundle(op) => crate::reconcile::bundle::execute(
            op,
            desired,
            &world.signer,
            &world.secrets,
            &world.bundle,
            held.baked.as_ref().map(|b| b.as_slice()),
        )
        .await
        .map_err(Error::from),
        Op::Runtime(_) => Ok(()),
    }
}

/// Read-modify-write of lsm's root key record in the secrets directory.
fn update_ledger(
    desired: &Desired,
    change: impl FnOnce(&mut crate::scope::ledger::Ledger),
) -> Result<(), Error> {
    desired.wallet_files.prepare_dir()?;
    crate::scope::ledger::update(&desired.wallet_files.dir, change)
        .map_err(|reason| Error::Ledger { reason })
}

/// Creates or restores the wallet, waits until lnd is active, and records
/// the identity that came out of the seed beside it.
async fn make_wallet<R: Runtime>(
    rt: &R,
    client: &LndClient,
    desired: &Desired,
    create: bool,
    prior: Option<&crate::wallet::identity::Pending>,
    held: &mut Held,
    deadline: Instant,
) -> Result<(), Error> {
    let files = &desired.wallet_files;
    let network = &desired.wallet.network;
    let done = if create {
        crate::wallet::execute::create(files, network, client, deadline).await?
    } else {
        crate::wallet::execute::restore(files, network, client, deadline, prior).await?
    };
    wait_active(rt, client, deadline).await?;
    let admin = match done.admin_macaroon {
        Some(admin) => admin,
        None => written_admin_macaroon(rt).await?,
    };
    held.admin_macaroon = Some(admin.clone());
    // The identity that came out of the seed, recorded beside it.
    let info = client.with_macaroon(&admin).get_info().await?;
    Ok(crate::wallet::execute::record_identity(
        files,
        network,
        &info.identity_pubkey,
        &done.seed_sha256,
        done.origin,
    )?)
}

/// Bakes the declared macaroon and holds it for the bundle. Recorded
/// before lnd mints it: a crash right after the bake must not leave a
/// root key lsm forgets it owns.
async fn bake<O: Observation>(
    client: &LndClient,
    desired: &Desired,
    world: &World<O>,
    held: &mut Held,
) -> Result<(), Error> {
    let admin = admin_macaroon(held, world)?;
    let (id, perms) = (desired.scope.root_key_id, &desired.scope.permissions);
    let live = world.signer.root_key_ids.as_deref();
    update_ledger(desired, |l| {
        l.prune(live, Some(id));
        l.record_bake(id, perms, live);
    })?;
    let baked = client
        .with_macaroon(&admin)
        .bake_macaroon(perms, id)
        .await?;
    crashpoint!("macaroon::after_bake");
    held.baked = Some(baked);
    Ok(())
}

/// admin.macaroon as lnd wrote it to its data directory: for a wallet an
/// interrupted apply's InitWallet created, whose reply no one received.
async fn written_admin_macaroon<R: Runtime>(rt: &R) -> Result<Zeroizing<Vec<u8>>, Error> {
    let observed = rt.observer().observe().await?;
    observed
        .access()
        .ok()
        .and_then(|a| a.admin_macaroon)
        .map(|m| m.to_zeroizing())
        .ok_or(Error::AdminMacaroonNotWritten)
}

fn admin_macaroon<O: Observation>(
    held: &Held,
    world: &World<O>,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    held.admin_macaroon
        .clone()
        .or_else(|| {
            world
                .signer
                .admin_macaroon
                .as_ref()
                .map(|m| m.to_zeroizing())
        })
        .ok_or(Error::NoAdminMacaroon)
}
