//! `plan` and `status` are read-only towards lnd as they are towards
//! Docker: the code they run to observe lnd speaks to it only through
//! `LndReader`, which has no writing method and no way to the writing
//! `LndClient` (its doctests prove that part). This test fails if an
//! observation module reaches for the writing client again.

use std::path::Path;

/// Every module `lsm plan` and `lsm status` run to observe lnd.
const OBSERVATION_MODULES: &[&str] = &[
    "src/signer.rs",
    "src/observe.rs",
    "src/runtime/docker/served_cert.rs",
    "src/runtime/docker/observation.rs",
    "src/runtime/docker/mod.rs",
    "src/cli/plan.rs",
    "src/cli/status.rs",
    "src/reconcile/build.rs",
    "src/reconcile/bundle.rs",
    "src/reconcile/certificate.rs",
    "src/reconcile/watchonly.rs",
];

#[test]
fn observation_never_names_the_writing_lnd_client() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for module in OBSERVATION_MODULES {
        let text = std::fs::read_to_string(root.join(module))
            .unwrap_or_else(|e| panic!("read {module}: {e}"));
        for forbidden in ["LndClient", "lnd::client::{", "signer::client("] {
            assert!(
                !text.contains(forbidden),
                "{module} names {forbidden}: observation must use lsm_lnd::reader::LndReader"
            );
        }
    }
}
