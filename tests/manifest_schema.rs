//! schemas/signer.schema.json: generated from the Rust types, checked in for
//! editors, kept fresh by this test, and as strict as the loader where JSON
//! Schema can express it (checked with an independent validator, boon).

use lsm::manifest::{fields, schema};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn checked_in_schema_is_fresh() {
    let path = repo(schema::SCHEMA_PATH);
    let want = schema::schema_text();
    if std::env::var_os("LSM_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &want).expect("write schema");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is stale; regenerate it with:\n  LSM_UPDATE_SCHEMAS=1 cargo test --test manifest_schema",
        schema::SCHEMA_PATH
    );
}

struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl Validator {
    fn new() -> Self {
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        let text = std::fs::read_to_string(repo(schema::SCHEMA_PATH)).expect("schema file");
        let value: Value = serde_json::from_str(&text).expect("schema is JSON");
        compiler
            .add_resource("signer.schema.json", value)
            .expect("add schema");
        let index = compiler
            .compile("signer.schema.json", &mut schemas)
            .expect("schema compiles");
        Validator { schemas, index }
    }

    fn valid(&self, doc: &Value) -> bool {
        self.schemas.validate(doc, self.index).is_ok()
    }
}

/// TOML → the JSON document an editor's schema validator sees.
fn toml_json(text: &str) -> Value {
    let table: toml::Table = toml::from_str(text).expect("valid TOML");
    serde_json::to_value(table).expect("TOML converts to JSON")
}

#[test]
fn every_example_satisfies_the_schema_and_points_at_it() {
    let v = Validator::new();
    let mut count = 0;
    for entry in std::fs::read_dir(repo("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.lines().next(),
            Some("#:schema ../schemas/signer.schema.json"),
            "{} must start with the #:schema line",
            path.display()
        );
        let doc = toml_json(&text);
        if let Err(e) = v.schemas.validate(&doc, v.index) {
            panic!("{} fails the schema: {e}", path.display());
        }
        count += 1;
    }
    assert!(count >= 4, "expected the four examples, found {count}");
}

fn minimal() -> Value {
    json!({"version": 1, "signer": {"network": "testnet"}})
}

fn with(pointer: &str, value: Value) -> Value {
    let mut doc = minimal();
    let mut target = &mut doc;
    let parts: Vec<&str> = pointer.split('/').filter(|p| !p.is_empty()).collect();
    for (i, part) in parts.iter().enumerate() {
        if i == parts.len() - 1 {
            target[*part] = value.clone();
        } else {
            if target.get(*part).is_none() {
                target[*part] = json!({});
            }
            target = &mut target[*part];
        }
    }
    doc
}

#[test]
fn schema_rejects_what_the_types_reject() {
    let v = Validator::new();
    assert!(v.valid(&minimal()));
    let bad = [
        ("unknown top-level key", with("/sigenr", json!(1))),
        (
            "unknown nested key",
            with("/rpc/listne", json!("0.0.0.0:1")),
        ),
        ("version 2", with("/version", json!(2))),
        ("version as string", with("/version", json!("1"))),
        ("bad network", with("/signer/network", json!("testnt"))),
        ("bad runtime", with("/signer/runtime", json!("podman"))),
        ("bad scope", with("/macaroon/scope", json!("everything"))),
        ("bad restart", with("/docker/restart", json!("sometimes"))),
        ("wrong type bool", with("/rest/enabled", json!("yes"))),
        ("wrong type table", with("/rpc", json!("0.0.0.0:1"))),
        ("root key 0", with("/macaroon/root_key_id", json!(0))),
        (
            "negative root key",
            with("/macaroon/root_key_id", json!(-1)),
        ),
        (
            "alias too long",
            with("/signer/alias", json!("x".repeat(33))),
        ),
        ("bad name pattern", with("/signer/name", json!("-x"))),
        ("bad digest", with("/docker/digest", json!("sha256:abc"))),
        (
            "bad pubkey",
            with(
                "/wallet/expected_identity_pubkey",
                json!("04".to_string() + &"0".repeat(64)),
            ),
        ),
        (
            "bad permission",
            with("/macaroon/permissions", json!(["wallet:read"])),
        ),
        (
            "float in extra_config",
            with("/signer/extra_config/x", json!(1.5)),
        ),
        ("null is not absent", with("/docker/digest", Value::Null)),
    ];
    let mut missing_version = minimal();
    missing_version.as_object_mut().unwrap().remove("version");
    let mut missing_network = minimal();
    missing_network["signer"]
        .as_object_mut()
        .unwrap()
        .remove("network");
    for (what, doc) in bad.into_iter().chain([
        ("missing version", missing_version),
        ("missing network", missing_network),
    ]) {
        assert!(!v.valid(&doc), "the schema accepts {what}: {doc}");
    }
}

/// The schema's patterns and the loader's precise checks must agree, value
/// by value, or editors and lsm would disagree about a manifest.
#[test]
fn schema_patterns_agree_with_the_loader() {
    let v = Validator::new();
    let hex64 = "ab".repeat(32);
    type LoaderCheck = fn(&str) -> bool;
    let cases: Vec<(&str, Vec<String>, LoaderCheck)> = vec![
        (
            "/signer/name",
            [
                "litd-signer",
                "a",
                "A.b_c-1",
                "-a",
                "_a",
                "a b",
                "a/b",
                "ä",
                "",
            ]
            .map(String::from)
            .to_vec(),
            |s| fields::name(s).is_ok() && !s.is_empty() && s.chars().count() <= 63,
        ),
        (
            "/docker/digest",
            vec![
                format!("sha256:{hex64}"),
                format!("sha256:{}", hex64.to_uppercase()),
                "sha256:ab".into(),
                format!("sha512:{hex64}"),
                format!("{hex64}"),
            ],
            |s| fields::digest(s).is_ok(),
        ),
        (
            "/wallet/expected_identity_pubkey",
            vec![
                format!("02{hex64}"),
                format!("03{}", hex64.to_uppercase()),
                format!("04{hex64}"),
                format!("02{hex64}00"),
                "02zz".into(),
            ],
            |s| fields::pubkey(s).is_ok(),
        ),
        (
            "/docker/version",
            ["v0.20.0-beta", "_x", "-x", ".x", "a b", "latest"]
                .map(String::from)
                .to_vec(),
            |s| fields::tag(s).is_ok(),
        ),
        (
            "/docker/volume",
            ["ab", "a", "litd-signer-data", "-ab", "a b"]
                .map(String::from)
                .to_vec(),
            |s| fields::docker_object_name(s).is_ok(),
        ),
    ];
    for (pointer, values, loader_ok) in cases {
        for value in values {
            let schema_ok = v.valid(&with(pointer, json!(value)));
            assert_eq!(
                schema_ok,
                loader_ok(&value),
                "{pointer} = {value:?}: schema and loader disagree"
            );
        }
    }
    let perms = [
        "signer:generate",
        "uri:/lnrpc.Lightning/GetInfo",
        "uri:/walletrpc.WalletKit/ListAccounts",
        "uri:GetInfo",
        "uri:/Lightning/GetInfo",
        "wallet:read",
        "signer:sign",
        "signer",
        "uri:",
    ];
    for p in perms {
        let doc = with("/macaroon/permissions", json!([p]));
        assert_eq!(
            v.valid(&doc),
            fields::permission(p).is_ok(),
            "permission {p:?}: schema and loader disagree"
        );
    }
}
