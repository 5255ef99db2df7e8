//! lnd.conf inputs shared by every runtime: the manifest's signer, chain
//! backend, TLS names and extra options. Each runtime supplies only what
//! differs — the rpc/rest binds and the password file path as lnd sees them
//! (inside a container, or on the host).

use crate::desired::lnd_conf::ConfInputs;
use crate::error::Failure;
use crate::manifest::resolved::Resolved;

/// lnd.conf inputs common to both runtimes; `rpc`, `rest` and the password
/// path are where lnd itself sees them.
pub fn conf_inputs(
    r: &Resolved,
    rpc_listen: String,
    rest_listen: Option<String>,
    password_file: Option<String>,
) -> Result<ConfInputs, Failure> {
    use crate::desired::lnd_conf::ChainConf;
    let chain = if let Some(n) = &r.neutrino {
        ChainConf::Neutrino {
            peers: n.peers.clone(),
            fee_url: n.fee_url.clone(),
        }
    } else if let Some(b) = &r.bitcoind {
        let pass = std::fs::read_to_string(&b.rpcpass_file).map_err(|e| {
            Failure::error(format!(
                "cannot read [bitcoind] rpcpass_file {}: {e}",
                b.rpcpass_file.display()
            ))
            .hint("create the file with the bitcoind RPC password (mode 0600)")
        })?;
        ChainConf::Bitcoind {
            rpchost: b.rpchost.clone(),
            rpcuser: b.rpcuser.clone(),
            rpcpass: pass.trim_end_matches(['\n', '\r']).to_string(),
            zmqpubrawblock: b.zmqpubrawblock.clone(),
            zmqpubrawtx: b.zmqpubrawtx.clone(),
        }
    } else {
        ChainConf::NoChainBackend
    };
    // A specific rpc bind address is what a watch-only node dials, so the
    // certificate must name it; unspecified binds add nothing.
    let mut ips: Vec<String> = r.rpc.tls_extra_ips.iter().map(|i| i.to_string()).collect();
    if !r.rpc.listen.ip().is_unspecified() && !r.rpc.listen.ip().is_loopback() {
        let ip = r.rpc.listen.ip().to_string();
        if !ips.contains(&ip) {
            ips.push(ip);
        }
    }
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
    })
}
