//! Would a watch-only node get what it needs from the signer, right now?
//! [`probe`] dials the signer as the watch-only node would — the bundle's
//! tls.cert pinned, its macaroon attached — and makes a harmless call of
//! every RPC a watch-only lnd makes ([`SignerRpc`]). It tells apart what
//! looks the same in a watch-only lnd's log (watch-only research §3: an
//! unreachable signer and a certificate that does not name the host both
//! end in "context deadline exceeded" after 5 s): the signer does not
//! answer, answers with another certificate, its certificate does not name
//! the host dialled, its wallet is locked (or not there, or starting), the
//! macaroon is rejected, or it lacks a permission for a call.
//!
//! Used by `lsm bundle verify --live`, and by the watch-only node's plan to
//! hold back a start while the signer cannot serve it.

use crate::bundle::verify::{Check, CheckStatus, VerifyReport};
use crate::lnd::client::{ClientOptions, LndClient};
use crate::lnd::error::LndError;
use crate::lnd::probe::SignerRpc;
use crate::lnd::proto::lnrpc::WalletState;
use crate::lnd::tls::CertInfo;
use serde::Serialize;
use std::time::Duration;

/// lnd's own `remotesigner.timeout`: a watch-only lnd gives up on its
/// signer after this long.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// What lnd said to one harmless call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The macaroon grants it (lnd's handler answered).
    Ok,
    /// lnd refused the call: the macaroon lacks its permission.
    PermissionDenied,
    /// Anything else (a rejected macaroon, a locked wallet, a transport
    /// failure, a signer without the service), in lsm's words.
    Other(String),
}

/// One RPC's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RpcCheck {
    pub rpc: SignerRpc,
    pub verdict: Verdict,
    /// lnd's own answer when it was one (its validation error), for the
    /// record; empty otherwise.
    pub answer: String,
}

/// What [`probe`] found. Holds nothing secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiveReport {
    /// host:port dialled.
    pub endpoint: String,
    /// The TLS handshake with the pinned certificate completed and lnd
    /// answered; `Err` says why not (refused, timed out, another
    /// certificate presented, a bad address or certificate).
    pub reachable: Result<(), String>,
    /// The signer presented a certificate other than the bundle's.
    pub cert_mismatch: bool,
    /// The bundle's certificate names the host dialled (grpc-go on the
    /// watch-only side checks it; lsm's pinned client does not need it).
    pub tls_names_host: bool,
    /// The host part of the endpoint and what the certificate names.
    pub host: String,
    pub cert_names: Vec<String>,
    /// lnd's wallet state (State.GetState needs no macaroon), if it said.
    pub wallet_state: Option<WalletState>,
    /// One per [`SignerRpc`], in order; empty when the signer could not
    /// be asked (unreachable, locked, starting).
    pub rpcs: Vec<RpcCheck>,
}

impl LiveReport {
    /// Whether a watch-only node could run against this signer now.
    pub(crate) fn ok(&self) -> bool {
        self.problems().is_empty()
    }

