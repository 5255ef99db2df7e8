//! Listeners: gRPC over TLS on every rpclisten address and the REST
//! gateway on every restlisten address, all with lnd's certificate.
//! Failures carry lnd's wording (`unable to listen on grpc endpoint: ...`).

use crate::config::Config;
use crate::node::Node;
use crate::rpc::{
    LightningService, SignerService, StateService, UnlockerService, WalletKitService,
};
use crate::tls::TlsMaterial;
use crate::{logging, rest};
use lsm_lnd::proto::lnrpc::{
    lightning_server::LightningServer, state_server::StateServer,
    wallet_unlocker_server::WalletUnlockerServer,
};
use lsm_lnd::proto::signrpc::signer_server::SignerServer;
use lsm_lnd::proto::walletrpc::wallet_kit_server::WalletKitServer;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Binds every address, failing on the first that cannot be bound.
pub async fn bind(addrs: &[SocketAddr]) -> Result<Vec<TcpListener>, (SocketAddr, String)> {
    let mut out = Vec::with_capacity(addrs.len());
    for addr in addrs {
        let l = TcpListener::bind(addr).await.map_err(|e| {
            (
                *addr,
                format!("listen {} {addr}: {}", go_network(addr), go_bind_error(&e)),
            )
        })?;
        out.push(l);
    }
    Ok(out)
}

/// lncfg.parseNetwork (lncfg/address.go L82–97): lnd listens on "tcp4" or
/// "tcp6", never "tcp", so Go's errors name that network.
fn go_network(addr: &SocketAddr) -> &'static str {
    if addr.is_ipv4() { "tcp4" } else { "tcp6" }
}

pub fn go_bind_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => "bind: address already in use".into(),
        std::io::ErrorKind::AddrNotAvailable => "bind: cannot assign requested address".into(),
        std::io::ErrorKind::PermissionDenied => "bind: permission denied".into(),
        _ => e.to_string(),
    }
}

/// Serves lnd's gRPC services on each listener until shutdown.
pub fn spawn_grpc(
    listeners: Vec<TcpListener>,
    tls: &TlsMaterial,
    node: &Arc<Node>,
    shutdown: &watch::Receiver<bool>,
) -> Result<Vec<JoinHandle<()>>, String> {
    let identity = tonic::transport::Identity::from_pem(&tls.cert_pem, &tls.key_pem[..]);
    let mut handles = Vec::new();
    for listener in listeners {
        let addr = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let server = tonic::transport::Server::builder()
            .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity.clone()))
            .map_err(|e| format!("unable to load TLS credentials: {e}"))?
            .add_service(StateServer::new(StateService(node.clone())))
            .add_service(WalletUnlockerServer::new(UnlockerService(node.clone())))
            .add_service(LightningServer::new(LightningService(node.clone())))
            .add_service(WalletKitServer::new(WalletKitService(node.clone())))
            .add_service(SignerServer::new(SignerService(node.clone())));
        let mut stop = shutdown.clone();
        // Go (so lnd) sets TCP_NODELAY on every connection; without it a
        // small response can sit behind the client's delayed ACK (~40 ms).
        let incoming = tokio_stream::StreamExt::map(
            tokio_stream::wrappers::TcpListenerStream::new(listener),
            |conn| {
                if let Ok(c) = &conn {
                    let _ = c.set_nodelay(true);
                }
                conn
            },
        );
        logging::info("RPCS", format!("RPC server listening on {addr}"));
        handles.push(tokio::spawn(async move {
            let signal = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            if let Err(e) = server.serve_with_incoming_shutdown(incoming, signal).await {
                logging::error("RPCS", format!("gRPC server on {addr} stopped: {e}"));
            }
        }));
    }
    Ok(handles)
}

/// Serves the REST gateway on each listener until shutdown.
pub fn spawn_rest(
    listeners: Vec<TcpListener>,
    tls: &TlsMaterial,
    cfg: &Config,
    node: &Arc<Node>,
    shutdown: &watch::Receiver<bool>,
) -> Result<Vec<JoinHandle<()>>, String> {
    let acceptor = if cfg.rest_tls {
        Some(rest_tls_acceptor(tls)?)
    } else {
        None
    };
    let peer = crate::config::address::rest_proxy_peer(&cfg.rpc_listeners);
    let mut handles = Vec::new();
    for listener in listeners {
        if let Ok(a) = listener.local_addr() {
            logging::info("RPCS", format!("gRPC proxy started at {a}"));
        }
        handles.push(tokio::spawn(rest::serve(
            listener,
            acceptor.clone(),
            node.clone(),
            peer,
            shutdown.clone(),
        )));
    }
    Ok(handles)
}

fn rest_tls_acceptor(tls: &TlsMaterial) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&tls.cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("unable to load TLS credentials: {e}"))?;
    let key = PrivateKeyDer::from_pem_slice(&tls.key_pem)
        .map_err(|e| format!("unable to load TLS credentials: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("unable to load TLS credentials: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("unable to load TLS credentials: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
