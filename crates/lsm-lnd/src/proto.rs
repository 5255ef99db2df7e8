//! Code generated from `proto/` by build.rs. Package paths match lnd's, so
//! the gRPC method paths are `/lnrpc.State/GetState` and so on.

#![allow(clippy::all, clippy::too_many_lines, missing_docs)]

/// lnd's `lnrpc` package: Lightning, WalletUnlocker, State.
pub mod lnrpc {
    tonic::include_proto!("lnrpc");
}

/// lnd's `walletrpc` package: WalletKit.
pub mod walletrpc {
    tonic::include_proto!("walletrpc");
}
