//! signrpc.Signer, as far as the double goes: the methods a watch-only lnd
//! calls on its remote signer run lnd's interceptor chain (state, then the
//! macaroon's permissions) and lnd's request validation, with lnd's
//! messages, so `lsm bundle verify --live` probes the double as it probes
//! lnd. A request that passes validation is not signed: the double holds
//! no signing code for it and answers Unimplemented.

use super::{meta, respond};
use crate::error::{RpcError, RpcResult};
use crate::node::{Node, Service};
use lsm_lnd::proto::signrpc::{self, signer_server::Signer};
use std::sync::Arc;
use tonic::{Request, Response, Status};

pub struct SignerService(pub Arc<Node>);

/// lnd's MuSig2 session ids are 32 bytes (signrpc parseMuSig2SessionID).
const SESSION_ID_SIZE: usize = 32;

fn not_signed<R>() -> RpcResult<R> {
    Err(RpcError {
        code: tonic::Code::Unimplemented,
        message: "the lnd double validates this request but does not sign".into(),
    })
}

fn session_id(id: &[u8]) -> RpcResult<()> {
    if id.len() == SESSION_ID_SIZE {
        Ok(())
    } else {
        Err(RpcError::unknown(format!(
            "error parsing session ID: invalid session ID size, got {} but expected \
             {SESSION_ID_SIZE}",
            id.len()
        )))
    }
}

impl SignerService {
    /// The interceptor chain, then `validate`.
    fn run<Req, R>(
        &self,
        method: &'static str,
        req: Request<Req>,
        validate: impl FnOnce(Req) -> RpcResult<R>,
    ) -> Result<Response<R>, Status> {
        let m = meta(&req);
        let r = self
            .0
            .authorize(Service::Other, method, &m)
            .and_then(|()| validate(req.into_inner()));
        respond(method, r)
    }
}

#[tonic::async_trait]
impl Signer for SignerService {
    async fn sign_message(
        &self,
        req: Request<signrpc::SignMessageReq>,
    ) -> Result<Response<signrpc::SignMessageResp>, Status> {
        self.run("/signrpc.Signer/SignMessage", req, |r| {
            if r.msg.is_empty() {
                return Err(RpcError::unknown("a message to sign MUST be passed in"));
            }
            not_signed()
        })
    }

    async fn derive_shared_key(
        &self,
        req: Request<signrpc::SharedKeyRequest>,
    ) -> Result<Response<signrpc::SharedKeyResponse>, Status> {
        self.run("/signrpc.Signer/DeriveSharedKey", req, |r| {
            if r.ephemeral_pubkey.is_empty() {
                return Err(RpcError::unknown("must provide ephemeral pubkey"));
            }
            not_signed()
        })
    }

    async fn mu_sig2_create_session(
        &self,
        req: Request<signrpc::MuSig2SessionRequest>,
    ) -> Result<Response<signrpc::MuSig2SessionResponse>, Status> {
        // The subset declares no version field: always version 0, which
        // lnd refuses.
        self.run("/signrpc.Signer/MuSig2CreateSession", req, |_| {
            Err(RpcError::unknown(
                "error parsing version: unknown MuSig2 version <MUSIG2_VERSION_UNDEFINED>, make \
                 sure your client software is up to date, the version field is mandatory for \
                 this release of lnd",
            ))
        })
    }

    async fn mu_sig2_register_nonces(
        &self,
        req: Request<signrpc::MuSig2RegisterNoncesRequest>,
    ) -> Result<Response<signrpc::MuSig2RegisterNoncesResponse>, Status> {
        self.run("/signrpc.Signer/MuSig2RegisterNonces", req, |r| {
            session_id(&r.session_id).and_then(|()| not_signed())
        })
    }

    async fn mu_sig2_sign(
        &self,
        req: Request<signrpc::MuSig2SignRequest>,
    ) -> Result<Response<signrpc::MuSig2SignResponse>, Status> {
        self.run("/signrpc.Signer/MuSig2Sign", req, |r| {
            session_id(&r.session_id).and_then(|()| not_signed())
        })
    }

    async fn mu_sig2_combine_sig(
        &self,
        req: Request<signrpc::MuSig2CombineSigRequest>,
    ) -> Result<Response<signrpc::MuSig2CombineSigResponse>, Status> {
        self.run("/signrpc.Signer/MuSig2CombineSig", req, |r| {
            session_id(&r.session_id).and_then(|()| not_signed())
        })
    }

    async fn mu_sig2_cleanup(
        &self,
        req: Request<signrpc::MuSig2CleanupRequest>,
    ) -> Result<Response<signrpc::MuSig2CleanupResponse>, Status> {
        self.run("/signrpc.Signer/MuSig2Cleanup", req, |r| {
            session_id(&r.session_id)?;
            // The double keeps no sessions.
            Err(RpcError::unknown(format!(
                "error cleaning up session: session with ID {} not found",
                hex::encode(&r.session_id)
            )))
        })
    }
}
