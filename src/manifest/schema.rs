//! The JSON Schema of signer.toml, generated from the raw types. It is both
//! the checked-in `schemas/signer.schema.json` (for editors, via the
//! `#:schema` line) and the table the structural check walks, so there is no
//! second hand-written description of the format.

use super::raw::Manifest;
use schemars::generate::SchemaSettings;
use schemars::transform::{Transform, transform_subschemas};
use serde_json::Value;
use std::sync::OnceLock;

/// Where the checked-in copy lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "schemas/signer.schema.json";

/// The generated schema (draft 2020-12), built once per process.
pub(crate) fn json_schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let generator = SchemaSettings::draft2020_12()
            .with_transform(NoNull)
            .into_generator();
        generator.into_root_schema_for::<Manifest>().to_value()
    })
}

/// The schema as the text of `schemas/signer.schema.json`.
pub fn schema_text() -> String {
    // Serialising a serde_json::Value cannot fail.
    let mut text = serde_json::to_string_pretty(json_schema()).unwrap_or_default();
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
