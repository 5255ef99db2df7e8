//! Desired state: what the resolved manifest means for the signer, apart
//! from the runtime — the wallet and its secret files, the watch-only
//! macaroon's scope and the credentials bundle — plus the rendered lnd.conf
//! ([`lnd_conf`]). Each runtime derives its own target (container spec or
//! process) from the same manifest.

pub(crate) mod cert_names;
pub(crate) mod lnd_conf;

use crate::manifest::{Loaded, MacaroonScope, Resolved};
use crate::scope::ScopeIntent;
use crate::wallet::diff::WalletIntent;
use crate::wallet::files::WalletFiles;
use std::path::PathBuf;

/// Where and what the bundle is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BundleTarget {
    pub dir: PathBuf,
    /// `<dir>.tar.gz.b64` when `[bundle] archive` is on.
    pub archive: Option<PathBuf>,
    /// The `host:port` a watch-only node dials (recorded in bundle.json).
    pub rpc_endpoint: String,
}

/// The runtime-neutral desired signer.
#[derive(Debug, Clone)]
pub(crate) struct Desired {
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
    /// A watch-only node's signer: its imported bundle and endpoint.
    pub watchonly: Option<crate::watchonly::SignerLink>,
}

/// The `host:port` a watch-only node should dial, recorded in bundle.json.
/// It must be both reachable and named by the signer's certificate:
///
/// - A specific `[rpc] listen` address (loopback or not) is the only
///   address lnd — or Docker's port published on the host — answers on, so
///   it is the endpoint, whatever extra names the certificate carries.
///   lnd's certificate always names 127.0.0.1 and ::1, and lsm adds any
///   other specific bind as a tlsextraip.
/// - An unspecified bind (0.0.0.0, ::) answers on every interface, so the
///   certificate decides: the first `tls_extra_ips` entry, else the first
///   `tls_extra_domains` entry (by default "signer", the name the old kit's
///   watch-only hosts resolve), else localhost.
///
/// The port is always the listen port: with Docker the host-published one,
/// which is what a watch-only node outside the container dials. (A name
/// only a Docker network resolves would need the container's own port;
/// that, like NAT or a DNS name lsm cannot guess, needs an explicit
/// endpoint in the manifest.)
pub(crate) fn watch_only_endpoint(r: &Resolved) -> String {
    let port = r.rpc.listen.port();
    let bind = r.rpc.listen.ip();
    let host = if !bind.is_unspecified() {
        bind.to_string()
    } else if let Some(ip) = r.rpc.tls_extra_ips.first() {
        ip.to_string()
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
pub(crate) fn display_path(p: &std::path::Path) -> String {
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from)
        && let Ok(rest) = p.strip_prefix(&home)
    {
        return format!("~/{}", rest.display());
    }
    p.display().to_string()
}

impl Desired {
    /// The desired node of a loaded manifest; a watch-only node's bundle is
    /// read and verified here, once. Its link is the only part that can
    /// fail, so the watch-only module's error is this one's.
    pub(crate) fn load(loaded: &Loaded) -> Result<Desired, crate::watchonly::Error> {
        let mut desired = Desired::from_loaded(loaded);
        desired.watchonly = crate::watchonly::SignerLink::of(&desired.resolved)?;
        if let Some(link) = &desired.watchonly {
            // The bundle is part of what a watch-only node is declared to
            // be: a plan saved against one bundle is stale against another.
            desired.manifest_hash = crate::secrets::sha256_hex(
                format!("{}\n{}", desired.manifest_hash, link.digest()).as_bytes(),
            );
        }
        Ok(desired)
    }

    pub(crate) fn from_loaded(loaded: &Loaded) -> Desired {
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
            // A watch-only node bakes nothing: its macaroon is its signer's.
            bake: r.macaroon.scope != MacaroonScope::Admin && r.watchonly.is_none(),
        };
        let wallet = WalletIntent {
            secrets_dir_display: display_path(&r.wallet.secrets_dir),
            network: r.signer.network.to_string(),
            auto_unlock: r.wallet.auto_unlock,
            expected_identity_pubkey: r.wallet.expected_identity_pubkey.clone(),
        };
        let bundle = BundleTarget {
            dir: r.bundle.path.clone(),
            archive: r.bundle.archive.then(|| r.bundle.archive_path()),
            rpc_endpoint: watch_only_endpoint(&r),
        };
        Desired {
            wallet_files: WalletFiles::from_resolved(&r),
            manifest_path: loaded.path.clone(),
            manifest_name: loaded
                .path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| r.kind().file_name().into()),
            manifest_hash: loaded.digest(),
            resolved: r,
            wallet,
            scope,
            bundle,
            watchonly: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn endpoint(rpc: &str) -> String {
        let text = format!(
            "version = 1\n[signer]\nname = \"s1\"\nnetwork = \"regtest\"\n[rpc]\n{rpc}\n\
             [bundle]\npath = \"/srv/bundle\"\n"
        );
        let loaded = crate::manifest::load_text(
            Path::new("/etc/lsm/signer.toml"),
            text,
            Some(Path::new("/home/op")),
        )
        .map_err(|e| e.render(false))
        .unwrap();
        watch_only_endpoint(&loaded.resolved)
    }

    /// A loopback bind publishes only on this host's loopback: the
    /// endpoint is that address and port (which lnd's certificate always
    /// names), never a certificate domain such as "signer" with that port.
    #[test]
    fn a_loopback_bind_is_dialled_on_loopback() {
        assert_eq!(endpoint("listen = \"127.0.0.1:31012\""), "127.0.0.1:31012");
        assert_eq!(
            endpoint("listen = \"127.0.0.1:31012\"\ntls_extra_ips = [\"10.0.0.5\"]"),
            "127.0.0.1:31012"
        );
        assert_eq!(endpoint("listen = \"[::1]:31012\""), "[::1]:31012");
    }

    #[test]
    fn a_specific_bind_wins_over_certificate_names() {
        assert_eq!(
            endpoint("listen = \"10.0.0.5:10012\"\ntls_extra_ips = [\"192.168.1.9\"]"),
            "10.0.0.5:10012"
        );
    }

    #[test]
    fn an_unspecified_bind_uses_the_certificate_names() {
        assert_eq!(
            endpoint("listen = \"0.0.0.0:10012\"\ntls_extra_ips = [\"192.168.1.9\"]"),
            "192.168.1.9:10012"
        );
        assert_eq!(endpoint("listen = \"0.0.0.0:10012\""), "signer:10012");
        assert_eq!(
            endpoint("listen = \"0.0.0.0:10012\"\ntls_extra_domains = []"),
            "localhost:10012"
        );
    }
}
