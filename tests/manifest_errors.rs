//! Bad manifests, each run through the real binary: exit 1, the exact
//! file:line:col, the key, the named problem, and exactly one problem (so a
//! single mistake never produces follow-on noise).

#![allow(clippy::too_many_lines)] // test code: exempt (see Cargo.toml)

mod manifest_util;

use manifest_util::{locate, validate};

const BASE: &str = "version = 1\n[signer]\nnetwork = \"testnet\"\n";

struct Case {
    /// What is wrong (the test's name in failure messages).
    what: &'static str,
    toml: String,
    /// The text the location must point at (its first occurrence), or an
    /// explicit `@line:col`.
    at: &'static str,
    /// Expected `= key:` line, if any.
    key: Option<&'static str>,
    /// Fragment of the error message.
    message: &'static str,
    /// Fragment of the help line.
    help: &'static str,
}

fn case(
    what: &'static str,
    toml: impl Into<String>,
    at: &'static str,
    key: Option<&'static str>,
    message: &'static str,
    help: &'static str,
) -> Case {
    Case {
        what,
        toml: toml.into(),
        at,
        key,
        message,
        help,
    }
}

fn base(extra: &str) -> String {
    format!("{BASE}{extra}")
}

fn cases() -> Vec<Case> {
    let hex64 = "ab".repeat(32);
    vec![
        // --- format version and required keys
        case(
            "version 2",
            BASE.replace("version = 1", "version = 2"),
            "2",
            Some("version"),
            "`version` must be 1, not an integer (2)",
            "must be 1",
        ),
        case(
            "version as a string",
            BASE.replace("version = 1", "version = \"1\""),
            "\"1\"",
            Some("version"),
            "`version` must be 1, not \"1\"",
            "",
        ),
        case(
            "missing version",
            "[signer]\nnetwork = \"testnet\"\n",
            "[signer]",
            Some("version"),
            "missing required key `version` in the top level",
            "add version = 1",
        ),
        case(
            "missing [signer]",
            "version = 1\n",
            "version",
            Some("signer"),
            "missing required table [signer]",
            "add a [signer] table",
        ),
        case(
            "missing network",
            "version = 1\n[signer]\nname = \"x\"\n",
            "[signer]",
            Some("signer.network"),
            "missing required key `network` in [signer]",
            "add network = \"mainnet\"",
        ),
        // --- unknown keys and tables
        case(
            "misspelled key",
            base("nmae = \"x\"\n"),
            "nmae",
            Some("signer.nmae"),
            "unknown key `nmae` in [signer]",
            "did you mean `name`?",
        ),
        case(
            "misspelled table",
            base("[dockr]\n"),
            "dockr",
            Some("dockr"),
            "unknown table [dockr]",
            "did you mean `docker`?",
        ),
        case(
            "key in the wrong table",
            base("[wallet]\nlisten = \"0.0.0.0:1\"\n"),
            "listen",
            Some("wallet.listen"),
            "unknown key `listen` in [wallet]",
            "belongs in [rest] or [rpc]",
        ),
        // --- types, enums, ranges, lengths
        case(
            "name is a number",
            base("name = 5\n"),
            "5\n",
            Some("signer.name"),
            "`signer.name` must be a string, not an integer (5)",
            "for example: name = \"litd-signer\"",
        ),
        case(
            "bad network",
            BASE.replace("\"testnet\"", "\"testnt\""),
            "\"testnt\"",
            Some("signer.network"),
            "`signer.network` has an unknown value \"testnt\"",
            "did you mean \"testnet\"?",
        ),
        case(
            "bad runtime",
            base("runtime = \"podman\"\n"),
            "\"podman\"",
            Some("signer.runtime"),
            "unknown value \"podman\"",
            "use one of \"docker\", \"native\"",
        ),
        case(
            "bad restart policy",
            base("[docker]\nrestart = \"sometimes\"\n"),
            "\"sometimes\"",
            Some("docker.restart"),
            "unknown value \"sometimes\"",
            "\"unless-stopped\"",
        ),
        case(
            "rest.enabled as string",
            base("[rest]\nenabled = \"yes\"\n"),
            "\"yes\"",
            Some("rest.enabled"),
            "must be a boolean (true or false), not \"yes\"",
            "",
        ),
        case(
            "table given as a string",
            "version = 1\nrpc = \"0.0.0.0:1\"\n[signer]\nnetwork = \"testnet\"\n",
            "\"0.0.0.0:1\"",
            Some("rpc"),
            "`rpc` must be a table, not \"0.0.0.0:1\"",
            "[rpc]",
        ),
        case(
            "a date where a string belongs",
            base("alias = 1979-05-27\n"),
            "1979-05-27",
            Some("signer.alias"),
            "must be a string, not a date-time",
            "",
        ),
        case(
            "root key id 0",
            base("[macaroon]\nroot_key_id = 0\n"),
            "0\n",
            Some("macaroon.root_key_id"),
            "must be at least 1, not 0",
            "undeletable default key",
        ),
        case(
            "root key id as string",
            base("[macaroon]\nroot_key_id = \"7\"\n"),
            "\"7\"",
            Some("macaroon.root_key_id"),
            "must be an integer, not \"7\"",
            "",
        ),
        case(
            "name too long",
            base(&format!("name = \"{}\"\n", "a".repeat(64))),
            "\"aaaa",
            Some("signer.name"),
            "is too long: 64 characters, at most 63",
            "",
        ),
        // --- string formats
        case(
            "bad name",
            base("name = \"-bad\"\n"),
            "\"-bad\"",
            Some("signer.name"),
            "\"-bad\" is not a valid name",
            "start with a letter or digit",
        ),
        case(
            "alias over 32 bytes",
            base(&format!("alias = \"{}\"\n", "ä".repeat(17))),
            "\"ää",
            Some("signer.alias"),
            "is 34 bytes long; lnd allows at most 32",
            "",
        ),
        case(
            "image with a tag",
            base("[docker]\nimage = \"lightninglabs/lnd:v0.20.0-beta\"\n"),
            "\"lightninglabs",
            Some("docker.image"),
            "includes a tag",
            "docker.version = \"v0.20.0-beta\"",
        ),
        case(
            "short digest",
            base("[docker]\ndigest = \"sha256:abc\"\n"),
            "\"sha256:abc\"",
            Some("docker.digest"),
            "is not an image digest",
            "64 hex",
        ),
        case(
            "uppercase digest",
            base(&format!(
                "[docker]\ndigest = \"sha256:{}\"\n",
                hex64.to_uppercase()
            )),
            "\"sha256:",
            Some("docker.digest"),
            "has uppercase hex digits",
            "lowercase",
        ),
        case(
            "one-character volume",
            base("[docker]\nvolume = \"a\"\n"),
            "\"a\"",
            Some("docker.volume"),
            "is too short",
            "at least two",
        ),
        case(
            "docker host scheme",
            base("[docker]\nhost = \"ftp://x\"\n"),
            "\"ftp://x\"",
            Some("docker.host"),
            "unsupported scheme \"ftp\"",
            "unix://",
        ),
        case(
            "listen on a host name",
            base("[rpc]\nlisten = \"localhost:10012\"\n"),
            "\"localhost:10012\"",
            Some("rpc.listen"),
            "uses a host name",
            "use an IP address",
        ),
        case(
            "port out of range",
            base("[rpc]\nlisten = \"0.0.0.0:70000\"\n"),
            "\"0.0.0.0:70000\"",
            Some("rpc.listen"),
            "port 70000",
            "1 to 65535",
        ),
        case(
            "port 0",
            base("[rest]\nlisten = \"127.0.0.1:0\"\n"),
            "\"127.0.0.1:0\"",
            Some("rest.listen"),
            "has port 0",
            "",
        ),
        case(
            "IPv6 without brackets",
            base("[rpc]\nlisten = \"::1:10012\"\n"),
            "\"::1:10012\"",
            Some("rpc.listen"),
            "IPv6 address without brackets",
            "[::]:10012",
        ),
        case(
            "host name as TLS IP",
            base("[rpc]\ntls_extra_ips = [\"10.0.0.1\", \"signer\"]\n"),
            "\"signer\"]",
            Some("rpc.tls_extra_ips[1]"),
            "is a host name, not an IP address",
            "tls_extra_domains",
        ),
        case(
            "IP as TLS domain",
            base("[rpc]\ntls_extra_domains = [\"10.0.0.1\"]\n"),
            "\"10.0.0.1\"",
            Some("rpc.tls_extra_domains[0]"),
            "is an IP address",
            "tls_extra_ips",
        ),
        case(
            "TLS IP listed twice",
            base("[rpc]\ntls_extra_ips = [\"10.0.0.1\", \"10.0.0.1\"]\n"),
            "\"10.0.0.1\"]",
            Some("rpc.tls_extra_ips[1]"),
            "lists 10.0.0.1 twice",
            "remove the repeat; it is first listed as rpc.tls_extra_ips[0]",
        ),
        case(
            "pubkey with 04 prefix",
            base(&format!(
                "[wallet]\nexpected_identity_pubkey = \"04{hex64}\"\n"
            )),
            "\"04",
            Some("wallet.expected_identity_pubkey"),
            "does not start with 02 or 03",
            "66 hex",
        ),
        case(
            "pubkey too short",
            base("[wallet]\nexpected_identity_pubkey = \"02abcd\"\n"),
            "\"02abcd\"",
            Some("wallet.expected_identity_pubkey"),
            "has 6 characters, not 66",
            "",
        ),
        case(
            "~user path",
            base("[wallet]\nsecrets_dir = \"~bob/secrets\"\n"),
            "\"~bob",
            Some("wallet.secrets_dir"),
            "uses ~user",
            "",
        ),
        case(
            "lnd_path with a space",
            base("runtime = \"native\"\n[native]\nlnd_path = \"my lnd\"\n"),
            "\"my lnd\"",
            Some("native.lnd_path"),
            "is not a program name",
            "",
        ),
        case(
            "bad neutrino peer",
            base("chain_backend = \"neutrino\"\n[neutrino]\npeers = [\"no de\"]\n"),
            "\"no de\"",
            Some("neutrino.peers[0]"),
            "is not host or host:port",
            "",
        ),
        case(
            "bad zmq endpoint",
            base(
                "chain_backend = \"bitcoind\"\n[bitcoind]\nrpchost = \"b:8332\"\nrpcuser = \"u\"\nrpcpass_file = \"p\"\nzmqpubrawblock = \"127.0.0.1:28332\"\nzmqpubrawtx = \"tcp://b:28333\"\n",
            ),
            "\"127.0.0.1:28332\"",
            Some("bitcoind.zmqpubrawblock"),
            "is not a ZMQ endpoint",
            "tcp://",
        ),
        // --- settings for what is not selected, and what selection needs
        case(
            "[docker] with runtime native",
            base("runtime = \"native\"\n[docker]\nimage = \"x\"\n"),
            "docker]",
            Some("docker"),
            "[docker] is set but signer.runtime is not \"docker\"",
            "remove the [docker] table",
        ),
        case(
            "[native] with the docker runtime",
            base("[native]\nsupervisor = \"systemd\"\n"),
            "native]",
            Some("native"),
            "[native] is set but signer.runtime is not \"native\"",
            "signer.runtime = \"native\"",
        ),
        case(
            "[neutrino] without the neutrino backend",
            base("[neutrino]\npeers = []\n"),
            "neutrino]",
            Some("neutrino"),
            "[neutrino] is set but signer.chain_backend is not \"neutrino\"",
            "",
        ),
        case(
            "bitcoind backend without [bitcoind]",
            base("chain_backend = \"bitcoind\"\n"),
            "\"bitcoind\"",
            Some("signer.chain_backend"),
            "needs a [bitcoind] table",
            "rpchost",
        ),
        case(
            "[bitcoind] missing a key",
            base(
                "chain_backend = \"bitcoind\"\n[bitcoind]\nrpchost = \"b:8332\"\nrpcuser = \"u\"\nrpcpass_file = \"p\"\nzmqpubrawblock = \"tcp://b:28332\"\n",
            ),
            "bitcoind]",
            Some("bitcoind"),
            "missing `zmqpubrawtx` in [bitcoind]",
            "",
        ),
        case(
            "neutrino on mainnet without fee_url",
            "version = 1\n[signer]\nnetwork = \"mainnet\"\nchain_backend = \"neutrino\"\n[neutrino]\npeers = [\"node:8333\"]\n",
            "neutrino]",
            Some("neutrino"),
            "needs a fee estimation URL",
            "fee_url",
        ),
        case(
            "rest.listen while REST is off",
            base("[rest]\nenabled = false\nlisten = \"127.0.0.1:10013\"\n"),
            "\"127.0.0.1:10013\"",
            Some("rest.listen"),
            "REST is disabled",
            "remove rest.listen",
        ),
        // --- cross-key rules
        case(
            "REST on the gRPC port",
            base("[rest]\nlisten = \"0.0.0.0:10012\"\n"),
            "\"0.0.0.0:10012\"",
            Some("rest.listen"),
            "collide: both bind port 10012",
            "different ports",
        ),
        case(
            "gRPC on [::] and the REST port",
            base("[rpc]\nlisten = \"[::]:10013\"\n"),
            "\"[::]:10013\"",
            Some("rpc.listen"),
            "collide: both bind port 10013",
            "",
        ),
        case(
            "custom scope without permissions",
            base("[macaroon]\nscope = \"custom\"\n"),
            "\"custom\"",
            Some("macaroon.scope"),
            "needs at least one permission",
            "macaroon.permissions",
        ),
        case(
            "custom scope with an empty list",
            base("[macaroon]\nscope = \"custom\"\npermissions = []\n"),
            "[]",
            Some("macaroon.permissions"),
            "needs at least one permission",
            "",
        ),
        case(
            "permissions without custom scope",
            base("[macaroon]\npermissions = [\"signer:generate\"]\n"),
            "[\"signer",
            Some("macaroon.permissions"),
            "only used with scope = \"custom\", but scope is \"signer-only\"",
            "scope = \"custom\"",
        ),
        case(
            "unknown permission entity",
            base(
                "[macaroon]\nscope = \"custom\"\npermissions = [\"signer:generate\", \"wallet:read\"]\n",
            ),
            "\"wallet:read\"",
            Some("macaroon.permissions[1]"),
            "unknown entity \"wallet\"",
            "entity:action",
        ),
        case(
            "permission uri without a path",
            base("[macaroon]\nscope = \"custom\"\npermissions = [\"uri:GetInfo\"]\n"),
            "\"uri:GetInfo\"",
            Some("macaroon.permissions[0]"),
            "is not a gRPC method path",
            "",
        ),
        case(
            "permission listed twice",
            base(
                "[macaroon]\nscope = \"custom\"\npermissions = [\"signer:read\", \"signer:read\"]\n",
            ),
            "\"signer:read\"]",
            Some("macaroon.permissions[1]"),
            "lists signer:read twice",
            "it is first listed as macaroon.permissions[0]",
        ),
        case(
            "bundle would contain the seed",
            base("[bundle]\npath = \"~/.lnget\"\n"),
            "\"~/.lnget\"",
            Some("bundle.path"),
            "would contain the wallet secrets",
            "own",
        ),
        case(
            "bundle at the file system root",
            base("[bundle]\npath = \"/\"\n"),
            "\"/\"",
            Some("bundle.path"),
            "is the file system root",
            "",
        ),
        // --- directories lsm would have to share (item: system directories)
        case(
            "secrets in /tmp",
            base("[wallet]\nsecrets_dir = \"/tmp\"\n"),
            "\"/tmp\"",
            Some("wallet.secrets_dir"),
            "\"/tmp\" is a system directory; lsm would set its mode",
            "name a directory of its own",
        ),
        case(
            "secrets at the root",
            base("[wallet]\nsecrets_dir = \"/\"\n"),
            "\"/\"",
            Some("wallet.secrets_dir"),
            "is the file system root",
            "",
        ),
        case(
            "bundle in /etc",
            base("[bundle]\npath = \"/etc\"\n"),
            "\"/etc\"",
            Some("bundle.path"),
            "\"/etc\" is a system directory",
            "",
        ),
        case(
            "bundle at /etc by a relative path",
            base("[bundle]\npath = \"../../etc\"\n"),
            "\"../../etc\"",
            Some("bundle.path"),
            "\"../../etc\" is a system directory (/etc)",
            "",
        ),
        case(
            "bundle in the home directory itself",
            base("[wallet]\nsecrets_dir = \"/srv/s\"\n[bundle]\npath = \"~\"\n"),
            "\"~\"",
            Some("bundle.path"),
            "\"~\" is your home directory itself",
            "",
        ),
        case(
            "lnd_dir in /tmp",
            base("runtime = \"native\"\n[native]\nlnd_dir = \"/tmp\"\n"),
            "\"/tmp\"",
            Some("native.lnd_dir"),
            "is a system directory",
            "",
        ),
        case(
            "bundle inside lnd's directory",
            base(
                "runtime = \"native\"\n[native]\nlnd_dir = \"/srv/lnd\"\n[wallet]\nsecrets_dir = \"/srv/secrets\"\n[bundle]\npath = \"/srv/lnd/data/chain/bitcoin/regtest\"\n",
            ),
            "\"/srv/lnd/data",
            Some("bundle.path"),
            "is inside lnd's directory /srv/lnd",
            "outside native.lnd_dir",
        ),
        case(
            "bundle would contain lnd's directory",
            base(
                "runtime = \"native\"\n[native]\nlnd_dir = \"/srv/lnd/data\"\n[wallet]\nsecrets_dir = \"/srv/secrets\"\n[bundle]\npath = \"/srv/lnd\"\n",
            ),
            "\"/srv/lnd\"\n",
            Some("bundle.path"),
            "would contain lnd's directory",
            "",
        ),
        // --- [signer.extra_config]
        case(
            "managed lnd option",
            base("[signer.extra_config]\nrpclisten = \"0.0.0.0:10009\"\n"),
            "rpclisten",
            Some("signer.extra_config.rpclisten"),
            "`rpclisten` cannot be set in [signer.extra_config]",
            "use [rpc] listen",
        ),
        case(
            "managed option group as dotted key",
            base("[signer.extra_config]\nbitcoin.node = \"btcd\"\n"),
            "node",
            Some("signer.extra_config.bitcoin.node"),
            "lsm manages lnd's bitcoin.* options",
            "use [signer] network and chain_backend",
        ),
        case(
            "float in extra_config",
            base("[signer.extra_config]\n\"autopilot.allocation\" = 0.6\n"),
            "0.6",
            Some("signer.extra_config.\"autopilot.allocation\""),
            "not a float (0.6)",
            "as strings",
        ),
        case(
            "line break in an extra_config value",
            base("[signer.extra_config]\n\"tor.v3\" = \"x\\nnolisten=false\"\n"),
            "\"x\\n",
            Some("signer.extra_config.\"tor.v3\""),
            "contains a line break",
            "single lines",
        ),
        case(
            "empty array in extra_config",
            base("[signer.extra_config]\n\"tor.targetipaddress\" = []\n"),
            "[]",
            Some("signer.extra_config.\"tor.targetipaddress\""),
            "is an empty array",
            "",
        ),
        case(
            "nested array in extra_config",
            base("[signer.extra_config]\nx = [[1]]\n"),
            "[1]",
            Some("signer.extra_config.x[0]"),
            "must be a string, an integer or a boolean (true or false), not an array",
            "",
        ),
        case(
            "extra_config key set twice",
            base("[signer.extra_config]\n\"a.b\" = 1\na.b = 2\n"),
            "b = 2",
            Some("signer.extra_config.a.b"),
            "is set twice",
            "also set as `signer.extra_config.\"a.b\"`",
        ),
        // --- Docker network modes that would bypass the declared binds
        case(
            "host networking",
            base("[docker]\nnetwork = \"host\"\n"),
            "\"host\"",
            Some("docker.network"),
            "is Docker's host network mode, not a network to join: Docker would ignore the published ports",
            "remove docker.network to use Docker's default bridge",
        ),
        case(
            "no networking",
            base("[docker]\nnetwork = \"none\"\n"),
            "\"none\"",
            Some("docker.network"),
            "is Docker's none network mode",
            "name a user-defined network",
        ),
        case(
            "another container's network",
            base("[docker]\nnetwork = \"container:lnd\"\n"),
            "\"container:lnd\"",
            Some("docker.network"),
            "shares another container's network namespace",
            "remove docker.network",
        ),
        // --- syntax
        case(
            "duplicate key",
            base("name = \"a\"\nname = \"b\"\n"),
            "name = \"b\"",
            Some("signer.name"),
            "invalid TOML: `signer.name` is set twice",
            "it is first set on line 4; keep one of the two",
        ),
        case(
            "duplicate dotted key",
            base("[signer.extra_config]\na.b = 1\na.b = 2\n"),
            "b = 2",
            Some("signer.extra_config.a.b"),
            "`signer.extra_config.a.b` is set twice",
            "first set on line 5",
        ),
        case(
            "table defined twice, with a key in both",
            base("[rpc]\nlisten = \"0.0.0.0:1\"\n[rpc]\nlisten = \"0.0.0.0:2\"\n"),
            "rpc]\nlisten = \"0.0.0.0:2",
            Some("rpc"),
            "table [rpc] is defined twice",
            "the first [rpc] is on line 4; merge the two into one [rpc] table; both set `listen`",
        ),
        case(
            "unterminated string",
            base("name = \"oops\n"),
            "@4:13",
            Some("signer.name"),
            "invalid TOML at `signer.name`",
            "close the string with \" on the same line",
        ),
        case(
            "unquoted enumeration value",
            base("runtime = docker\n"),
            "docker",
            Some("signer.runtime"),
            "`signer.runtime` = docker: text must be in quotes",
            "put text in double quotes: runtime = \"docker\"",
        ),
        case(
            "unquoted enumeration value with a typo",
            "version = 1\n[signer]\nnetwork = tesnet\n".to_string(),
            "tesnet",
            Some("signer.network"),
            "text must be in quotes",
            "network = \"tesnet\"; did you mean \"testnet\"?",
        ),
        case(
            "unquoted bind",
            base("[rpc]\nlisten = 0.0.0.0:10012\n"),
            "0.0.0.0:10012",
            Some("rpc.listen"),
            "text must be in quotes",
            "listen = \"0.0.0.0:10012\"",
        ),
        case(
            "unquoted array element",
            base("[rpc]\ntls_extra_ips = [\"10.0.0.1\",\n  fd00::1]\n"),
            "fd00",
            Some("rpc.tls_extra_ips[1]"),
            "text must be in quotes",
            "put each element in double quotes: \"fd00::1\"",
        ),
        case(
            "yes for a boolean",
            base("[wallet]\nauto_unlock = yes\n"),
            "yes",
            Some("wallet.auto_unlock"),
            "`wallet.auto_unlock` = yes is not a boolean",
            "write auto_unlock = true (lowercase, without quotes)",
        ),
        case(
            "a word for an integer",
            base("[macaroon]\nroot_key_id = one\n"),
            "one",
            Some("macaroon.root_key_id"),
            "is not a whole number",
            "root_key_id = 1",
        ),
        case(
            "missing value",
            base("[docker]\nversion =\n"),
            "@5:10",
            Some("docker.version"),
            "`docker.version` has no value",
            "write a value after =",
        ),
        case(
            "missing equals sign",
            base("alias \"x\"\n"),
            "@4:7",
            Some("signer.alias"),
            "key with no value",
            "put = between the key and its value: alias = \"x\"",
        ),
        case(
            "unclosed table header",
            base("[rpc\nlisten = \"0.0.0.0:1\"\n"),
            "@4:5",
            Some("rpc"),
            "unclosed table",
            "close the header with ]: [rpc]",
        ),
        case(
            "dotted key deeper than the parser allows",
            base(&format!("{} = 1\n", vec!["a"; 200].join("."))),
            "a.a.a",
            None,
            "has 201 parts; the TOML parser accepts at most 79 in one key or table header",
            "look for a runaway dotted key or table header",
        ),
        case(
            "100,000-part table header",
            base(&format!("[{}]\n", vec!["a"; 100_000].join("."))),
            "[a.a",
            None,
            "has 100000 parts; the TOML parser accepts at most 79",
            "runaway dotted key",
        ),
        // --- columns count characters, tabs and multi-byte text included
        case(
            "column after a tab",
            base("[rest]\n\tenabled = 1\n"),
            "@5:12",
            Some("rest.enabled"),
            "must be a boolean",
            "",
        ),
        case(
            "column after multi-byte text",
            "version = 1\nwallet = { secrets_dir = \"ééé\", auto_unlock = \"no\" }\n[signer]\nnetwork = \"testnet\"\n",
            "\"no\"",
            Some("wallet.auto_unlock"),
            "must be a boolean",
            "",
        ),
    ]
}

