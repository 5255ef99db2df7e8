//! Trusting exactly the signer's tls.cert (lnd-facts §3.3).
//!
//! lnd's self-signed cert is `CA:TRUE`, which rustls/webpki refuses as a
//! server certificate (`CaUsedAsEndEntity`), so ordinary CA trust cannot be
//! used. [`PinnedCertVerifier`] instead accepts the one certificate whose DER
//! bytes equal the pinned file — no chain building, no hostname matching,
//! nothing else — and still checks the handshake signatures with ring, so
//! only the holder of tls.key can complete the handshake. There is no
//! accept-any mode, by design.

use crate::fingerprint;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Why a tls.cert could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error(
        "no PEM CERTIFICATE block found (lnd's tls.cert starts with -----BEGIN CERTIFICATE-----)"
    )]
    NoCertificate,
    #[error("malformed PEM: {0}")]
    BadPem(String),
    #[error("not a valid X.509 certificate: {0}")]
    BadDer(String),
}

/// Parses the first `CERTIFICATE` block of a PEM file (lnd's tls.cert).
pub fn cert_der_from_pem(pem: &[u8]) -> Result<CertificateDer<'static>, CertError> {
    CertificateDer::from_pem_slice(pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => CertError::NoCertificate,
        other => CertError::BadPem(other.to_string()),
    })
}

/// `der` as Go's `pem.Encode` writes a certificate, which is how lnd writes
/// tls.cert: the BEGIN line, the base64 in lines of 64 characters, the END
/// line, each ending in a newline.
pub fn canonical_pem(der: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = b"-----BEGIN CERTIFICATE-----\n".to_vec();
    for line in b64.as_bytes().chunks(64) {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out.extend_from_slice(b"-----END CERTIFICATE-----\n");
    out
}

/// True when `pem` is exactly [`canonical_pem`] of the one certificate it
/// holds: then the DER a handshake presents determines the file byte for
/// byte.
pub fn is_canonical_cert_pem(pem: &[u8]) -> bool {
    cert_der_from_pem(pem).is_ok_and(|der| canonical_pem(&der) == pem)
}

/// The handshake presented a certificate other than the pinned one. Carried
/// inside rustls's error so the client can name it precisely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the server presented certificate {presented}, not the pinned {expected}")]
pub struct PinMismatch {
    /// `sha256:` fingerprint of the pinned certificate.
    pub expected: String,
    /// `sha256:` fingerprint of what the server presented.
    pub presented: String,
}

/// A rustls verifier that trusts exactly one certificate (by DER bytes).
#[derive(Debug)]
pub struct PinnedCertVerifier {
    pinned: CertificateDer<'static>,
    algs: WebPkiSupportedAlgorithms,
}

impl PinnedCertVerifier {
    /// Pins the first certificate in `pem`. Signatures are verified with
    /// ring's algorithms, the project's only crypto provider.
    pub fn from_pem(pem: &[u8]) -> Result<Self, CertError> {
        let pinned = cert_der_from_pem(pem)?;
        // Refuse garbage early: a pin that can never match is a config error.
        x509_parser::parse_x509_certificate(&pinned)
            .map_err(|e| CertError::BadDer(e.to_string()))?;
        Ok(Self::from_der(pinned))
    }

    pub fn from_der(pinned: CertificateDer<'static>) -> Self {
        PinnedCertVerifier {
            pinned,
            algs: rustls::crypto::ring::default_provider().signature_verification_algorithms,
        }
    }

    /// `sha256:` fingerprint of the pinned certificate.
    pub fn pinned_fingerprint(&self) -> String {
        fingerprint::short(&self.pinned)
    }
}

impl ServerCertVerifier for PinnedCertVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // Exact bytes: stronger than name + chain checks, and the only thing
        // that works with lnd's CA:TRUE self-signed cert. Validity dates are
        // deliberately not checked here; lnd regenerates an expired cert at
        // startup, which then no longer matches the pin.
        if end_entity.as_ref() == self.pinned.as_ref() {
            return Ok(ServerCertVerified::assertion());
        }
        let mismatch = PinMismatch {
            expected: fingerprint::short(&self.pinned),
            presented: fingerprint::short(end_entity),
        };
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(
            OtherError(Arc::new(mismatch)),
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// What plans and bundle checks need to know about a tls.cert.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertInfo {
    /// Full lowercase hex SHA-256 of the DER (the pin).
    pub sha256: String,
    pub common_name: Option<String>,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<IpAddr>,
    /// Seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// lnd's certs are CA:TRUE; anything else was not made by lnd.
    pub is_ca: bool,
}

impl CertInfo {
    pub fn from_pem(pem: &[u8]) -> Result<CertInfo, CertError> {
        CertInfo::from_der(&cert_der_from_pem(pem)?)
    }

    pub fn from_der(der: &[u8]) -> Result<CertInfo, CertError> {
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| CertError::BadDer(e.to_string()))?;
        let common_name = cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_string);
        let mut dns_names = Vec::new();
        let mut ip_addresses = Vec::new();
        let san = cert
            .subject_alternative_name()
            .map_err(|e| CertError::BadDer(format!("subjectAltName: {e}")))?;
        if let Some(san) = san {
            for name in &san.value.general_names {
                match name {
                    x509_parser::extensions::GeneralName::DNSName(d) => {
                        dns_names.push((*d).to_string())
                    }
                    x509_parser::extensions::GeneralName::IPAddress(b) => {
                        if let Some(ip) = ip_from_bytes(b) {
                            ip_addresses.push(ip);
                        }
                    }
                    _ => {}
                }
            }
        }
        let validity = cert.validity();
        Ok(CertInfo {
            sha256: fingerprint::sha256_hex(der),
            common_name,
            dns_names,
            ip_addresses,
            not_before: validity.not_before.timestamp(),
            not_after: validity.not_after.timestamp(),
            is_ca: cert.is_ca(),
        })
    }

    /// Whether the certificate has expired at `now`.
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        unix_seconds(now) > self.not_after
    }

    /// When it expires, as a SystemTime (saturating at the epoch).
    pub fn not_after_time(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.not_after.max(0) as u64)
    }

    /// Whether a client dialling `host` (a DNS name or IP literal, as in
    /// `remotesigner.rpchost`) would find it among the SANs. grpc-go checks
    /// this on the watch-only side; lsm's own pinned client does not need it.
    pub fn covers_host(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        match host.parse::<IpAddr>() {
            Ok(ip) => self.ip_addresses.contains(&ip),
            Err(_) => self.dns_names.iter().any(|d| d.eq_ignore_ascii_case(host)),
        }
    }
}

