//! Observing the whole signer: the runtime's objects, lnd's own state, the
//! secret files and the bundle. The runtime and the host files are read at
//! the same time; lnd is asked once the runtime says how to reach it.
//!
//! Everything here is read-only; the digest of a world is what a saved plan
//! is checked against.

use crate::bundle::{BundleLayout, ObservedBundle};
use crate::desired::Desired;
use crate::runtime::{Observation, Observer};
use crate::scope::ledger::{self, LedgerView};
use crate::signer::{self, SignerView};
use crate::wallet::diff::SecretsView;
use serde_json::json;

/// Why the signer could not be observed. The CLI edge
/// (`cli::failure::observe`) decides the exit code and the hints.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// The runtime could not be read.
    #[error(transparent)]
    Runtime(#[from] crate::runtime::Error),
    /// `[bundle] path` cannot hold a bundle, or the bundle cannot be read.
    #[error(transparent)]
    Bundle(#[from] crate::bundle::Error),
}

impl Error {
    /// Whether the error already shows lnd's last log lines (see
    /// [`crate::runtime::Error::has_lnd_logs`]).
    pub(crate) fn has_lnd_logs(&self) -> bool {
        match self {
            Error::Runtime(e) => e.has_lnd_logs(),
            Error::Bundle(_) => false,
        }
    }
}

/// Everything observed about one signer.
pub(crate) struct World<O> {
    pub runtime: O,
    pub signer: SignerView,
    pub secrets: SecretsView,
    pub bundle: ObservedBundle,
    /// Whose directory `[bundle] path` is (see [`crate::dirguard`]).
    pub bundle_dir: crate::dirguard::DirView,
    /// lsm's record of the macaroon root keys it baked (in secrets_dir).
    pub macaroon_ledger: LedgerView,
    /// A watch-only node's signer, as it answered (None for a signer).
    pub remote_signer: Option<crate::watchonly::reach::Reach>,
    /// A watch-only node's record of the signer its wallet was made for.
    pub watchonly_record: Option<Result<crate::watchonly::record::Record, String>>,
}

/// Observes the signer.
pub(crate) async fn observe<Ob: Observer>(
    observer: &Ob,
    desired: &Desired,
) -> Result<World<Ob::Observation>, Error> {
    let layout = bundle_layout(desired)?;
    let (runtime, host) = tokio::join!(observer.observe(), observe_host(desired, &layout));
    let world = complete(runtime?, host?, desired).await?;
    if !torn(&world) {
        return Ok(world);
    }
    // Read once more, lnd first being active now: see [`torn`].
    let (runtime, host) = tokio::join!(observer.observe(), observe_host(desired, &layout));
    complete(runtime?, host?, desired).await
}

/// Whether lnd answered "active" without the admin.macaroon the runtime
/// read just before. lnd writes its default macaroon files before it
/// reports the wallet unlocked, so a runtime read made before lnd came up
/// and a state read made after can disagree; a second runtime read, made
/// after lnd was seen active, cannot. Only then is a missing admin.macaroon
/// real (deleted outside lsm) and a blocker.
pub(crate) fn torn<O>(world: &World<O>) -> bool {
    world.signer.server_active() && world.signer.admin_macaroon.is_none()
}

/// Observes the signer around a runtime observation just made (apply has
/// one in hand after waiting for lnd): the host files and lnd itself are
/// read now, the runtime is not read again.
pub(crate) async fn observe_with<O: Observation>(
    runtime: O,
    desired: &Desired,
) -> Result<World<O>, Error> {
    let layout = bundle_layout(desired)?;
    let host = observe_host(desired, &layout).await?;
    complete(runtime, host, desired).await
}

fn bundle_layout(desired: &Desired) -> Result<BundleLayout, Error> {
    Ok(BundleLayout::new(
        &desired.bundle.dir,
        desired.bundle.archive.is_some(),
    )?)
}

/// What lives on this host: the secret files, lsm's root key record and
/// the bundle.
struct Host {
    watchonly_record: Option<Result<crate::watchonly::record::Record, String>>,
    secrets: SecretsView,
    macaroon_ledger: LedgerView,
    bundle: ObservedBundle,
    bundle_dir: crate::dirguard::DirView,
}

async fn observe_host(desired: &Desired, layout: &BundleLayout) -> Result<Host, Error> {
    if desired.resolved.watchonly.is_some() {
        // A watch-only node exports nothing: its bundle is its signer's,
        // read (and verified) once when the desired state was built.
        return Ok(Host {
            watchonly_record: crate::watchonly::record::observe(&desired.wallet_files.dir),
            secrets: desired.wallet_files.observe(),
            macaroon_ledger: LedgerView::Readable(Default::default()),
            bundle: ObservedBundle::default(),
            bundle_dir: crate::dirguard::DirView::Missing,
        });
    }
    let macaroon_file = desired.scope.file_name();
    Ok(Host {
        watchonly_record: None,
        secrets: desired.wallet_files.observe(),
        macaroon_ledger: ledger::observe(&desired.wallet_files.dir),
        bundle: crate::bundle::observe(layout)?,
        bundle_dir: crate::dirguard::observe(layout.dir(), |names| {
            crate::bundle::observe::foreign_names(names, &macaroon_file)
        }),
    })
}

/// Asks lnd, once the runtime says how to reach it (and whether it accepts
/// the bundle's macaroon of the declared scope, when there is one).
async fn complete<O: Observation>(
    runtime: O,
    host: Host,
    desired: &Desired,
) -> Result<World<O>, Error> {
    let probe = desired
        .scope
        .bake
        .then(|| host.bundle.files.get(&desired.scope.file_name()))
        .flatten()
        .map(|f| signer::Probe {
            macaroon: crate::secrets::SecretBytes::from(f.bytes.clone()),
            permissions: desired.scope.permissions.clone(),
        });
    let remote = async {
        match &desired.watchonly {
            Some(link) => Some(
                crate::watchonly::reach::probe(
                    &[link.endpoint.as_str(), link.bundle.rpc_endpoint.as_str()],
                    &link.bundle.tls_cert_pem,
                    &link.bundle.macaroon,
                )
                .await,
            ),
            None => None,
        }
    };
    let (signer, remote_signer) = tokio::join!(
        signer::observe(runtime.access(), runtime.wallet_exists(), probe),
        remote
    );
    Ok(World {
        remote_signer,
        watchonly_record: host.watchonly_record,
        runtime,
        signer,
        secrets: host.secrets,
        bundle: host.bundle,
        bundle_dir: host.bundle_dir,
        macaroon_ledger: host.macaroon_ledger,
    })
}

impl<O: Observation> World<O> {
    /// sha256 over a canonical rendering of everything a plan depends on.
    /// Secrets enter only as presence, modes and hashes.
    pub(crate) fn digest(&self) -> String {
        let doc = json!({
            "runtime": self.runtime.digest_input(),
            "signer": self.signer.digest_input(),
            "secrets": self.secrets,
            "bundle": bundle_digest(&self.bundle),
            "bundle_dir": self.bundle_dir,
            "macaroon_root_keys": self.macaroon_ledger.digest_input(),
        });
        // A watch-only node's extra facts; absent for a signer, whose
        // digest (and so its saved plans) stays what it was.
        let mut doc = doc;
        if let Some(r) = &self.remote_signer {
            doc["remote_signer"] = json!(r.ready());
        }
        if let Some(r) = &self.watchonly_record {
            doc["watchonly_record"] = match r {
                Ok(r) => json!(r.digest()),
                Err(e) => json!({ "unreadable": e }),
            };
        }
        crate::secrets::sha256_hex(doc.to_string().as_bytes())
    }
}

/// The bundle as hashes and modes (its files hold the macaroon).
fn bundle_digest(b: &ObservedBundle) -> serde_json::Value {
    let files: Vec<_> = b
        .files
        .iter()
        .map(|(n, f)| json!([n, crate::secrets::sha256_hex(&f.bytes), f.mode]))
        .collect();
    json!({
        "dir_mode": b.dir_mode,
        "dir_marked": b.dir_marked,
        "files": files,
        "archive": b.archive.as_ref().map(|f| (crate::secrets::sha256_hex(&f.bytes), f.mode)),
        "leftovers": [&b.temp_leftovers, &b.archive_temp_leftovers],
        "unmanaged": b.unmanaged,
    })
}
