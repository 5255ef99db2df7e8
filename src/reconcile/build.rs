//! Diff → plan. Each resource decides its own actions (the runtime, the
//! wallet, the macaroon scope, the bundle); this module only orders them
//! along the dependency chain and collects blockers and notes:
//!
//! secrets → image → volume → container → lnd.conf → password copy →
//! start → wallet → macaroon bake → bundle export → old root keys revoked →
//! stale bundle files removed.
//!
//! Revocation of an old root key comes after the new bundle is written, so
//! the watch-only node is never left without a working macaroon on disk;
//! only renewing the declared root key itself (new permissions under the
//! same id) must revoke before its bake (see [`crate::scope`]).

use crate::desired::Desired;
use crate::observe::World;
use crate::plan::op::{MacaroonOp, Op, WalletOp};
use crate::plan::{Plan, PlanPart};
use crate::runtime::{Observer, PasswordFile, WalletFacts};
use crate::wallet::diff::{FileView, WalletView};

/// The plan that converges the node the manifest declares.
pub(crate) fn plan<Ob: Observer>(
    observer: &Ob,
    desired: &Desired,
    world: &World<Ob::Observation>,
) -> Plan {
    match &desired.watchonly {
        Some(link) => super::watchonly::plan(observer, desired, link, world),
        None => signer_plan(observer, desired, world),
    }
}

/// The plan that converges a signer.
fn signer_plan<Ob: Observer>(
    observer: &Ob,
    desired: &Desired,
    world: &World<Ob::Observation>,
) -> Plan {
    let mut wallet = wallet_diff(desired, world);
    let facts = wallet_facts(world, &wallet);
    let mut runtime = observer.diff(&world.runtime, facts);
    super::certificate::converge(
        observer,
        &world.runtime,
        desired,
        world.signer.tls_cert_pem.as_deref(),
        &mut runtime.actions,
    );
    let scope = scope_diff(desired, world);
    let bake_planned = scope
        .actions
        .iter()
        .any(|a| a.op == Op::Macaroon(MacaroonOp::Bake));
    let bundle = super::bundle::diff_for(
        desired,
        &world.signer,
        &world.secrets,
        &world.bundle,
        bake_planned,
    );

    // A network change is named as what it is: lnd keeps one wallet per
    // network, so the declared network's wallet would be another wallet
    // (and its admin.macaroon is missing, which says nothing useful).
    let network_change = network_change(desired, world);
    // Blockers read wallet first (then the bundle's directory, the
    // runtime, the scope); warnings and notes read runtime first. The
    // actions are ordered by their phases.
    let mut part = PlanPart {
        blockers: network_change.iter().cloned().collect(),
        ..PlanPart::default()
    };
    part.blockers.append(&mut wallet.blockers);
    part.blockers.extend(bundle_dir_blocker(desired, world));
    part.merge(runtime);
    part.merge(wallet);
    part.merge(scope);
    part.merge(bundle);
    if network_change.is_none() {
        part.blockers.extend(crate::signer::missing_admin_macaroon(
            &world.signer,
            &observer.admin_macaroon_location(),
            &observer.restart_hint(),
        ));
    }
    // Nothing to do is only "matches" when lnd answered every question.
    if part.is_settled() {
        part.warnings.extend(incomplete_warning(world));
    }
    part.notes.extend(world.signer.limits.iter().cloned());
    Plan::assemble(
        observer.subject(),
        desired.manifest_hash.clone(),
        world.digest(),
        part,
    )
}

/// The wallet's diff. The bundle's accounts.json is a sign that a wallet
/// existed, which the wallet's rules must see (a missing seed.txt may only
/// have been moved offline).
fn wallet_diff<O>(desired: &Desired, world: &World<O>) -> PlanPart {
    let mut secrets = world.secrets.clone();
    if world
        .bundle
        .files
        .contains_key(crate::bundle::ACCOUNTS_FILE)
    {
        secrets.earlier_wallet = Some(format!(
            "{}/{}",
            crate::desired::display_path(&desired.bundle.dir),
            crate::bundle::ACCOUNTS_FILE
        ));
    }
    crate::wallet::diff::diff(&desired.wallet, &secrets, &world.signer.wallet)
}

/// What the wallet's side of the plan knows that the runtime's plan may
/// depend on: wallet-password.txt present, planned (generated earlier in
/// this plan) or missing, and whether lnd proved there is no wallet.
pub(crate) fn wallet_facts<O>(world: &World<O>, wallet: &PlanPart) -> WalletFacts {
    let password = if matches!(world.secrets.password, FileView::Present { .. }) {
        PasswordFile::Present
    } else if wallet
        .actions
        .iter()
        .any(|a| a.op == Op::Wallet(WalletOp::GeneratePassword))
    {
        PasswordFile::Planned
    } else {
        PasswordFile::Missing
    };
    WalletFacts {
        password,
        no_wallet: world.signer.wallet.exists() == Some(false),
    }
}

