//! The JSON Schemas of signer.toml and watchonly.toml, generated from the
//! raw types. Each is both the checked-in file under `schemas/` (for
//! editors, via the `#:schema` line) and the table the structural check
//! walks, so there is no second hand-written description of a format.

use super::raw::Manifest;
use super::raw::watchonly::WatchOnlyManifest;
use schemars::generate::SchemaSettings;
use schemars::transform::{Transform, transform_subschemas};
use serde_json::Value;
use std::sync::OnceLock;
use toml::de::DeTable;

/// Which kind of node a manifest declares, told by its top table.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `[signer]`: an lnd remote signer (signer.toml).
    #[default]
    Signer,
    /// `[watchonly]`: a watch-only node that signs through a signer's bundle
    /// (watchonly.toml).
    WatchOnly,
}

impl Kind {
    /// Every kind, in documentation order.
    pub const ALL: &'static [Kind] = &[Kind::Signer, Kind::WatchOnly];

    /// The kind a parsed manifest declares: `[watchonly]` without
    /// `[signer]` is a watch-only node; anything else is read as a signer
    /// (so a manifest with neither gets signer.toml's errors, as before).
    pub(crate) fn of(root: &DeTable<'_>) -> Kind {
        if root.contains_key("watchonly") && !root.contains_key("signer") {
            Kind::WatchOnly
        } else {
            Kind::Signer
        }
    }

    /// Whether this is a signer (plans of a signer omit their kind, as
    /// plans made before watch-only nodes existed did).
    pub fn is_signer(&self) -> bool {
        *self == Kind::Signer
    }

    /// What the node is called in messages: `signer`, `watch-only node`.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Signer => "signer",
            Kind::WatchOnly => "watch-only node",
        }
    }

    /// The manifest's top table, which names the node.
    pub fn node_table(self) -> &'static str {
        match self {
            Kind::Signer => "signer",
            Kind::WatchOnly => "watchonly",
        }
    }

    /// The conventional file name (`signer.toml`, `watchonly.toml`).
    pub fn file_name(self) -> &'static str {
        match self {
            Kind::Signer => "signer.toml",
            Kind::WatchOnly => "watchonly.toml",
        }
    }

    /// Where the checked-in schema lives, relative to the repository root.
    pub fn schema_path(self) -> &'static str {
        match self {
            Kind::Signer => SCHEMA_PATH,
            Kind::WatchOnly => "schemas/watchonly.schema.json",
        }
    }
}

/// Where signer.toml's checked-in schema lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "schemas/signer.schema.json";

/// The generated schema of `kind` (draft 2020-12), built once per process.
pub(crate) fn json_schema(kind: Kind) -> &'static Value {
    static SIGNER: OnceLock<Value> = OnceLock::new();
    static WATCHONLY: OnceLock<Value> = OnceLock::new();
    let generator = || {
        SchemaSettings::draft2020_12()
            .with_transform(NoNull)
            .into_generator()
    };
    match kind {
        Kind::Signer => {
            SIGNER.get_or_init(|| generator().into_root_schema_for::<Manifest>().to_value())
        }
        Kind::WatchOnly => WATCHONLY.get_or_init(|| {
            generator()
                .into_root_schema_for::<WatchOnlyManifest>()
                .to_value()
        }),
    }
}

/// The schema as the text of its checked-in file.
pub fn schema_text(kind: Kind) -> String {
    // Serialising a serde_json::Value cannot fail.
    let mut text = serde_json::to_string_pretty(json_schema(kind)).unwrap_or_default();
    text.push('\n');
    text
}

/// TOML has no null, so `Option<T>` means "may be absent", never "may be
/// null": drop schemars' null alternatives to keep the schema strict.
#[derive(Debug, Clone)]
struct NoNull;

impl Transform for NoNull {
    fn transform(&mut self, schema: &mut schemars::Schema) {
        transform_subschemas(self, schema);
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        if let Some(Value::Array(types)) = obj.get_mut("type") {
            types.retain(|t| t != "null");
            if types.len() == 1 {
                let only = types.remove(0);
                obj.insert("type".into(), only);
            }
        }
        if let Some(Value::Array(any)) = obj.get_mut("anyOf") {
            any.retain(|s| s.get("type").is_none_or(|t| t != "null"));
            if any.len() == 1
                && let Some(Value::Object(only)) = any.pop()
            {
                obj.remove("anyOf");
                for (k, v) in only {
                    obj.entry(k).or_insert(v);
                }
            }
        }
        if let Some(Value::Array(values)) = obj.get_mut("enum") {
            values.retain(|v| !v.is_null());
        }
    }
}
