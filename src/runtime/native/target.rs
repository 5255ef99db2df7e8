//! What the native runtime converges to: lnd from `[native] lnd_path` at the
//! pinned version, its data in `lnd_dir`, and lsm's rendered config beside
//! the wallet secrets. Unlike Docker, lnd binds the manifest's addresses
//! directly and reads wallet-password.txt where lsm keeps it, so no copy of
//! the password is ever made.

use super::Error;
use crate::desired::lnd_conf;
use crate::manifest::enums::{Network, Supervisor};
use crate::manifest::fields::LndBinary;
use crate::manifest::resolved::Resolved;
use crate::wallet::files::{
    NATIVE_CONF_FILE, NATIVE_LOG_FILE, SIGNER_MACAROON_FILE, SIGNER_TLS_CERT_FILE,
};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything the native runtime converges to.
#[derive(Debug, Clone)]
pub(crate) struct NativeTarget {
    pub signer: String,
    pub network: Network,
    pub supervisor: Supervisor,
    /// `[native] lnd_path`: a name looked up in PATH, or a path.
    pub lnd_path: LndBinary,
    /// `LND_VERSION` from versions.env, e.g. `v0.20.0-beta`.
    pub lnd_version: String,
    pub lnd_dir: PathBuf,
    pub secrets_dir: PathBuf,
    /// The secrets directory's guard (lsm writes lnd.conf and the log there).
    pub secrets: crate::wallet::files::WalletFiles,
    /// `<secrets_dir>/signer-lnd.conf`.
    pub conf_path: PathBuf,
    /// `<secrets_dir>/signer-lnd.log`.
    pub log_path: PathBuf,
    /// The exact lnd.conf bytes.
    pub conf: String,
    /// The same with secret values replaced by fingerprints.
    pub conf_display: String,
    /// sha256 of `conf`, recorded when lnd starts so a stale config shows.
    pub conf_sha256: String,
    pub rpc_bind: SocketAddr,
    /// `[rest] listen`, when REST is enabled.
    pub rest_bind: Option<SocketAddr>,
    /// `host:port` lsm dials for gRPC.
    pub dial: String,
    /// lsm's record of the lnd it started (`<state dir>/native/<name>.pid`).
    pub pidfile: PathBuf,
    /// Which kind of node lnd runs as.
    pub kind: crate::manifest::schema::Kind,
    /// A watch-only node's signer credentials: (path, content).
    pub signer_files: Vec<(PathBuf, crate::secrets::SecretBytes)>,
}

