//! lnd's macaroon permission vocabulary and the permission sets lsm deals
//! with (lnd-facts §2.5, §4, §1.1). Shared by manifest validation, the
//! macaroon codec, the plan and the lnd double, so they can never disagree.

use std::fmt;
use std::str::FromStr;

/// Entities lnd's BakeMacaroon accepts.
pub const ENTITIES: &[&str] = &[
    "onchain", "offchain", "address", "message", "peers", "info", "invoices", "signer", "macaroon",
    "uri",
];

/// Actions lnd's BakeMacaroon accepts (for every entity but `uri`).
pub const ACTIONS: &[&str] = &["read", "write", "generate"];

/// One macaroon permission, `entity:action`. For entity `uri` the action is a
/// full gRPC method path such as `/lnrpc.Lightning/GetInfo`.
///
/// Ordering is (entity, action), the order lnd canonicalises ops in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Permission {
    pub entity: String,
    pub action: String,
}

impl Permission {
    pub fn new(entity: impl Into<String>, action: impl Into<String>) -> Self {
        Permission {
            entity: entity.into(),
            action: action.into(),
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.entity, self.action)
    }
}

/// Why a permission string was refused; the text says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PermissionError {
    #[error("\"{0}\" is not of the form entity:action (e.g. signer:generate)")]
    Malformed(String),
    #[error("unknown entity \"{entity}\"; use one of {}", ENTITIES.join(", "))]
    UnknownEntity { entity: String },
    #[error("unknown action \"{action}\" for entity \"{entity}\"; use one of {}", ACTIONS.join(", "))]
    UnknownAction { entity: String, action: String },
    #[error(
        "\"uri:{0}\" is not a gRPC method path; write it as uri:/package.Service/Method (e.g. uri:/lnrpc.Lightning/GetInfo)"
    )]
    BadUri(String),
}

impl FromStr for Permission {
    type Err = PermissionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (entity, action) = s
            .split_once(':')
            .ok_or_else(|| PermissionError::Malformed(s.to_string()))?;
        if entity.is_empty() || action.is_empty() {
            return Err(PermissionError::Malformed(s.to_string()));
        }
        if !ENTITIES.contains(&entity) {
            return Err(PermissionError::UnknownEntity {
                entity: entity.to_string(),
            });
        }
        if entity == "uri" {
            if !is_method_uri(action) {
                return Err(PermissionError::BadUri(action.to_string()));
            }
        } else if !ACTIONS.contains(&action) {
            return Err(PermissionError::UnknownAction {
                entity: entity.to_string(),
                action: action.to_string(),
            });
        }
        Ok(Permission::new(entity, action))
    }
}

/// `/pkg.Service/Method`: a package-qualified service and a method name.
pub fn is_method_uri(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('/') else {
        return false;
    };
    let Some((service, method)) = rest.split_once('/') else {
        return false;
    };
    let ident = |p: &str| {
        !p.is_empty()
            && p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let parts: Vec<&str> = service.split('.').collect();
    parts.len() >= 2 && parts.iter().all(|p| ident(p)) && ident(method)
}

fn set(pairs: &[(&str, &str)]) -> Vec<Permission> {
    let mut v: Vec<Permission> = pairs.iter().map(|(e, a)| Permission::new(*e, *a)).collect();
    v.sort();
    v.dedup();
    v
}

/// The watch-only node's permission set on the signer: exactly what a
/// watch-only lnd v0.20 needs, measured on real lnd (README, "The
/// watch-only macaroon"). `signer:generate` covers SignMessage (the node
/// announcement at start), DeriveSharedKey (every peer connection) and
/// MuSig2 (taproot channels); `onchain:write` covers SignPsbt (sends,
/// funding, commitment and HTLC signatures). lnd's documented set adds
/// `message:write` (never called) and `address:read`, which would let the
/// watch-only machine advance the signer's key indexes (DeriveNextKey).
pub fn signer_only() -> Vec<Permission> {
    set(&[("signer", "generate"), ("onchain", "write")])
}

/// The signer-only set lsm baked before it was measured down to
/// [`signer_only`]: lnd's documented set plus `signer:read`. Bundles
/// carrying it still work; `lsm apply` re-bakes them.
pub fn signer_only_legacy() -> Vec<Permission> {
    set(&[
        ("message", "write"),
        ("signer", "generate"),
        ("signer", "read"),
        ("address", "read"),
        ("onchain", "write"),
    ])
}

/// lnd's readonly.macaroon: read on every entity but uri.
pub fn readonly() -> Vec<Permission> {
    set(&[
        ("onchain", "read"),
        ("offchain", "read"),
        ("address", "read"),
        ("message", "read"),
        ("peers", "read"),
        ("info", "read"),
        ("invoices", "read"),
        ("signer", "read"),
        ("macaroon", "read"),
    ])
}

/// lnd's admin.macaroon: readonly plus write on the main entities,
/// signer:generate, macaroon:generate and macaroon:write.
pub fn admin() -> Vec<Permission> {
    let mut v = readonly();
    for e in [
        "onchain", "offchain", "address", "message", "peers", "info", "invoices",
    ] {
        v.push(Permission::new(e, "write"));
    }
    v.push(Permission::new("signer", "generate"));
    v.push(Permission::new("macaroon", "generate"));
    v.push(Permission::new("macaroon", "write"));
    v.sort();
    v.dedup();
    v
}

/// lnd's invoice.macaroon.
pub fn invoice() -> Vec<Permission> {
    set(&[
        ("invoices", "read"),
        ("invoices", "write"),
        ("address", "read"),
        ("address", "write"),
        ("onchain", "read"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_matches_a_decoded_real_admin_macaroon() {
        // lnd-facts §5.2: entities and actions of a real admin macaroon.
        let got: Vec<String> = admin().iter().map(|p| p.to_string()).collect();
        let want = "address:read address:write info:read info:write invoices:read invoices:write \
                    macaroon:generate macaroon:read macaroon:write message:read message:write \
                    offchain:read offchain:write onchain:read onchain:write peers:read peers:write \
                    signer:generate signer:read";
        assert_eq!(got.join(" "), want);
    }

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            "signer:generate".parse::<Permission>().unwrap(),
            Permission::new("signer", "generate")
        );
        assert!("uri:/lnrpc.Lightning/GetInfo".parse::<Permission>().is_ok());
        assert!(matches!(
            "uri:GetInfo".parse::<Permission>(),
            Err(PermissionError::BadUri(_))
        ));
        assert!(matches!(
            "wallet:read".parse::<Permission>(),
            Err(PermissionError::UnknownEntity { .. })
        ));
        assert!(matches!(
            "signer:sign".parse::<Permission>(),
            Err(PermissionError::UnknownAction { .. })
        ));
        assert!(matches!(
            "signer".parse::<Permission>(),
            Err(PermissionError::Malformed(_))
        ));
    }
}
