use super::*;

fn run(dir: &Path, conf: Option<&str>, extra: &[&str]) -> Result<Config, ConfigError> {
    let lnd_dir = dir.join("lnd");
    std::fs::create_dir_all(&lnd_dir).unwrap();
    let conf_path = lnd_dir.join("lnd.conf");
    if let Some(text) = conf {
        std::fs::write(&conf_path, text).unwrap();
    }
    // An explicit --configfile must exist (lnd's rule); without one, the
    // lnddir's lnd.conf is optional.
    let mut args = vec![format!("--lnddir={}", lnd_dir.display())];
    if conf.is_some() {
        args.push(format!("--configfile={}", conf_path.display()));
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    match load(&args)? {
        Loaded::Run(c) => Ok(*c),
        other => panic!("unexpected {other:?}"),
    }
}

const SIGNER: &str = "\
[Application Options]
nolisten=1
nobootstrap=true
rpclisten=0.0.0.0:10009
restlisten=0.0.0.0:8080
tlsextraip=10.1.2.3
tlsextradomain=signer.local
tlsextradomain=signer
alias=signer
debuglevel=info

[Bitcoin]
bitcoin.active=1
bitcoin.regtest=1
bitcoin.node=nochainbackend
";

#[test]
fn a_signer_conf_loads() {
    let dir = tempfile::tempdir().unwrap();
    let c = run(dir.path(), Some(SIGNER), &[]).unwrap();
    assert_eq!(c.network, Network::Regtest);
    assert_eq!(c.rpc_listeners, ["0.0.0.0:10009".parse().unwrap()]);
    assert_eq!(c.rest_listeners, ["0.0.0.0:8080".parse().unwrap()]);
    assert_eq!(c.tls.extra_ips, ["10.1.2.3"]);
    assert_eq!(c.tls.extra_domains, ["signer.local", "signer"]);
    assert_eq!(c.alias, "signer");
    assert_eq!(c.color, "#3399ff");
    assert!(c.external_ips.is_empty());
    assert_eq!(
        c.network_dir,
        dir.path().join("lnd/data/chain/bitcoin/regtest")
    );
    assert!(c.network_dir.is_dir());
    assert_eq!(c.admin_macaroon_path, c.network_dir.join("admin.macaroon"));
    assert_eq!(c.tls.cert_duration, DEFAULT_TLS_CERT_DURATION);
}

#[test]
fn flags_override_the_file_and_replace_repeated_options() {
    let dir = tempfile::tempdir().unwrap();
    let c = run(
        dir.path(),
        Some(SIGNER),
        &[
            "--rpclisten=10019",
            "--rpclisten=127.0.0.1:10020",
            "--norest",
            "--alias=other",
        ],
    )
    .unwrap();
    // A bare port means localhost (lncfg.verifyPort).
    assert_eq!(
        c.rpc_listeners,
        [
            "127.0.0.1:10019".parse().unwrap(),
            "127.0.0.1:10020".parse().unwrap()
        ]
    );
    assert!(c.rest_listeners.is_empty());
    assert_eq!(c.alias, "other");
}

#[test]
fn defaults_match_lnd() {
    let dir = tempfile::tempdir().unwrap();
    let c = run(
        dir.path(),
        None,
        &["--bitcoin.mainnet", "--bitcoin.node=nochainbackend"],
    )
    .unwrap();
    assert_eq!(c.rpc_listeners, ["127.0.0.1:10009".parse().unwrap()]);
    assert_eq!(c.rest_listeners, ["127.0.0.1:8080".parse().unwrap()]);
    assert_eq!(c.network, Network::Mainnet);
}

#[test]
fn contradictions_fail_like_lnd() {
    let dir = tempfile::tempdir().unwrap();
    let err = run(
        dir.path(),
        Some("bitcoin.mainnet=1\nbitcoin.regtest=1\nbitcoin.node=nochainbackend\n"),
        &[],
    )
    .unwrap_err();
    assert_eq!(
        err.render("lnd"),
        "failed to load config: ValidateConfig: The mainnet, testnet, testnet4, regtest, simnet \
         and signet params can't be used together -- choose one of the five\n"
    );

    let err = run(dir.path(), Some("bitcoin.node=nochainbackend\n"), &[]).unwrap_err();
    assert!(err.message.contains("must be specified"), "{err:?}");

    let err = run(
        dir.path(),
        Some("bitcoin.regtest=1\nbitcoin.node=nochainbackend\nwallet-unlock-allow-create=1\n"),
        &[],
    )
    .unwrap_err();
    assert_eq!(
        err.message,
        "ValidateConfig: cannot set wallet-unlock-allow-create without wallet-unlock-password-file"
    );

    let err = run(
        dir.path(),
        Some("bitcoin.regtest=1\nbitcoin.node=nochainbackend\nwallet-unlock-password-file=/nonexistent/pw\n"),
        &[],
    )
    .unwrap_err();
    assert_eq!(
        err.message,
        "ValidateConfig: wallet unlock password file /nonexistent/pw does not exist"
    );

    let err = run(
        dir.path(),
        Some("bitcoin.regtest=1\nbitcoin.node=nochainbackend\ncolor=blue\n"),
        &[],
    )
    .unwrap_err();
    assert!(
        err.message.contains("unable to parse node color"),
        "{err:?}"
    );

    let err = run(
        dir.path(),
        Some("bitcoin.regtest=1\nbitcoin.node=nochainbackend\ndebuglevel=loud\n"),
        &[],
    )
    .unwrap_err();
    assert_eq!(
        err.render("lnd"),
        "Use lnd -h to show usage\nfailed to load config: ValidateConfig: error parsing debug \
         level: the specified debug level [loud] is invalid\n"
    );
}

#[test]
fn unknown_keys_and_flags_fail_like_go_flags() {
    let dir = tempfile::tempdir().unwrap();
    let err = run(dir.path(), Some("bitcoin.regtest=1\nfrobnicate=1\n"), &[]).unwrap_err();
    let conf = dir.path().join("lnd/lnd.conf");
    assert_eq!(
        err.render("lnd"),
        format!(
            "failed to load config: {}:2: unknown option: frobnicate\n",
            conf.display()
        )
    );
    let err = run(dir.path(), Some(SIGNER), &["--frobnicate"]).unwrap_err();
    assert_eq!(
        err.render("lnd"),
        "unknown flag `frobnicate'\nfailed to load config: unknown flag `frobnicate'\n"
    );
}

#[test]
fn explicit_missing_config_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let args = vec![format!(
        "--configfile={}",
        dir.path().join("missing.conf").display()
    )];
    let err = load(&args).unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "specified config file does not exist in {}",
            dir.path().join("missing.conf").display()
        )
    );
}

