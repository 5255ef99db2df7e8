//! `lsm export`: the old kit's remote mode — export a credentials bundle
//! from a running signer lsm does not manage, in the same format and with
//! the same checks as a managed one. Least privilege by default: it bakes
//! a signer-only macaroon instead of handing out the one it was given.

use crate::bundle::network::Network;
use crate::bundle::verify::{self, VerifyOptions};
use crate::bundle::{BundleInputs, BundleLayout, DesiredBundle, diff, observe, write};
use crate::cli::Context;
use crate::error::{CmdResult, Failure};
use crate::exit::Exit;
use crate::lnd::client::{ClientOptions, LndClient};
use crate::lnd::error::LndError;
use crate::lnd::macaroon::{Macaroon, parse_rfc3339};
use crate::lnd::permissions::{self, Permission};
use crate::output::style;
use crate::plan::op::{BundleOp, Op};
use crate::scope::ScopeIntent;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;
use zeroize::Zeroizing;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ScopeArg {
    /// Bake lnd's remote-signing set (message:write signer:generate
    /// address:read onchain:write, plus signer:read).
    SignerOnly,
    /// Export the given macaroon as admin.macaroon (grants everything).
    Admin,
    /// Bake the permissions given with --permission.
    Custom,
}

/// Flags of `lsm export` (its help text is on `Command::Export`).
#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {
    /// The signer's gRPC address.
    #[arg(long, value_name = "HOST:PORT")]
    pub rpcserver: String,
    /// The signer's tls.cert; the connection trusts exactly this cert.
    #[arg(long, value_name = "FILE")]
    pub tlscertpath: PathBuf,
    /// A macaroon for the signer: one that can bake (macaroon:generate,
    /// e.g. admin.macaroon), or the one to export with --scope admin.
    /// It also needs onchain:read (ListAccounts).
    #[arg(long, value_name = "FILE")]
    pub macaroonpath: PathBuf,
    /// The signer's network; required when the macaroon cannot call
    /// GetInfo (info:read), checked against the signer otherwise.
    #[arg(long, value_name = "NETWORK")]
    pub network: Option<Network>,
    /// The bundle directory (created 0700); the archive goes beside it.
    #[arg(long, value_name = "DIR", default_value = "credentials-bundle")]
    pub out: PathBuf,
    /// Which macaroon the watch-only node gets. signer-only (default) is
    /// all a watch-only node needs; admin hands it everything.
    #[arg(long, value_enum, default_value = "signer-only")]
    pub scope: ScopeArg,
    /// A permission for --scope custom (repeat it), e.g. signer:generate.
    #[arg(long = "permission", value_name = "ENTITY:ACTION", value_parser = parse_permission)]
    pub permissions: Vec<Permission>,
    /// Root key id to bake under; not 0, which also signs admin.macaroon
    /// and can never be revoked. [default: 1]
    #[arg(long, value_name = "N")]
    pub root_key_id: Option<u64>,
    /// The host:port a watch-only node dials, when it differs from
    /// --rpcserver (e.g. you export through a tunnel).
    #[arg(long, value_name = "HOST:PORT")]
    pub endpoint: Option<String>,
    /// The wallet's birthday (unix seconds or RFC 3339), so the watch-only
    /// import does not rescan from 2017.
    #[arg(long, value_name = "WHEN")]
    pub birthday: Option<String>,
    /// The signer's name in bundle.json. [default: the --rpcserver host]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Do not write the .tar.gz.b64 archive (and remove an old one).
    #[arg(long)]
    pub no_archive: bool,
}

/// `--permission`'s parser (lnd's `entity:action`).
fn parse_permission(s: &str) -> Result<Permission, String> {
    s.parse::<Permission>().map_err(|e| e.to_string())
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
struct ExportReport<'a> {
    ok: bool,
    bundle: String,
    archive: Option<String>,
    network: String,
    scope: &'a str,
    identity_pubkey: Option<String>,
    macaroon_fingerprint: String,
    files_written: Vec<String>,
    files_removed: Vec<String>,
    verify: &'a verify::VerifyReport,
}