/// The macaroon scope's diff, from the bundle's macaroon files, lnd's root
/// keys, lsm's ledger and lnd's verdict on the declared file.
fn scope_diff<O>(desired: &Desired, world: &World<O>) -> PlanPart {
    let macaroon_files = world.bundle.macaroon_files();
    // lnd's verdict on the declared macaroon file, if it is the one judged.
    let rejected = world.signer.bundle_macaroon.as_ref().and_then(|v| {
        let file = world.bundle.files.get(&desired.scope.file_name())?;
        (crate::secrets::sha256_hex(&file.bytes) == v.sha256)
            .then(|| v.rejected.clone())
            .flatten()
    });
    let described = world.bundle.described_macaroon_file();
    crate::scope::diff(
        &desired.scope,
        &crate::scope::ScopeInputs {
            files: &macaroon_files,
            described: described.as_deref(),
            live: world.signer.root_key_ids.as_deref(),
            ledger: &world.macaroon_ledger,
            rejected: rejected.as_deref(),
        },
    )
}

/// With lnd not answering as an active signer, an empty plan does not
/// mean the signer matches: the wallet, macaroons and bundle went unseen.
fn incomplete_warning<O>(world: &World<O>) -> Option<String> {
    (!world.signer.complete()).then(|| {
        format!(
            "lnd did not answer as an active signer ({}), so its wallet, macaroons and the \
             bundle were not compared; `lsm apply` waits for it (up to --timeout) and checks them",
            world.signer.why_incomplete()
        )
    })
}

/// The network this signer's wallet was made for, when the identity
/// record or the bundle says it is not the manifest's: a blocker that
/// names the change and what it means.
fn network_change<O>(desired: &Desired, world: &World<O>) -> Option<crate::plan::Blocker> {
    let want = &desired.wallet.network;
    let record = world
        .secrets
        .identity
        .record
        .as_ref()
        .map(|r| (r.network.clone(), crate::wallet::diff::IDENTITY_FILE));
    let bundle = world
        .bundle
        .bundle_json()
        .map(|j| (j.network, crate::bundle::BUNDLE_JSON_FILE));
    let (was, source) = record.or(bundle).filter(|(n, _)| n != want)?;
    Some(crate::plan::Blocker {
        code: crate::plan::BlockerCode::NetworkChange,
        address: crate::plan::Address::SIGNER_NETWORK,
        reason: format!(
            "signer.network changes {was} → {want}, but this signer's wallet is a {was} wallet \
             ({source} says so). lnd keeps one wallet per network: on {want} the signer would \
             have another wallet (from the same seed, but other keys and xpubs), and the \
             watch-only node's {was} bundle would be replaced"
        ),
        fix: format!(
            "to keep this signer, set network = \"{was}\" again. For a {want} signer, declare a \
             new one (its own [signer] name, [wallet] secrets_dir and [bundle] path)"
        ),
    })
}

/// `[bundle] path` names a directory lsm must not write into: another
/// user's, writable by others, or someone else's with other files in it
/// (lnd's own data directory, `/etc`). Nothing there is chmodded, written
/// or removed (see [`crate::dirguard`]).
fn bundle_dir_blocker<O>(desired: &Desired, world: &World<O>) -> Option<crate::plan::Blocker> {
    let shown = crate::desired::display_path(&desired.bundle.dir);
    crate::dirguard::refusal(
        &shown,
        crate::dirguard::Role::Bundle,
        &world.bundle_dir,
        world.secrets.euid,
    )
    .map(|(reason, fix)| crate::plan::Blocker {
        code: crate::plan::BlockerCode::BundleDirRefused,
        address: crate::plan::Address::DIRECTORY_BUNDLE,
        reason,
        fix,
    })
}

