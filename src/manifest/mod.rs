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

pub(crate) mod defaults;
pub(crate) mod document;
pub(crate) mod enums;
pub(crate) mod error;
pub mod fields;
pub(crate) mod load;
pub(crate) mod managed;
pub(crate) mod problem;
pub(crate) mod provenance;
pub(crate) mod raw;
pub(crate) mod read;
pub(crate) mod resolve;
pub(crate) mod resolved;
pub(crate) mod rules;
pub mod schema;
pub(crate) mod schema_rules;
pub mod starter;
pub(crate) mod structure;
pub(crate) mod syntax;
pub(crate) mod toml_lines;
pub mod versions_env;

pub use enums::{MacaroonScope, Network, RestartPolicy, Runtime, Supervisor};
pub use error::ManifestError;
pub use fields::LndBinary;
pub use load::{Loaded, load, load_text};
pub use provenance::{Provenance, Source};
pub use resolved::Resolved;