pub(crate) async fn run(args: &ExportArgs, ctx: &Context) -> CmdResult {
    let intent_kind = check_args(args)?;
    let birthday = args.birthday.as_deref().map(parse_birthday).transpose()?;
    // Before touching the signer: a bake is wasted if we cannot write.
    let layout = BundleLayout::new(&args.out, !args.no_archive)?;
    let macaroon_file = match &intent_kind {
        Scoped::Admin => "admin.macaroon".to_string(),
        Scoped::Bake { scope, .. } => format!("{scope}.macaroon"),
    };
    refuse_foreign_dir(&layout, &macaroon_file)?;
    let cert_pem = read_file(&args.tlscertpath, "TLS certificate")?;
    let given = read_macaroon(&args.macaroonpath)?;

    let client = LndClient::connect(
        &args.rpcserver,
        &cert_pem,
        ClientOptions {
            cert_label: args.tlscertpath.display().to_string(),
            ..ClientOptions::default()
        },
    )?
    .with_macaroon(&given);

    let (network, identity) = signer_network(&client, args).await?;
    let accounts = client.list_accounts().await.map_err(|e| {
        needs(
            e,
            "onchain:read",
            "list the wallet's accounts (ListAccounts)",
        )
    })?;

    let (intent, macaroon) = match intent_kind {
        Scoped::Admin => admin_macaroon(args, ctx, &given)?,
        Scoped::Bake { scope, perms } => bake(&client, args, scope, perms).await?,
    };
    let fingerprint = Macaroon::decode(&macaroon)
        .map(|m| m.fingerprint())
        .unwrap_or_default();

    let desired = DesiredBundle::build(
        layout.clone(),
        BundleInputs {
            signer: args
                .name
                .clone()
                .unwrap_or_else(|| rpc_host(&args.rpcserver).to_string()),
            network: network.as_str().to_string(),
            rpc_endpoint: args.endpoint.clone().unwrap_or(args.rpcserver.clone()),
            scope: &intent,
            tls_cert_pem: cert_pem.to_vec(),
            accounts,
            macaroon,
            birthday_unix: birthday,
            identity_pubkey: identity.clone(),
            // lsm export holds no seed to compute it from.
            master_key_fingerprint: None,
        },
    )?;
    let opts = VerifyOptions {
        network: Some(network),
        ..VerifyOptions::default()
    };
    // Never write a bundle that would fail over one that may be good.
    let precheck = verify::verify_desired(&desired, &opts);
    if !precheck.ok {
        if !ctx.output.json && !ctx.output.quiet {
            anstream::eprintln!("nothing was written to {}", args.out.display());
        }
        return crate::cli::bundle::report_outcome(&precheck, ctx);
    }
    let (written, removed) = converge(&desired)?;
    let report = verify::verify_dir(&args.out, &opts)?;
    let exported = Exported {
        archive: layout
            .archive_enabled()
            .then(|| layout.archive_path().display().to_string()),
        network,
        intent,
        identity,
        fingerprint,
        birthday_known: birthday.is_some(),
        written,
        removed,
    };
    if ctx.output.json {
        exported.print_json(args, ctx, &report)?;
        return Ok(if report.ok { Exit::Ok } else { Exit::Error });
    }
    if !ctx.output.quiet {
        exported.print_text(args);
    }
    crate::cli::bundle::report_outcome(&report, ctx)
}

/// --scope admin: the given macaroon is exported as is, with a warning
/// when it is not lnd's admin macaroon (it is named admin.macaroon).
fn admin_macaroon(
    args: &ExportArgs,
    ctx: &Context,
    given: &Zeroizing<Vec<u8>>,
) -> Result<(ScopeIntent, Zeroizing<Vec<u8>>), Failure> {
    let mac = Macaroon::decode(given).map_err(|e| not_a_macaroon(args, e))?;
    let perms = mac.permissions().map_err(|e| not_a_macaroon(args, e))?;
    if perms != permissions::admin() && !ctx.output.quiet {
        anstream::eprintln!(
            "{}warning{:#}: --scope admin exports {} as admin.macaroon, but it is not lnd's admin macaroon",
            style::WARN,
            style::WARN,
            args.macaroonpath.display()
        );
    }
    let intent = ScopeIntent {
        scope: "admin".into(),
        root_key_id: mac.root_key_id().map_err(|e| not_a_macaroon(args, e))?,
        permissions: perms,
        bake: false,
    };
    Ok((intent, given.clone()))
}