    /// Every problem, one line each, the most basic first.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self.reachable.clone().err().into_iter().collect();
        out.extend(self.tls_problem());
        out.extend(self.wallet_state.and_then(state_problem));
        out.extend(self.rpc_problems());
        out
    }

    fn tls_problem(&self) -> Option<String> {
        (!self.tls_names_host).then(|| {
            format!(
                "tls.cert does not name {} (it names {}): a watch-only lnd dialling {} fails its \
                 TLS check and exits after 5 s (\"context deadline exceeded\", as if the signer \
                 were down); add the name to the signer's [rpc] tls_extra_ips or \
                 tls_extra_domains and export the bundle again",
                self.host,
                names_or_none(&self.cert_names),
                self.endpoint
            )
        })
    }

    /// Adds the report to `lsm bundle verify`'s, as four checks: the
    /// signer answers, its certificate names the host, its wallet serves,
    /// every call is allowed.
    pub(crate) fn add_to(&self, report: &mut VerifyReport) {
        let reached = self.reachable.is_ok();
        let mut add = |name: &'static str, problems: Vec<String>, skip: bool, detail: String| {
            let status = if !problems.is_empty() {
                CheckStatus::Fail
            } else if skip {
                CheckStatus::Skipped
            } else {
                CheckStatus::Pass
            };
            report.ok &= problems.is_empty();
            report.problems.extend(problems);
            report.checks.push(Check {
                name,
                status,
                detail,
            });
        };
        add(
            "signer",
            self.reachable.clone().err().into_iter().collect(),
            false,
            format!("{} answers with the bundle's certificate", self.endpoint),
        );
        add(
            "tls name",
            self.tls_problem().into_iter().collect(),
            false,
            format!("tls.cert names {}", self.host),
        );
        let state = self.wallet_state.map_or("unknown", |s| s.as_str_name());
        add(
            "wallet",
            self.wallet_state
                .and_then(state_problem)
                .into_iter()
                .collect(),
            !reached,
            if reached {
                format!("the signer is {state}")
            } else {
                "not reached".into()
            },
        );
        let asked = !self.rpcs.is_empty();
        add(
            "rpcs",
            self.rpc_problems(),
            !asked,
            if asked {
                format!(
                    "the macaroon grants all {} calls a watch-only lnd makes",
                    self.rpcs.len()
                )
            } else {
                "not asked".into()
            },
        );
        report.live = Some(self.to_json());
    }

    /// Denied calls grouped by the permission they need, then any other
    /// failure grouped by its text.
    fn rpc_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for perm in ["signer:generate", "onchain:write"] {
            let denied: Vec<SignerRpc> = self
                .rpcs
                .iter()
                .filter(|c| c.verdict == Verdict::PermissionDenied && c.rpc.permission() == perm)
                .map(|c| c.rpc)
                .collect();
            if denied.is_empty() {
                continue;
            }
            let names: Vec<&str> = denied.iter().map(|r| r.name()).collect();
            let mut effects: Vec<&str> = denied.iter().map(|r| r.needed_for()).collect();
            effects.dedup();
            out.push(format!(
                "the macaroon lacks {perm}: lnd answers permission denied to {} (grant {perm}, \
                 or {}) — a watch-only node then fails: {}",
                names.join(", "),
                if denied.len() == 1 {
                    format!("uri:{}", denied[0].method())
                } else {
                    "uri:<method> for each".to_string()
                },
                effects.join("; ")
            ));
        }
        let mut others: Vec<(String, Vec<&str>)> = Vec::new();
        for c in &self.rpcs {
            if let Verdict::Other(why) = &c.verdict {
                match others.iter_mut().find(|(w, _)| w == why) {
                    Some((_, names)) => names.push(c.rpc.name()),
                    None => others.push((why.clone(), vec![c.rpc.name()])),
                }
            }
        }
        for (why, names) in others {
            out.push(format!("{}: {why}", names.join(", ")));
        }
        out
    }

    /// The report as `--json` shows it.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        #[derive(Serialize)]
        struct Rpc<'a> {
            method: &'static str,
            permission: &'static str,
            verdict: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            detail: Option<&'a str>,
        }
        let rpcs: Vec<Rpc<'_>> = self
            .rpcs
            .iter()
            .map(|c| {
                let (verdict, detail) = match &c.verdict {
                    Verdict::Ok => ("ok", Some(c.answer.as_str())),
                    Verdict::PermissionDenied => ("permission_denied", None),
                    Verdict::Other(why) => ("other", Some(why.as_str())),
                };
                Rpc {
                    method: c.rpc.method(),
                    permission: c.rpc.permission(),
                    verdict,
                    detail,
                }
            })
            .collect();
        serde_json::json!({
            "ok": self.ok(),
            "endpoint": self.endpoint,
            "reachable": self.reachable.is_ok(),
            "unreachable_reason": self.reachable.as_ref().err(),
            "cert_mismatch": self.cert_mismatch,
            "tls_names_host": self.tls_names_host,
            "wallet_state": self.wallet_state.map(|s| s.as_str_name()),
            "rpcs": rpcs,
            "problems": self.problems(),
        })
    }
}

fn names_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "no names".into()
    } else {
        names.join(", ")
    }
}

