//! An RPC failure as lnd returns it: a gRPC code (lnd mostly uses Unknown,
//! because its errors are plain Go errors) and lnd's message. The REST
//! gateway maps the same value to grpc-gateway's JSON error.

use tonic::Code;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    pub code: Code,
    pub message: String,
}

impl RpcError {
    /// A plain Go error on lnd's side: gRPC code Unknown.
    pub fn unknown(message: impl Into<String>) -> RpcError {
        RpcError {
            code: Code::Unknown,
            message: message.into(),
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> RpcError {
        RpcError {
            code: Code::InvalidArgument,
            message: message.into(),
        }
    }
}

impl From<RpcError> for tonic::Status {
    fn from(e: RpcError) -> tonic::Status {
        tonic::Status::new(e.code, e.message)
    }
}

pub type RpcResult<T> = Result<T, RpcError>;
