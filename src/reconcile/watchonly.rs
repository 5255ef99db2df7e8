//! The watch-only node's plan. Its runtime part is the runtime's own diff
//! (image → volume → lnd.conf → signer credentials → container); around it
//! come the secrets (the wallet password; there is no seed on this side)
//! and the watch-only wallet, and the protections only this kind of node
//! has: the signer must answer before lnd starts, and the node must be the
//! signer's (same identity pubkey, same accounts).

use crate::desired::Desired;
use crate::observe::World;
use crate::plan::op::{Op, WalletOp};
use crate::plan::{Action, ActionKind, Address, Blocker, Plan, PlanPart, ReasonCode};
use crate::runtime::Observer;
use crate::wallet::diff::WalletView;
use crate::watchonly::SignerLink;
use crate::watchonly::reach::Reach;

/// The plan that converges a watch-only node.
pub(crate) fn plan<Ob: Observer>(
    observer: &Ob,
    desired: &Desired,
    link: &SignerLink,
    world: &World<Ob::Observation>,
) -> Plan {
    let mut wallet =
        crate::wallet::diff::secrets_diff(&desired.wallet, &world.secrets, &world.signer.wallet);
    wallet_step(desired, link, world, &mut wallet);
    let facts = super::build::wallet_facts(world, &wallet);
    let runtime = observer.diff(&world.runtime, facts);

    let starts = runtime
        .actions
        .iter()
        .chain(&wallet.actions)
        .any(starts_lnd);
    // Blockers read wallet first, warnings and notes runtime first, as in
    // a signer's plan; the actions are ordered by their phases.
    let mut part = PlanPart {
        blockers: std::mem::take(&mut wallet.blockers),
        ..PlanPart::default()
    };
    part.merge(runtime);
    part.merge(wallet);
    let PlanPart {
        actions,
        blockers,
        warnings,
        notes,
    } = &mut part;
    if let Some(reach) = world.remote_signer.as_ref().filter(|r| !r.checked) {
        warnings.push(format!(
            "lsm could not check the signer from this host ({}: {}); the node dials {}",
            reach.addr,
            reach.problems.join("; "),
            link.endpoint
        ));
    }
    if let Some(reach) = world.remote_signer.as_ref().filter(|r| r.checked) {
        match (reach.ready(), starts) {
            (true, _) => notes.push(reach.describe()),
            (false, true) => blockers.push(unreachable_blocker(reach, link)),
            (false, false) => warnings.push(format!(
                "{}; the watch-only node cannot sign until it does",
                reach.describe()
            )),
        }
    }
    blockers.extend(identity_blocker(link, world));
    // The record speaks for a wallet lnd cannot be asked about now; with
    // no wallet there is nothing to protect (InitWallet writes a new one),
    // and once lnd answered, the live checks above decide.
    let wallet_may_exist = world.signer.wallet.exists() != Some(false);
    let lnd_answered = world.signer.identity_pubkey.is_some();
    match &world.watchonly_record {
        Some(Ok(made_for)) if wallet_may_exist && !lnd_answered => {
            blockers.extend(record_blocker(made_for, link));
        }
        Some(Err(why)) if wallet_may_exist && !lnd_answered => warnings.push(format!(
            "{why}: lsm cannot tell which signer this node's wallet was made for until lnd \
             answers"
        )),
        _ => {}
    }
    if let Err(why) =
        crate::watchonly::reach::endpoint_named(&link.endpoint, &link.bundle.tls_cert_pem)
    {
        blockers.push(Blocker {
            code: crate::plan::BlockerCode::CertificateLacksSignerName,
            address: Address::SIGNER_REMOTE,
            reason: format!(
                "{why}: lnd's TLS check would fail and the node exit after its 5 s dial"
            ),
            fix: "add that name to the signer's [rpc] tls_extra_domains (or tls_extra_ips), \
                  apply the signer, and import its new bundle; or dial a name the certificate \
                  has"
            .into(),
        });
    }
    blockers.extend(accounts_blocker(link, world));
    // Only a wallet no check refused is recorded as the bundle's.
    if blockers.is_empty() {
        actions.extend(record_step(link, world));
    }
    if part.is_settled() && !world.signer.complete() {
        part.warnings.push(format!(
            "lnd did not answer as an active node ({}), so the watch-only wallet was not \
             compared; `lsm apply` waits for it (up to --timeout) and checks it",
            world.signer.why_incomplete()
        ));
    }
    Plan::assemble(
        observer.subject(),
        desired.manifest_hash.clone(),
        world.digest(),
        part,
    )
}

