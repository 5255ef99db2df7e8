//! `lsm seed verify`: proves that seed.txt restores this signer. A
//! throwaway lnd from the signer's own image or binary restores a wallet
//! from seed.txt and the wallet password, and lsm compares its identity
//! pubkey and every account xpub with the live signer's (see
//! [`crate::reconcile::rehearsal`]). Prints fingerprints only; records the
//! outcome beside seed.txt for `lsm status`.

use crate::apply::lock::SignerLock;
use crate::cli::Context;
use crate::cli::common::{self, RuntimeTask};
use crate::desired::Desired;
use crate::error::{CmdResult, Failure};
use crate::exit::Exit;
use crate::observe::{self, World};
use crate::reconcile::rehearsal::rehearse;
use crate::runtime::{Observation, Observer, Runtime};
use crate::wallet::identity::{self, IdentityRecord, Origin, short};
use crate::wallet::rehearsal::{self, Outcome, Reference};
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub(crate) struct SeedArgs {
    #[command(subcommand)]
    pub command: SeedCommand,
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum SeedCommand {
    /// Prove seed.txt restores this signer: rehearse a restore in a
    /// throwaway lnd and compare it with the live signer.
    ///
    /// The throwaway lnd runs the signer's own image (Docker) or binary
    /// (native) on the same network, with no chain backend, no p2p, no
    /// published port, and its data on a tmpfs or in a temp directory that
    /// is removed afterwards. It restores from seed.txt and
    /// wallet-password.txt; lsm compares the identity pubkey and every
    /// account xpub with the running signer's, prints fingerprints only,
    /// and records the outcome in seed-rehearsal.json (shown by `lsm
    /// status`). A wallet without wallet-identity.json gets one when the
    /// rehearsal passes.
    #[command(
        after_help = "Exit codes: 0 seed.txt restores this signer, 1 it does not (or \
                            the rehearsal could not run), 4 lock held, 5 seed.txt or the \
                            password is refused (not your own, damaged)."
    )]
    Verify(VerifyArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// Seconds to wait for another lsm that holds this signer's lock.
    #[arg(long, value_name = "SECONDS", default_value_t = 3)]
    pub lock_timeout: u64,
}

pub(crate) async fn run(args: &SeedArgs, ctx: &Context) -> CmdResult {
    match &args.command {
        SeedCommand::Verify(a) => {
            // Told before the bundle is read: a watch-only node has no seed.
            let path = ctx.manifest_path();
            let loaded = crate::manifest::load(&path)?;
            if loaded.resolved.watchonly.is_some() {
                return Err(crate::error::Failure::error(format!(
                    "{} declares a watch-only node, which has no seed: its keys are on its \
                     signer",
                    path.display()
                ))
                .hint("run `lsm seed verify -f` with the signer's signer.toml"));
            }
            let desired = crate::desired::Desired::load(&loaded)?;
            common::with_runtime(
                &desired,
                VerifyCommand {
                    args: a,
                    ctx,
                    desired: &desired,
                },
            )
            .await
        }
    }
}

struct VerifyCommand<'a> {
    args: &'a VerifyArgs,
    ctx: &'a Context,
    desired: &'a Desired,
}

impl RuntimeTask for VerifyCommand<'_> {
    type Output = Exit;
    type Error = crate::error::Failure;

    async fn run<R: Runtime>(self, rt: &R) -> CmdResult {
        let VerifyCommand { args, ctx, desired } = self;
        let name = &desired.resolved.signer.name;
        let _lock = SignerLock::acquire(
            name,
            "lsm seed verify",
            Duration::from_secs(args.lock_timeout),
        )?;
        let world = observe::observe(rt.observer(), desired).await?;
        let outcome = prove(rt, desired, &world, ctx, Against::LiveOrRecord).await?;
        if ctx.output.json {
            ctx.output.print_json(&serde_json::json!({
                "signer": name,
                "ok": outcome.passed,
                "rehearsal": outcome,
            }))?;
        } else if !ctx.output.quiet {
            print_outcome(&outcome);
        }
        if outcome.passed {
            Ok(Exit::Ok)
        } else {
            Err(Failure::error(format!(
                "seed.txt does not restore this signer: {}",
                outcome.summary()
            ))
            .hint(
                "put this wallet's own seed words into seed.txt (from your offline backup), \
                 then run `lsm seed verify` again",
            ))
        }
    }
}

/// What a rehearsal may be compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Against {
    /// Only the live signer: what `destroy --purge-volume` needs, since the
    /// identity record and the bundle lie beside seed.txt and may have been
    /// copied from another signer along with it.
    LiveSigner,
    /// The live signer when lnd answers; else the identity record (and the
    /// bundle's accounts.json), when the record names seed.txt's seed on
    /// this network (`lsm seed verify`, which removes nothing).
    LiveOrRecord,
}