/// Why a signer in `state` cannot serve a watch-only node, if it cannot.
fn state_problem(state: WalletState) -> Option<String> {
    match state {
        WalletState::RpcActive | WalletState::ServerActive => None,
        WalletState::Locked => Some(
            "the signer's wallet is locked: a watch-only lnd exits about a second after it \
             starts (\"wallet locked, unlock it to enable full RPC access\"); unlock it \
             (lsm apply on the signer's host, or auto_unlock)"
                .into(),
        ),
        WalletState::NonExisting => Some(
            "the signer has no wallet: this bundle belongs to a signer whose wallet is gone".into(),
        ),
        other => Some(format!(
            "the signer is still starting ({}); try again when it is up",
            other.as_str_name()
        )),
    }
}

/// Dials `endpoint` with `tls_cert_pem` pinned and `macaroon` attached and
/// makes a harmless call of every RPC a watch-only node needs. Every step
/// is bounded by `timeout` (connect and each call); an unreachable signer
/// returns after the first.
pub(crate) async fn probe(
    endpoint: &str,
    tls_cert_pem: &[u8],
    macaroon: &[u8],
    timeout: Duration,
) -> LiveReport {
    let host = crate::bundle::verify::rpc_host(endpoint).to_string();
    let info = CertInfo::from_pem(tls_cert_pem).ok();
    let mut report = LiveReport {
        endpoint: endpoint.to_string(),
        reachable: Ok(()),
        cert_mismatch: false,
        tls_names_host: info.as_ref().is_some_and(|i| i.covers_host(&host)),
        cert_names: info.as_ref().map(cert_names).unwrap_or_default(),
        host,
        wallet_state: None,
        rpcs: Vec::new(),
    };
    let opts = ClientOptions {
        connect_timeout: timeout,
        call_timeout: timeout,
        unlock_timeout: timeout,
        cert_label: "the bundle's tls.cert".into(),
    };
    let client = match LndClient::connect(endpoint, tls_cert_pem, opts) {
        Ok(c) => c,
        Err(e) => {
            report.reachable = Err(e.to_string());
            return report;
        }
    };
    match client.get_state().await {
        Ok(state) => report.wallet_state = Some(state),
        Err(e @ LndError::TlsMismatch { .. }) => {
            report.cert_mismatch = true;
            report.reachable = Err(format!(
                "{e}: lnd made a new certificate since the bundle was exported, and a watch-only \
                 lnd refuses it; export the bundle again (lsm apply on the signer's host)"
            ));
            return report;
        }
        Err(e @ (LndError::Unreachable { .. } | LndError::Timeout { .. })) => {
            report.reachable = Err(format!(
                "{e}; a watch-only lnd gives up after 5 s (\"context deadline exceeded\")"
            ));
            return report;
        }
        // Answered, if not as lnd's State service does: ask on.
        Err(_) => {}
    }
    if report
        .wallet_state
        .is_some_and(|s| state_problem(s).is_some())
    {
        return report;
    }
    // All at once over the one connection: a signer that stalls costs one
    // timeout, not one per call (plans and status run this every time).
    let client = client.with_macaroon(macaroon);
    let mut calls = tokio::task::JoinSet::new();
    for (i, rpc) in SignerRpc::ALL.iter().copied().enumerate() {
        let client = client.clone();
        calls.spawn(async move {
            let (verdict, answer) = match client.probe(rpc).await {
                Ok(answer) => (Verdict::Ok, answer),
                Err(LndError::PermissionDenied { .. }) => {
                    (Verdict::PermissionDenied, String::new())
                }
                Err(e) => (Verdict::Other(e.to_string()), String::new()),
            };
            (
                i,
                RpcCheck {
                    rpc,
                    verdict,
                    answer,
                },
            )
        });
    }
    let mut done: Vec<(usize, RpcCheck)> = calls.join_all().await;
    // In the calls' documented order, whatever order they answered in.
    done.sort_by_key(|(i, _)| *i);
    report.rpcs = done.into_iter().map(|(_, check)| check).collect();
    report
}

