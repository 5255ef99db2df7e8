//! Endpoint resolution (pure) and the one-line errors for unreachable or
//! misconfigured engines. None of these need a running engine.

use lsm::error::Failure;
use lsm::exit::Exit;
use lsm_docker::{
    DEFAULT_SOCKET, DockerEnv, DockerError, DockerReader, DockerWriter, Endpoint, EndpointOrigin,
    Transport,
};
use std::path::PathBuf;

fn env(host: Option<&str>) -> DockerEnv {
    DockerEnv {
        docker_host: host.map(str::to_string),
        home: Some("/home/op".into()),
        ..DockerEnv::default()
    }
}

#[test]
fn default_is_the_local_socket() {
    let e = Endpoint::resolve(None, &env(None)).unwrap();
    assert_eq!(e.url, DEFAULT_SOCKET);
    assert_eq!(e.origin, EndpointOrigin::Default);
    assert_eq!(
        e.transport,
        Transport::Unix {
            path: PathBuf::from("/var/run/docker.sock")
        }
    );
}

#[test]
fn explicit_host_wins_over_docker_host() {
    let e = Endpoint::resolve(
        Some("unix:///run/user/1000/docker.sock"),
        &env(Some("tcp://x:2375")),
    )
    .unwrap();
    assert_eq!(e.origin, EndpointOrigin::Manifest);
    assert_eq!(
        e.transport,
        Transport::Unix {
            path: PathBuf::from("/run/user/1000/docker.sock")
        }
    );
    // An empty explicit host falls through to DOCKER_HOST.
    let e = Endpoint::resolve(Some("  "), &env(Some("tcp://x:2375"))).unwrap();
    assert_eq!(e.origin, EndpointOrigin::DockerHostEnv);
}

#[test]
fn plain_tcp_without_tls_variables() {
    let e = Endpoint::resolve(None, &env(Some("tcp://10.0.0.5:2375"))).unwrap();
    assert_eq!(
        e.transport,
        Transport::Tcp {
            addr: "10.0.0.5:2375".into()
        }
    );
}

#[test]
fn tls_verify_switches_tcp_to_mutual_tls_with_cert_path() {
    let mut v = env(Some("tcp://docker.example:2376"));
    v.tls_verify = Some("1".into());
    v.cert_path = Some("/etc/docker-certs".into());
    let e = Endpoint::resolve(None, &v).unwrap();
    assert_eq!(
        e.transport,
        Transport::Tls {
            addr: "docker.example:2376".into(),
            cert_dir: PathBuf::from("/etc/docker-certs")
        }
    );
    // Without DOCKER_CERT_PATH: ~/.docker, like the docker CLI.
    v.cert_path = None;
    let e = Endpoint::resolve(None, &v).unwrap();
    assert_eq!(
        e.transport,
        Transport::Tls {
            addr: "docker.example:2376".into(),
            cert_dir: PathBuf::from("/home/op/.docker")
        }
    );
}

#[test]
fn https_always_means_tls() {
    let e = Endpoint::resolve(Some("https://docker.example:2376"), &env(None)).unwrap();
    assert!(matches!(e.transport, Transport::Tls { .. }), "{e:?}");
}

#[test]
fn tls_without_verification_is_refused() {
    let mut v = env(Some("tcp://docker.example:2376"));
    v.tls = Some("1".into());
    let err = Endpoint::resolve(None, &v).unwrap_err().to_string();
    assert!(err.contains("DOCKER_TLS_VERIFY"), "{err}");
    assert!(
        err.contains("DOCKER_HOST"),
        "names where the value came from: {err}"
    );
}

#[test]
fn bad_endpoints_are_named_with_their_origin() {
    for (bad, why) in [
        ("docker.sock", "missing scheme"),
        ("unix://relative.sock", "absolute"),
        ("tcp://host", "host:port"),
        ("tcp://host:notaport", "host:port"),
        ("ftp://host:21", "unsupported scheme"),
        ("npipe:////./pipe/docker_engine", "named pipes"),
    ] {
        let err = Endpoint::resolve(Some(bad), &env(None)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(bad), "{text}");
        assert!(text.contains("[docker] host"), "{text}");
        assert!(text.contains(why), "{bad}: {text}");
        let f: Failure = err.into();
        assert_eq!(f.exit, Exit::Error);
        assert!(!f.hints.is_empty());
    }
}

#[test]
fn ssh_resolves_in_the_default_build() {
    let e = Endpoint::resolve(Some("ssh://op@signer-host:2222"), &env(None)).unwrap();
    let Transport::Ssh { target, .. } = e.transport else {
        panic!("{e:?}");
    };
    assert_eq!(target.user.as_deref(), Some("op"));
    assert_eq!(
        (target.host.as_str(), target.port),
        ("signer-host", Some(2222))
    );
}

#[test]
fn an_ssh_host_that_ssh_would_read_as_an_option_is_refused() {
    let err = Endpoint::resolve(Some("ssh://-oProxyCommand=evil"), &env(None)).unwrap_err();
    assert!(matches!(err, DockerError::BadEndpoint { .. }), "{err:?}");
    assert!(err.to_string().contains("start with '-'"), "{err}");
}

/// The one line an operator sees, plus its hint.
async fn unreachable_line(host: &str) -> (String, Failure) {
    let err = DockerReader::connect(Some(host)).await.unwrap_err();
    assert!(matches!(err, DockerError::Unreachable { .. }), "{err:?}");
    let line = err.to_string();
    (line, err.into())
}

#[tokio::test]
async fn missing_socket_is_one_clear_line() {
    let (line, f) = unreachable_line("unix:///nonexistent.sock").await;
    assert_eq!(
        line,
        "cannot reach the Docker engine at unix:///nonexistent.sock: no such socket file"
    );
    assert!(!line.contains('\n'));
    assert_eq!(f.exit, Exit::Error);
    assert!(f.hints[0].contains("is dockerd running?"), "{:?}", f.hints);
    assert!(f.hints[0].contains("DOCKER_HOST"), "{:?}", f.hints);
}

#[tokio::test]
async fn refused_tcp_port_is_one_clear_line() {
    let (line, _) = unreachable_line("tcp://127.0.0.1:1").await;
    assert_eq!(
        line,
        "cannot reach the Docker engine at tcp://127.0.0.1:1: connection refused"
    );
}

#[tokio::test]
async fn writer_reports_the_same_way() {
    let err = DockerWriter::connect(Some("unix:///nonexistent.sock"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot reach the Docker engine at unix:///nonexistent.sock"),
        "{err}"
    );
}

#[tokio::test]
async fn a_socket_that_is_not_an_engine_is_reported() {
    // A plain HTTP server that answers 404 to everything is "not a Docker engine".
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let err = DockerReader::connect(Some(&format!("tcp://127.0.0.1:{port}")))
        .await
        .unwrap_err();
    let line = err.to_string();
    assert!(line.contains("not a Docker engine"), "{line}");
}

#[tokio::test]
async fn missing_tls_files_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let v = DockerEnv {
        tls_verify: Some("1".into()),
        cert_path: Some(dir.path().display().to_string()),
        ..DockerEnv::default()
    };
    let e = Endpoint::resolve(Some("tcp://127.0.0.1:1"), &v).unwrap();
    let err = DockerReader::connect_to(e).await.unwrap_err();
    let line = err.to_string();
    assert!(line.contains("ca.pem"), "{line}");
    let f: Failure = err.into();
    assert!(f.hints[0].contains("DOCKER_CERT_PATH"), "{:?}", f.hints);
}
