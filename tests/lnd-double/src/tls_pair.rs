//! The checks lnd runs on tls.cert and tls.key at every start, with Go's
//! words: `TLSManager.ensureEncryption` (tls_manager.go L276–298: a key that
//! is not a plain "EC PRIVATE KEY" PEM is taken for an encrypted one), then
//! `cert.LoadCert` → Go's `tls.X509KeyPair` (crypto/tls/tls.go) and
//! `x509.ParseCertificate`.

use crate::logging;
use zeroize::Zeroizing;

/// tls_manager.go `privateKeyPrefix` (L40): any PEM counts as plaintext.
const PRIVATE_KEY_PREFIX: &[u8] = b"-----BEGIN ";

/// ensureEncryption without `tlsencryptkey`.
pub fn check_not_encrypted(key_pem: &[u8]) -> Result<(), String> {
    if key_pem.starts_with(PRIVATE_KEY_PREFIX) {
        return Ok(());
    }
    logging::error("LTND", "The TLS private key is encrypted on disk.");
    Err(
        "the TLS key is encrypted but the --tlsencryptkey flag is not passed. Please either \
         restart lnd with the --tlsencryptkey flag or delete the TLS files for regeneration"
            .into(),
    )
}

/// Go's `tls.X509KeyPair` followed by `x509.ParseCertificate` of the first
/// certificate; returns that certificate's DER.
pub fn x509_key_pair(cert_pem: &[u8], key_pem: &[u8]) -> Result<Vec<u8>, String> {
    let mut certs = Vec::new();
    let mut skipped = Vec::new();
    for (label, der) in pem_blocks(cert_pem) {
        if label == "CERTIFICATE" {
            certs.push(der);
        } else {
            skipped.push(label);
        }
    }
    let Some(cert_der) = certs.into_iter().next() else {
        return Err(match skipped.as_slice() {
            [] => "tls: failed to find any PEM data in certificate input".into(),
            [one] if one.ends_with("PRIVATE KEY") => {
                "tls: failed to find certificate PEM data in certificate input, but did find a \
                 private key; PEM inputs may have been switched"
                    .into()
            }
            _ => format!(
                "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after \
                 skipping PEM blocks of the following types: [{}]",
                skipped.join(" ")
            ),
        });
    };
    let mut skipped = Vec::new();
    let mut key_der = None;
    for (label, der) in pem_blocks(key_pem) {
        if label == "PRIVATE KEY" || label.ends_with(" PRIVATE KEY") {
            key_der = Some(der);
            break;
        }
        skipped.push(label);
    }
    let Some(key_der) = key_der else {
        return Err(match skipped.as_slice() {
            [] => "tls: failed to find any PEM data in key input".into(),
            [one] if one == "CERTIFICATE" => {
                "tls: found a certificate rather than a key in the PEM for the private key".into()
            }
            _ => format!(
                "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input \
                 after skipping PEM blocks of the following types: [{}]",
                skipped.join(" ")
            ),
        });
    };
    let (_, cert) = x509_parser::parse_x509_certificate(&cert_der)
        .map_err(|_| "x509: malformed certificate".to_string())?;
    let spki = cert.public_key();
    let is_p256 = spki.algorithm.algorithm.to_id_string() == "1.2.840.10045.2.1"
        && spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .is_some_and(|o| o.to_id_string() == "1.2.840.10045.3.1.7");
    let public = spki.subject_public_key.data.to_vec();
    let scalar =
        private_scalar(&key_der).ok_or_else(|| "tls: failed to parse private key".to_string())?;
    if !is_p256 {
        return Err("tls: private key type does not match public key type".into());
    }
    // ring refuses a key pair whose public key is not the private key's.
    ring::signature::EcdsaKeyPair::from_private_key_and_public_key(
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &scalar,
        &public,
        &ring::rand::SystemRandom::new(),
    )
    .map_err(|_| "tls: private key does not match public key".to_string())?;
    Ok(cert_der.to_vec())
}

/// The P-256 private scalar of a SEC1 ("EC PRIVATE KEY") or PKCS#8 key,
/// the forms lnd and Go read (x509.ParseECPrivateKey, ParsePKCS8PrivateKey).
fn private_scalar(der: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if let Some(s) = sec1_scalar(der) {
        return Some(s);
    }
    // PKCS#8: SEQUENCE { version, AlgorithmIdentifier, OCTET STRING { SEC1 } }.
    let (body, _) = der_tlv(der, 0x30)?;
    let (_, rest) = der_tlv(body, 0x02)?;
    let (_, rest) = der_tlv(rest, 0x30)?;
    let (inner, _) = der_tlv(rest, 0x04)?;
    sec1_scalar(inner)
}

