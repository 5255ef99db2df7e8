//! Helpers for the double's own integration tests: a wallet-creation
//! shortcut over lsm's client, raw tonic clients for what lsm's client does
//! not expose, and a minimal HTTPS/1.1 client for the REST gateway.

#![allow(dead_code)]

#[path = "../../../it/support/mod.rs"]
pub mod support;

use lsm_lnd::client::{InitWalletParams, LndClient};
use lsm_lnd::proto::lnrpc::WalletState;
use std::sync::Arc;
use std::time::Duration;
use support::NativeDouble;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

pub const PASSWORD: &[u8] = b"correct horse battery";

pub fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(30)
}

/// GenSeed + InitWallet through lsm's client; waits for SERVER_ACTIVE and
/// returns the words and the admin macaroon from the response.
pub async fn create_wallet(d: &NativeDouble) -> (Vec<String>, Vec<u8>) {
    let client = d.client();
    let words = client.gen_seed(None).await.expect("GenSeed").to_vec();
    let admin = init_wallet(&client, &words).await;
    (words, admin)
}

/// InitWallet with `words` and [`PASSWORD`], then waits for SERVER_ACTIVE;
/// returns the admin macaroon.
pub async fn init_wallet(client: &LndClient, words: &[String]) -> Vec<u8> {
    let admin = client
        .init_wallet(&InitWalletParams {
            wallet_password: PASSWORD,
            mnemonic: words,
            ..Default::default()
        })
        .await
        .expect("InitWallet");
    client
        .wait_for_state(&[WalletState::ServerActive], deadline())
        .await
        .expect("SERVER_ACTIVE");
    admin.to_vec()
}

/// UnlockWallet with [`PASSWORD`], then waits for SERVER_ACTIVE.
pub async fn unlock(client: &LndClient) {
    client.unlock_wallet(PASSWORD).await.expect("UnlockWallet");
    client
        .wait_for_state(&[WalletState::ServerActive], deadline())
        .await
        .expect("SERVER_ACTIVE");
}

pub fn admin_client(d: &NativeDouble) -> LndClient {
    d.client().with_macaroon(&d.admin_macaroon())
}

/// A raw HTTP response.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One HTTPS request to the double's REST port, pinning its certificate.
pub async fn rest(
    d: &NativeDouble,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> HttpResponse {
    let mut stream = tls_connect(d).await;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n",
        d.rest_port
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() || method == "POST" {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream
        .write_all(req.as_bytes())
        .await
        .expect("write request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.ok();
    parse_response(&raw)
}

async fn tls_connect(d: &NativeDouble) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let verifier = lsm_lnd::tls::PinnedCertVerifier::from_pem(&d.tls_cert()).expect("cert");
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .dangerous()
    .with_custom_certificate_verifier(Arc::new(verifier))
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", d.rest_port))
        .await
        .expect("connect REST");
    connector
        .connect("127.0.0.1".try_into().expect("server name"), tcp)
        .await
        .expect("TLS handshake with the REST port")
}

fn parse_response(raw: &[u8]) -> HttpResponse {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    HttpResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].strip_prefix("\r\n").unwrap_or(&rest[n..]);
    }
    out
}

/// A streaming REST response (newline-delimited JSON over chunked HTTP).
pub struct RestStream {
    stream: tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    buf: Vec<u8>,
    taken: usize,
}

/// Opens a streaming REST endpoint such as /v1/state/subscribe.
pub async fn open_stream(d: &NativeDouble, path: &str) -> RestStream {
    let mut stream = tls_connect(d).await;
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    stream.write_all(req.as_bytes()).await.expect("write");
    RestStream {
        stream,
        buf: Vec::new(),
        taken: 0,
    }
}

impl RestStream {
    /// The next JSON message; panics if none arrives before `until`.
    pub async fn next_line(&mut self, until: Instant) -> String {
        let mut chunk = [0u8; 4096];
        loop {
            let text = String::from_utf8_lossy(&self.buf).into_owned();
            if let Some((_, rest)) = text.split_once("\r\n\r\n") {
                let lines: Vec<String> = dechunk(&format!("{rest}\r\n0\r\n"))
                    .lines()
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect();
                if lines.len() > self.taken {
                    self.taken += 1;
                    return lines[self.taken - 1].clone();
                }
            }
            let left = until.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.stream.read(&mut chunk)).await {
                Ok(Ok(0)) | Err(_) => panic!("no further message on the stream: {text}"),
                Ok(Ok(k)) => self.buf.extend_from_slice(&chunk[..k]),
                Ok(Err(e)) => panic!("read: {e}"),
            }
        }
    }
}
