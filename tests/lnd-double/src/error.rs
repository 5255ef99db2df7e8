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

/// What `lnd.Main` returns when it stops on an error, built as its mkErr
/// builds it (lnd.go L165–179): `<context>: <cause>` plus any attributes,
/// which cmd/lnd prints on stderr; the log line names the cause as `err`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainError {
    pub context: String,
    pub cause: String,
    pub attrs: Vec<(&'static str, String)>,
}

impl MainError {
    pub fn new(context: impl Into<String>, cause: impl Into<String>) -> MainError {
        MainError {
            context: context.into(),
            cause: cause.into(),
            attrs: Vec::new(),
        }
    }

    pub fn with_attr(mut self, key: &'static str, value: impl Into<String>) -> MainError {
        self.attrs.push((key, value.into()));
        self
    }

    /// The log line mkErr writes (`ltndLog.ErrorS` with the build's `rev`).
    pub fn log_line(&self) -> String {
        let mut line = format!(
            "Shutting down due to error in main method {} err={}",
            crate::version::rev_attr(),
            crate::logging::attr_value(&self.cause)
        );
        for (k, v) in &self.attrs {
            line.push_str(&format!(" {k}={}", crate::logging::attr_value(v)));
        }
        line
    }
}

impl std::fmt::Display for MainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.context, self.cause)?;
        for (k, v) in &self.attrs {
            write!(f, " {k}={v}")?;
        }
        Ok(())
    }
}