/// Paths go into lnd.conf and the systemd unit, one per line: a line break
/// in one would smuggle in another option.
fn single_line(key: &'static str, path: &Path) -> Result<(), Error> {
    if path.to_string_lossy().chars().any(char::is_control) {
        return Err(Error::ControlInPath {
            key,
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// A watch-only node's lnd.conf additions (p2p, `[remotesigner]`) and its
/// signer credentials, kept in its secrets directory.
fn link_signer(
    inputs: &mut lnd_conf::ConfInputs,
    r: &Resolved,
    secrets_dir: &Path,
    link: &crate::watchonly::SignerLink,
) -> Vec<(PathBuf, crate::secrets::SecretBytes)> {
    let cert = secrets_dir.join(SIGNER_TLS_CERT_FILE);
    let mac = secrets_dir.join(SIGNER_MACAROON_FILE);
    inputs.p2p_listen = r.watchonly.as_ref().map(|wo| wo.p2p_listen.to_string());
    inputs.remote_signer = Some(lnd_conf::RemoteSignerConf {
        rpchost: link.endpoint.clone(),
        tlscertpath: cert.display().to_string(),
        macaroonpath: mac.display().to_string(),
    });
    vec![
        (cert, link.bundle.tls_cert_pem.clone().into()),
        (mac, link.bundle.macaroon.clone().into()),
    ]
}

impl NativeTarget {
    /// The native target of a resolved manifest with `runtime = "native"`;
    /// `state_dir` is lsm's state directory (it holds the pidfile).
    pub(crate) fn from_resolved(
        r: &Resolved,
        state_dir: &Path,
        signer: Option<&crate::watchonly::SignerLink>,
    ) -> Result<NativeTarget, crate::runtime::Error> {
        let n = r.native.as_ref().ok_or(Error::NotNativeManifest)?;
        let secrets_dir = r.wallet.secrets_dir.clone();
        single_line("native.lnd_dir", &n.lnd_dir)?;
        single_line("wallet.secrets_dir", &secrets_dir)?;
        if let LndBinary::Path(p) = &n.lnd_path {
            single_line("native.lnd_path", p)?;
        }
        let mut inputs = crate::runtime::conf::conf_inputs(
            r,
            r.rpc.listen.to_string(),
            r.rest.listen.map(|l| l.to_string()),
            r.wallet
                .auto_unlock
                .then(|| r.wallet.password_file().display().to_string()),
        )?;
        let signer_files = signer
            .map(|link| link_signer(&mut inputs, r, &secrets_dir, link))
            .unwrap_or_default();
        let conf = lnd_conf::render(&inputs);
        // What lnd was started with: its config and, for a watch-only node,
        // the signer credentials it read at start (a new bundle restarts it).
        let mut started_with = conf.as_bytes().to_vec();
        for (_, content) in &signer_files {
            started_with.extend_from_slice(crate::secrets::sha256_hex(content).as_bytes());
        }
        Ok(NativeTarget {
            signer: r.signer.name.clone(),
            network: r.signer.network,
            supervisor: n.supervisor,
            lnd_path: n.lnd_path.clone(),
            lnd_version: n.lnd_version.clone(),
            lnd_dir: n.lnd_dir.clone(),
            conf_path: secrets_dir.join(NATIVE_CONF_FILE),
            log_path: secrets_dir.join(NATIVE_LOG_FILE),
            conf_display: lnd_conf::redact(&conf),
            conf_sha256: crate::secrets::sha256_hex(&started_with),
            conf,
            secrets: crate::wallet::files::WalletFiles::from_resolved(r),
            secrets_dir,
            rpc_bind: r.rpc.listen,
            rest_bind: r.rest.listen,
            dial: crate::runtime::local_dial(r.rpc.listen),
            pidfile: state_dir
                .join("native")
                .join(format!("{}.pid", r.signer.name)),
            kind: r.kind(),
            signer_files,
        })
    }

    /// lnd's certificate (lnd-facts §3.3).
    pub(crate) fn tls_cert_path(&self) -> PathBuf {
        self.lnd_dir.join("tls.cert")
    }

    /// lnd's admin.macaroon for the network.
    pub(crate) fn admin_macaroon_path(&self) -> PathBuf {
        self.lnd_dir
            .join(crate::runtime::admin_macaroon_rel(self.network))
    }

    /// The arguments lnd is started with (after the program).
    pub(crate) fn lnd_args(&self) -> Vec<String> {
        vec![
            format!("--lnddir={}", self.lnd_dir.display()),
            format!("--configfile={}", self.conf_path.display()),
        ]
    }

    /// The pinned version as lnd prints it (`0.20.0-beta`).
    pub(crate) fn expected_version(&self) -> &str {
        self.lnd_version
            .strip_prefix('v')
            .unwrap_or(&self.lnd_version)
    }
}

/// A target for unit tests: `[native]` keys, a secrets dir, a home of
/// `/home/op`, the manifest at `/etc/lsm/signer.toml`, state in /var/lib/lsm.
#[cfg(test)]
pub(crate) fn test_target(native: &str, secrets: &str) -> NativeTarget {
    let text = format!(
        "version = 1\n[signer]\nname = \"s1\"\nnetwork = \"regtest\"\nruntime = \"native\"\n\
         [native]\n{native}\n[rpc]\nlisten = \"0.0.0.0:10012\"\n[wallet]\nsecrets_dir = \"{secrets}\"\n\
         [bundle]\npath = \"/srv/bundle\"\n"
    );
    let loaded = crate::manifest::load_text(
        Path::new("/etc/lsm/signer.toml"),
        text,
        Some(Path::new("/home/op")),
    )
    .expect("a valid test manifest");
    NativeTarget::from_resolved(&loaded.resolved, Path::new("/var/lib/lsm"), None)
        .expect("a native target")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_paths_and_version_come_from_the_manifest() {
        let t = test_target("lnd_dir = \"/srv/lnd\"", "/srv/secrets");
        assert_eq!(t.conf_path, Path::new("/srv/secrets/signer-lnd.conf"));
        assert_eq!(t.pidfile, Path::new("/var/lib/lsm/native/s1.pid"));
        assert_eq!(t.dial, "127.0.0.1:10012");
        assert_eq!(t.expected_version(), "0.20.0-beta");
        assert_eq!(
            t.admin_macaroon_path(),
            Path::new("/srv/lnd/data/chain/bitcoin/regtest/admin.macaroon")
        );
        for line in [
            "rpclisten=0.0.0.0:10012",
            "restlisten=127.0.0.1:10013",
            "wallet-unlock-password-file=/srv/secrets/wallet-password.txt",
        ] {
            assert!(t.conf.lines().any(|l| l == line), "{line}:\n{}", t.conf);
        }
        assert_eq!(
            t.lnd_args(),
            [
                "--lnddir=/srv/lnd",
                "--configfile=/srv/secrets/signer-lnd.conf"
            ]
        );
    }

    #[test]
    fn a_path_with_a_line_break_is_refused() {
        let text = "version = 1\n[signer]\nname = \"s1\"\nnetwork = \"regtest\"\n\
                    runtime = \"native\"\n[native]\nlnd_dir = \"/srv/a\\nrpclisten=1.2.3.4:1\"\n";
        let loaded = crate::manifest::load_text(
            Path::new("/etc/lsm/signer.toml"),
            text.into(),
            Some(Path::new("/home/op")),
        )
        .map_err(|e| e.render(false))
        .unwrap();
        let err = NativeTarget::from_resolved(&loaded.resolved, Path::new("/s"), None).unwrap_err();
        assert!(
            matches!(
                err,
                crate::runtime::Error::Native(Error::ControlInPath {
                    key: "native.lnd_dir",
                    ..
                })
            ),
            "{err:?}"
        );
    }
}
