//! lnrpc.Lightning: the methods a signer's operator uses.

use super::{meta, respond};
use crate::node::{Node, Service};
use lsm_lnd::proto::lnrpc::{self, lightning_server::Lightning};
use std::sync::Arc;
use tonic::{Request, Response, Status};

pub struct LightningService(pub Arc<Node>);

const GET_INFO: &str = "/lnrpc.Lightning/GetInfo";
const BAKE_MACAROON: &str = "/lnrpc.Lightning/BakeMacaroon";
const LIST_MACAROON_IDS: &str = "/lnrpc.Lightning/ListMacaroonIDs";
const DELETE_MACAROON_ID: &str = "/lnrpc.Lightning/DeleteMacaroonID";
const LIST_PERMISSIONS: &str = "/lnrpc.Lightning/ListPermissions";
const SIGN_MESSAGE: &str = "/lnrpc.Lightning/SignMessage";
const VERIFY_MESSAGE: &str = "/lnrpc.Lightning/VerifyMessage";
const CHECK_MACAROON_PERMISSIONS: &str = "/lnrpc.Lightning/CheckMacaroonPermissions";

#[tonic::async_trait]
impl Lightning for LightningService {
    async fn get_info(
        &self,
        req: Request<lnrpc::GetInfoRequest>,
    ) -> Result<Response<lnrpc::GetInfoResponse>, Status> {
        let r = self
            .0
            .authorize(Service::Other, GET_INFO, &meta(&req))
            .and_then(|()| self.0.get_info());
        respond(GET_INFO, r)
    }

    /// Not played: lsm reads it only for a watch-only node's purge, which
    /// the double never runs (real lnd is the judge there).
    async fn pending_channels(
        &self,
        _req: Request<lnrpc::PendingChannelsRequest>,
    ) -> Result<Response<lnrpc::PendingChannelsResponse>, Status> {
        Err(Status::unimplemented(
            "PendingChannels is not played by the double",
        ))
    }

    async fn bake_macaroon(
        &self,
        req: Request<lnrpc::BakeMacaroonRequest>,
    ) -> Result<Response<lnrpc::BakeMacaroonResponse>, Status> {
        let m = meta(&req);
        let r = self
            .0
            .authorize(Service::Other, BAKE_MACAROON, &m)
            .and_then(|()| self.0.bake_macaroon(req.into_inner()));
        respond(BAKE_MACAROON, r)
    }

    async fn list_macaroon_i_ds(
        &self,
        req: Request<lnrpc::ListMacaroonIDsRequest>,
    ) -> Result<Response<lnrpc::ListMacaroonIDsResponse>, Status> {
        let r = self
            .0
            .authorize(Service::Other, LIST_MACAROON_IDS, &meta(&req))
            .and_then(|()| self.0.list_macaroon_ids());
        respond(LIST_MACAROON_IDS, r)
    }

    async fn delete_macaroon_id(
        &self,
        req: Request<lnrpc::DeleteMacaroonIdRequest>,
    ) -> Result<Response<lnrpc::DeleteMacaroonIdResponse>, Status> {
        let m = meta(&req);
        let r = self
            .0
            .authorize(Service::Other, DELETE_MACAROON_ID, &m)
            .and_then(|()| self.0.delete_macaroon_id(req.into_inner()));
        respond(DELETE_MACAROON_ID, r)
    }

    async fn list_permissions(
        &self,
        req: Request<lnrpc::ListPermissionsRequest>,
    ) -> Result<Response<lnrpc::ListPermissionsResponse>, Status> {
        let r = self
            .0
            .authorize(Service::Other, LIST_PERMISSIONS, &meta(&req))
            .and_then(|()| self.0.list_permissions());
        respond(LIST_PERMISSIONS, r)
    }

    async fn sign_message(
        &self,
        req: Request<lnrpc::SignMessageRequest>,
    ) -> Result<Response<lnrpc::SignMessageResponse>, Status> {
        let m = meta(&req);
        let r = self
            .0
            .authorize(Service::Other, SIGN_MESSAGE, &m)
            .and_then(|()| self.0.sign_message(req.into_inner()));
        respond(SIGN_MESSAGE, r)
    }

    /// Not served: lnd answers from its channel graph, which a signer
    /// without a chain backend does not keep.
    async fn verify_message(
        &self,
        req: Request<lnrpc::VerifyMessageRequest>,
    ) -> Result<Response<lnrpc::VerifyMessageResponse>, Status> {
        self.0
            .authorize(Service::Other, VERIFY_MESSAGE, &meta(&req))
            .map_err(Status::from)?;
        Err(Status::unimplemented(
            "lnd-double does not serve VerifyMessage",
        ))
    }

    async fn check_macaroon_permissions(
        &self,
        req: Request<lnrpc::CheckMacPermRequest>,
    ) -> Result<Response<lnrpc::CheckMacPermResponse>, Status> {
        let m = meta(&req);
        let r = self
            .0
            .authorize(Service::Other, CHECK_MACAROON_PERMISSIONS, &m)
            .and_then(|()| self.0.check_macaroon_permissions(req.into_inner(), m.peer));
        respond(CHECK_MACAROON_PERMISSIONS, r)
    }
}
