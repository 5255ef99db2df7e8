//! `lsm validate`, `lsm init` and the CLI frame, through the real binary.

use crate::manifest_util;

use manifest_util::{Scratch, repo, run};
use serde_json::Value;

const EXAMPLES: &[&str] = &[
    "signer.toml",
    "mainnet-hardened.toml",
    "native.toml",
    "regtest.toml",
];

#[test]
fn every_example_is_valid() {
    let s = Scratch::new();
    for name in EXAMPLES {
        let path = repo(&format!("examples/{name}"));
        let r = run(s.lsm(&["validate", "-f", path.to_str().unwrap()]));
        assert_eq!(r.code, 0, "{name}:\n{}", r.stderr);
        assert!(
            r.stdout.contains(": valid — signer \""),
            "{name}: {}",
            r.stdout
        );
    }
}

/// The two-container setup the README walks through: both halves valid as
/// shipped (testnet, neutrino), each the kind of node it says it is.
#[test]
fn the_two_container_example_is_valid() {
    let s = Scratch::new();
    for (name, kind) in [
        ("signer.toml", "signer"),
        ("watchonly.toml", "watch-only node"),
    ] {
        let path = repo(&format!("examples/two-container/{name}"));
        let r = run(s.lsm(&["validate", "-f", path.to_str().unwrap()]));
        assert_eq!(r.code, 0, "{name}:\n{}", r.stderr);
        assert!(
            r.stdout.contains(&format!(": valid — {kind} \"")),
            "{}",
            r.stdout
        );
        assert!(r.stdout.contains(", testnet, docker"), "{}", r.stdout);
    }
}

#[test]
fn summary_line_names_signer_network_and_image() {
    let s = Scratch::new();
    let path = repo("examples/signer.toml");
    let r = run(s.lsm(&["validate", "-f", path.to_str().unwrap()]));
    let image = lsm::manifest::versions_env::EMBEDDED_TEXT
        .lines()
        .find_map(|l| l.strip_prefix("LND_VERSION="))
        .unwrap();
    assert_eq!(
        r.stdout,
        format!(
            "{}: valid — signer \"litd-signer\", testnet, docker lightninglabs/lnd:{image}\n",
            path.display()
        )
    );
    let quiet = run(s.lsm(&["validate", "-q", "-f", path.to_str().unwrap()]));
    assert_eq!((quiet.code, quiet.stdout.as_str()), (0, ""));
}

#[test]
fn show_gives_every_value_a_source() {
    let s = Scratch::new();
    for name in EXAMPLES {
        let path = repo(&format!("examples/{name}"));
        let r = run(s.lsm(&["validate", "--show", "-f", path.to_str().unwrap()]));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let rows: Vec<&str> = r.stdout.lines().skip(1).collect();
        assert!(rows.len() > 20, "{name}: {}", r.stdout);
        for row in rows {
            let (_, source) = row
                .rsplit_once("  # ")
                .unwrap_or_else(|| panic!("{name}: no source in {row:?}"));
            assert!(
                source == "default"
                    || source == "built-in versions.env"
                    || source.contains(".toml:")
                    || source.contains("versions.env:"),
                "{name}: unexpected source {source:?} in {row:?}"
            );
        }
    }
    // -v shows the same.
    let path = repo("examples/native.toml");
    let r = run(s.lsm(&["validate", "-v", "-f", path.to_str().unwrap()]));
    assert!(r.stdout.contains("native.supervisor"), "{}", r.stdout);
    assert!(r.stdout.contains("\"systemd\""), "{}", r.stdout);
}

