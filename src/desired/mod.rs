//! Desired state: what the resolved manifest means for the signer, apart
//! from the runtime — the wallet and its secret files, the watch-only
//! macaroon's scope and the credentials bundle — plus the rendered lnd.conf
//! ([`lnd_conf`]). Each runtime derives its own target (container spec or
//! process) from the same manifest.

pub mod lnd_conf;

use crate::manifest::{Loaded, MacaroonScope, Resolved};
use crate::scope::ScopeIntent;
use crate::wallet::diff::WalletIntent;
use crate::wallet::files::WalletFiles;
use std::path::PathBuf;

/// Where and what the bundle is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleTarget {
    pub dir: PathBuf,
    /// `<dir>.tar.gz.b64` when `[bundle] archive` is on.
    pub archive: Option<PathBuf>,
    /// The `host:port` a watch-only node dials (recorded in bundle.json).
    pub rpc_endpoint: String,
}

/// The runtime-neutral desired signer.
#[derive(Debug, Clone)]
pub struct Desired {
    pub resolved: Resolved,
    /// The manifest file, for messages.
    pub manifest_path: PathBuf,
    /// The manifest's file name ("matches signer.toml").
    pub manifest_name: String,
    /// [`Resolved::digest`]: plans record it, saved plans are checked against it.
    pub manifest_hash: String,
    pub wallet_files: WalletFiles,
    pub wallet: WalletIntent,
    pub scope: ScopeIntent,
    pub bundle: BundleTarget,
}

/// The host a watch-only node should dial: an explicit certificate IP, else
/// a specific rpc bind address, else the first certificate domain (by
/// default "signer"), else localhost. It is always a name the signer's
/// certificate covers.
pub fn watch_only_endpoint(r: &Resolved) -> String {
    let port = r.rpc.listen.port();
    let bind = r.rpc.listen.ip();
    let host = if let Some(ip) = r.rpc.tls_extra_ips.first() {
        ip.to_string()
    } else if !bind.is_unspecified() && !bind.is_loopback() {
        bind.to_string()
    } else if let Some(d) = r.rpc.tls_extra_domains.first() {
        d.clone()
    } else {
        "localhost".to_string()
    };
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Shows a path with the home directory as `~`, as operators wrote it.
pub fn display_path(p: &std::path::Path) -> String {
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from)
        && let Ok(rest) = p.strip_prefix(&home)
    {
        return format!("~/{}", rest.display());
    }
    p.display().to_string()
}

impl Desired {
    pub fn from_loaded(loaded: &Loaded) -> Desired {
        let r = loaded.resolved.clone();
        let scope_name = r.macaroon.scope.to_string();
        let scope = ScopeIntent {
            scope: scope_name,
            permissions: r.macaroon.permissions.clone(),
            root_key_id: if r.macaroon.scope == MacaroonScope::Admin {
                0
            } else {
                r.macaroon.root_key_id
            },
            bake: r.macaroon.scope != MacaroonScope::Admin,
        };
        let wallet = WalletIntent {
            secrets_dir_display: display_path(&r.wallet.secrets_dir),
            auto_unlock: r.wallet.auto_unlock,
            expected_identity_pubkey: r.wallet.expected_identity_pubkey.clone(),
        };
        let bundle = BundleTarget {
            dir: r.bundle.path.clone(),
            archive: r.bundle.archive.then(|| r.bundle.archive_path()),
            rpc_endpoint: watch_only_endpoint(&r),
        };
        Desired {
            wallet_files: WalletFiles::new(r.wallet.secrets_dir.clone()),
            manifest_path: loaded.path.clone(),
            manifest_name: loaded
                .path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| "signer.toml".into()),
            manifest_hash: loaded.digest(),
            resolved: r,
            wallet,
            scope,
            bundle,
        }
    }
}
