//! signer.toml: the operator's declaration of one lnd remote signer.
//!
//! [`load()`] is the only entry point the rest of lsm needs: it reads the
//! file, reports every problem at once (file:line:col, key, fix), and
//! returns a [`Resolved`] manifest with every default filled in, every path
//! absolute and every value typed, plus the [`Provenance`] of each value.
//!
//! | module | job |
//! |---|---|
//! | [`raw`] | serde + schemars types, the one description of the format |
//! | [`schema`], [`schema_rules`] | the JSON Schema generated from them, with the cross-key rules |
//! | [`structure`] | walks the parsed TOML against that schema |
//! | [`syntax`], [`toml_lines`] | TOML syntax errors, with the key and a fix |
//! | [`fields`] | string formats (names, binds, images, paths, ...) |
//! | [`versions_env`] | the pinned-image layers |
//! | [`resolve`], [`rules`] | defaults, typing, cross-key rules |
//! | [`resolved`] | what the rest of lsm is written against |
//! | [`starter`] | the manifest `lsm init` writes |

pub mod defaults;
pub mod document;
pub mod enums;
pub mod error;
pub mod fields;
pub mod load;
pub mod managed;
pub mod problem;
pub mod provenance;
pub mod raw;
pub mod read;
pub mod resolve;
pub mod resolved;
pub mod rules;
pub mod schema;
pub mod schema_rules;
pub mod starter;
pub mod structure;
pub mod syntax;
pub mod toml_lines;
pub mod versions_env;

pub use enums::{
    ChainBackend, DebugLevel, MacaroonScope, Network, RestartPolicy, Runtime, Supervisor,
};
pub use error::ManifestError;
pub use fields::LndBinary;
pub use load::{Loaded, MAX_MANIFEST_SIZE, load, load_text};
pub use provenance::{Provenance, Source};
pub use resolved::{
    Bitcoind, Bundle, Docker, Macaroon, Native, Neutrino, Resolved, Rest, Rpc, Signer, Wallet,
};

/// The manifest file name used when `-f` is not given.
pub const DEFAULT_FILE: &str = "signer.toml";