#[test]
fn chain_backends_other_than_nochainbackend_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = run(
        dir.path(),
        Some("bitcoin.regtest=1\nbitcoin.node=neutrino\n"),
        &[],
    )
    .unwrap_err();
    assert!(err.message.contains("nochainbackend"), "{err:?}");
    let err = run(dir.path(), Some("bitcoin.regtest=1\nbtcd.rpcuser=u\n"), &[]).unwrap_err();
    assert_eq!(
        err.message,
        "ValidateConfig: unable to load RPC credentials for btcd: please set both or neither \
         of btcd.rpcuser, btcd.rpcpass"
    );
}

#[test]
fn norest_with_restlisten_is_accepted_like_lnd() {
    // lnd logs "REST API is disabled!" and drops the REST listeners.
    let dir = tempfile::tempdir().unwrap();
    let c = run(
        dir.path(),
        Some("bitcoin.regtest=1\nbitcoin.node=nochainbackend\nnorest=1\nrestlisten=0.0.0.0:8080\n"),
        &[],
    )
    .unwrap();
    assert!(c.rest_listeners.is_empty());
}

#[test]
fn version_and_help() {
    assert!(matches!(
        load(&["--version".to_string()]),
        Ok(Loaded::Version)
    ));
    assert!(matches!(load(&["-V".to_string()]), Ok(Loaded::Version)));
    assert!(matches!(load(&["-h".to_string()]), Ok(Loaded::Help)));
}

#[test]
fn paths_clean_like_go() {
    assert_eq!(clean("/a/./b/../c//d"), PathBuf::from("/a/c/d"));
    assert_eq!(clean("a/../.."), PathBuf::from(".."));
}

#[test]
fn debuglevel_subsystems_and_show() {
    let dir = tempfile::tempdir().unwrap();
    let base = "bitcoin.regtest=1\nbitcoin.node=nochainbackend\n";
    assert!(
        run(
            dir.path(),
            Some(&format!("{base}debuglevel=info,RPCS=debug,LTND=trace\n")),
            &[]
        )
        .is_ok()
    );
    let err = run(
        dir.path(),
        Some(&format!("{base}debuglevel=info,FOOO=debug\n")),
        &[],
    )
    .unwrap_err();
    assert!(
        err.message
            .starts_with("ValidateConfig: error parsing debug level: the specified subsystem [FOOO] is invalid -- supported subsystems are [ACSM ARPC"),
        "{err:?}"
    );
    assert!(err.usage);
    let shown = load(&[
        format!("--lnddir={}", dir.path().join("x").display()),
        "--debuglevel=show".into(),
    ]);
    assert!(matches!(shown, Ok(Loaded::ShowSubsystems)));
}
