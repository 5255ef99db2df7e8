//! lncli inside an lsm-managed lnd container (`docker exec`), for tests
//! that drive lnd nodes on a Docker network (watch-only nodes, regtest
//! chains) where no port is published to the host.
//!
//! lsm's containers keep everything in /root/.lnd: lnd listens for gRPC on
//! 0.0.0.0:10012 inside the container, its tls.cert names localhost, and
//! lsm sets `adminmacaroonpath=/root/.lnd/lsm/admin-<network>.macaroon`.
//! The image must carry lncli (`lsm-test/lnd-real` does; the double's
//! image does not). `Signer::lncli` in `signer_kit.rs` is the other way:
//! real lncli on the host against a published port.

use std::process::{Command, Output, Stdio};

/// lnd's gRPC address inside an lsm-managed container.
pub const IN_CONTAINER_RPC: &str = "localhost:10012";

/// The `docker exec` arguments that run `lncli <args>` in `container` with
/// lsm's layout for `network` (regtest, testnet, ...).
pub fn lncli_argv(container: &str, network: &str, args: &[&str]) -> Vec<String> {
    let mut argv = vec![
        "exec".to_string(),
        container.to_string(),
        "lncli".into(),
        format!("--network={network}"),
        format!("--rpcserver={IN_CONTAINER_RPC}"),
        "--lnddir=/root/.lnd".into(),
        "--tlscertpath=/root/.lnd/tls.cert".into(),
        format!("--macaroonpath=/root/.lnd/lsm/admin-{network}.macaroon"),
    ];
    argv.extend(args.iter().map(|a| a.to_string()));
    argv
}

/// Runs lncli in `container` (stdin closed) and returns what it did.
pub fn lncli_output(container: &str, network: &str, args: &[&str]) -> Output {
    Command::new("docker")
        .args(lncli_argv(container, network, args))
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run the docker CLI: {e}"))
}

/// lncli's output as JSON, or why not: the exit status with stderr (lncli
/// prints `[lncli] rpc error: ...` there), or output that is not JSON.
pub fn lncli_try(
    container: &str,
    network: &str,
    args: &[&str],
) -> Result<serde_json::Value, String> {
    let out = lncli_output(container, network, args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "lncli {} in {container} failed ({}): {}{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim(),
            stdout.trim()
        ));
    }
    serde_json::from_str(&stdout).map_err(|e| {
        format!(
            "lncli {} in {container} printed no JSON ({e}): {stdout}",
            args.join(" ")
        )
    })
}

/// [`lncli_try`] that must succeed: panics with lncli's stderr.
pub fn lncli_json(container: &str, network: &str, args: &[&str]) -> serde_json::Value {
    lncli_try(container, network, args).unwrap_or_else(|e| panic!("{e}"))
}
