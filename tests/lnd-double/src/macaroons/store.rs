//! lnd's macaroon root key store (macaroons/store.go), persisted as
//! `<networkdir>/macaroons.db`: 32-byte root keys by storage id (ASCII
//! decimal, "0" for the default key), each encrypted with a key derived
//! from the wallet password. A new id gets a fresh random key; id 0 can
//! never be deleted; deleting an id revokes every macaroon baked with it.

use crate::fsutil;
use crate::wallet::crypto::{self, KdfParams, Key, Sealed};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

const FORMAT: &str = "lnd-double macaroons.db v1";
pub const FILE_NAME: &str = "macaroons.db";
/// lnd's DefaultRootKeyID.
pub const DEFAULT_ROOT_KEY_ID: &[u8] = b"0";
/// The bucket key lnd keeps its encryption key under; never a root key id.
const ENCRYPTION_KEY_ID: &[u8] = b"enckey";
const CHECK_PLAINTEXT: &[u8] = b"lnd-double macaroon store";

pub type RootKey = Zeroizing<[u8; 32]>;

#[derive(Serialize, Deserialize)]
struct StoreFile {
    format: String,
    kdf: KdfParams,
    /// Encrypts a known constant, so a wrong password is detected.
    check: Sealed,
    /// Root keys by storage id, in bolt's byte order.
    keys: BTreeMap<String, Sealed>,
}

/// An unlocked root key store.
pub struct RootKeyStore {
    path: PathBuf,
    kdf: KdfParams,
    enc_key: Key,
    check: Sealed,
    keys: BTreeMap<Vec<u8>, RootKey>,
}

impl RootKeyStore {
    /// lnd's `CreateUnlock`: opens the store with the password, creating it
    /// on first use.
    pub fn open_or_create(network_dir: &Path, password: &[u8]) -> Result<RootKeyStore, String> {
        let path = network_dir.join(FILE_NAME);
        match std::fs::read(&path) {
            Ok(bytes) => Self::decode(path, &bytes, password),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let kdf = KdfParams::fresh();
                let enc_key = kdf.derive(password)?;
                let check = crypto::seal(&enc_key, FORMAT.as_bytes(), CHECK_PLAINTEXT);
                let store = RootKeyStore {
                    path,
                    kdf,
                    enc_key,
                    check,
                    keys: BTreeMap::new(),
                };
                store.persist()?;
                Ok(store)
            }
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    fn decode(path: PathBuf, bytes: &[u8], password: &[u8]) -> Result<RootKeyStore, String> {
        let file: StoreFile = serde_json::from_slice(bytes)
            .map_err(|e| format!("{} is corrupt: {e}", path.display()))?;
        if file.format != FORMAT {
            return Err(format!(
                "{} is not an lnd-double macaroon store",
                path.display()
            ));
        }
        let enc_key = file.kdf.derive(password)?;
        if crypto::open(&enc_key, FORMAT.as_bytes(), &file.check).is_none() {
            return Err("invalid password".into());
        }
        let mut keys = BTreeMap::new();
        for (id, sealed) in &file.keys {
            let plain = crypto::open(&enc_key, id.as_bytes(), sealed)
                .ok_or_else(|| format!("{} is corrupt: root key {id}", path.display()))?;
            let key: [u8; 32] = plain[..]
                .try_into()
                .map_err(|_| format!("{} is corrupt: root key {id}", path.display()))?;
            keys.insert(id.as_bytes().to_vec(), Zeroizing::new(key));
        }
        Ok(RootKeyStore {
            path,
            kdf: file.kdf,
            enc_key,
            check: file.check,
            keys,
        })
    }

    fn persist(&self) -> Result<(), String> {
        let keys = self
            .keys
            .iter()
            .map(|(id, key)| {
                let id = String::from_utf8_lossy(id).into_owned();
                let sealed = crypto::seal(&self.enc_key, id.as_bytes(), &key[..]);
                (id, sealed)
            })
            .collect();
        let file = StoreFile {
            format: FORMAT.into(),
            kdf: self.kdf.clone(),
            check: self.check.clone(),
            keys,
        };
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| e.to_string())?;
        fsutil::write_atomic(&self.path, &bytes, 0o600)
            .map_err(|e| format!("unable to write {}: {e}", self.path.display()))
    }

