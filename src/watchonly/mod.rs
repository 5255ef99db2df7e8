//! The watch-only node: an lnd that imports a signer's credentials bundle,
//! holds a watch-only wallet made from the bundle's accounts, and sends
//! every signature to that signer over gRPC.
//!
//! It is the same kind of resource as the signer for everything a runtime
//! does (image, volume, lnd.conf, container); what differs is here (its
//! plan, which reads the whole observed world, is put together with the
//! other resources' in the reconcile layer, `reconcile::watchonly`):
//!
//! | module | job |
//! |---|---|
//! | [`reach`] | does the signer answer with the bundle's certificate? |
//! | [`wallet`] | the watch-only InitWallet apply runs |
//! | [`record`] | which signer the wallet was made for (offline check) |

mod error;
pub(crate) mod reach;
pub(crate) mod record;
pub(crate) mod wallet;

pub(crate) use error::Error;

use crate::bundle::import::ImportedBundle;
use crate::manifest::resolved::Resolved;

/// A watch-only node's link to its signer: the imported bundle and the
/// `host:port` its lnd dials (`[bundle] signer_endpoint`, else bundle.json's).
#[derive(Debug, Clone)]
pub(crate) struct SignerLink {
    /// Read and verified like `lsm bundle verify` (directory or
    /// `.tar.gz.b64`), refused on any problem: a watch-only wallet made
    /// from a partial or foreign account set is broken for good.
    pub bundle: ImportedBundle,
    pub endpoint: String,
}

impl SignerLink {
    /// sha256 over everything of the bundle the node is made from: the
    /// endpoint it dials, the signer's identity, the certificate, the
    /// macaroon and every account (hashes of the secrets only).
    pub(crate) fn digest(&self) -> String {
        let b = &self.bundle;
        let mut text = format!(
            "{}\n{}\n{}\n{}\n{}\n{:?}\n",
            self.endpoint,
            b.rpc_endpoint,
            b.tls_cert_sha256,
            b.macaroon_sha256,
            b.network,
            b.identity_pubkey
        );
        for a in &b.accounts {
            text.push_str(&format!(
                "{}/{}/{} {}\n",
                a.purpose, a.coin_type, a.account, a.xpub
            ));
        }
        crate::secrets::sha256_hex(text.as_bytes())
    }

    /// The link of a watch-only manifest (None for a signer). A bundle
    /// for another network is refused: its accounts are another chain's
    /// keys.
    pub(crate) fn of(r: &Resolved) -> Result<Option<SignerLink>, Error> {
        let Some(wo) = &r.watchonly else {
            return Ok(None);
        };
        let bundle = ImportedBundle::read(&wo.bundle_source).map_err(Error::Import)?;
        if bundle.network != r.signer.network {
            return Err(Error::NetworkMismatch {
                bundle: wo.bundle_source.clone(),
                network: bundle.network,
                signer: bundle.signer.clone(),
                declared: r.signer.network,
            });
        }
        let endpoint = wo
            .signer_endpoint
            .clone()
            .unwrap_or_else(|| bundle.rpc_endpoint.clone());
        Ok(Some(SignerLink { bundle, endpoint }))
    }
}
