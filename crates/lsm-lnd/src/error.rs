//! lnd's failures as types. lnd reports most conditions only as status text
//! (lnd-facts §2, §3.1), usually with code Unknown, so the mapping matches
//! on the exact phrases lnd uses; everything unrecognised stays available as
//! [`LndError::Other`] with lnd's own message.

use crate::tls::{CertError, PinMismatch};
use std::time::Duration;
use tonic::{Code, Status};

/// Everything that can go wrong talking to lnd.
#[derive(Debug, thiserror::Error)]
pub enum LndError {
    #[error("the signer already has a wallet")]
    WalletAlreadyExists,
    #[error("the signer has no wallet yet (lnd: wallet not created)")]
    WalletNotCreated,
    #[error("the signer's wallet is locked")]
    WalletLocked,
    #[error("lnd is starting up and not yet ready to accept calls")]
    NotReady,
    #[error("lnd is still starting (opening its databases); RPC services are not available yet")]
    WaitingToStart,
    #[error("the wallet is already unlocked; lnd's WalletUnlocker service is no longer available")]
    UnlockerGone,
    #[error("lnd rejected the wallet password")]
    InvalidPassphrase,
    #[error("the wallet password is too short: lnd requires at least 8 bytes")]
    PasswordTooShort,
    #[error("permission denied: the macaroon does not grant {method}")]
    PermissionDenied { method: String },
    #[error("lnd rejected the macaroon: {detail}")]
    MacaroonRejected { detail: String },
    #[error("lnd refuses to delete root key id 0 (the default one)")]
    DefaultRootKeyUndeletable,
    #[error("the signer at {endpoint} does not implement {method}")]
    Unimplemented { endpoint: String, method: String },
    #[error("cannot reach the signer at {endpoint}: {detail}")]
    Unreachable { endpoint: String, detail: String },
    #[error(
        "the signer at {endpoint} presented a different TLS certificate ({presented}) than {cert} ({expected})"
    )]
    TlsMismatch {
        endpoint: String,
        /// How the pinned certificate was named to the client (usually its path).
        cert: String,
        expected: String,
        presented: String,
    },
    #[error("cannot use {cert} as the signer's TLS certificate: {source}")]
    BadCertificate { cert: String, source: CertError },
    #[error("{0} is not a host:port address (e.g. 127.0.0.1:10009 or [::1]:10009)")]
    BadAddress(String),
    #[error("timed out after {}: {what}", fmt_duration(*.after))]
    Timeout { what: String, after: Duration },
    #[error("lnd sent an unexpected reply to {method}: {detail}")]
    Protocol { method: String, detail: String },
    #[error("internal error: {0}")]
    Internal(String),
    #[error("{method} failed: lnd returned {code:?}: {message}", code = .status.code(), message = .status.message())]
    Other { method: String, status: Box<Status> },
}

fn fmt_duration(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// What the client knows about a call, for naming it in errors.
#[derive(Debug, Clone, Copy)]
pub struct CallContext<'a> {
    /// host:port of the signer.
    pub endpoint: &'a str,
    /// Full gRPC method path, e.g. `/lnrpc.Lightning/GetInfo`.
    pub method: &'a str,
    /// How the pinned certificate is named in messages (its path).
    pub cert: &'a str,
}

impl LndError {
    /// Classifies a gRPC status from lnd.
    pub fn from_status(status: Status, ctx: CallContext<'_>) -> LndError {
        if let Some(m) = find_pin_mismatch(&status) {
            return LndError::TlsMismatch {
                endpoint: ctx.endpoint.to_string(),
                cert: ctx.cert.to_string(),
                expected: m.expected,
                presented: m.presented,
            };
        }
        if let Some(e) = classify_message(status.message(), ctx.method) {
            return e;
        }
        match status.code() {
            Code::Unavailable => LndError::Unreachable {
                endpoint: ctx.endpoint.to_string(),
                detail: describe_chain(&status),
            },
            Code::Unimplemented => LndError::Unimplemented {
                endpoint: ctx.endpoint.to_string(),
                method: ctx.method.to_string(),
            },
            // lnd enforcing the grpc-timeout lsm sent, or tonic's own
            // client-side timer for it (CANCELLED "Timeout expired"), which
            // races lsm's timer of the same length.
            Code::DeadlineExceeded => LndError::Timeout {
                what: format!("{} on {}", ctx.method, ctx.endpoint),
                after: Duration::ZERO,
            },
            Code::Cancelled if status.message() == "Timeout expired" => LndError::Timeout {
                what: format!("{} on {}", ctx.method, ctx.endpoint),
                after: Duration::ZERO,
            },
            _ => LndError::Other {
                method: ctx.method.to_string(),
                status: Box::new(status),
            },
        }
    }

    /// Whether retrying soon may succeed: lnd is starting or restarting its
    /// listener, or the connection dropped.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            LndError::Unreachable { .. } | LndError::NotReady | LndError::WaitingToStart
        )
    }
}

