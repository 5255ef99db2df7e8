//! lnd's REST gateway (grpc-gateway) on restlisten: HTTP/1.1 over TLS with
//! the same certificate, JSON per [`json`], the macaroon in the
//! `Grpc-Metadata-macaroon` header, errors as
//! `{"code":N,"message":"...","details":[]}` with grpc-gateway's HTTP
//! status. As in lnd, the gateway is a client of the gRPC side, so the peer
//! address macaroon caveats see is lnd's own loopback.

mod gojson;
mod json;
mod messages;

use crate::error::{RpcError, RpcResult};
use crate::logging;
use crate::node::{CallMeta, Node, Service};
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Bytes, Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use json::Obj;
use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tokio_stream::StreamExt;
use tonic::Code;

type Body = BoxBody<Bytes, Infallible>;

/// The most a request body may hold (grpc's default message limit).
const MAX_BODY: usize = 4 << 20;

/// Serves REST on `listener` until shutdown. `tls` is `None` with
/// `no-rest-tls`.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    node: Arc<Node>,
    proxy_peer: IpAddr,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let (tcp, _) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    logging::warn("RPCS", format!("REST accept failed: {e}"));
                    continue;
                }
            },
            _ = shutdown.wait_for(|s| *s) => return,
        };
        // As Go does for every TCP connection (see server.rs).
        let _ = tcp.set_nodelay(true);
        let (node, tls) = (node.clone(), tls.clone());
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let node = node.clone();
                async move { Ok::<_, Infallible>(handle(&node, proxy_peer, req).await) }
            });
            let builder = hyper::server::conn::http1::Builder::new();
            match tls {
                Some(acceptor) => {
                    // A client that fails the handshake (e.g. pins another
                    // certificate) just goes away.
                    if let Ok(stream) = acceptor.accept(tcp).await {
                        let _ = builder
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                            .await;
                    }
                }
                None => {
                    let _ = builder
                        .serve_connection(hyper_util::rt::TokioIo::new(tcp), svc)
                        .await;
                }
            }
        });
    }
}

async fn handle(node: &Arc<Node>, peer: IpAddr, req: Request<Incoming>) -> Response<Body> {
    let meta = CallMeta {
        macaroons: req
            .headers()
            .get_all("grpc-metadata-macaroon")
            .iter()
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .collect(),
        peer: Some(peer),
    };
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or_default().to_string();
    let body = match read_body(req).await {
        Ok(b) => b,
        Err(e) => return error_response(&e),
    };
    if method == Method::GET && path == "/v1/state/subscribe" {
        return subscribe_state(node);
    }
    match route(node, &method, &path, &query, &body, &meta).await {
        Ok(obj) => json_response(StatusCode::OK, obj.render()),
        Err(e) => {
            if e.code != Code::NotFound && e.code != Code::Unimplemented {
                let shown = logging::redact_rpc_error(&e.message);
                logging::error("RPCS", format!("[{method} {path}]: {shown}"));
            }
            error_response(&e)
        }
    }
}

