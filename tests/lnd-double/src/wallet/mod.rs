//! The wallet file, `<networkdir>/wallet.db`: the BIP32 master key and the
//! birthday, encrypted with the wallet password. Its existence is what
//! makes lnd start LOCKED instead of NON_EXISTING; opening it is how the
//! password is checked. The seed words are never stored.

pub mod crypto;
pub mod seed;

use crate::fsutil;
use crate::network::Network;
use bip32::{ChildNumber, ExtendedKey, ExtendedKeyAttrs, XPrv};
use crypto::{KdfParams, Sealed};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

const FORMAT: &str = "lnd-double wallet.db v1";
pub const FILE_NAME: &str = "wallet.db";

/// The wallet's root key material.
pub struct Master {
    pub key: Zeroizing<[u8; 32]>,
    pub chain_code: Zeroizing<[u8; 32]>,
    pub birthday_unix: u64,
}

impl std::fmt::Debug for Master {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Master")
            .field("birthday_unix", &self.birthday_unix)
            .finish_non_exhaustive()
    }
}

impl Master {
    /// BIP32 `NewMaster(entropy)`, as lnd derives the wallet root from the
    /// aezeed entropy.
    pub fn from_entropy(entropy: &[u8], birthday_unix: u64) -> Result<Master, String> {
        let xprv = XPrv::new(entropy).map_err(|e| format!("unable to derive master key: {e}"))?;
        Ok(Master::from_xprv(&xprv, birthday_unix))
    }

    pub fn from_xprv(xprv: &XPrv, birthday_unix: u64) -> Master {
        Master {
            key: Zeroizing::new(xprv.to_bytes()),
            chain_code: Zeroizing::new(xprv.attrs().chain_code),
            birthday_unix,
        }
    }

    pub fn xprv(&self) -> Result<XPrv, String> {
        let mut key_bytes = [0u8; 33];
        key_bytes[1..].copy_from_slice(&self.key[..]);
        let ext = ExtendedKey {
            prefix: bip32::Prefix::XPRV,
            attrs: ExtendedKeyAttrs {
                depth: 0,
                parent_fingerprint: [0; 4],
                child_number: ChildNumber(0),
                chain_code: *self.chain_code,
            },
            key_bytes,
        };
        key_bytes.iter_mut().for_each(|b| *b = 0);
        XPrv::try_from(ext).map_err(|e| format!("corrupt master key: {e}"))
    }

    fn to_plaintext(&self) -> Zeroizing<Vec<u8>> {
        let mut v = Zeroizing::new(Vec::with_capacity(73));
        v.push(1);
        v.extend_from_slice(&self.key[..]);
        v.extend_from_slice(&self.chain_code[..]);
        v.extend_from_slice(&self.birthday_unix.to_be_bytes());
        v
    }

    fn from_plaintext(p: &[u8]) -> Option<Master> {
        if p.len() != 73 || p[0] != 1 {
            return None;
        }
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&p[1..33]);
        let mut chain_code = Zeroizing::new([0u8; 32]);
        chain_code.copy_from_slice(&p[33..65]);
        Some(Master {
            key,
            chain_code,
            birthday_unix: u64::from_be_bytes(p[65..73].try_into().ok()?),
        })
    }
}

#[derive(Serialize, Deserialize)]
struct WalletDb {
    format: String,
    network: String,
    kdf: KdfParams,
    sealed: Sealed,
}

/// Why a wallet could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// btcwallet's words for a wrong password.
    WrongPassword,
    NotFound,
    Corrupt(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::WrongPassword => f.write_str("invalid passphrase for master public key"),
            OpenError::NotFound => f.write_str("wallet not found"),
            OpenError::Corrupt(e) => write!(f, "{e}"),
        }
    }
}

/// The wallet.db of one network directory.
#[derive(Debug, Clone)]
pub struct WalletFile {
    path: PathBuf,
    network: Network,
}

