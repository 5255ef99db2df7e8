//! lnd's certificate without reading tls.cert out of the volume when lnd
//! itself can prove it. Every archive read costs the engine a helper process
//! of its own (tens of milliseconds), and lsm usually holds a copy of
//! tls.cert already: the one it read earlier in this run (apply observes many
//! times), else the bundle's. When that copy is one certificate in exactly
//! the form lnd writes (Go's PEM layout) and lnd completes a TLS handshake
//! pinned to it, lnd serves that certificate, so the copy is byte for byte
//! the tls.cert lnd runs with. Anything else (no or another copy, lnd not
//! answering, a handshake presenting another certificate) falls back to
//! reading tls.cert from the volume, as observation always did.

use crate::lnd::reader::LndReader;
use crate::lnd::tls::is_canonical_cert_pem;
use std::path::Path;

/// The bundle's tls.cert, when it is a single certificate in lnd's exact
/// PEM form (never through a symbolic link).
pub(crate) fn bundle_copy(path: &Path) -> Option<Vec<u8>> {
    let file = crate::bundle::observe::read_regular(path).ok()?;
    is_canonical_cert_pem(&file.bytes).then(|| file.bytes.to_vec())
}

/// True when the lnd at `dial` completes a TLS handshake pinned to
/// `cert_pem` and answers GetState (which needs no macaroon).
pub(crate) async fn lnd_serves(dial: &str, cert_pem: &[u8]) -> bool {
    let opts = crate::signer::observe_options("the bundle's tls.cert");
    match LndReader::connect(dial, cert_pem, opts) {
        Ok(client) => client.get_state().await.is_ok(),
        Err(_) => false,
    }
}
