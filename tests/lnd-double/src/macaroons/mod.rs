//! Real macaroons, minted and checked with lsm's codec
//! (`lsm_lnd::macaroon`) so the double and lsm agree on every byte: the
//! root key store, baking, lnd's default macaroon files, and the per-call
//! check.

pub mod check;
pub mod store;

use crate::fsutil;
use crate::wallet::crypto::random_bytes;
use lsm_lnd::macaroon::Macaroon;
use lsm_lnd::permissions::{self, Permission};
use std::path::Path;
use store::RootKeyStore;

/// Bakes a macaroon as lnd's `Service.NewMacaroon` does: version-3 id with
/// a random nonce, the storage id in ASCII decimal, canonical ops.
pub fn bake(
    store: &mut RootKeyStore,
    root_key_id: u64,
    perms: &[Permission],
) -> Result<Macaroon, String> {
    if perms.is_empty() {
        return Err("cannot mint a macaroon associated with no operations".into());
    }
    let key = store.root_key(root_key_id.to_string().as_bytes())?;
    Macaroon::mint(&key[..], root_key_id, random_bytes::<16>(), perms).map_err(|e| e.to_string())
}

/// lnd's `genDefaultMacaroons`: invoice (0644), readonly (0644) and admin
/// (0640) macaroons with root key 0, each written if it is missing, on its
/// own (lnd ≥ 0.17, v0.20.0-beta lnd.go L842–885).
pub fn write_default_files(
    store: &mut RootKeyStore,
    admin: &Path,
    readonly: &Path,
    invoice: &Path,
) -> Result<(), String> {
    for (path, perms, mode) in [
        (invoice, permissions::invoice(), 0o644),
        (readonly, permissions::readonly(), 0o644),
        (admin, permissions::admin(), 0o640),
    ] {
        if path.exists() {
            continue;
        }
        let mac = bake(store, 0, &perms)?;
        fsutil::write_new(path, &mac.encode(), mode)
            .map_err(|e| format!("unable to create macaroons open {}: {e}", path.display()))?;
    }
    Ok(())
}

/// The sub-servers' own macaroons (root key 0, 0644), each written when
/// missing as its `New` does while lnd builds the RPC server after the
/// unlock: signrpc/signer_server.go L136–174, walletrpc/walletkit_server.go
/// L265–303, routerrpc/router_server.go L212–250, chainrpc/chain_server.go
/// L122–160, invoicesrpc/invoices_server.go L110–146.
pub fn write_sub_server_files(
    store: &mut RootKeyStore,
    paths: &crate::config::SubServerMacaroonPaths,
) -> Result<(), String> {
    let p = |e: &str, a: &str| Permission::new(e, a);
    for (path, perms) in [
        (
            &paths.signer,
            vec![p("signer", "generate"), p("signer", "read")],
        ),
        (
            &paths.walletkit,
            vec![
                p("address", "write"),
                p("address", "read"),
                p("onchain", "write"),
                p("onchain", "read"),
            ],
        ),
        (
            &paths.router,
            vec![p("offchain", "read"), p("offchain", "write")],
        ),
        (&paths.chain_notifier, vec![p("onchain", "read")]),
        (
            &paths.invoices,
            vec![p("invoices", "write"), p("invoices", "read")],
        ),
    ] {
        if path.exists() {
            continue;
        }
        let mac = bake(store, 0, &perms)?;
        fsutil::write_new(path, &mac.encode(), 0o644)
            .map_err(|e| format!("open {}: {e}", path.display()))?;
    }
    Ok(())
}