fn cert_names(info: &CertInfo) -> Vec<String> {
    info.dns_names
        .iter()
        .cloned()
        .chain(info.ip_addresses.iter().map(ToString::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(rpcs: Vec<(SignerRpc, Verdict)>) -> LiveReport {
        LiveReport {
            endpoint: "127.0.0.1:10009".into(),
            reachable: Ok(()),
            cert_mismatch: false,
            tls_names_host: true,
            host: "127.0.0.1".into(),
            cert_names: vec!["localhost".into(), "127.0.0.1".into()],
            wallet_state: Some(WalletState::ServerActive),
            rpcs: rpcs
                .into_iter()
                .map(|(rpc, verdict)| RpcCheck {
                    rpc,
                    verdict,
                    answer: String::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn denied_calls_are_grouped_by_the_permission_they_need() {
        let all_ok = report(SignerRpc::ALL.iter().map(|r| (*r, Verdict::Ok)).collect());
        assert!(all_ok.ok(), "{:?}", all_ok.problems());
        let psbt_denied = report(
            SignerRpc::ALL
                .iter()
                .map(|r| {
                    let v = if *r == SignerRpc::SignPsbt {
                        Verdict::PermissionDenied
                    } else {
                        Verdict::Ok
                    };
                    (*r, v)
                })
                .collect(),
        );
        let p = psbt_denied.problems();
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with(
                "the macaroon lacks onchain:write: lnd answers permission denied to SignPsbt \
                 (grant onchain:write, or uri:/walletrpc.WalletKit/SignPsbt)"
            ),
            "{}",
            p[0]
        );
        let rejected = report(
            SignerRpc::ALL
                .iter()
                .map(|r| (*r, Verdict::Other("lnd rejected the macaroon: x".into())))
                .collect(),
        );
        let p = rejected.problems();
        assert_eq!(p.len(), 1, "one line for the same failure: {p:?}");
        assert!(
            p[0].starts_with("SignMessage, DeriveSharedKey, "),
            "{}",
            p[0]
        );
        let json = psbt_denied.to_json();
        assert_eq!(json["ok"], false);
        assert_eq!(json["rpcs"][7]["verdict"], "permission_denied");
        assert_eq!(json["rpcs"][7]["method"], "/walletrpc.WalletKit/SignPsbt");
    }

    #[test]
    fn a_locked_signer_and_a_cert_without_the_host_are_named() {
        let mut r = report(Vec::new());
        r.wallet_state = Some(WalletState::Locked);
        r.tls_names_host = false;
        r.host = "10.0.0.5".into();
        let p = r.problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("tls.cert does not name 10.0.0.5 (it names localhost, 127.0.0.1)"));
        assert!(p[1].contains("wallet is locked"));
    }

    /// A signer that accepts the connection and never answers (a hung
    /// lnd, a black hole behind a forwarder) costs at most the timeout.
    #[tokio::test]
    async fn a_silent_signer_is_unreachable_within_the_timeout() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let _held = std::thread::spawn(move || {
            let conns: Vec<_> = listener.incoming().take(4).collect();
            std::thread::sleep(Duration::from_secs(5));
            drop(conns);
        });
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
        let pem = params.self_signed(&key).unwrap().pem();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let started = std::time::Instant::now();
        let r = probe(
            &format!("127.0.0.1:{port}"),
            pem.as_bytes(),
            b"mac",
            Duration::from_millis(300),
        )
        .await;
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        let why = r.reachable.unwrap_err();
        assert!(why.contains("timed out after 300 ms"), "{why}");
        assert!(r.rpcs.is_empty());
    }

    #[tokio::test]
    async fn a_closed_port_is_unreachable_at_once() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
        let pem = params.self_signed(&key).unwrap().pem();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let started = std::time::Instant::now();
        let r = probe(
            &format!("127.0.0.1:{port}"),
            pem.as_bytes(),
            b"mac",
            Duration::from_secs(5),
        )
        .await;
        assert!(started.elapsed() < Duration::from_secs(5));
        let why = r.reachable.clone().unwrap_err();
        assert!(why.contains("cannot reach the signer"), "{why}");
        assert!(!r.tls_names_host, "the cert names localhost, not 127.0.0.1");
        assert!(r.rpcs.is_empty());
        assert_eq!(r.problems().len(), 2);
    }
}
