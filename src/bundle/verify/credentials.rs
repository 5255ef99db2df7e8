//! tls.cert and the macaroon: would the watch-only node's TLS check pass,
//! and does the macaroon grant exactly what bundle.json says — and, for a
//! scoped bundle, no more than the scope.

use super::{Declared, Files, Findings};
use crate::bundle::TLS_CERT_FILE;
use crate::lnd::macaroon::{CaveatKind, Macaroon, format_rfc3339};
use crate::lnd::permissions;
use crate::lnd::tls::CertInfo;
use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

/// Warn when the certificate expires within this long: lnd regenerates
/// an expired cert at startup, and the bundle's copy then stops working.
const EXPIRY_WARNING: Duration = Duration::from_secs(30 * 24 * 3600);

pub(super) fn check_cert(
    files: &Files,
    declared: &Declared,
    now: SystemTime,
    f: &mut Findings,
) -> (String, ()) {
    let Some(pem) = files.get(TLS_CERT_FILE) else {
        return (f.skip("tls.cert is missing"), ());
    };
    let info = match CertInfo::from_pem(pem) {
        Ok(i) => i,
        Err(e) => {
            f.problem(format!("tls.cert: {e}"));
            return (String::new(), ());
        }
    };
    if !info.is_ca {
        f.problem(
            "tls.cert is not CA:TRUE, so lnd did not make it (lnd's self-signed cert is its own CA)",
        );
    }
    let until = format_rfc3339(info.not_after_time());
    if info.is_expired_at(now) {
        f.problem(format!(
            "tls.cert expired at {until}; lnd makes a new one at its next start — export the bundle again"
        ));
    } else if info.is_expired_at(now + EXPIRY_WARNING) {
        f.warn(format!(
            "tls.cert expires at {until}; lnd will then make a new one and the bundle must be exported again"
        ));
    }
    let host = declared
        .json
        .as_ref()
        .map(|j| rpc_host(&j.rpc_endpoint).to_string());
    match &host {
        Some(h) if !info.covers_host(h) => f.problem(format!(
            "tls.cert does not cover {h}, the host in rpc_endpoint (it covers {}); the watch-only \
             node's TLS check will fail — add it with tlsextraip/tlsextradomain on the signer and \
             let lnd make a new cert",
            sans(&info)
        )),
        Some(_) => {}
        None => f.warn("no rpc_endpoint to check the certificate's names against"),
    }
    let covers = host.map(|h| format!(", covers {h}")).unwrap_or_default();
    (
        format!("{}, valid until {until}{covers}", short(&info.sha256)),
        (),
    )
}

/// The DER fingerprint, as lsm's pinned TLS client names certificates.
fn short(hex: &str) -> String {
    format!("pin sha256:{}", hex.get(..16).unwrap_or(hex))
}

fn sans(info: &CertInfo) -> String {
    let names: Vec<String> = info
        .dns_names
        .iter()
        .cloned()
        .chain(info.ip_addresses.iter().map(ToString::to_string))
        .collect();
    if names.is_empty() {
        "no names".into()
    } else {
        names.join(", ")
    }
}

/// The host part of `host:port` (brackets kept off IPv6 literals).
pub(crate) fn rpc_host(endpoint: &str) -> &str {
    let host = endpoint.rsplit_once(':').map_or(endpoint, |(h, _)| h);
    host.trim_start_matches('[').trim_end_matches(']')
}

pub(super) fn check_macaroon(
    files: &Files,
    declared: &Declared,
    now: SystemTime,
    f: &mut Findings,
) -> (String, ()) {
    let Some(json) = &declared.json else {
        return (f.skip("no readable bundle.json to compare with"), ());
    };
    let name = &json.macaroon_file;
    let Some(bytes) = files.get(name) else {
        return (f.skip(format!("{name} is missing")), ());
    };
    let mac = match Macaroon::decode(bytes) {
        Ok(m) => m,
        Err(e) => {
            f.problem(format!("{name} is not a valid lnd macaroon: {e}"));
            return (String::new(), ());
        }
    };
    let (perms, root_key_id) = match (mac.permissions(), mac.root_key_id()) {
        (Ok(p), Ok(id)) => (p, id),
        (Err(e), _) | (_, Err(e)) => {
            f.problem(format!("{name} is not a macaroon lnd baked: {e}"));
            return (String::new(), ());
        }
    };
    let granted: BTreeSet<String> = perms.iter().map(ToString::to_string).collect();
    let listed: BTreeSet<String> = json.permissions.iter().cloned().collect();
    if granted != listed {
        let extra: Vec<&String> = granted.difference(&listed).collect();
        let lacking: Vec<&String> = listed.difference(&granted).collect();
        let mut parts = Vec::new();
        if !extra.is_empty() {
            parts.push(format!("also grants {}", join(&extra)));
        }
        if !lacking.is_empty() {
            parts.push(format!("lacks {}", join(&lacking)));
        }
        f.problem(format!(
            "{name} does not grant what bundle.json lists: it {}",
            parts.join(" and ")
        ));
    }
    if json.root_key_id != root_key_id.to_string() {
        f.problem(format!(
            "{name} is baked under root key id {root_key_id}, but bundle.json says {}",
            json.root_key_id
        ));
    }
    if json.scope != "admin" {
        let admin = permissions::admin();
        if admin.iter().all(|p| perms.contains(p)) {
            f.problem(format!(
                "{name} is an admin macaroon (it grants all of lnd's admin permissions), but the \
                 bundle's scope is {}: a compromised watch-only node could then drain the signer",
                json.scope
            ));
        } else if json.scope == "signer-only" && perms == permissions::signer_only_legacy() {
            f.warn(format!(
                "{name} grants the signer-only set of older lsm (adds address:read, \
                 message:write and signer:read, which a watch-only node never uses); `lsm apply` \
                 on the signer bakes the narrower one"
            ));
        } else if json.scope == "signer-only" && perms != permissions::signer_only() {
            f.problem(format!(
                "{name} grants {}, not the signer-only set {}",
                join(&granted.iter().collect::<Vec<_>>()),
                permissions::signer_only()
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
        if root_key_id == 0 {
            f.warn(format!(
                "{name} uses root key id 0, which also signs admin.macaroon and can never be revoked"
            ));
        }
    }
    for caveat in mac.caveats() {
        let kind = caveat.kind();
        if let CaveatKind::TimeBefore { arg, .. } = &kind {
            if kind.is_expired(now) {
                f.problem(format!(
                    "{name} expired ({arg}); lnd rejects it on every call"
                ));
            } else {
                f.warn(format!(
                    "{name} expires at {arg}; the watch-only node stops working then"
                ));
            }
        }
    }
    (
        format!(
            "{name} {}, {} permissions, root key id {root_key_id}",
            mac.fingerprint(),
            perms.len()
        ),
        (),
    )
}

fn join(items: &[&String]) -> String {
    items
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}