    /// The root key for a macaroon's storage id (`RootKeyStorage.Get`).
    pub fn get(&self, id: &[u8]) -> Result<&RootKey, String> {
        self.keys.get(id).ok_or_else(|| {
            format!(
                "root key with id {} doesn't exist",
                String::from_utf8_lossy(id)
            )
        })
    }

    /// `RootKeyStorage.RootKey`: the key to bake with, created on first use.
    pub fn root_key(&mut self, id: &[u8]) -> Result<RootKey, String> {
        if id == ENCRYPTION_KEY_ID {
            return Err("root key ID value is not allowed".into());
        }
        if let Some(k) = self.keys.get(id) {
            return Ok(k.clone());
        }
        let key = Zeroizing::new(crypto::random_bytes::<32>());
        self.keys.insert(id.to_vec(), key.clone());
        self.persist()?;
        Ok(key)
    }

    /// `SetRootKey`: InitWallet's `macaroon_root_key` replaces key 0.
    pub fn set_default_root_key(&mut self, key: &[u8; 32]) -> Result<(), String> {
        self.keys
            .insert(DEFAULT_ROOT_KEY_ID.to_vec(), Zeroizing::new(*key));
        self.persist()
    }

    /// Every storage id, in bolt's byte order ("0", "1", "10", "2").
    pub fn ids(&self) -> Vec<Vec<u8>> {
        self.keys.keys().cloned().collect()
    }

    /// `DeleteMacaroonID`: `Ok(false)` when the id was not there.
    pub fn delete(&mut self, id: &[u8]) -> Result<bool, String> {
        if id.is_empty() {
            return Err("missing root key ID".into());
        }
        if id == ENCRYPTION_KEY_ID || id == DEFAULT_ROOT_KEY_ID {
            return Err("the specified ID cannot be deleted".into());
        }
        if self.keys.remove(id).is_none() {
            return Ok(false);
        }
        self.persist()?;
        Ok(true)
    }

    /// `GenerateNewRootKey`: a fresh key for id 0 and for every other id,
    /// which invalidates every macaroon baked so far.
    pub fn regenerate_all(&mut self) -> Result<(), String> {
        self.keys
            .entry(DEFAULT_ROOT_KEY_ID.to_vec())
            .or_insert_with(|| Zeroizing::new([0; 32]));
        for key in self.keys.values_mut() {
            *key = Zeroizing::new(crypto::random_bytes::<32>());
        }
        self.persist()
    }

    /// `ChangePassword`: re-encrypts every root key under the new password.
    pub fn change_password(&mut self, new_password: &[u8]) -> Result<(), String> {
        self.kdf = KdfParams::fresh();
        self.enc_key = self.kdf.derive(new_password)?;
        self.check = crypto::seal(&self.enc_key, FORMAT.as_bytes(), CHECK_PLAINTEXT);
        self.persist()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_persist_encrypted_and_deletion_rules_hold() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = RootKeyStore::open_or_create(dir.path(), b"password1").unwrap();
        let k0 = s.root_key(b"0").unwrap();
        let k10 = s.root_key(b"10").unwrap();
        let _k2 = s.root_key(b"2").unwrap();
        assert_ne!(*k0, *k10);
        assert_eq!(s.ids(), vec![b"0".to_vec(), b"10".to_vec(), b"2".to_vec()]);

        let raw = std::fs::read(dir.path().join(FILE_NAME)).unwrap();
        assert!(!raw.windows(32).any(|w| w == &k0[..]));

        let mut s = RootKeyStore::open_or_create(dir.path(), b"password1").unwrap();
        assert_eq!(*s.root_key(b"0").unwrap(), *k0);
        assert_eq!(
            RootKeyStore::open_or_create(dir.path(), b"password2")
                .err()
                .unwrap(),
            "invalid password"
        );

        assert_eq!(
            s.delete(b"0").unwrap_err(),
            "the specified ID cannot be deleted"
        );
        assert!(s.delete(b"10").unwrap());
        assert!(!s.delete(b"10").unwrap());
        assert_eq!(
            s.get(b"10").unwrap_err(),
            "root key with id 10 doesn't exist"
        );

        s.change_password(b"password2").unwrap();
        let s = RootKeyStore::open_or_create(dir.path(), b"password2").unwrap();
        assert_eq!(**s.get(b"0").unwrap(), *k0);
    }
}