/// A scoped macaroon baked by the signer (never root key id 0 unless
/// asked: that one also signs admin.macaroon and cannot be revoked).
async fn bake(
    client: &LndClient,
    args: &ExportArgs,
    scope: &'static str,
    perms: Vec<Permission>,
) -> Result<(ScopeIntent, Zeroizing<Vec<u8>>), Failure> {
    let root_key_id = args.root_key_id.unwrap_or(1);
    let baked = client
        .bake_macaroon(&perms, root_key_id)
        .await
        .map_err(|e| {
            needs(e, "macaroon:generate", "bake the watch-only macaroon").hint(
                "pass a macaroon that can bake (the signer's admin.macaroon), or \
                 --scope admin to export the given macaroon as is",
            )
        })?;
    let intent = ScopeIntent {
        scope: scope.into(),
        permissions: perms,
        root_key_id,
        bake: true,
    };
    Ok((intent, baked))
}

/// What an export wrote, for the summary (text or `--json`).
struct Exported {
    archive: Option<String>,
    network: Network,
    intent: ScopeIntent,
    identity: Option<String>,
    fingerprint: String,
    birthday_known: bool,
    written: Vec<String>,
    removed: Vec<String>,
}

impl Exported {
    fn print_json(
        self,
        args: &ExportArgs,
        ctx: &Context,
        report: &verify::VerifyReport,
    ) -> std::io::Result<()> {
        ctx.output.print_json(&ExportReport {
            ok: report.ok,
            bundle: args.out.display().to_string(),
            archive: self.archive,
            network: self.network.to_string(),
            scope: &self.intent.scope,
            identity_pubkey: self.identity,
            macaroon_fingerprint: self.fingerprint,
            files_written: self.written,
            files_removed: self.removed,
            verify: report,
        })
    }

    /// What was exported where, and what the operator must still do (a
    /// birthday for the watch-only import).
    fn print_text(&self, args: &ExportArgs) {
        let b = style::BOLD;
        let network = self.network;
        let fingerprint = &self.fingerprint;
        anstream::println!(
            "{b}exported{b:#} the {} bundle of {} ({network}) to {}",
            self.intent.scope,
            self.identity.as_deref().unwrap_or(&args.rpcserver),
            args.out.display()
        );
        if let Some(a) = &self.archive {
            anstream::println!("{b}archive{b:#}  {a}");
        }
        anstream::println!(
            "{b}macaroon{b:#} {} ({fingerprint})",
            self.intent.file_name()
        );
        if !self.birthday_known {
            anstream::println!(
                "no --birthday given: bundle.json records none, so tell the watch-only \
                 import when the wallet was created or it rescans from 2017"
            );
        }
        if self.written.is_empty() && self.removed.is_empty() {
            anstream::println!("the bundle was already up to date; nothing rewritten");
        }
    }
}

/// What --scope asks for, after checking the flags fit together.
enum Scoped {
    Admin,
    Bake {
        scope: &'static str,
        perms: Vec<Permission>,
    },
}

fn check_args(args: &ExportArgs) -> Result<Scoped, Failure> {
    if args.scope != ScopeArg::Custom && !args.permissions.is_empty() {
        return Err(Failure::error("--permission is only for --scope custom")
            .hint("signer-only and admin have fixed permission sets"));
    }
    Ok(match args.scope {
        ScopeArg::Admin => {
            if args.root_key_id.is_some() {
                return Err(Failure::error(
                    "--root-key-id does not apply to --scope admin: the given macaroon is exported as is",
                ));
            }
            Scoped::Admin
        }
        ScopeArg::SignerOnly => Scoped::Bake {
            scope: "signer-only",
            perms: permissions::signer_only(),
        },
        ScopeArg::Custom => {
            if args.permissions.is_empty() {
                return Err(
                    Failure::error("--scope custom needs at least one --permission")
                        .hint("e.g. --permission signer:generate --permission onchain:write"),
                );
            }
            let mut perms = args.permissions.clone();
            perms.sort();
            perms.dedup();
            Scoped::Bake {
                scope: "custom",
                perms,
            }
        }
    })
}

/// The network from GetInfo when the macaroon allows it, else --network.
async fn signer_network(
    client: &LndClient,
    args: &ExportArgs,
) -> Result<(Network, Option<String>), Failure> {
    match client.get_info().await {
        Ok(info) => {
            let name = info
                .chains
                .first()
                .map(|c| c.network.clone())
                .unwrap_or_default();
            let net: Network = name.parse().map_err(|e| {
                Failure::error(format!("the signer reports network \"{name}\": {e}"))
            })?;
            if let Some(want) = args.network
                && want != net
            {
                return Err(Failure::error(format!(
                    "--network {want}, but the signer at {} runs on {net}",
                    args.rpcserver
                )));
            }
            Ok((net, Some(info.identity_pubkey)))
        }
        Err(LndError::PermissionDenied { .. }) => match args.network {
            Some(n) => Ok((n, None)),
            None => Err(Failure::error(format!(
                "the macaroon {} cannot call GetInfo (info:read), so the signer's network is unknown",
                args.macaroonpath.display()
            ))
            .hint("pass --network (mainnet, testnet, testnet4, signet or regtest)")),
        },
        Err(e) => Err(e.into()),
    }
}