async fn route(
    node: &Arc<Node>,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
    meta: &CallMeta,
) -> RpcResult<Obj> {
    use messages as m;
    let invalid = RpcError::invalid_argument;
    let gate = |service: Service, rpc: &str| node.authorize(service, rpc, meta);
    match (method.as_str(), path) {
        ("GET", "/v1/state") => Ok(m::state(node.state.get() as i32)),
        ("GET", "/v1/genseed") => {
            let d = json::decode_query(query, m::GEN_SEED).map_err(invalid)?;
            gate(Service::WalletUnlocker, "/lnrpc.WalletUnlocker/GenSeed")?;
            Ok(m::gen_seed_response(
                &node.gen_seed(m::gen_seed_request(&d)).await?,
            ))
        }
        ("POST", "/v1/initwallet") => {
            let d = json::decode_body(body, m::INIT_WALLET).map_err(invalid)?;
            gate(Service::WalletUnlocker, "/lnrpc.WalletUnlocker/InitWallet")?;
            let r = node.init_wallet(m::init_wallet_request(&d)).await?;
            Ok(m::admin_macaroon_response(&r.admin_macaroon))
        }
        ("POST", "/v1/unlockwallet") => {
            let d = json::decode_body(body, m::UNLOCK_WALLET).map_err(invalid)?;
            gate(
                Service::WalletUnlocker,
                "/lnrpc.WalletUnlocker/UnlockWallet",
            )?;
            node.unlock_wallet(m::unlock_wallet_request(&d)).await?;
            Ok(Obj::new())
        }
        ("POST", "/v1/changepassword") => {
            let d = json::decode_body(body, m::CHANGE_PASSWORD).map_err(invalid)?;
            gate(
                Service::WalletUnlocker,
                "/lnrpc.WalletUnlocker/ChangePassword",
            )?;
            let r = node.change_password(m::change_password_request(&d)).await?;
            Ok(m::admin_macaroon_response(&r.admin_macaroon))
        }
        ("GET", "/v1/getinfo") => {
            gate(Service::Other, "/lnrpc.Lightning/GetInfo")?;
            Ok(m::get_info_response(&node.get_info()?))
        }
        ("GET", "/v2/wallet/accounts") => {
            let d = json::decode_query(query, m::LIST_ACCOUNTS).map_err(invalid)?;
            gate(Service::Other, "/walletrpc.WalletKit/ListAccounts")?;
            Ok(m::list_accounts_response(
                &node.list_accounts(m::list_accounts_request(&d))?,
            ))
        }
        ("POST", "/v1/macaroon") => {
            let d = json::decode_body(body, m::BAKE_MACAROON).map_err(invalid)?;
            gate(Service::Other, "/lnrpc.Lightning/BakeMacaroon")?;
            Ok(m::bake_macaroon_response(
                &node.bake_macaroon(m::bake_macaroon_request(&d))?,
            ))
        }
        ("GET", "/v1/macaroon/ids") => {
            gate(Service::Other, "/lnrpc.Lightning/ListMacaroonIDs")?;
            Ok(m::list_macaroon_ids_response(&node.list_macaroon_ids()?))
        }
        ("GET", "/v1/macaroon/permissions") => {
            gate(Service::Other, "/lnrpc.Lightning/ListPermissions")?;
            Ok(m::list_permissions_response(&node.list_permissions()?))
        }
        ("DELETE", p) if p.starts_with("/v1/macaroon/") => {
            let raw = &p["/v1/macaroon/".len()..];
            let id: u64 = raw.parse().map_err(|_| {
                invalid(format!(
                    "type mismatch, parameter: root_key_id, error: strconv.ParseUint: parsing {raw:?}: invalid syntax"
                ))
            })?;
            gate(Service::Other, "/lnrpc.Lightning/DeleteMacaroonID")?;
            let r = node.delete_macaroon_id(lsm_lnd::proto::lnrpc::DeleteMacaroonIdRequest {
                root_key_id: id,
            })?;
            Ok(m::delete_macaroon_id_response(&r))
        }
        (_, p) if KNOWN_PATHS.contains(&p) || p.starts_with("/v1/macaroon/") => Err(RpcError {
            code: Code::Unimplemented,
            message: "Method Not Allowed".into(),
        }),
        _ => Err(RpcError {
            code: Code::NotFound,
            message: "Not Found".into(),
        }),
    }
}

const KNOWN_PATHS: &[&str] = &[
    "/v1/state",
    "/v1/state/subscribe",
    "/v1/genseed",
    "/v1/initwallet",
    "/v1/unlockwallet",
    "/v1/changepassword",
    "/v1/getinfo",
    "/v2/wallet/accounts",
    "/v1/macaroon",
];

/// grpc-gateway's streaming framing: one `{"result":{...}}` per message,
/// newline-delimited, on a chunked response.
fn subscribe_state(node: &Arc<Node>) -> Response<Body> {
    let stream = crate::rpc::state_updates(node).map(|item| {
        let line = match item {
            Ok(state) => format!("{{\"result\":{}}}\n", messages::state(state).render()),
            Err(status) => format!(
                "{{\"error\":{{\"code\":{},\"message\":{},\"details\":[]}}}}\n",
                status.code() as i32,
                serde_json::to_string(status.message()).unwrap_or_default()
            ),
        };
        Ok::<_, Infallible>(Frame::data(Bytes::from(line)))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(BodyExt::boxed(StreamBody::new(stream)))
        .unwrap_or_else(|_| Response::new(empty()))
}

async fn read_body(req: Request<Incoming>) -> RpcResult<Vec<u8>> {
    let limited = http_body_util::Limited::new(req.into_body(), MAX_BODY);
    limited
        .collect()
        .await
        .map(|c| c.to_bytes().to_vec())
        .map_err(|e| RpcError::invalid_argument(format!("reading request body: {e}")))
}

fn json_response(status: StatusCode, body: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)).boxed())
        .unwrap_or_else(|_| Response::new(empty()))
}

fn empty() -> Body {
    Full::new(Bytes::new()).boxed()
}

/// grpc-gateway's error body and `HTTPStatusFromCode`.
fn error_response(e: &RpcError) -> Response<Body> {
    let status = match e.code {
        Code::Ok => StatusCode::OK,
        Code::Cancelled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => {
            StatusCode::BAD_REQUEST
        }
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::Unknown | Code::Internal | Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let body = format!(
        "{{\"code\":{},\"message\":{},\"details\":[]}}",
        e.code as i32,
        serde_json::to_string(&e.message).unwrap_or_default()
    );
    json_response(status, body)
}