/// SEC1 ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING scalar, ... }.
fn sec1_scalar(der: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let (body, _) = der_tlv(der, 0x30)?;
    let (version, rest) = der_tlv(body, 0x02)?;
    if version != [1] {
        return None;
    }
    let (scalar, _) = der_tlv(rest, 0x04)?;
    (scalar.len() == 32).then(|| Zeroizing::new(scalar.to_vec()))
}

/// One DER TLV with the expected tag: (contents, rest).
fn der_tlv(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    if *input.first()? != tag {
        return None;
    }
    let first = *input.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 2 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*input.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = hdr.checked_add(len)?;
    Some((input.get(hdr..end)?, input.get(end..)?))
}

/// Go's `pem.Decode` applied until the input is used up: every well-formed
/// block in order, malformed ones skipped (headers are not supported; lnd
/// writes none).
pub fn pem_blocks(data: &[u8]) -> Vec<(String, Zeroizing<Vec<u8>>)> {
    use base64::Engine;
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    let mut rest: &str = &text;
    loop {
        let after_begin = if let Some(r) = rest.strip_prefix("-----BEGIN ") {
            r
        } else if let Some(i) = rest.find("\n-----BEGIN ") {
            &rest[i + "\n-----BEGIN ".len()..]
        } else {
            return out;
        };
        rest = after_begin;
        let (type_line, body) = match after_begin.split_once('\n') {
            Some((l, b)) => (l.trim_end_matches([' ', '\t', '\r']), b),
            None => (after_begin.trim_end_matches([' ', '\t', '\r']), ""),
        };
        let Some(label) = type_line.strip_suffix("-----") else {
            continue;
        };
        let end_marker = format!("-----END {label}-----");
        let (b64, after_end) = if let Some(r) = body.strip_prefix(end_marker.as_str()) {
            ("", r)
        } else if let Some(i) = body.find(&format!("\n{end_marker}")) {
            (&body[..i], &body[i + 1 + end_marker.len()..])
        } else {
            continue;
        };
        let end_line = after_end.split('\n').next().unwrap_or("");
        if !end_line.trim_end_matches([' ', '\t', '\r']).is_empty() {
            continue;
        }
        let compact: String = b64
            .chars()
            .filter(|c| !matches!(c, ' ' | '\t' | '\r' | '\n'))
            .collect();
        let Ok(der) = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()) else {
            continue;
        };
        out.push((label.to_string(), Zeroizing::new(der)));
        rest = after_end.split_once('\n').map(|(_, r)| r).unwrap_or("");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TlsSettings;
    use std::time::Duration;

    fn pair() -> (String, Vec<u8>) {
        let settings = TlsSettings {
            cert_path: "/nonexistent/tls.cert".into(),
            key_path: "/nonexistent/tls.key".into(),
            extra_ips: vec![],
            extra_domains: vec![],
            auto_refresh: false,
            disable_autofill: true,
            cert_duration: Duration::from_secs(3600),
        };
        let (cert, key) = crate::tls::generate(&settings).unwrap();
        (cert, key.to_vec())
    }

    #[test]
    fn lnds_own_pair_passes() {
        let (cert, key) = pair();
        check_not_encrypted(&key).unwrap();
        let der = x509_key_pair(cert.as_bytes(), &key).unwrap();
        assert!(!der.is_empty());
    }

    #[test]
    fn broken_inputs_fail_with_gos_words() {
        let (cert, key) = pair();
        let (_, other_key) = pair();
        let err = |c: &[u8], k: &[u8]| x509_key_pair(c, k).unwrap_err();
        assert_eq!(
            err(b"not a certificate\n", &key),
            "tls: failed to find any PEM data in certificate input"
        );
        assert_eq!(
            err(&key, &key),
            "tls: failed to find certificate PEM data in certificate input, but did find a \
             private key; PEM inputs may have been switched"
        );
        assert_eq!(
            err(cert.as_bytes(), b"junk"),
            "tls: failed to find any PEM data in key input"
        );
        assert_eq!(
            err(cert.as_bytes(), cert.as_bytes()),
            "tls: found a certificate rather than a key in the PEM for the private key"
        );
        assert_eq!(
            err(cert.as_bytes(), &other_key),
            "tls: private key does not match public key"
        );
        let bad_cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(
            err(bad_cert.as_bytes(), &key),
            "x509: malformed certificate"
        );
        assert!(
            check_not_encrypted(b"garbage")
                .unwrap_err()
                .starts_with("the TLS key is encrypted but the --tlsencryptkey flag is not passed")
        );
    }
}
