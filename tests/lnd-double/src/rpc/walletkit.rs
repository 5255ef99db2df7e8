//! walletrpc.WalletKit: ListAccounts, what lsm exports for the watch-only
//! node, and SignPsbt as far as lnd's permission check and PSBT parsing
//! (see rpc/signer.rs: the double does not sign).

use super::{meta, respond};
use crate::node::{Node, Service};
use lsm_lnd::proto::walletrpc::{self, wallet_kit_server::WalletKit};
use std::sync::Arc;
use tonic::{Request, Response, Status};

pub struct WalletKitService(pub Arc<Node>);

const LIST_ACCOUNTS: &str = "/walletrpc.WalletKit/ListAccounts";
const SIGN_PSBT: &str = "/walletrpc.WalletKit/SignPsbt";

#[tonic::async_trait]
impl WalletKit for WalletKitService {
    async fn list_accounts(
        &self,
        req: Request<walletrpc::ListAccountsRequest>,
    ) -> Result<Response<walletrpc::ListAccountsResponse>, Status> {
        let m = meta(&req);
        let r = self
            .0
            .authorize(Service::Other, LIST_ACCOUNTS, &m)
            .and_then(|()| self.0.list_accounts(req.into_inner()));
        respond(LIST_ACCOUNTS, r)
    }

    async fn sign_psbt(
        &self,
        req: Request<walletrpc::SignPsbtRequest>,
    ) -> Result<Response<walletrpc::SignPsbtResponse>, Status> {
        let m = meta(&req);
        let r = self
            .0
            .authorize(Service::Other, SIGN_PSBT, &m)
            .and_then(|()| {
                let psbt = req.into_inner().funded_psbt;
                Err(crate::error::RpcError::unknown(if psbt.is_empty() {
                    "error parsing PSBT: EOF"
                } else {
                    "the lnd double does not sign PSBTs"
                }))
            });
        respond(SIGN_PSBT, r)
    }
}
