//! lnrpc.WalletUnlocker: only while NON_EXISTING or LOCKED, no macaroon.

use super::{meta, respond};
use crate::node::{Node, Service};
use lsm_lnd::proto::lnrpc::{self, wallet_unlocker_server::WalletUnlocker};
use std::sync::Arc;
use tonic::{Request, Response, Status};

pub struct UnlockerService(pub Arc<Node>);

const GEN_SEED: &str = "/lnrpc.WalletUnlocker/GenSeed";
const INIT_WALLET: &str = "/lnrpc.WalletUnlocker/InitWallet";
const UNLOCK_WALLET: &str = "/lnrpc.WalletUnlocker/UnlockWallet";
const CHANGE_PASSWORD: &str = "/lnrpc.WalletUnlocker/ChangePassword";

#[tonic::async_trait]
impl WalletUnlocker for UnlockerService {
    async fn gen_seed(
        &self,
        req: Request<lnrpc::GenSeedRequest>,
    ) -> Result<Response<lnrpc::GenSeedResponse>, Status> {
        let r = match self
            .0
            .authorize(Service::WalletUnlocker, GEN_SEED, &meta(&req))
        {
            Ok(()) => self.0.gen_seed(req.into_inner()).await,
            Err(e) => Err(e),
        };
        respond(GEN_SEED, r)
    }

    async fn init_wallet(
        &self,
        req: Request<lnrpc::InitWalletRequest>,
    ) -> Result<Response<lnrpc::InitWalletResponse>, Status> {
        let r = match self
            .0
            .authorize(Service::WalletUnlocker, INIT_WALLET, &meta(&req))
        {
            Ok(()) => self.0.init_wallet(req.into_inner()).await,
            Err(e) => Err(e),
        };
        respond(INIT_WALLET, r)
    }

    async fn unlock_wallet(
        &self,
        req: Request<lnrpc::UnlockWalletRequest>,
    ) -> Result<Response<lnrpc::UnlockWalletResponse>, Status> {
        let r = match self
            .0
            .authorize(Service::WalletUnlocker, UNLOCK_WALLET, &meta(&req))
        {
            Ok(()) => self.0.unlock_wallet(req.into_inner()).await,
            Err(e) => Err(e),
        };
        respond(UNLOCK_WALLET, r)
    }

    async fn change_password(
        &self,
        req: Request<lnrpc::ChangePasswordRequest>,
    ) -> Result<Response<lnrpc::ChangePasswordResponse>, Status> {
        let r = match self
            .0
            .authorize(Service::WalletUnlocker, CHANGE_PASSWORD, &meta(&req))
        {
            Ok(()) => self.0.change_password(req.into_inner()).await,
            Err(e) => Err(e),
        };
        respond(CHANGE_PASSWORD, r)
    }
}
