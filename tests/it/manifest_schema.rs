//! schemas/signer.schema.json: generated from the Rust types, checked in for
//! editors, kept fresh by this test, and as strict as the loader where JSON
//! Schema can express it (checked with an independent validator, boon).

#![allow(clippy::too_many_lines)] // test code: exempt (see Cargo.toml)

use lsm::manifest::{fields, load_text, schema};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn checked_in_schemas_are_fresh() {
    for kind in schema::Kind::ALL {
        let path = repo(kind.schema_path());
        let want = schema::schema_text(*kind);
        if std::env::var_os("LSM_UPDATE_SCHEMAS").is_some() {
            std::fs::write(&path, &want).expect("write schema");
            continue;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale; regenerate it with:\n  LSM_UPDATE_SCHEMAS=1 cargo test --test it manifest_schema::",
            kind.schema_path()
        );
    }
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
        let mut doc = with("/macaroon/permissions", json!([p]));
        doc["macaroon"]["scope"] = json!("custom");
        assert_eq!(
            v.valid(&doc),
            fields::permission(p).is_ok(),
            "permission {p:?}: schema and loader disagree"
        );
    }
}

/// The rules across keys (and the formats JSON Schema can state): every
/// manifest lsm refuses here, the schema refuses too, and each nearby valid
/// manifest both accept.
#[test]
fn schema_rejects_what_the_cross_key_rules_reject() {
    let v = Validator::new();
    let base = "version = 1\n[signer]\nnetwork = \"testnet\"\n";
    let bitcoind = "[bitcoind]\nrpchost = \"b:1\"\nrpcuser = \"u\"\nrpcpass_file = \"/p\"\nzmqpubrawblock = \"tcp://b:2\"\nzmqpubrawtx = \"tcp://b:3\"\n";
    let rejected: Vec<(&str, String)> = vec![
        (
            "[docker] with runtime = native",
            format!("{base}runtime = \"native\"\n[docker]\nrestart = \"no\"\n"),
        ),
        (
            "[native] with runtime = docker",
            format!("{base}runtime = \"docker\"\n[native]\n"),
        ),
        (
            "[native] with the default runtime",
            format!("{base}[native]\nsupervisor = \"process\"\n"),
        ),
        (
            "[neutrino] with the default backend",
            format!("{base}[neutrino]\npeers = []\n"),
        ),
        (
            "[bitcoind] with chain_backend = neutrino",
            format!("{base}chain_backend = \"neutrino\"\n{bitcoind}"),
        ),
        (
            "chain_backend = bitcoind without [bitcoind]",
            format!("{base}chain_backend = \"bitcoind\"\n"),
        ),
        (
            "[bitcoind] without zmqpubrawtx",
            format!(
                "{base}chain_backend = \"bitcoind\"\n{}",
                bitcoind.replace("zmqpubrawtx = \"tcp://b:3\"\n", "")
            ),
        ),
        (
            "neutrino on mainnet without fee_url",
            "version = 1\n[signer]\nnetwork = \"mainnet\"\nchain_backend = \"neutrino\"\n"
                .to_string(),
        ),
        (
            "rest.listen with REST disabled",
            format!("{base}[rest]\nenabled = false\nlisten = \"127.0.0.1:1\"\n"),
        ),
        (
            "permissions with the default scope",
            format!("{base}[macaroon]\npermissions = [\"signer:read\"]\n"),
        ),
        (
            "permissions with scope = admin",
            format!("{base}[macaroon]\nscope = \"admin\"\npermissions = [\"signer:read\"]\n"),
        ),
        (
            "scope = custom without permissions",
            format!("{base}[macaroon]\nscope = \"custom\"\n"),
        ),
        (
            "scope = custom with no permission",
            format!("{base}[macaroon]\nscope = \"custom\"\npermissions = []\n"),
        ),
        (
            "a permission twice",
            format!(
                "{base}[macaroon]\nscope = \"custom\"\npermissions = [\"signer:read\", \"signer:read\"]\n"
            ),
        ),
        (
            "a TLS IP twice",
            format!("{base}[rpc]\ntls_extra_ips = [\"10.0.0.1\", \"10.0.0.1\"]\n"),
        ),
        (
            "a TLS domain twice",
            format!("{base}[rpc]\ntls_extra_domains = [\"a\", \"a\"]\n"),
        ),
        (
            "host name bind",
            format!("{base}[rpc]\nlisten = \"localhost:10012\"\n"),
        ),
        ("port 0", format!("{base}[rpc]\nlisten = \"0.0.0.0:0\"\n")),
        (
            "port 70000",
            format!("{base}[rest]\nlisten = \"127.0.0.1:70000\"\n"),
        ),
        (
            "IPv6 without brackets",
            format!("{base}[rpc]\nlisten = \"::1:10012\"\n"),
        ),
        ("no port", format!("{base}[rpc]\nlisten = \"0.0.0.0\"\n")),
        (
            "host networking",
            format!("{base}[docker]\nnetwork = \"host\"\n"),
        ),
        (
            "no networking",
            format!("{base}[docker]\nnetwork = \"none\"\n"),
        ),
        (
            "another container's network",
            format!("{base}[docker]\nnetwork = \"container:lnd\"\n"),
        ),
    ];
    let accepted: Vec<(&str, String)> = vec![
        ("[native] with runtime = native", format!("{base}runtime = \"native\"\n[native]\n")),
        ("[docker] with the default runtime", format!("{base}[docker]\nnetwork = \"signer-net\"\n")),
        ("a complete [bitcoind]", format!("{base}chain_backend = \"bitcoind\"\n{bitcoind}")),
        ("neutrino off mainnet without fee_url", format!("{base}chain_backend = \"neutrino\"\n")),
        ("neutrino on mainnet with fee_url", "version = 1\n[signer]\nnetwork = \"mainnet\"\nchain_backend = \"neutrino\"\n[neutrino]\nfee_url = \"https://f.example/fees\"\n".to_string()),
        ("REST disabled without listen", format!("{base}[rest]\nenabled = false\n")),
        ("custom scope with permissions", format!("{base}[macaroon]\nscope = \"custom\"\npermissions = [\"signer:read\", \"uri:/lnrpc.Lightning/GetInfo\"]\n")),
        ("IPv6 binds", format!("{base}[rpc]\nlisten = \"[::]:10012\"\n[rest]\nlisten = \"[::1]:10013\"\n")),
    ];
    let lsm_accepts = |text: &str| {
        load_text(
            Path::new("/nonexistent-lsm-test/signer.toml"),
            text.to_string(),
            Some(Path::new("/home/op")),
        )
        .is_ok()
    };
    let mut wrong = Vec::new();
    for (what, text) in &rejected {
        if lsm_accepts(text) {
            wrong.push(format!("lsm accepts {what}"));
        }
        if v.valid(&toml_json(text)) {
            wrong.push(format!("the schema accepts {what}"));
        }
    }
    for (what, text) in &accepted {
        if !lsm_accepts(text) {
            wrong.push(format!("lsm refuses {what}"));
        }
        if !v.valid(&toml_json(text)) {
            wrong.push(format!("the schema refuses {what}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// IPv6 text around every boundary: `left` groups, then `::` (or not),
/// then `right` groups, then maybe an IPv4 tail; valid or not, the
/// loader and the schema must agree.
fn ipv6_strategy() -> impl Strategy<Value = String> {
    let group = prop_oneof![
        4 => "[0-9a-f]{1,4}",
        2 => "[0-9A-F]{1,4}",
        2 => Just("0".to_string()),
        1 => Just("00001".to_string()),
        1 => Just("g".to_string()),
    ];
    (
        prop::collection::vec(group.clone(), 0..=7),
        prop::collection::vec(group, 0..=7),
        any::<bool>(),
        prop_oneof![
            3 => Just(None),
            1 => Just(Some("1.2.3.4".to_string())),
            1 => Just(Some("256.0.0.1".to_string())),
        ],
    )
        .prop_map(|(left, right, compressed, v4)| {
            let mut right = right;
            right.extend(v4);
            if compressed {
                format!("{}::{}", left.join(":"), right.join(":"))
            } else {
                [left, right].concat().join(":")
            }
        })
}

/// Pieces of plausible and broken binds.
fn bind_strategy() -> impl Strategy<Value = String> {
    let host = prop_oneof![
        Just("0.0.0.0".to_string()),
        Just("127.0.0.1".to_string()),
        Just("255.255.255.255".to_string()),
        Just("256.1.1.1".to_string()),
        Just("01.2.3.4".to_string()),
        Just("1.2.3".to_string()),
        Just("localhost".to_string()),
        Just("".to_string()),
        (0u8..=255, 0u8..=255, 0u8..=255, 0u8..=255)
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        ipv6_strategy().prop_map(|a| format!("[{a}]")),
        Just("[::1%2]".to_string()),
        Just("::1".to_string()),
    ];
    let port = prop_oneof![
        (0u32..70000).prop_map(|p| p.to_string()),
        Just("010012".to_string()),
        Just("65535".to_string()),
        Just("65536".to_string()),
        Just("".to_string()),
        Just("+1".to_string()),
    ];
    (host, port, any::<bool>()).prop_map(|(h, p, colon)| {
        if colon {
            format!("{h}:{p}")
        } else {
            format!("{h}{p}")
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    /// The schema's bind pattern and `fields::bind` agree on every string.
    #[test]
    fn bind_pattern_agrees_with_the_loader(bind in bind_strategy()) {
        static VALIDATOR: std::sync::OnceLock<Validator> = std::sync::OnceLock::new();
        let v = VALIDATOR.get_or_init(Validator::new);
        let doc = with("/rpc/listen", json!(bind));
        prop_assert_eq!(v.valid(&doc), fields::bind(&bind).is_ok(), "{}", bind);
    }

    /// The same for IPv6 binds alone, so the rarer forms (`::` at either
    /// end, an IPv4 tail) are reached often.
    #[test]
    fn ipv6_bind_pattern_agrees_with_the_loader(
        address in ipv6_strategy(),
        port in prop_oneof![4 => "[1-9][0-9]{0,4}", 1 => Just("0".to_string())],
    ) {
        static VALIDATOR: std::sync::OnceLock<Validator> = std::sync::OnceLock::new();
        let v = VALIDATOR.get_or_init(Validator::new);
        let bind = format!("[{address}]:{port}");
        let doc = with("/rest/listen", json!(bind));
        prop_assert_eq!(v.valid(&doc), fields::bind(&bind).is_ok(), "{}", bind);
    }
}