/// The plan that removes a watch-only node (`lsm destroy`). Its volume
/// holds no keys (the signer has them) but does hold its channel state,
/// without which the funds in open channels are at risk: `--purge-volume`
/// goes ahead only when lnd, running unlocked, reports no channel at all.
pub(crate) fn destroy_plan<Ob: Observer>(
    observer: &Ob,
    desired: &Desired,
    world: &World<Ob::Observation>,
    purge: bool,
) -> Plan {
    let mut part = observer.destroy_diff(&world.runtime, purge);
    if let Some(address) = super::build::data_removal(&part) {
        let PlanPart {
            blockers, notes, ..
        } = &mut part;
        match (&world.signer.wallet, world.signer.channels) {
            (WalletView::NonExisting, _)
            | (
                WalletView::Unreachable {
                    wallet_exists: Some(false),
                    ..
                },
                _,
            ) => notes
                .push("lnd reports no wallet in the volume, so removing it loses nothing".into()),
            (WalletView::Unlocked { .. }, Some(0)) => notes.push(
                "lnd reports no channels, so removing the volume loses no channel state (the \
                 keys stay on the signer; the watch-only wallet is made again from the bundle)"
                    .into(),
            ),
            (_, channels) => blockers.push(Blocker {
                code: crate::plan::BlockerCode::PurgeWithChannels,
                address,
                reason: match channels {
                    Some(n) => format!(
                        "--purge-volume would delete the state of {n} channel(s); funds in them \
                         could be lost"
                    ),
                    None => format!(
                        "--purge-volume would delete the node's channel state, and lnd does not \
                         report how many channels it has ({})",
                        match world.signer.why_incomplete() {
                            why if why.is_empty() => "it did not list its pending channels".into(),
                            why => why,
                        }
                    ),
                },
                fix: "close every channel first (lncli closechannel) and wait until lnd lists \
                      none as closing either (lncli pendingchannels), with the node running \
                      unlocked; then run `lsm destroy --purge-volume` again"
                    .into(),
            }),
        }
    }
    Plan::assemble(
        observer.subject(),
        desired.manifest_hash.clone(),
        world.digest(),
        part,
    )
}

/// Whether an action makes lnd dial its signer: a (re)start, or opening
/// the wallet (lnd connects to the signer once its wallet is unlocked).
fn starts_lnd(a: &Action) -> bool {
    a.op.starts_lnd()
        || matches!(
            a.op,
            Op::Wallet(WalletOp::CreateWatchOnlyWallet | WalletOp::UnlockWallet)
        )
}

/// lnd gives up on an unreachable signer after a 5 s dial and exits: a
/// start now would be a crash loop, so the plan stops before it.
fn unreachable_blocker(reach: &Reach, link: &SignerLink) -> Blocker {
    Blocker {
        code: crate::plan::BlockerCode::SignerUnreachable,
        address: Address::SIGNER_REMOTE,
        reason: format!(
            "{}; a watch-only lnd started now would exit after its 5 s dial to the signer",
            reach.describe()
        ),
        fix: format!(
            "start and unlock the signer \"{}\" (`lsm apply` on its signer.toml), check that this \
             host reaches {} and that the bundle {} is its current one, then run this again",
            link.bundle.signer, link.bundle.rpc_endpoint, link.bundle.source
        ),
    }
}

/// The watch-only wallet: made from the bundle when lnd has none (it says
/// so, or the runtime shows there is nothing yet: a fresh node), unlocked
/// when locked. Never made again: a wallet that exists stays.
fn wallet_step<O>(desired: &Desired, link: &SignerLink, world: &World<O>, d: &mut PlanPart) {
    match &world.signer.wallet {
        WalletView::NonExisting
        | WalletView::Unreachable {
            wallet_exists: Some(false),
            ..
        } => d.actions.push(Action::new(
            Address::WALLET_WATCHONLY,
            ActionKind::Create,
            ReasonCode::WatchOnlyWalletCreate,
            format!(
                "create the watch-only wallet: InitWallet with the bundle's {} account xpubs \
                 (signer \"{}\"), birthday {}, and the password in {}/wallet-password.txt",
                link.bundle.accounts.len(),
                link.bundle.signer,
                link.bundle
                    .wallet_birthday
                    .map_or("unknown (lnd rescans from 2017)".to_string(), |unix| {
                        crate::bundle::bundle_json::Birthday::from_unix(unix).rfc3339
                    }),
                desired.wallet.secrets_dir_display
            ),
            Op::Wallet(WalletOp::CreateWatchOnlyWallet),
        )),
        // lnd unlocks itself from the password copy within seconds of a
        // start; only with auto_unlock off is unlocking apply's step.
        WalletView::Locked if desired.wallet.auto_unlock => d.notes.push(
            "the watch-only wallet is locked; lnd unlocks it from wallet-unlock-password-file \
             when it starts with lsm's lnd.conf"
                .into(),
        ),
        WalletView::Locked => d.actions.push(Action::new(
            Address::WALLET_WATCHONLY,
            ActionKind::Update,
            ReasonCode::WalletLocked,
            format!(
                "unlock the watch-only wallet with {}/wallet-password.txt (auto_unlock is off)",
                desired.wallet.secrets_dir_display
            ),
            Op::Wallet(WalletOp::UnlockWallet),
        )),
        WalletView::Unlocked { .. } => {}
        WalletView::Unreachable { reason, .. } => d.notes.push(format!(
            "the watch-only wallet is checked once lnd answers ({reason})"
        )),
    }
}

