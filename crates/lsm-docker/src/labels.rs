//! The labels that make Docker objects lsm's own. Labels are lsm's inventory
//! (like compose, lsm keeps no state file): it finds its container by name and
//! proves ownership by `io.lsm.managed`, and detects configuration drift by
//! comparing `io.lsm.spec-hash` with the hash of the desired spec.

use std::collections::BTreeMap;

/// `"true"` on every container and volume lsm creates.
pub const MANAGED: &str = "io.lsm.managed";
/// The signer's name from signer.toml.
pub const SIGNER: &str = "io.lsm.signer";
/// [`super::spec_hash`] of the spec the container was created from.
pub const SPEC_HASH: &str = "io.lsm.spec-hash";
/// The restart policy the container was created with. The policy itself
/// can change in place (`docker update`), this label cannot: it is what lsm
/// set, so a differing policy with this label unchanged was altered outside
/// lsm (see [`super::spec_hash`] for why the policy is not hashed).
pub const RESTART_POLICY: &str = "io.lsm.restart-policy";
/// The lsm version that created the object (informational, never compared).
pub const VERSION: &str = "io.lsm.version";

/// This build's version, as written into [`VERSION`] (the workspace has
/// one version, so this crate's is lsm's).
pub const LSM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The ownership labels for a signer's objects (volumes carry these; containers add [`SPEC_HASH`]).
pub fn ownership_labels(signer: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED.to_string(), "true".to_string()),
        (SIGNER.to_string(), signer.to_string()),
        (VERSION.to_string(), LSM_VERSION.to_string()),
    ])
}

/// True when `labels` mark the object as lsm's.
pub fn is_managed(labels: &BTreeMap<String, String>) -> bool {
    labels.get(MANAGED).is_some_and(|v| v == "true")
}
