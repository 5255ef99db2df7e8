//! Password-based encryption for wallet.db and macaroons.db: a key from
//! PBKDF2-HMAC-SHA256 over the wallet password, AES-256-GCM with a random
//! nonce. lnd uses scrypt + NaCl secretbox (btcwallet's snacl); the shape
//! is the same: nothing secret is on disk in the clear, and a wrong
//! password is detected, not decrypted into garbage.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use serde::{Deserialize, Serialize};
use std::num::NonZeroU32;
use zeroize::Zeroizing;

/// PBKDF2 rounds for the wallet password. High enough that the files are
/// not trivially brute-forced, low enough that tests unlocking many
/// wallets stay fast.
pub const PASSWORD_ITERATIONS: u32 = 20_000;

pub type Key = Zeroizing<[u8; 32]>;

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS RNG failing is unrecoverable for a wallet; there is no sane
    // fallback for key material.
    getrandom::fill(&mut b)
        .unwrap_or_else(|e| panic!("the OS random number generator failed: {e}"));
    b
}

/// The KDF parameters stored next to the ciphertext.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KdfParams {
    pub name: String,
    pub iterations: u32,
    #[serde(with = "b64")]
    pub salt: Vec<u8>,
}

impl KdfParams {
    pub fn fresh() -> Self {
        KdfParams {
            name: "pbkdf2-hmac-sha256".into(),
            iterations: PASSWORD_ITERATIONS,
            salt: random_bytes::<16>().to_vec(),
        }
    }

    pub fn derive(&self, password: &[u8]) -> Result<Key, String> {
        if self.name != "pbkdf2-hmac-sha256" {
            return Err(format!("unknown key derivation {:?}", self.name));
        }
        let iterations = NonZeroU32::new(self.iterations)
            .ok_or_else(|| "key derivation with zero iterations".to_string())?;
        let mut key = Zeroizing::new([0u8; 32]);
        ring::pbkdf2::derive(
            ring::pbkdf2::PBKDF2_HMAC_SHA256,
            iterations,
            &self.salt,
            password,
            &mut key[..],
        );
        Ok(key)
    }
}

/// An AES-256-GCM ciphertext with its nonce.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sealed {
    #[serde(with = "b64")]
    pub nonce: Vec<u8>,
    #[serde(with = "b64")]
    pub ciphertext: Vec<u8>,
}

pub fn seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Sealed {
    let nonce = random_bytes::<NONCE_LEN>();
    let mut buf = plaintext.to_vec();
    let sealing = LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, key).unwrap_or_else(|_| unreachable!("32-byte AES key")),
    );
    sealing
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut buf,
        )
        .unwrap_or_else(|_| unreachable!("in-memory AES-GCM sealing of a small buffer"));
    Sealed {
        nonce: nonce.to_vec(),
        ciphertext: buf,
    }
}

/// `None` when the key is wrong or the data was tampered with.
pub fn open(key: &[u8; 32], aad: &[u8], sealed: &Sealed) -> Option<Zeroizing<Vec<u8>>> {
    let nonce: [u8; NONCE_LEN] = sealed.nonce.as_slice().try_into().ok()?;
    let opening = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).ok()?);
    let mut buf = Zeroizing::new(sealed.ciphertext.clone());
    let len = opening
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut buf[..],
        )
        .ok()?
        .len();
    buf.truncate(len);
    Some(buf)
}

/// Serde helper: bytes as standard base64 strings.
pub mod b64 {
    use super::*;

    pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&B64.encode(v))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        B64.decode(s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_key() {
        let kdf = KdfParams::fresh();
        let key = kdf.derive(b"correct horse").unwrap();
        let sealed = seal(&key, b"aad", b"secret");
        assert_eq!(&open(&key, b"aad", &sealed).unwrap()[..], b"secret");
        let wrong = kdf.derive(b"wrong horse").unwrap();
        assert!(open(&wrong, b"aad", &sealed).is_none());
        assert!(open(&key, b"other aad", &sealed).is_none());
        assert!(!sealed.ciphertext.windows(6).any(|w| w == b"secret"));
    }
}
