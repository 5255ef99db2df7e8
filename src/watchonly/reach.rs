//! Whether the signer can serve this node: real lnd gives up on its remote
//! signer after a 5 s dial and exits, so a watch-only node is never started
//! (or restarted) while its signer does not answer with the bundle's
//! certificate, unlocked, allowing every call a watch-only node makes
//! (`lsm bundle verify --live`'s probe, [`crate::bundle::live`]).
//!
//! lsm dials the endpoint the node dials, else bundle.json's, which the
//! signer's lsm recorded as reachable from its host (a `signer_endpoint`
//! such as a container name may resolve or answer only inside a Docker
//! network); that the certificate names the node's endpoint is checked
//! offline.

use crate::bundle::live;
use crate::lnd::tls::CertInfo;
use serde::Serialize;

/// What the signer answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Reach {
    pub addr: String,
    /// Why a watch-only node could not run against it now; empty when it can.
    pub problems: Vec<String>,
    /// False when no address of the signer resolves from this host (a
    /// container name on a remote engine's network): nothing was checked.
    pub checked: bool,
}

impl Reach {
    pub(crate) fn ready(&self) -> bool {
        self.problems.is_empty()
    }

    /// One line for a blocker, warning or note.
    pub(crate) fn describe(&self) -> String {
        if self.ready() {
            format!(
                "the signer at {} answers, unlocked, and allows every call a watch-only node makes",
                self.addr
            )
        } else {
            format!(
                "the signer at {} cannot serve this node: {}",
                self.addr,
                self.problems.join("; ")
            )
        }
    }
}

/// How long a name may take to resolve before it counts as unresolvable.
const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Probes the signer with the bundle's certificate and macaroon at each of
/// `candidates` (the endpoint the node dials, then bundle.json's) that
/// resolves from this host, until one answers: an address only the node's
/// network reaches (a container's) then falls back to the one lsm's signer
/// recorded for this host. When none resolves, says so and checks nothing.
pub(crate) async fn probe(candidates: &[&str], tls_cert_pem: &[u8], macaroon: &[u8]) -> Reach {
    let mut first_failure: Option<Reach> = None;
    for addr in candidates {
        let resolves = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host(*addr))
            .await
            .is_ok_and(|r| r.is_ok_and(|mut it| it.next().is_some()));
        if !resolves {
            continue;
        }
        let report = live::probe(addr, tls_cert_pem, macaroon, live::DEFAULT_TIMEOUT).await;
        let reach = Reach {
            addr: addr.to_string(),
            problems: report.problems(),
            checked: true,
        };
        // Reached: its verdict stands. Not reached: try the next address.
        if report.reachable.is_ok() {
            return reach;
        }
        first_failure.get_or_insert(reach);
    }
    first_failure.unwrap_or_else(|| Reach {
        addr: candidates.join(" or "),
        problems: vec!["no address of the signer resolves from this host".into()],
        checked: false,
    })
}

/// Whether the signer's certificate names the host the node dials
/// (`host:port`); the reason when it does not. lnd's TLS check would fail
/// and the node exit after its 5 s dial, as if the signer were down.
pub(crate) fn endpoint_named(endpoint: &str, tls_cert_pem: &[u8]) -> Result<(), String> {
    let host = crate::bundle::verify::rpc_host(endpoint);
    match CertInfo::from_pem(tls_cert_pem) {
        Ok(info) if info.covers_host(host) => Ok(()),
        Ok(_) => Err(format!(
            "the signer's certificate does not name {host}, which this node dials \
             ([bundle] signer_endpoint = \"{endpoint}\")"
        )),
        Err(e) => Err(format!("the bundle's tls.cert cannot be read: {e}")),
    }
}
