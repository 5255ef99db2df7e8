//! The local test image behaves like lightninglabs/lnd: ENTRYPOINT lnd,
//! /root/.lnd, TLS gRPC on 10009 inside the container, a working /bin/sh
//! for compose-style entrypoints, a clean exit on `docker stop`.

mod common;

use common::support::{self, TestContainer, docker};
use lsm_lnd::client::{ClientOptions, LndClient};
use lsm_lnd::proto::lnrpc::WalletState;
use std::time::{Duration, Instant};

const LND_ARGS: &[&str] = &[
    "--bitcoin.regtest",
    "--bitcoin.node=nochainbackend",
    "--nolisten",
    "--norest",
    "--rpclisten=0.0.0.0:10009",
];

#[test]
fn image_config_matches_lightninglabs_lnd() {
    if !support::require_docker() {
        return;
    }
    let tag = support::ensure_test_image();
    let inspect = |fmt: &str| {
        docker(&["image", "inspect", "--format", fmt, &tag])
            .trim()
            .to_string()
    };
    assert_eq!(inspect("{{json .Config.Entrypoint}}"), r#"["lnd"]"#);
    assert_eq!(inspect("{{json .Config.Volumes}}"), r#"{"/root/.lnd":{}}"#);
    assert_eq!(
        inspect("{{json .Config.ExposedPorts}}"),
        r#"{"10009/tcp":{},"9735/tcp":{}}"#
    );
    assert!(inspect("{{json .Config.Env}}").contains("HOME=/root"));
    assert_eq!(
        inspect("{{ index .Config.Labels \"io.lsm.test-image.hash\" }}").len(),
        64
    );

    let version = docker(&["run", "--rm", &tag, "--version"]);
    assert_eq!(version, "lnd version 0.20.0-beta commit=v0.20.0-beta\n");
    let sh = docker(&[
        "run",
        "--rm",
        "--entrypoint",
        "/bin/sh",
        &tag,
        "-c",
        "echo shell-ok && ls /bin/lnd",
    ]);
    assert_eq!(sh, "shell-ok\n/bin/lnd\n");

    // A second build with unchanged inputs reuses the image.
    let before = inspect("{{.Id}}");
    let out =
        std::process::Command::new(support::workspace_root().join("scripts/build-test-image.sh"))
            .arg(&tag)
            .env("LND_DOUBLE_BIN", support::double_binary())
            .output()
            .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("up to date"));
    assert_eq!(inspect("{{.Id}}"), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn container_serves_tls_grpc_and_stops_cleanly() {
    if !support::require_docker() {
        return;
    }
    let tag = support::ensure_test_image();
    let started = Instant::now();
    let c = TestContainer::run(
        &tag,
        &[
            "-p",
            "127.0.0.1::10009",
            "-e",
            "LND_DOUBLE_STARTUP_DELAY_MS=0",
        ],
        LND_ARGS,
    );
    let cert = c.wait_for_file("/root/.lnd/tls.cert", Duration::from_secs(30));
    let addr = format!("127.0.0.1:{}", c.host_port(10009));
    let client = LndClient::connect(&addr, &cert, ClientOptions::default()).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    client
        .wait_for_state(&[WalletState::NonExisting], deadline)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", c.logs()));
    let words = client.gen_seed(None).await.unwrap();
    let admin = common::init_wallet(&client, &words).await;
    eprintln!(
        "measured: docker run → wallet created → SERVER_ACTIVE in {:?}",
        started.elapsed()
    );
    let info = client.with_macaroon(&admin).get_info().await.unwrap();
    assert_eq!(info.chains[0].network, "regtest");
    let file_mac = c.read_file("/root/.lnd/data/chain/bitcoin/regtest/admin.macaroon");
    assert!(client.with_macaroon(&file_mac).get_info().await.is_ok());

    let stop = Instant::now();
    docker(&["stop", &c.id]);
    eprintln!("measured: docker stop took {:?}", stop.elapsed());
    let code = docker(&["inspect", "--format", "{{.State.ExitCode}}", &c.id]);
    assert_eq!(code.trim(), "0", "{}", c.logs());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compose_style_entrypoint_with_lnd_conf() {
    if !support::require_docker() {
        return;
    }
    let tag = support::ensure_test_image();
    let script = "mkdir -p /root/.lnd && printf 'bitcoin.regtest=1\\nbitcoin.node=nochainbackend\\n\
                  nolisten=1\\nnorest=1\\nrpclisten=0.0.0.0:10009\\n' > /root/.lnd/lnd.conf && \
                  exec lnd --lnddir=/root/.lnd --configfile=/root/.lnd/lnd.conf";
    let started = Instant::now();
    let c = TestContainer::run(
        &tag,
        &["-p", "127.0.0.1::10009", "--entrypoint", "/bin/sh"],
        &["-c", script],
    );
    let cert = c.wait_for_file("/root/.lnd/tls.cert", Duration::from_secs(30));
    let addr = format!("127.0.0.1:{}", c.host_port(10009));
    let client = LndClient::connect(&addr, &cert, ClientOptions::default()).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let state = client
        .wait_for_state(&[WalletState::NonExisting], deadline)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", c.logs()));
    eprintln!(
        "measured: docker run → gRPC NON_EXISTING in {:?}",
        started.elapsed()
    );
    assert_eq!(state, WalletState::NonExisting);
    // The config came from the file: REST is off, as configured.
    assert!(c.logs().contains("REST API is disabled!"), "{}", c.logs());
}