/// A permission error names the permission and what it was needed for.
fn needs(e: LndError, permission: &str, what: &str) -> Failure {
    match e {
        LndError::PermissionDenied { .. } => Failure::error(format!(
            "the given macaroon cannot {what}: it lacks {permission}"
        )),
        other => other.into(),
    }
}

/// Writes exactly what differs and removes what no longer belongs; returns
/// the names written and removed.
fn converge(desired: &DesiredBundle) -> Result<(Vec<String>, Vec<String>), Failure> {
    let observed = observe(&desired.layout)?;
    let plan = diff(desired, &observed);
    let (mut written, mut removed) = (Vec::new(), Vec::new());
    for action in &plan.actions {
        match &action.op {
            Op::Bundle(BundleOp::Export { files }) => {
                write::export(desired, files)?;
                written.extend(files.iter().cloned());
            }
            Op::Bundle(BundleOp::RemoveStale { files }) => {
                write::remove_stale(desired, files)?;
                removed.extend(files.iter().cloned());
            }
            _ => {}
        }
    }
    Ok((written, removed))
}

/// Refuses to write into a directory that is not (the start of) a bundle,
/// so `--out ~` cannot make lsm replace or remove someone's macaroons. A
/// directory counts as a bundle when it has bundle.json, or when it holds
/// only what this export writes (a first export that was interrupted).
fn refuse_foreign_dir(layout: &BundleLayout, macaroon_file: &str) -> Result<(), Failure> {
    let observed = observe(layout)?;
    if observed.dir_mode.is_none() || observed.files.contains_key(crate::bundle::BUNDLE_JSON_FILE) {
        return Ok(());
    }
    let foreign_macaroon = observed
        .files
        .keys()
        .find(|n| n.ends_with(".macaroon") && *n != macaroon_file);
    if let Some(name) = foreign_macaroon.or(observed.unmanaged.first()) {
        return Err(Failure::error(format!(
            "{} exists and is not a credentials bundle: it has no bundle.json and holds {}",
            layout.dir().display(),
            crate::diagnostic::quote(name)
        ))
        .hint("choose a new or empty directory with --out"));
    }
    Ok(())
}

/// Certificates and macaroons are a few KiB; a larger file is the wrong one.
const MAX_INPUT_BYTES: u64 = 1024 * 1024;

/// Reads a regular file (a FIFO or a device is refused, never waited on).
fn read_file(path: &Path, what: &str) -> Result<Zeroizing<Vec<u8>>, Failure> {
    crate::regular_file::read(path, MAX_INPUT_BYTES)
        .map_err(|e| Failure::error(format!("cannot read the {what} {}: {e}", path.display())))
}

/// The macaroon in binary form; lncli-style hex files are accepted too.
fn read_macaroon(path: &Path) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let raw = read_file(path, "macaroon")?;
    let mac = Macaroon::from_hex_or_bytes(&raw).map_err(|e| {
        Failure::error(format!(
            "{} is not a valid lnd macaroon: {e}",
            path.display()
        ))
        .hint("pass a macaroon file lnd wrote, e.g. admin.macaroon")
    })?;
    Ok(mac.encode())
}

fn not_a_macaroon(args: &ExportArgs, e: crate::lnd::macaroon::MacaroonError) -> Failure {
    Failure::error(format!(
        "{} is not a macaroon lnd baked: {e}",
        args.macaroonpath.display()
    ))
}

fn parse_birthday(text: &str) -> Result<u64, Failure> {
    if let Ok(unix) = text.parse::<u64>() {
        return Ok(unix);
    }
    parse_rfc3339(text)
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
        .ok_or_else(|| {
            Failure::error(format!(
                "--birthday {text:?} is neither unix seconds nor an RFC 3339 time"
            ))
            .hint("e.g. --birthday 1700000000 or --birthday 2023-11-14T22:13:20Z")
        })
}

fn rpc_host(endpoint: &str) -> &str {
    crate::bundle::verify::rpc_host(endpoint)
}