/// lnd confirmed the wallet is the bundle's (identity and accounts checked
/// above) but lsm's record of it is missing or older: record it, so the
/// offline check protects this node from now on.
fn record_step<O>(link: &SignerLink, world: &World<O>) -> Option<Action> {
    let confirmed = world.signer.identity_pubkey.is_some() && world.signer.accounts.is_some();
    let now = crate::watchonly::record::Record::of(link);
    let current = matches!(&world.watchonly_record, Some(Ok(r)) if *r == now);
    (confirmed && !current).then(|| {
        Action::new(
            Address::WALLET_WATCHONLY,
            ActionKind::Update,
            ReasonCode::WatchOnlyRecordOutdated,
            format!(
                "record that this wallet is signer \"{}\"'s in {} (lnd confirmed its identity and \
                 accounts)",
                link.bundle.signer,
                crate::wallet::files::WATCHONLY_RECORD_FILE
            ),
            Op::Wallet(WalletOp::RecordSigner),
        )
    })
}

/// The wallet was made from another signer's bundle (lsm's record says
/// so): refused before that bundle's credentials are written and lnd
/// starts with them, which no live check could stop while lnd is down.
fn record_blocker(
    made_for: &crate::watchonly::record::Record,
    link: &SignerLink,
) -> Option<Blocker> {
    let now = crate::watchonly::record::Record::of(link);
    (!made_for.same_wallet(&now)).then(|| Blocker {
        code: crate::plan::BlockerCode::AnotherSignersBundle,
        address: Address::WALLET_WATCHONLY,
        reason: format!(
            "this node's watch-only wallet was made from signer \"{}\"'s bundle ({}, identity \
             {}), but [bundle] path now holds signer \"{}\"'s ({}, identity {}): another \
             wallet's accounts ({})",
            made_for.signer,
            made_for.network,
            made_for
                .identity_pubkey
                .as_deref()
                .unwrap_or("not recorded"),
            now.signer,
            now.network,
            now.identity_pubkey.as_deref().unwrap_or("not recorded"),
            crate::wallet::files::WATCHONLY_RECORD_FILE
        ),
        fix: "point [bundle] path at the bundle of the signer this node was made for, or \
              declare a new watch-only node (its own name, volume and secrets_dir) for this \
              bundle"
            .to_string(),
    })
}

/// The node's wallet must hold the bundle's accounts: a bundle of another
/// wallet (a signer made again, another signer) is refused, never imported
/// over the wallet that exists.
fn accounts_blocker<O>(link: &SignerLink, world: &World<O>) -> Option<Blocker> {
    let have = world.signer.accounts.as_ref()?;
    // By derivation path: an account the node lacks is no proof of another
    // wallet (a newer signer may export more), a different key at the
    // same path is.
    let foreign = link
        .bundle
        .accounts
        .iter()
        .filter(|a| {
            let path = format!("m/{}'/{}'/{}'", a.purpose, a.coin_type, a.account);
            have.iter()
                .any(|h| h.derivation_path == path && h.extended_public_key != a.xpub)
        })
        .count();
    (foreign > 0).then(|| Blocker {
        code: crate::plan::BlockerCode::ForeignAccounts,
        address: Address::WALLET_WATCHONLY,
        reason: format!(
            "{foreign} of the bundle's {} accounts (signer \"{}\") have other keys in this \
             node's watch-only wallet: the bundle is another wallet's",
            link.bundle.accounts.len(),
            link.bundle.signer
        ),
        fix: "import the bundle of the signer this node was made for, or declare a new \
              watch-only node (its own name, volume and secrets_dir) for this bundle"
            .to_string(),
    })
}

/// The node must be its signer's: lnd reports the signer's identity pubkey
/// on a watch-only node, and its accounts are the bundle's. Anything else
/// means this node's wallet was made from another signer's bundle.
fn identity_blocker<O>(link: &SignerLink, world: &World<O>) -> Option<Blocker> {
    let have = world.signer.identity_pubkey.as_deref()?;
    let want = link.bundle.identity_pubkey.as_deref()?;
    (have != want).then(|| Blocker {
        code: crate::plan::BlockerCode::WatchOnlyIdentityMismatch,
        address: Address::WALLET_WATCHONLY,
        reason: format!(
            "the watch-only node's identity pubkey is {have}, but the bundle's signer \"{}\" is \
             {want}: this node's wallet belongs to another signer",
            link.bundle.signer
        ),
        fix: "import that other signer's bundle again, or declare a new watch-only node (its \
              own name, volume and secrets_dir) for this signer; lsm never re-creates a \
              wallet that exists"
            .to_string(),
    })
}
