//! lnd.conf inputs shared by every runtime: the manifest's signer, chain
//! backend, TLS names and extra options. Each runtime supplies only what
//! differs — the rpc/rest binds and the password file path as lnd sees them
//! (inside a container, or on the host).

use super::error::{Error, RpcCertProblem, RpcPassProblem};
use crate::desired::lnd_conf::ConfInputs;
use crate::manifest::resolved::Resolved;

/// lnd.conf inputs common to both runtimes; `rpc`, `rest` and the password
/// path are where lnd itself sees them.
pub(crate) fn conf_inputs(
    r: &Resolved,
    rpc_listen: String,
    rest_listen: Option<String>,
    password_file: Option<String>,
) -> Result<ConfInputs, Error> {
    use crate::desired::lnd_conf::ChainConf;
    let chain = if let Some(n) = &r.neutrino {
        ChainConf::Neutrino {
            peers: n.peers.clone(),
            fee_url: n.fee_url.clone(),
        }
    } else if let Some(b) = &r.btcd {
        ChainConf::Btcd {
            rpchost: b.rpchost.clone(),
            rpcuser: b.rpcuser.clone(),
            rpcpass: read_rpcpass("btcd", &b.rpcpass_file)?,
            rawrpccert: read_rpccert(&b.rpccert)?,
        }
    } else if let Some(b) = &r.bitcoind {
        let pass = read_rpcpass("bitcoind", &b.rpcpass_file)?;
        ChainConf::Bitcoind {
            rpchost: b.rpchost.clone(),
            rpcuser: b.rpcuser.clone(),
            rpcpass: pass,
            zmqpubrawblock: b.zmqpubrawblock.clone(),
            zmqpubrawtx: b.zmqpubrawtx.clone(),
        }
    } else {
        ChainConf::NoChainBackend
    };
    let ips = crate::desired::cert_names::extra_ips(r);
    Ok(ConfInputs {
        signer_name: r.signer.name.clone(),
        alias: r.signer.alias.clone(),
        debug_level: r.signer.debug_level.to_string(),
        network: r.signer.network.to_string(),
        rpc_listen,
        rest_listen,
        tls_extra_ips: ips,
        tls_extra_domains: r.rpc.tls_extra_domains.clone(),
        chain,
        password_file,
        admin_macaroon_path: None,
        extra: r
            .signer
            .extra_config
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        remote_signer: None,
        p2p_listen: None,
    })
}

/// A certificate is a few KiB.
const MAX_RPCCERT_BYTES: u64 = 64 * 1024;

/// btcd's RPC certificate as lnd's `btcd.rawrpccert` wants it: the PEM
/// file's bytes in hex, so the file need not exist where lnd runs.
fn read_rpccert(path: &std::path::Path) -> Result<String, Error> {
    let cannot = |why: RpcCertProblem| Error::RpcCert {
        path: path.to_path_buf(),
        why,
    };
    let bytes = crate::regular_file::read(path, MAX_RPCCERT_BYTES).map_err(|e| cannot(e.into()))?;
    if !bytes.starts_with(b"-----BEGIN CERTIFICATE-----") {
        return Err(cannot(RpcCertProblem::NotPem));
    }
    Ok(hex::encode(&bytes))
}

/// A password file is a line; anything this large is the wrong file.
const MAX_RPCPASS_BYTES: u64 = 4096;

/// The bitcoind RPC password from `rpcpass_file` (a regular file: a FIFO
/// or a device there is refused, never waited on), without its line end.
///
/// It is written into lnd.conf as `bitcoind.rpcpass=<password>`, so it must
/// be exactly one line lnd reads back unchanged: a second line would be
/// read as more of lnd.conf (a `[Application Options]` header and any
/// option, past every extra_config rule), and lnd's ini reader trims
/// surrounding blanks and unquotes a leading `"`. Errors name the file,
/// never its content.
fn read_rpcpass(table: &'static str, path: &std::path::Path) -> Result<String, Error> {
    let cannot = |why: RpcPassProblem| Error::RpcPass {
        table,
        path: path.to_path_buf(),
        why,
    };
    let bytes = crate::regular_file::read(path, MAX_RPCPASS_BYTES).map_err(|e| cannot(e.into()))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| cannot(RpcPassProblem::NotUtf8))?;
    let pass = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    check_rpcpass(pass).map_err(cannot)?;
    Ok(pass.to_string())
}

