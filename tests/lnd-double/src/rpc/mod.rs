//! lnd's gRPC services over the shared [`Node`](crate::node::Node): each
//! method runs lnd's interceptor chain (state check, macaroon check), the
//! handler, and logs failures as lnd's RPCS logger does.

mod lightning;
mod signer;
mod state;
mod unlocker;
mod walletkit;

pub use lightning::LightningService;
pub use signer::SignerService;
pub use state::{StateService, subscribe as state_updates};
pub use unlocker::UnlockerService;
pub use walletkit::WalletKitService;

use crate::error::RpcResult;
use crate::logging;
use crate::node::CallMeta;

/// The caller's `macaroon` metadata values and address.
fn meta<T>(req: &tonic::Request<T>) -> CallMeta {
    CallMeta {
        macaroons: req
            .metadata()
            .get_all("macaroon")
            .iter()
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .collect(),
        peer: req.remote_addr().map(|a| a.ip()),
    }
}

/// Turns a handler result into a gRPC reply, logging failures like lnd's
/// errorLogUnaryServerInterceptor.
fn respond<R>(method: &str, result: RpcResult<R>) -> Result<tonic::Response<R>, tonic::Status> {
    match result {
        Ok(r) => Ok(tonic::Response::new(r)),
        Err(e) => {
            let shown = logging::redact_rpc_error(&e.message);
            logging::error("RPCS", format!("[{method}]: {shown}"));
            Err(e.into())
        }
    }
}