#[test]
fn each_bad_manifest_is_one_located_named_problem() {
    let cases = cases();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let run = validate(&c.toml);
        let (line, col) = match c.at.strip_prefix('@').and_then(|lc| lc.split_once(':')) {
            Some((l, c)) => (l.parse().unwrap(), c.parse().unwrap()),
            None => locate(&c.toml, c.at),
        };
        let location = format!("signer.toml:{line}:{col}");
        let mut problems = Vec::new();
        if run.code != 1 {
            problems.push(format!("exit code {} (want 1)", run.code));
        }
        if !run.stderr.contains(&format!("--> {location}\n")) {
            problems.push(format!("no location {location}"));
        }
        if !run.stderr.contains(c.message) {
            problems.push(format!("no message {:?}", c.message));
        }
        if !run.stderr.contains(c.help) {
            problems.push(format!("no help {:?}", c.help));
        }
        if let Some(key) = c.key
            && !run.stderr.contains(&format!("= key: {key}\n"))
        {
            problems.push(format!("no key {key}"));
        }
        if !run.stderr.ends_with("signer.toml: 1 problem\n") {
            problems.push("not exactly one problem".to_string());
        }
        if run.stderr.contains("panicked") || run.stderr.contains("RUST_BACKTRACE") {
            problems.push("panicked".to_string());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "--- {}: {}\n{}\n{}",
                c.what,
                problems.join("; "),
                c.toml,
                run.stderr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn all_problems_are_reported_at_once() {
    let text = "\
version = 3
[signer]
network = \"testnt\"
nmae = \"x\"
[rpc]
listen = \"localhost:1\"
[macaroon]
scope = \"custom\"
permissions = [\"wallet:read\"]
[bundle]
archive = \"yes\"
";
    let run = validate(text);
    assert_eq!(run.code, 1);
    for (needle, message) in [
        ("3", "`version` must be 1"),
        ("\"testnt\"", "unknown value \"testnt\""),
        ("nmae", "unknown key `nmae`"),
        ("\"localhost:1\"", "uses a host name"),
        ("\"wallet:read\"", "unknown entity \"wallet\""),
        ("\"yes\"", "`bundle.archive` must be a boolean"),
    ] {
        let (line, col) = locate(text, needle);
        assert!(
            run.stderr.contains(&format!("signer.toml:{line}:{col}")),
            "{needle} not located:\n{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(message),
            "{message} missing:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stderr.ends_with("signer.toml: 6 problems\n"),
        "{}",
        run.stderr
    );
    // In file order.
    let positions: Vec<usize> = [
        "`version`",
        "testnt",
        "nmae",
        "localhost",
        "wallet:read",
        "bundle.archive",
    ]
    .iter()
    .map(|n| run.stderr.find(n).unwrap())
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{}", run.stderr);
}

#[test]
fn json_lists_every_problem_with_location() {
    let s = manifest_util::Scratch::new();
    s.write(
        "signer.toml",
        "version = 1\n[signer]\nnetwork = \"x\"\n[rpc]\nlisten = 5\n",
    );
    let run = manifest_util::run(s.lsm(&["validate", "--json"]));
    assert_eq!(run.code, 1);
    let doc: serde_json::Value =
        serde_json::from_str(&run.stdout).expect("one JSON document on stdout");
    assert_eq!(doc["valid"], false);
    let problems = doc["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{doc}");
    assert_eq!(problems[0]["file"], "signer.toml");
    assert_eq!(problems[0]["line"], 3);
    assert_eq!(problems[0]["column"], 11);
    assert_eq!(problems[0]["key"], "signer.network");
    assert!(problems[0]["help"].as_str().unwrap().contains("use one of"));
    assert_eq!(problems[1]["key"], "rpc.listen");
    assert_eq!(problems[1]["line"], 5);
    // Humans still get the rendering on stderr.
    assert!(run.stderr.contains("signer.toml: 2 problems"));
}

#[test]
fn json_names_the_key_of_a_syntax_error() {
    let s = manifest_util::Scratch::new();
    s.write("signer.toml", "version = 1\n[signer]\nnetwork = testnet\n");
    let run = manifest_util::run(s.lsm(&["validate", "--json"]));
    assert_eq!(run.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let p = &doc["problems"][0];
    assert_eq!(p["key"], "signer.network", "{doc}");
    assert_eq!(
        (p["line"].as_u64(), p["column"].as_u64()),
        (Some(3), Some(11))
    );
    assert!(
        p["help"]
            .as_str()
            .unwrap()
            .contains("network = \"testnet\""),
        "{doc}"
    );
}
