//! Code generated from `proto/` by build.rs. Package paths match lnd's, so
//! the gRPC method paths are `/lnrpc.State/GetState` and so on.

#![allow(clippy::all, clippy::too_many_lines, missing_docs)]

/// lnd's `lnrpc` package: Lightning, WalletUnlocker, State.
pub mod lnrpc {
    tonic::include_proto!("lnrpc");
}

/// lnd's `walletrpc` package: WalletKit (ListAccounts, SignPsbt).
pub mod walletrpc {
    tonic::include_proto!("walletrpc");
}

/// lnd's `signrpc` package: the Signer methods a watch-only lnd calls.
pub mod signrpc {
    tonic::include_proto!("signrpc");
}