/// Maps lnd's status text to a typed error. Substring matches on lnd's exact
/// phrases (lowercased), so wrapping like "rpc error: code = Unknown desc =
/// ..." or added context does not defeat them.
pub fn classify_message(message: &str, method: &str) -> Option<LndError> {
    let m = message.to_ascii_lowercase();
    let has = |s: &str| m.contains(s);
    let e = if has("wallet already exists") {
        LndError::WalletAlreadyExists
    } else if has("wallet not created") {
        LndError::WalletNotCreated
    } else if has("wallet locked, unlock it") {
        LndError::WalletLocked
    } else if has("in the process of starting up, but not yet ready") {
        LndError::NotReady
    } else if has("waiting to start, rpc services not available") {
        LndError::WaitingToStart
    } else if has("walletunlocker service is no longer available") {
        LndError::UnlockerGone
    } else if has("invalid passphrase for master") {
        LndError::InvalidPassphrase
    } else if has("password must have at least 8 characters") {
        LndError::PasswordTooShort
    } else if has("the specified id cannot be deleted") {
        LndError::DefaultRootKeyUndeletable
    } else if has("expected 1 macaroon")
        || has("cannot get macaroon")
        || has("verification failed")
        || has("macaroon has expired")
        || has("different ip address")
        || has("root key with id")
        || has("unknown macaroon version")
        || has("unable to get metadata from context")
        || has("encoding/hex")
        || message.contains("invalid ID")
    {
        LndError::MacaroonRejected {
            detail: message.to_string(),
        }
    } else if has("permission denied") {
        LndError::PermissionDenied {
            method: method.to_string(),
        }
    } else {
        return None;
    };
    Some(e)
}

/// Looks through the status's source chain (including the errors wrapped
/// inside `std::io::Error`, whose `source()` skips them) for our verifier's
/// [`PinMismatch`].
fn find_pin_mismatch(status: &Status) -> Option<PinMismatch> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(status);
    while let Some(err) = next {
        if let Some(m) = as_pin_mismatch(err) {
            return Some(m);
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
        {
            if let Some(m) = as_pin_mismatch(inner) {
                return Some(m);
            }
            next = inner.source();
            continue;
        }
        next = err.source();
    }
    None
}

fn as_pin_mismatch(err: &(dyn std::error::Error + 'static)) -> Option<PinMismatch> {
    if let Some(m) = err.downcast_ref::<PinMismatch>() {
        return Some(m.clone());
    }
    if let Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(o))) =
        err.downcast_ref::<rustls::Error>()
    {
        return o.0.downcast_ref::<PinMismatch>().cloned();
    }
    None
}

/// The status message plus its most specific cause (e.g. "Connection
/// refused"), without repeating identical texts.
fn describe_chain(status: &Status) -> String {
    let mut parts: Vec<String> = vec![status.message().to_string()];
    let mut next = std::error::Error::source(status);
    while let Some(err) = next {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => {
                let t = inner.to_string();
                if !parts.iter().any(|p| p.contains(&t)) {
                    parts.push(t);
                }
                inner.source()
            }
            None => err.source(),
        };
    }
    parts.retain(|p| !p.is_empty());
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CTX: CallContext<'static> = CallContext {
        endpoint: "127.0.0.1:10009",
        method: "/lnrpc.Lightning/GetInfo",
        cert: "/x/tls.cert",
    };

    fn map(msg: &str) -> LndError {
        LndError::from_status(Status::unknown(msg), CTX)
    }

    #[test]
    fn lnds_status_strings_map_to_variants() {
        // "invalid ID" is matched case-sensitively: "invalid identity" is not it.
        assert!(matches!(
            map("invalid identity pubkey"),
            LndError::Other { .. }
        ));
        assert!(matches!(
            map("wallet already exists"),
            LndError::WalletAlreadyExists
        ));
        assert!(matches!(
            map("wallet not created, create one to enable full RPC access"),
            LndError::WalletNotCreated
        ));
        assert!(matches!(
            map("wallet locked, unlock it to enable full RPC access"),
            LndError::WalletLocked
        ));
        assert!(matches!(
            map(
                "the RPC server is in the process of starting up, but not yet ready to accept calls"
            ),
            LndError::NotReady
        ));
        assert!(matches!(
            map("waiting to start, RPC services not available"),
            LndError::WaitingToStart
        ));
        // Every lnd start passes through it (before the databases are open),
        // not only a cluster's leader election.
        assert!(
            LndError::WaitingToStart
                .to_string()
                .contains("still starting")
        );
        assert!(matches!(
            map("wallet already unlocked, WalletUnlocker service is no longer available"),
            LndError::UnlockerGone
        ));
        assert!(matches!(
            map("invalid passphrase for master public key"),
            LndError::InvalidPassphrase
        ));
        assert!(matches!(
            map("password must have at least 8 characters"),
            LndError::PasswordTooShort
        ));
        assert!(matches!(
            map("permission denied"),
            LndError::PermissionDenied { .. }
        ));
        for m in [
            "expected 1 macaroon, got 0",
            "cannot get macaroon: root key with id 1 doesn't exist",
            "verification failed: signature mismatch after caveat verification",
            "caveat \"time-before 2021-01-01T00:00:00Z\" not satisfied: macaroon has expired",
            "macaroon locked to different IP address",
            "invalid ID",
        ] {
            assert!(matches!(map(m), LndError::MacaroonRejected { .. }), "{m}");
        }
        assert!(matches!(
            map("the specified ID cannot be deleted"),
            LndError::DefaultRootKeyUndeletable
        ));
        assert!(matches!(map("something else"), LndError::Other { .. }));
    }

    #[test]
    fn codes_map_when_the_text_is_unknown() {
        let e = LndError::from_status(Status::unavailable("tcp connect error"), CTX);
        assert!(matches!(e, LndError::Unreachable { .. }));
        assert!(e.is_transient());
        let e = LndError::from_status(Status::unimplemented(""), CTX);
        assert!(matches!(e, LndError::Unimplemented { .. }));
        // tonic's own timer for the grpc-timeout lsm sets.
        let e = LndError::from_status(Status::cancelled("Timeout expired"), CTX);
        assert!(matches!(e, LndError::Timeout { .. }), "{e:?}");
        let e = LndError::from_status(Status::cancelled("the caller went away"), CTX);
        assert!(matches!(e, LndError::Other { .. }), "{e:?}");
    }
}
