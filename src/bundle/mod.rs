//! The credentials bundle a watch-only node imports: accounts.json (xpubs),
//! tls.cert, the scoped macaroon, bundle.json (what, for whom, hashes) and
//! optionally the same as one base64 tar.gz.

pub mod accounts;
pub mod archive;
