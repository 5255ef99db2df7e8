//! tcp:// + DOCKER_TLS_VERIFY end to end, against an in-process engine
//! stand-in that requires mutual TLS and answers the two connect-time calls
//! (`/_ping`, `/version`). No real engine with TLS exists on the test
//! machines; this proves lsm's side: the CA from DOCKER_CERT_PATH is
//! enforced, the client certificate is presented, and a wrong CA is one clear
//! "cannot reach" line.

use lsm_docker::{DockerEnv, DockerError, DockerReader, Endpoint};
use rcgen::{
    BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

struct Pki {
    ca_pem: String,
    ca_der: Vec<u8>,
    server_der: Vec<u8>,
    server_key_der: Vec<u8>,
    client_pem: String,
    client_key_pem: String,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let server_params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = server_params.signed_by(&server_key, &issuer).unwrap();

    let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_key = KeyPair::generate().unwrap();
    let client = client_params.signed_by(&client_key, &issuer).unwrap();

    Pki {
        ca_pem: ca_cert.pem(),
        ca_der: ca_cert.der().to_vec(),
        server_der: server.der().to_vec(),
        server_key_der: server_key.serialize_der(),
        client_pem: client.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

/// Writes the docker CLI's cert layout: ca.pem, cert.pem, key.pem.
fn write_cert_dir(dir: &Path, ca_pem: &str, p: &Pki) {
    std::fs::write(dir.join("ca.pem"), ca_pem).unwrap();
    std::fs::write(dir.join("cert.pem"), &p.client_pem).unwrap();
    std::fs::write(dir.join("key.pem"), &p.client_key_pem).unwrap();
}

/// A mutual-TLS HTTP/1.1 server answering like a Docker 20.10 engine for
/// `/_ping` and `/version`. Returns its port and the paths it was asked for.
fn spawn_engine(p: &Pki) -> (u16, Arc<Mutex<Vec<String>>>) {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(p.ca_der.clone())).unwrap();
    let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
        .build()
        .unwrap();
    let config = rustls::ServerConfig::builder()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![CertificateDer::from(p.server_der.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(p.server_key_der.clone())),
        )
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let paths = Arc::clone(&seen);
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { continue };
            let conn = rustls::ServerConnection::new(Arc::clone(&config)).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let text = String::from_utf8_lossy(&req);
            let path = text.split_whitespace().nth(1).unwrap_or("").to_string();
            seen.lock().unwrap().push(path.clone());
            // Connect-time calls are unversioned; later ones carry the negotiated version.
            let (status, body) = match path.trim_start_matches("/v1.41") {
                "/_ping" => ("200 OK", "OK".to_string()),
                "/version" => (
                    "200 OK",
                    r#"{"Version":"20.10.99-tls","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64"}"#
                        .to_string(),
                ),
                _ => ("404 Not Found", r#"{"message":"page not found"}"#.to_string()),
            };
            let _ = write!(
                tls,
                "HTTP/1.1 {status}\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = tls.flush();
        }
    });
    (port, paths)
}

fn tls_endpoint(port: u16, cert_dir: &Path) -> Endpoint {
    let env = DockerEnv {
        tls_verify: Some("1".into()),
        cert_path: Some(cert_dir.display().to_string()),
        ..DockerEnv::default()
    };
    Endpoint::resolve(Some(&format!("tcp://127.0.0.1:{port}")), &env).unwrap()
}

#[tokio::test]
async fn mutual_tls_connects_and_negotiates() {
    let p = pki();
    let (port, paths) = spawn_engine(&p);
    let dir = tempfile::tempdir().unwrap();
    write_cert_dir(dir.path(), &p.ca_pem, &p);
    let r = DockerReader::connect_to(tls_endpoint(port, dir.path()))
        .await
        .unwrap();
    assert_eq!(r.api_version(), "1.41");
    assert_eq!(r.engine_version().await.unwrap().version, "20.10.99-tls");
    // One negotiation request, then a call pinned to the negotiated version.
    assert_eq!(*paths.lock().unwrap(), vec!["/version", "/v1.41/version"]);
}

#[tokio::test]
async fn an_engine_signed_by_another_ca_is_refused_clearly() {
    let p = pki();
    let (port, _) = spawn_engine(&p);
    let other = pki();
    let dir = tempfile::tempdir().unwrap();
    write_cert_dir(dir.path(), &other.ca_pem, &p);
    let err = DockerReader::connect_to(tls_endpoint(port, dir.path()))
        .await
        .unwrap_err();
    assert!(matches!(err, DockerError::Unreachable { .. }), "{err:?}");
    let line = err.to_string();
    assert!(
        line.starts_with(&format!(
            "cannot reach the Docker engine at tcp://127.0.0.1:{port}: "
        )),
        "{line}"
    );
    assert!(line.contains("certificate"), "{line}");
}
