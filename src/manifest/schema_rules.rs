//! The manifest's rules across keys, written into the JSON Schema as
//! `if`/`then` so editors flag what `lsm validate` refuses: `[docker]` only
//! with `runtime = "docker"`, `[neutrino]`/`[bitcoind]` only with that
//! backend, `rest.listen` only with REST enabled, `macaroon.permissions`
//! only (and then at least one) with `scope = "custom"`; plus the bind
//! format. Built from the same enums, defaults and table types the resolver
//! uses, and attached to the raw types with `#[schemars(transform = ...)]`.
//!
//! The structural check does not walk these keywords: the resolver checks
//! the same rules with precise messages, and `tests/it/manifest_schema.rs`
//! keeps both in agreement manifest by manifest.

use super::defaults;
use super::enums::{ChainBackend, MacaroonScope, Network, Runtime};
use super::raw::BitcoindTable;
use super::raw::watchonly::BtcdTable;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Value, json};

/// An IPv4 address without leading zeros (what `Ipv4Addr::from_str` reads).
const IPV4: &str = "(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
/// One 16-bit group of an IPv6 address.
const HEX: &str = "[0-9a-fA-F]{1,4}";
/// A port from 1 to 65535, without leading zeros.
const PORT: &str =
    "(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";

/// Regex (JSON Schema dialect) for a listener bind: `IPv4:port` or
/// `[IPv6]:port`, port 1–65535, as `fields::bind` accepts it.
pub(crate) fn bind_pattern() -> String {
    format!("^(?:{IPV4}|\\[{}\\]):{PORT}$", ipv6_pattern())
}

/// Every textual IPv6 form: eight groups, or `::` standing for one or more
/// zero groups with `left` groups before it and up to `7 - left` after, and
/// the same with the last 32 bits written as IPv4.
fn ipv6_pattern() -> String {
    let groups = |n: usize| match n {
        0 => String::new(),
        n => format!("{HEX}(?::{HEX}){{{}}}", n - 1),
    };
    let mut forms = vec![
        format!("(?:{HEX}:){{7}}{HEX}"),
        format!("(?:{HEX}:){{6}}{IPV4}"),
    ];
    for left in 0..=7usize {
        let right = match 7 - left {
            0 => String::new(),
            max => format!("(?:{HEX}(?::{HEX}){{0,{}}})?", max - 1),
        };
        forms.push(format!("{}::{right}", groups(left)));
        if left <= 5 {
            forms.push(format!(
                "{}::(?:{HEX}:){{0,{}}}{IPV4}",
                groups(left),
                5 - left
            ));
        }
    }
    format!("(?:{})", forms.join("|"))
}

/// `<node>.<key>` is `value` (an absent key counts as its `default`);
/// `node` is the manifest's top table, `signer` or `watchonly`.
fn node_is(node: &str, key: &str, value: &str, default: Option<&str>) -> Value {
    let mut table = json!({ "properties": { key: { "const": value } } });
    if default != Some(value) {
        table["required"] = json!([key]);
        return json!({ "required": [node], "properties": { node: table } });
    }
    json!({ "properties": { node: table } })
}

/// Appends rules to a schema's `allOf`.
fn push_rules(schema: &mut Schema, rules: impl IntoIterator<Item = Value>) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    let all = obj.entry("allOf").or_insert_with(|| json!([]));
    if let Some(all) = all.as_array_mut() {
        all.extend(rules);
    }
}

/// Top-level rules of signer.toml (see [`node_rules`]).
pub(crate) fn manifest_rules(schema: &mut Schema) {
    node_rules(schema, "signer", defaults::CHAIN_BACKEND);
}

/// Top-level rules of watchonly.toml (see [`node_rules`]).
pub(crate) fn watchonly_rules(schema: &mut Schema) {
    node_rules(schema, "watchonly", defaults::watchonly::CHAIN_BACKEND);
}

/// Top-level rules: each runtime or backend table only with its selector,
/// a selected `[bitcoind]` or `[btcd]` complete, neutrino on mainnet with a
/// fee URL.
fn node_rules(schema: &mut Schema, node: &str, backend_default: ChainBackend) {
    let tables: Vec<String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let has_table = |name: &str| tables.iter().any(|t| t == name);
    let mut rules = Vec::new();
    let runtime_default = defaults::RUNTIME.as_str();
    for runtime in Runtime::ALL.iter().map(|r| r.as_str()) {
        if has_table(runtime) {
            rules.push(json!({
                "if": { "required": [runtime] },
                "then": node_is(node, "runtime", runtime, Some(runtime_default)),
            }));
        }
    }
    let backend_default = backend_default.as_str();
    for backend in ChainBackend::ALL.iter().map(|b| b.as_str()) {
        if has_table(backend) {
            rules.push(json!({
                "if": { "required": [backend] },
                "then": node_is(node, "chain_backend", backend, Some(backend_default)),
            }));
        }
    }
    let complete = [
        (ChainBackend::Bitcoind, table_keys::<BitcoindTable>()),
        (ChainBackend::Btcd, table_keys::<BtcdTable>()),
    ];
    for (backend, keys) in complete {
        let backend = backend.as_str();
        if has_table(backend) {
            rules.push(json!({
                "if": node_is(node, "chain_backend", backend, Some(backend_default)),
                "then": {
                    "required": [backend],
                    "properties": { backend: { "required": keys } },
                },
            }));
        }
    }
    let neutrino = ChainBackend::Neutrino.as_str();
    let mainnet_neutrino = json!({ "allOf": [
        node_is(node, "chain_backend", neutrino, Some(backend_default)),
        node_is(node, "network", Network::Mainnet.as_str(), None),
    ] });
    rules.push(json!({
        "if": mainnet_neutrino,
        "then": {
            "required": [neutrino],
            "properties": { neutrino: { "required": ["fee_url"] } },
        },
    }));
    push_rules(schema, rules);
}

/// The keys of a table type, as its schema lists them.
fn table_keys<T: schemars::JsonSchema>() -> Vec<String> {
    SchemaGenerator::default()
        .into_root_schema_for::<T>()
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// `[rest]`: `listen` only while REST is enabled.
pub(crate) fn rest_rules(schema: &mut Schema) {
    push_rules(
        schema,
        [json!({
            "if": { "required": ["enabled"], "properties": { "enabled": { "const": false } } },
            "then": { "not": { "required": ["listen"] } },
        })],
    );
}

/// `[macaroon]`: `permissions` only with `scope = "custom"`, and then at
/// least one.
pub(crate) fn macaroon_rules(schema: &mut Schema) {
    let custom = MacaroonScope::Custom.as_str();
    let default = defaults::MACAROON_SCOPE.as_str();
    let is_custom = if custom == default {
        json!({ "properties": { "scope": { "const": custom } } })
    } else {
        json!({ "required": ["scope"], "properties": { "scope": { "const": custom } } })
    };
    push_rules(
        schema,
        [json!({
            "if": is_custom,
            "then": {
                "required": ["permissions"],
                "properties": { "permissions": { "minItems": 1 } },
            },
            "else": { "not": { "required": ["permissions"] } },
        })],
    );
}