/// The plan that removes the signer (`lsm destroy`). The wallet's data goes
/// only with `purge`, and only when losing it loses nothing: lnd reports
/// no wallet in it, or lnd runs the wallet unlocked and seed.txt is usable
/// and not refused by the identity record — and then `destroy` rehearses a
/// restore from seed.txt and refuses unless it restores that live wallet
/// (the volume is the only other copy of the keys). Only lnd can say whose
/// wallet the volume holds: seed.txt, its identity record and the bundle
/// could all have been copied from another signer, so with lnd stopped or
/// locked the purge is blocked rather than judged by them.
pub(crate) fn destroy_plan<Ob: Observer>(
    observer: &Ob,
    desired: &Desired,
    world: &World<Ob::Observation>,
    purge: bool,
) -> Plan {
    if desired.resolved.watchonly.is_some() {
        return super::watchonly::destroy_plan(observer, desired, world, purge);
    }
    let mut part = observer.destroy_diff(&world.runtime, purge);
    if let Some(data_address) = data_removal(&part) {
        let PlanPart {
            blockers, notes, ..
        } = &mut part;
        let dir = &desired.wallet.secrets_dir_display;
        let block = |reason: String, fix: &str| crate::plan::Blocker {
            code: crate::plan::BlockerCode::PurgeNotProvenSafe,
            address: data_address.clone(),
            reason,
            fix: fix.to_string(),
        };
        match &world.signer.wallet {
            // lnd says the volume holds no wallet: nothing to lose.
            WalletView::NonExisting => notes
                .push("lnd reports no wallet in the volume, so removing it loses no keys".into()),
            // No volume, no wallet.
            WalletView::Unreachable {
                wallet_exists: Some(false),
                ..
            } => {}
            wallet => {
                let live = matches!(
                    wallet,
                    WalletView::Unlocked {
                        identity_pubkey: Some(_)
                    }
                );
                let proof = crate::wallet::proof::seed_proof(
                    &desired.wallet.network,
                    &world.secrets,
                    wallet,
                );
                if !world.secrets.seed_usable() {
                    let why = match (&world.secrets.seed, &world.secrets.seed_problem) {
                        (FileView::Present { .. }, Some(problem)) => {
                            format!("could not restore it: {problem}")
                        }
                        (FileView::NotRegular { kind }, _) => format!("is {kind}, not a seed file"),
                        _ => "does not exist to restore it".to_string(),
                    };
                    blockers.push(block(
                        format!("--purge-volume would delete the wallet, and {dir}/seed.txt {why}"),
                        "put the seed back into seed.txt (or keep the volume); lsm only deletes \
                         a wallet it can restore",
                    ));
                } else if let Some((reason, fix)) =
                    crate::wallet::proof::refusal(&proof, dir, Some(true))
                {
                    blockers.push(block(
                        format!("--purge-volume would delete the wallet: {reason}"),
                        &fix,
                    ));
                } else if let Some(change) = network_change(desired, world) {
                    // lnd on the declared network shows another wallet than
                    // the one the volume was made for.
                    blockers.push(block(
                        format!("--purge-volume cannot judge the wallet: {}", change.reason),
                        &change.fix,
                    ));
                } else if !live {
                    blockers.push(block(
                        format!(
                            "--purge-volume would delete a wallet lnd does not show ({}). Only \
                             lnd, running unlocked with this volume, can say whose wallet it \
                             holds: seed.txt, {} and the bundle could all have been copied from \
                             another signer, and a rehearsal compared with them proves nothing \
                             about this volume",
                            match wallet {
                                WalletView::Unreachable { reason, .. } => reason.clone(),
                                WalletView::Locked => "it is locked".to_string(),
                                _ => world.signer.why_incomplete(),
                            },
                            crate::wallet::diff::IDENTITY_FILE
                        ),
                        "run `lsm apply` so the signer runs unlocked, then `lsm destroy \
                         --purge-volume` again: the rehearsal then compares seed.txt with the \
                         live wallet",
                    ));
                } else {
                    notes.push(format!(
                        "before the volume goes, lsm rehearses a restore from {dir}/seed.txt in \
                         a throwaway lnd and removes the volume only if it restores the live \
                         signer's identity and every account xpub"
                    ));
                }
            }
        }
    }
    Plan::assemble(
        observer.subject(),
        desired.manifest_hash.clone(),
        world.digest(),
        part,
    )
}

/// The address of the runtime's own action that removes lnd's data (a
/// volume, a directory), when the destroy plan has one: it names what goes.
pub(crate) fn data_removal(runtime: &PlanPart) -> Option<crate::plan::Address> {
    runtime
        .actions
        .iter()
        .find(|a| matches!(&a.op, Op::Runtime(op) if op.removes_data()))
        .map(|a| a.address.clone())
}

/// Whether a destroy plan removes a wallet lnd reports, so `destroy` must
/// rehearse a restore from seed.txt first.
pub(crate) fn purges_a_wallet<O>(plan: &Plan, world: &World<O>) -> bool {
    plan.actions
        .iter()
        .any(|a| matches!(&a.op, Op::Runtime(op) if op.removes_data()))
        && world.signer.wallet.exists() != Some(false)
}