/// Why `pass` cannot be written as one lnd.conf value, if it cannot.
fn check_rpcpass(pass: &str) -> Result<(), RpcPassProblem> {
    if pass.is_empty() {
        return Err(RpcPassProblem::Empty);
    }
    if pass.contains(['\n', '\r']) {
        return Err(RpcPassProblem::Lines);
    }
    if pass.chars().any(char::is_control) {
        return Err(RpcPassProblem::Control);
    }
    if pass.trim() != pass {
        return Err(RpcPassProblem::Blanks);
    }
    if pass.starts_with('"') {
        return Err(RpcPassProblem::Quote);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regular_file::test_support::{assert_fifo_refused, temp_fifo, without_hanging};
    use std::path::Path;

    fn bitcoind_manifest(rpcpass_file: &Path) -> Resolved {
        let text = format!(
            "version = 1\n[signer]\nnetwork = \"regtest\"\nchain_backend = \"bitcoind\"\n\
             [bitcoind]\nrpchost = \"bitcoind:18443\"\nrpcuser = \"lsm\"\nrpcpass_file = \"{}\"\n\
             zmqpubrawblock = \"tcp://bitcoind:28332\"\nzmqpubrawtx = \"tcp://bitcoind:28333\"\n",
            rpcpass_file.display()
        );
        crate::manifest::load_text(
            Path::new("/etc/lsm/signer.toml"),
            text,
            Some(Path::new("/home/op")),
        )
        .map_err(|e| e.render(false))
        .unwrap()
        .resolved
    }

    fn inputs(r: Resolved) -> Result<ConfInputs, String> {
        without_hanging(move || {
            conf_inputs(&r, "0.0.0.0:10009".into(), None, None).map_err(|e| crate::error::chain(&e))
        })
    }

    #[test]
    fn rpcpass_file_is_read_without_its_line_end() {
        let dir = tempfile::tempdir().unwrap();
        let pass = dir.path().join("rpcpass");
        std::fs::write(&pass, "hunter2\n").unwrap();
        match inputs(bitcoind_manifest(&pass)).unwrap().chain {
            crate::desired::lnd_conf::ChainConf::Bitcoind { rpcpass, .. } => {
                assert_eq!(rpcpass, "hunter2")
            }
            _ => panic!("not bitcoind"),
        }
    }

    /// A second line would be written into lnd.conf verbatim, past every
    /// extra_config rule; an empty file is no password. Each is refused,
    /// naming the file and never echoing its content.
    #[test]
    fn an_rpcpass_file_that_is_not_one_clean_line_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let pass = dir.path().join("rpcpass");
        for (content, why) in [
            (
                "pass\n[Application Options]\ntlsextraip=6.6.6.6\n",
                "more than one line",
            ),
            ("s3cret\nno-macaroons=true", "more than one line"),
            ("s3cret\rno-macaroons=true", "more than one line"),
            ("", "empty"),
            ("\n", "empty"),
            ("tab\there", "control characters"),
            ("esc\u{1b}[2J", "control characters"),
            (" padded ", "blanks"),
            ("\"quoted\"", "double quote"),
        ] {
            std::fs::write(&pass, content).unwrap();
            let err = inputs(bitcoind_manifest(&pass)).unwrap_err();
            assert!(err.contains(why), "{content:?}: {}", err);
            assert!(err.contains(&pass.display().to_string()), "{}", err);
            for secret in ["6.6.6.6", "no-macaroons", "s3cret", "quoted", "padded"] {
                assert!(!err.contains(secret), "{}", err);
            }
        }
        // A CRLF line end is a line end, not part of the password.
        std::fs::write(&pass, "hunter2\r\n").unwrap();
        assert!(inputs(bitcoind_manifest(&pass)).is_ok());
    }

    #[test]
    fn a_fifo_as_rpcpass_file_is_refused_not_waited_on() {
        let (_dir, fifo) = temp_fifo("rpcpass");
        let err = inputs(bitcoind_manifest(&fifo)).unwrap_err();
        assert_fifo_refused(&err);
    }
}