/// What a rehearsal compares with: the live signer when lnd answers as an
/// active signer; else, when `against` allows it, the identity record, when
/// it names seed.txt's seed on this network (with the bundle's
/// accounts.json for the xpubs, when there is one); else nothing, and why.
pub(crate) fn reference<O: Observation>(
    desired: &Desired,
    world: &World<O>,
    against: Against,
) -> Result<Reference, Failure> {
    let want = &desired.wallet.network;
    if let Some(running) = world.signer.network.as_ref().filter(|n| *n != want) {
        // The throwaway lnd runs on the declared network: compared with an
        // lnd on another one, every seed would look like another wallet's.
        return Err(Failure::error(format!(
            "the running lnd is a {running} signer and signer.toml declares {want}; a rehearsal \
             on {want} would restore another wallet than the one running"
        ))
        .hint("run `lsm plan`: it says what the network change means for this signer"));
    }
    if let (Some(identity), Some(accounts)) =
        (&world.signer.identity_pubkey, &world.signer.accounts)
    {
        return Ok(Reference::live(identity, accounts));
    }
    let not_live = |why: String| {
        Failure::error(format!(
            "a restore rehearsal must be compared with this signer's wallet, and lnd does not \
             answer as an active signer ({}){why}",
            world.signer.why_incomplete(),
        ))
        .hint("run `lsm apply` so the signer runs with its wallet unlocked, then try again")
    };
    if against == Against::LiveSigner {
        return Err(not_live(String::new()));
    }
    let identity = &world.secrets.identity;
    let record_file = crate::wallet::diff::IDENTITY_FILE;
    let Some(record) = identity
        .record
        .as_ref()
        .filter(|r| Some(&r.seed_sha256) == identity.seed_sha256.as_ref())
    else {
        return Err(not_live(format!(
            ", nor does {record_file} name seed.txt's seed"
        )));
    };
    if record.network != *want {
        return Err(not_live(format!(
            ", and {record_file} names seed.txt's seed for {}, not {}: signer.network changed",
            record.network, want
        )));
    }
    let xpubs = world
        .bundle
        .files
        .get(crate::bundle::ACCOUNTS_FILE)
        .and_then(|f| crate::bundle::accounts::AccountsJson::parse(&f.bytes).ok())
        .map(|a| {
            a.accounts
                .into_iter()
                .map(|x| (x.derivation_path, x.extended_public_key))
                .collect()
        });
    Ok(Reference {
        identity_pubkey: record.identity_pubkey.clone(),
        source: if xpubs.is_some() {
            format!(
                "{} and the bundle's accounts.json",
                crate::wallet::diff::IDENTITY_FILE
            )
        } else {
            crate::wallet::diff::IDENTITY_FILE.to_string()
        },
        xpubs,
    })
}

/// Runs the rehearsal against the signer in `world` (see [`reference`]),
/// records its outcome beside seed.txt and, when it passes and the wallet
/// has no identity record yet, writes that record. Shared with
/// `destroy --purge-volume`, which compares with the live signer only.
pub(crate) async fn prove<R: Runtime>(
    rt: &R,
    desired: &Desired,
    world: &World<<R::Observer as crate::runtime::Observer>::Observation>,
    ctx: &Context,
    against: Against,
) -> Result<Outcome, Failure> {
    let live = reference(desired, world, against)?;
    let files = &desired.wallet_files;
    if !ctx.output.quiet && !ctx.output.json {
        anstream::eprintln!(
            "Rehearsing a restore from {}/seed.txt in a throwaway lnd (the signer's own {}; \
             no chain backend, no p2p, no published port, data removed afterwards)...",
            desired.wallet.secrets_dir_display,
            rt.observer().lnd_artifact()
        );
    }
    let outcome = rehearse(rt, files, &desired.wallet.network, &live).await?;
    rehearsal::write(files, &outcome)?;
    if outcome.passed {
        let record = IdentityRecord::new(
            &desired.wallet.network,
            &outcome.live_identity,
            &outcome.seed_sha256,
            Origin::Rehearsal,
        );
        match &world.secrets.identity.record {
            None if world.secrets.identity.record_problem.is_none() => {
                identity::write_record(&files.dir, &record)
                    .map_err(|e| Failure::error(crate::error::chain(&e)))?;
            }
            Some(r) if r.seed_sha256 != outcome.seed_sha256 && !ctx.output.quiet => {
                anstream::eprintln!(
                    "note: seed.txt restores this signer, but {} records another seed ({}); lsm \
                     never replaces it: move it away and run `lsm seed verify` again to record \
                     this one",
                    crate::wallet::diff::IDENTITY_FILE,
                    short(&r.seed_sha256)
                );
            }
            _ => {}
        }
    }
    Ok(outcome)
}

fn print_outcome(o: &Outcome) {
    use crate::output::style;
    let row = |k: &str, v: String| anstream::println!("  {:<10}{v}", k);
    row("seed", format!("seed.txt, {}", short(&o.seed_sha256)));
    row("lnd", o.lnd.clone());
    let of = if o.against_live() {
        "the live signer's".to_string()
    } else {
        format!("as {}", o.compared_with)
    };
    match &o.restored_identity {
        Some(id) if id.eq_ignore_ascii_case(&o.live_identity) => {
            row("identity", format!("{id} ({of})"));
        }
        Some(id) => row(
            "identity",
            format!("{id}, NOT {}'s {}", o.compared_with, o.live_identity),
        ),
        None => row("identity", "none: lnd did not restore a wallet".into()),
    }
    if o.accounts_total > 0 {
        row(
            "accounts",
            format!(
                "{} of {} xpubs match ({})",
                o.accounts_matched,
                o.accounts_total,
                short(&o.accounts_sha256)
            ),
        );
    } else {
        row(
            "accounts",
            "not compared (no account list to compare with)".into(),
        );
    }
    row("took", format!("{:.1}s", o.took_ms as f64 / 1000.0));
    if o.passed && o.against_live() {
        anstream::println!(
            "\n{}Seed backup verified{:#}: seed.txt restores this signer. Recorded in {}.",
            style::CREATE,
            style::CREATE,
            crate::wallet::diff::REHEARSAL_FILE
        );
    } else if o.passed {
        anstream::println!(
            "\n{}Seed backup consistent{:#}: seed.txt restores what {} names. lnd was not \
             running, so the wallet in its data is not compared: run `lsm seed verify` again \
             with the signer running to prove seed.txt restores it. Recorded in {}.",
            style::CREATE,
            style::CREATE,
            o.compared_with,
            crate::wallet::diff::REHEARSAL_FILE
        );
    }
}