fn ip_from_bytes(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(b).ok().map(IpAddr::from),
        _ => None,
    }
}

fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der() -> Vec<u8> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let params = rcgen::CertificateParams::new(vec!["signer".to_string()]).unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn canonical_pem_round_trips_in_go_layout() {
        let der = der();
        let pem = canonical_pem(&der);
        let text = String::from_utf8(pem.clone()).unwrap();
        assert!(text.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(text.ends_with("\n-----END CERTIFICATE-----\n"));
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1..lines.len() - 2].iter().all(|l| l.len() == 64));
        assert!(lines[lines.len() - 2].len() <= 64);
        assert_eq!(cert_der_from_pem(&pem).unwrap().as_ref(), &der[..]);
        assert!(is_canonical_cert_pem(&pem));
    }

    #[test]
    fn other_encodings_of_the_same_certificate_are_not_canonical() {
        let pem = canonical_pem(&der());
        let text = String::from_utf8(pem.clone()).unwrap();
        let crlf = text.replace('\n', "\r\n");
        let mut two = pem.clone();
        two.extend_from_slice(&pem);
        let mut trailing = pem.clone();
        trailing.push(b'\n');
        for bad in [
            crlf.as_bytes(),
            &two[..],
            &trailing[..],
            &pem[..pem.len() - 1],
            b"junk",
        ] {
            assert!(
                !is_canonical_cert_pem(bad),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
