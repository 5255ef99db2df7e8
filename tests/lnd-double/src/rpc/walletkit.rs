//! walletrpc.WalletKit: ListAccounts, what lsm exports for the watch-only node.

use super::{meta, respond};
use crate::node::{Node, Service};
use lsm_lnd::proto::walletrpc::{self, wallet_kit_server::WalletKit};
use std::sync::Arc;
use tonic::{Request, Response, Status};

pub struct WalletKitService(pub Arc<Node>);

const LIST_ACCOUNTS: &str = "/walletrpc.WalletKit/ListAccounts";

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
}
