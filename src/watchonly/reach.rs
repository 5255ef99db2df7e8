//! Whether the signer answers: real lnd gives up on its remote signer after
//! a 5 s dial and exits, so a watch-only node is never started (or
//! restarted) while its signer does not answer with the bundle's
//! certificate. lsm dials bundle.json's endpoint, which the signer's lsm
//! recorded as reachable from the host (a `signer_endpoint` such as a
//! container name may resolve only inside a Docker network).

use crate::lnd::client::ClientOptions;
use crate::lnd::proto::lnrpc::WalletState;
use crate::lnd::reader::LndReader;
use serde::Serialize;
use std::time::Duration;

/// How long one probe may take: lnd's own dial gives up after 5 s.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the signer answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reach")]
pub(crate) enum Reach {
    /// It answers over TLS with the bundle's certificate and its wallet is
    /// unlocked: it can sign.
    Ready { addr: String },
    /// It answers, but cannot sign yet (locked, starting).
    NotReady { addr: String, state: String },
    /// No answer, or not with the bundle's certificate.
    Unreachable { addr: String, error: String },
}

impl Reach {
    pub(crate) fn ready(&self) -> bool {
        matches!(self, Reach::Ready { .. })
    }

    /// One line for a blocker or note.
    pub(crate) fn describe(&self) -> String {
        match self {
            Reach::Ready { addr } => format!("the signer at {addr} answers and is unlocked"),
            Reach::NotReady { addr, state } => {
                format!("the signer at {addr} answers but is {state}, so it cannot sign")
            }
            Reach::Unreachable { addr, error } => format!(
                "the signer at {addr} does not answer with the bundle's certificate ({error})"
            ),
        }
    }
}

/// Probes the signer at `addr` with the bundle's certificate: State needs
/// no macaroon, and a TLS handshake pinned to that certificate proves it is
/// the bundle's signer.
pub(crate) async fn probe(addr: &str, tls_cert_pem: &[u8]) -> Reach {
    let opts = ClientOptions {
        connect_timeout: PROBE_TIMEOUT,
        call_timeout: PROBE_TIMEOUT,
        cert_label: "the bundle's tls.cert".to_string(),
        ..ClientOptions::default()
    };
    let unreachable = |error: String| Reach::Unreachable {
        addr: addr.to_string(),
        error,
    };
    let reader = match LndReader::connect(addr, tls_cert_pem, opts) {
        Ok(r) => r,
        Err(e) => return unreachable(e.to_string()),
    };
    match tokio::time::timeout(PROBE_TIMEOUT, reader.get_state()).await {
        Err(_) => unreachable(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
        Ok(Err(e)) => unreachable(e.to_string()),
        Ok(Ok(WalletState::ServerActive | WalletState::RpcActive | WalletState::Unlocked)) => {
            Reach::Ready {
                addr: addr.to_string(),
            }
        }
        Ok(Ok(state)) => Reach::NotReady {
            addr: addr.to_string(),
            state: state.as_str_name().to_string(),
        },
    }
}