fn json(s: &Scratch, file: &str) -> Value {
    let r = run(s.lsm(&["validate", "--json", "-f", file]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).expect("one JSON document")
}

#[test]
fn json_document_and_manifest_hash() {
    let s = Scratch::new();
    s.write("a.toml", "version = 1\n[signer]\nnetwork = \"testnet\"\n");
    // The same signer with every default spelled out, in another order.
    s.write(
        "b.toml",
        "# comment\nversion = 1\n[rest]\nlisten = \"127.0.0.1:10013\"\nenabled = true\n[rpc]\nlisten = \"0.0.0.0:10012\"\n\
         tls_extra_domains = [\"signer\", \"litd-signer\"]\n[signer]\nnetwork = \"testnet\"\nname = \"litd-signer\"\n\
         runtime = \"docker\"\n[macaroon]\nscope = \"signer-only\"\nroot_key_id = 1\n[wallet]\nsecrets_dir = \"~/.lnget/signer\"\n",
    );
    s.write(
        "c.toml",
        "version = 1\n[signer]\nnetwork = \"testnet\"\n[rest]\nlisten = \"127.0.0.1:10014\"\n",
    );
    let a = json(&s, "a.toml");
    let b = json(&s, "b.toml");
    let c = json(&s, "c.toml");
    assert_eq!(a["valid"], true);
    let hash = a["manifest_hash"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        a["manifest_hash"], b["manifest_hash"],
        "equivalent manifests must hash equally"
    );
    assert_ne!(
        a["manifest_hash"], c["manifest_hash"],
        "a changed value must change the hash"
    );
    assert_eq!(a["resolved"]["rpc"]["listen"], "0.0.0.0:10012");
    assert_eq!(a["resolved"]["macaroon"]["permissions"][0], "onchain:write");
    let home = s.path("home");
    assert_eq!(
        a["resolved"]["wallet"]["secrets_dir"],
        home.join(".lnget/signer").to_str().unwrap(),
        "~ expands to HOME"
    );
    assert_eq!(a["sources"]["signer.network"]["kind"], "manifest");
    assert_eq!(a["sources"]["rpc.listen"]["kind"], "default");
    assert_eq!(b["sources"]["rpc.listen"]["kind"], "manifest");
}

#[test]
fn relative_paths_resolve_against_the_manifest_directory() {
    let s = Scratch::new();
    std::fs::create_dir(s.path("conf")).unwrap();
    s.write(
        "conf/signer.toml",
        "version = 1\n[signer]\nnetwork = \"testnet\"\n[bundle]\npath = \"out/bundle\"\n",
    );
    let doc = json(&s, "conf/signer.toml");
    let want = s
        .path("conf/out/bundle")
        .canonicalize()
        .unwrap_or(s.path("conf/out/bundle"));
    let got = std::path::PathBuf::from(doc["resolved"]["bundle"]["path"].as_str().unwrap());
    assert!(got.is_absolute());
    assert_eq!(got.file_name(), want.file_name());
    assert!(got.ends_with("conf/out/bundle"), "{}", got.display());
}

#[test]
fn a_relative_home_is_refused_for_tilde_paths() {
    let s = Scratch::new();
    s.write(
        "signer.toml",
        "version = 1\n[signer]\nnetwork = \"testnet\"\n",
    );
    let mut cmd = s.lsm(&["validate"]);
    cmd.env("HOME", "home");
    let r = run(cmd);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stderr
            .contains("the home directory \"home\" is not an absolute path"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("= key: wallet.secrets_dir"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("set HOME to an absolute path"),
        "{}",
        r.stderr
    );
}

#[test]
fn missing_manifest_points_at_init() {
    let s = Scratch::new();
    let r = run(s.lsm(&["validate"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("signer.toml"), "{}", r.stderr);
    assert!(r.stderr.contains("no such file"), "{}", r.stderr);
    assert!(r.stderr.contains("lsm init"), "{}", r.stderr);
    let r = run(s.lsm(&["validate", "--json", "-f", "nope.toml"]));
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["problems"][0]["file"], "nope.toml");
}

#[test]
fn init_writes_a_valid_manifest_and_never_overwrites() {
    let s = Scratch::new();
    let r = run(s.lsm(&["init"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("wrote signer.toml (testnet, docker)"),
        "{}",
        r.stdout
    );
    let written = std::fs::read_to_string(s.path("signer.toml")).unwrap();
    let r = run(s.lsm(&["validate"]));
    assert_eq!(r.code, 0, "{}", r.stderr);

    s.write("signer.toml", "# mine\n");
    let r = run(s.lsm(&["init", "--network", "mainnet"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(s.path("signer.toml")).unwrap(),
        "# mine\n",
        "init overwrote a manifest"
    );
    assert!(written.contains("network = \"testnet\""));

    let r = run(s.lsm(&[
        "init",
        "--network",
        "mainnet",
        "--runtime",
        "native",
        "-f",
        "native.toml",
        "--json",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["network"], "mainnet");
    assert_eq!(doc["runtime"], "native");
    let r = run(s.lsm(&["validate", "-f", "native.toml"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("mainnet, native lnd"), "{}", r.stdout);

    let r = run(s.lsm(&["init", "-f", "missing-dir/signer.toml"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("cannot create"), "{}", r.stderr);
}

#[test]
fn init_refuses_unknown_choices() {
    let s = Scratch::new();
    let r = run(s.lsm(&["init", "--network", "testnet3"]));
    assert_ne!(r.code, 0);
    assert!(
        r.stderr
            .contains("possible values: mainnet, testnet, testnet4, signet, regtest"),
        "{}",
        r.stderr
    );
    assert!(!s.path("signer.toml").exists());
}

#[test]
fn version_help_and_completions() {
    let s = Scratch::new();
    let r = run(s.lsm(&["--version"]));
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, format!("lsm {}\n", env!("CARGO_PKG_VERSION")));
    let r = run(s.lsm(&["--help"]));
    for needle in [
        "validate",
        "init",
        "completions",
        "--file",
        "--json",
        "--no-color",
        "Exit codes",
    ] {
        assert!(
            r.stdout.contains(needle),
            "--help lacks {needle}:\n{}",
            r.stdout
        );
    }
    // Help text is wrapped to the terminal width: compare word by word.
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let r = run(s.lsm(&["validate", "--help"]));
    let help = words(&r.stdout);
    assert!(
        help.contains("--show") && help.contains("Every problem is reported at once"),
        "{help}"
    );
    let r = run(s.lsm(&["init", "--help"]));
    let help = words(&r.stdout);
    assert!(
        help.contains("never overwritten") && help.contains("--network"),
        "{help}"
    );
    let r = run(s.lsm(&["completions", "bash"]));
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("validate") && r.stdout.contains("init"));
}

#[test]
fn no_colour_codes_when_not_a_terminal() {
    let s = Scratch::new();
    s.write("signer.toml", "version = 9\n");
    let mut cmd = s.lsm(&["validate"]);
    cmd.env_remove("NO_COLOR");
    let r = run(cmd);
    assert_eq!(r.code, 1);
    assert!(!r.stderr.contains('\x1b'), "{:?}", r.stderr);
}

/// Every command that reads the manifest reports its problems in the same
/// structured `problems` array as `lsm validate --json`, not as rendered text.
#[test]
fn every_command_json_carries_the_same_problems_array() {
    let s = Scratch::new();
    s.write(
        "signer.toml",
        "version = 1\n[signer]\nnetwork = \"x\"\n[rpc]\nlisten = 5\n",
    );
    let problems = |args: &[&str]| {
        let r = run(s.lsm(args));
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        let doc: Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not one JSON document ({e}): {}", r.stdout));
        assert!(
            r.stderr.contains("signer.toml: 2 problems"),
            "{args:?}: {}",
            r.stderr
        );
        (doc["problems"].clone(), doc)
    };
    let (want, _) = problems(&["validate", "--json"]);
    assert_eq!(want.as_array().map(Vec::len), Some(2), "{want}");
    for args in [
        &["plan", "--json"][..],
        &["status", "--json"],
        &["apply", "--json", "--auto-approve"],
        &["destroy", "--json", "--auto-approve"],
    ] {
        let (got, doc) = problems(args);
        assert_eq!(got, want, "{args:?}: {doc}");
        assert_eq!(doc["ok"], false, "{args:?}");
        assert_eq!(doc["exit_code"], 1, "{args:?}");
        assert_eq!(doc["error"], "2 problems (see problems)", "{args:?}");
    }
    // A failure with nothing located still has the (empty) array.
    let r = run(s.lsm(&["macaroon", "inspect", "--json", "zz"]));
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["problems"], serde_json::json!([]), "{doc}");
}

/// `lsm init --help` names every key the starter sets (and no fewer).
#[test]
fn init_help_names_every_key_the_starter_sets() {
    use lsm::manifest::{Network, Runtime, starter::starter};
    fn leaves(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
        for (k, v) in t {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::Table(sub) => leaves(&path, sub, out),
                _ => out.push(path),
            }
        }
    }
    let s = Scratch::new();
    let help = run(s.lsm(&["init", "--help"])).stdout;
    for runtime in Runtime::ALL {
        let table: toml::Table = toml::from_str(&starter(Network::Testnet, *runtime)).unwrap();
        let mut set = Vec::new();
        leaves("", &table, &mut set);
        for key in set.iter().filter(|k| *k != "version") {
            assert!(
                help.contains(key.as_str()),
                "`lsm init --help` does not name {key}:\n{help}"
            );
        }
    }
}
