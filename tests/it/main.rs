//! lsm's integration tests: one test binary (`cargo test --test it`), so
//! the world is linked once, not once per file. Each file below is a module
//! of tests (`it::docker_apply::...`); the support modules come first.
//!
//! Filter as usual: `cargo test --test it docker_apply::` runs one file's
//! tests, `cargo nextest run -E 'test(/^native_/)'` a group of them.

#![allow(clippy::too_many_lines)] // long scenario tables; the lint is for src/ (issue 13)

// Support: the harness, a signer under test, and helpers per area.
mod bundle_kit;
mod docker_support;
mod manifest_util;
mod signer_kit;
mod support;
mod test_hosts;

// Tests, one module per area.
mod ansible;
mod bundle_identity;
mod bundle_live;
mod bundle_macaroon;
mod bundle_memory;
mod ci_examples;
mod cli_bundle;
mod cli_export;
mod cli_macaroon;
#[cfg(feature = "failpoints")]
mod crash_safety;
mod diagnostic_snapshots;
mod docker_apply;
mod docker_endpoint;
mod docker_events;
mod docker_files;
mod docker_lncli;
mod docker_pull;
mod docker_safety;
mod docker_secrets;
mod docker_served_cert;
mod docker_spec;
mod docker_tls;
mod docker_wallet;
mod double_smoke;
mod export_double;
mod fleet;
mod lnd_client;
mod macaroon_codec;
mod manifest_api;
mod manifest_cli;
mod manifest_errors;
mod manifest_garbage;
mod manifest_schema;
mod manifest_versions;
mod manifest_watchonly;
mod module_layers;
mod native_apply;
mod native_process;
mod operator_files;
mod plan_order;
mod plan_snapshots;
mod proto_wire;
mod read_only_observation;
mod regtest_chain;
mod remote_hosts;
mod secret_dirs;
mod seed_backup;
mod watchonly_native;
mod watchonly_proof;
mod wire_truth;