impl WalletFile {
    pub fn new(network_dir: &Path, network: Network) -> WalletFile {
        WalletFile {
            path: network_dir.join(FILE_NAME),
            network,
        }
    }

    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    fn aad(&self) -> Vec<u8> {
        format!("{FORMAT}/{}", self.network.dir_name()).into_bytes()
    }

    /// Creates the wallet; fails if one exists.
    pub fn create(&self, password: &[u8], master: &Master) -> Result<(), String> {
        let bytes = self.encode(password, master)?;
        fsutil::write_new(&self.path, &bytes, 0o600)
            .map_err(|e| format!("unable to create wallet: {e}"))
    }

    fn encode(&self, password: &[u8], master: &Master) -> Result<Vec<u8>, String> {
        let kdf = KdfParams::fresh();
        let key = kdf.derive(password)?;
        let db = WalletDb {
            format: FORMAT.into(),
            network: self.network.dir_name().into(),
            kdf,
            sealed: crypto::seal(&key, &self.aad(), &master.to_plaintext()),
        };
        serde_json::to_vec_pretty(&db).map_err(|e| e.to_string())
    }

    pub fn open(&self, password: &[u8]) -> Result<Master, OpenError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(OpenError::NotFound),
            Err(e) => return Err(OpenError::Corrupt(format!("{}: {e}", self.path.display()))),
        };
        let db: WalletDb = serde_json::from_slice(&bytes)
            .map_err(|e| OpenError::Corrupt(format!("{} is corrupt: {e}", self.path.display())))?;
        if db.format != FORMAT || db.network != self.network.dir_name() {
            return Err(OpenError::Corrupt(format!(
                "{} is not an lnd-double {} wallet",
                self.path.display(),
                self.network.dir_name()
            )));
        }
        let key = db.kdf.derive(password).map_err(OpenError::Corrupt)?;
        let plain = crypto::open(&key, &self.aad(), &db.sealed).ok_or(OpenError::WrongPassword)?;
        Master::from_plaintext(&plain)
            .ok_or_else(|| OpenError::Corrupt(format!("{} is corrupt", self.path.display())))
    }

    /// Re-encrypts the wallet under a new password.
    pub fn change_password(&self, old: &[u8], new: &[u8]) -> Result<(), OpenError> {
        let master = self.open(old)?;
        let bytes = self.encode(new, &master).map_err(OpenError::Corrupt)?;
        fsutil::write_atomic(&self.path, &bytes, 0o600)
            .map_err(|e| OpenError::Corrupt(format!("unable to write wallet: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_open_and_wrong_password() {
        let dir = tempfile::tempdir().unwrap();
        let w = WalletFile::new(dir.path(), Network::Regtest);
        assert!(!w.exists());
        let master = Master::from_entropy(&[3u8; 16], 1_700_000_000).unwrap();
        w.create(b"password1", &master).unwrap();
        assert!(w.exists());
        assert!(w.create(b"password1", &master).is_err());

        let opened = w.open(b"password1").unwrap();
        assert_eq!(*opened.key, *master.key);
        assert_eq!(opened.birthday_unix, 1_700_000_000);
        assert_eq!(
            w.open(b"password2").unwrap_err().to_string(),
            "invalid passphrase for master public key"
        );

        // The key material is not on disk in the clear.
        let raw = std::fs::read(dir.path().join(FILE_NAME)).unwrap();
        assert!(!raw.windows(32).any(|win| win == &master.key[..]));

        w.change_password(b"password1", b"password2").unwrap();
        assert!(w.open(b"password1").is_err());
        assert_eq!(*w.open(b"password2").unwrap().key, *master.key);
    }

    #[test]
    fn master_from_entropy_is_bip32() {
        // BIP32 test vector 1: seed 000102…0f.
        let seed: Vec<u8> = (0u8..16).collect();
        let m = Master::from_entropy(&seed, 0).unwrap();
        assert_eq!(
            m.xprv().unwrap().to_string(bip32::Prefix::XPRV).as_str(),
            "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"
        );
    }
}
