//! lnd's aezeed cipher seed (aezeed/cipherseed.go; lnd-facts §9): 33
//! bytes = outer version 0, the AEZ encryption (wallet/aez.rs, a 4-byte
//! tag, the version and salt as associated data, key = scrypt(passphrase or
//! "aezeed", salt, N=32768, r=8, p=1)) of {internal version, birthday (days
//! since the genesis block, u16 BE), 16 bytes of entropy}, a 5-byte salt
//! and a CRC-32C checksum; read MSB-first as 24 × 11-bit indices into the
//! BIP39 English list. Words from real lnd restore here and the double's
//! restore on real lnd. Errors come in lnd's order: unknown word, seed
//! version, checksum, passphrase.
//! The wallet's BIP32 root is the 16-byte entropy, as in lnd.

use super::aez;
use lsm_lnd::aezeed;
pub use lsm_lnd::aezeed::ENCIPHERED_SIZE;
use lsm_lnd::aezeed::{CHECKSUM_OFFSET, CIPHER_SEED_VERSION};
use zeroize::Zeroizing;

pub const ENTROPY_SIZE: usize = 16;
/// lnd's `keychain.CurrentKeyDerivationVersion`.
pub const INTERNAL_VERSION: u8 = 1;
const SALT_SIZE: usize = 5;
const PLAINTEXT_SIZE: usize = 19;
const TAG_SIZE: usize = 4;
const SALT_OFFSET: usize = 1 + PLAINTEXT_SIZE + TAG_SIZE;
/// Unix time of the bitcoin genesis block, aezeed's birthday epoch.
pub const BITCOIN_GENESIS: u64 = 1_231_006_505;
const DEFAULT_PASSPHRASE: &[u8] = b"aezeed";
/// aezeed's scrypt parameters: N = 2^15, r = 8, p = 1, a 32-byte key.
const SCRYPT_LOG_N: u8 = 15;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;

/// The decoded seed.
pub struct CipherSeed {
    pub internal_version: u8,
    /// Days since the genesis block.
    pub birthday: u16,
    pub entropy: Zeroizing<[u8; ENTROPY_SIZE]>,
    salt: [u8; SALT_SIZE],
}

/// Why words are not a seed, in aezeed's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedError {
    UnknownWord { word: String, index: usize },
    WrongVersion,
    Checksum,
    InvalidPass,
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The word is what the caller typed wrong; lnd echoes it too.
            SeedError::UnknownWord { word, index } => write!(
                f,
                "word {word} isn't a part of default word list (index={index})"
            ),
            SeedError::WrongVersion => f.write_str("wrong seed version"),
            SeedError::Checksum => f.write_str("mnemonic phrase checksum doesn't match"),
            SeedError::InvalidPass => f.write_str("invalid passphrase"),
        }
    }
}

impl std::fmt::Debug for CipherSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CipherSeed")
            .field("internal_version", &self.internal_version)
            .field("birthday", &self.birthday)
            .finish_non_exhaustive()
    }
}

impl CipherSeed {
    /// A fresh seed with the given entropy and a birthday of `now_unix`.
    pub fn new(entropy: [u8; ENTROPY_SIZE], now_unix: u64) -> CipherSeed {
        let days = now_unix.saturating_sub(BITCOIN_GENESIS) / 86_400;
        CipherSeed {
            internal_version: INTERNAL_VERSION,
            birthday: u16::try_from(days).unwrap_or(u16::MAX),
            entropy: Zeroizing::new(entropy),
            salt: super::crypto::random_bytes::<SALT_SIZE>(),
        }
    }

    /// The birthday as a Unix timestamp.
    pub fn birthday_unix(&self) -> u64 {
        BITCOIN_GENESIS + u64::from(self.birthday) * 86_400
    }

    /// The 33-byte enciphered seed (GenSeedResponse.enciphered_seed).
    pub fn encipher(&self, passphrase: &[u8]) -> Zeroizing<[u8; ENCIPHERED_SIZE]> {
        let mut plain = Zeroizing::new([0u8; PLAINTEXT_SIZE]);
        plain[0] = self.internal_version;
        plain[1..3].copy_from_slice(&self.birthday.to_be_bytes());
        plain[3..].copy_from_slice(&self.entropy[..]);

        let key = derive_key(passphrase, &self.salt);
        let ad = associated_data(&self.salt);
        let ct = aez::encrypt(&key[..], &[], &[&ad], TAG_SIZE, &plain[..]);
        let mut out = Zeroizing::new([0u8; ENCIPHERED_SIZE]);
        out[0] = CIPHER_SEED_VERSION;
        out[1..SALT_OFFSET].copy_from_slice(&ct);
        out[SALT_OFFSET..CHECKSUM_OFFSET].copy_from_slice(&self.salt);
        aezeed::seal_checksum(&mut out);
        out
    }

    /// The 24 words (GenSeedResponse.cipher_seed_mnemonic).
    pub fn to_mnemonic(&self, passphrase: &[u8]) -> Zeroizing<Vec<String>> {
        aezeed::bytes_to_words(&self.encipher(passphrase))
    }

    /// lnd's `Mnemonic.ToCipherSeed`: as in InitWallet, the input is copied
    /// into a 24-word array (missing words are empty, extra ones dropped).
    pub fn from_mnemonic(words: &[String], passphrase: &[u8]) -> Result<CipherSeed, SeedError> {
        let bytes = aezeed::words_to_bytes(words).map_err(|e| match e {
            aezeed::OuterError::UnknownWord { index } => SeedError::UnknownWord {
                word: words.get(index).cloned().unwrap_or_default(),
                index,
            },
            aezeed::OuterError::WrongVersion(_) => SeedError::WrongVersion,
            aezeed::OuterError::Checksum => SeedError::Checksum,
        })?;
        Self::decipher(&bytes, passphrase)
    }

    fn decipher(bytes: &[u8; ENCIPHERED_SIZE], passphrase: &[u8]) -> Result<CipherSeed, SeedError> {
        aezeed::check_outer(bytes).map_err(|e| match e {
            aezeed::OuterError::WrongVersion(_) => SeedError::WrongVersion,
            _ => SeedError::Checksum,
        })?;
        let mut salt = [0u8; SALT_SIZE];
        salt.copy_from_slice(&bytes[SALT_OFFSET..CHECKSUM_OFFSET]);
        let key = derive_key(passphrase, &salt);
        let ad = associated_data(&salt);
        let plain = aez::decrypt(&key[..], &[], &[&ad], TAG_SIZE, &bytes[1..SALT_OFFSET])
            .ok_or(SeedError::InvalidPass)?;
        let mut entropy = Zeroizing::new([0u8; ENTROPY_SIZE]);
        entropy.copy_from_slice(&plain[3..]);
        Ok(CipherSeed {
            internal_version: plain[0],
            birthday: u16::from_be_bytes([plain[1], plain[2]]),
            entropy,
            salt,
        })
    }
}

fn derive_key(passphrase: &[u8], salt: &[u8]) -> Zeroizing<[u8; 32]> {
    let pass = if passphrase.is_empty() {
        DEFAULT_PASSPHRASE
    } else {
        passphrase
    };
    let params = scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)
        .unwrap_or_else(|_| unreachable!("aezeed's scrypt parameters are valid"));
    let mut key = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(pass, salt, &params, &mut key[..])
        .unwrap_or_else(|_| unreachable!("a 32-byte output is valid"));
    key
}

fn associated_data(salt: &[u8; SALT_SIZE]) -> [u8; 1 + SALT_SIZE] {
    let mut ad = [0u8; 1 + SALT_SIZE];
    ad[0] = CIPHER_SEED_VERSION;
    ad[1..].copy_from_slice(salt);
    ad
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words real lnd v0.20.0-beta's GenSeed gave for entropy 01..10 (hex),
    /// with and without a passphrase (its salt is random; its birthday the
    /// day of the call).
    #[test]
    fn real_lnds_words_decipher_to_its_entropy() {
        let words = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        let entropy: Vec<u8> = (1..=16).collect();
        for (mnemonic, pass) in [
            (
                "abandon market hollow exit ignore danger wash stumble special oval exhibit \
                 alley brain cool engine hurt slender scatter sunny wear option fee clean denial",
                &b"wire truth"[..],
            ),
            (
                "able lemon zone punch shiver federal fortune census ritual twist rally gallery \
                 group young buffalo combine fragile era evidence supply ankle bamboo pulp cloud",
                &b""[..],
            ),
        ] {
            let seed = CipherSeed::from_mnemonic(&words(mnemonic), pass).unwrap();
            assert_eq!(&seed.entropy[..], &entropy[..]);
            assert_eq!(seed.internal_version, INTERNAL_VERSION);
            assert_eq!(seed.birthday, 6545);
            // Enciphered again with the same salt: the same words.
            assert_eq!(seed.to_mnemonic(pass).join(" "), mnemonic);
        }
        let err = CipherSeed::from_mnemonic(
            &words(
                "able lemon zone punch shiver federal fortune census ritual twist rally gallery \
                 group young buffalo combine fragile era evidence supply ankle bamboo pulp cloud",
            ),
            b"wire truth",
        )
        .unwrap_err();
        assert_eq!(err, SeedError::InvalidPass);
    }

    #[test]
    fn round_trips_with_and_without_passphrase() {
        let entropy = [7u8; ENTROPY_SIZE];
        for pass in [&b""[..], b"hunter2"] {
            let seed = CipherSeed::new(entropy, 1_700_000_000);
            let words = seed.to_mnemonic(pass);
            assert_eq!(words.len(), 24);
            let back = CipherSeed::from_mnemonic(&words, pass).unwrap();
            assert_eq!(*back.entropy, entropy);
            assert_eq!(back.birthday, seed.birthday);
            assert_eq!(back.internal_version, INTERNAL_VERSION);
        }
    }

    #[test]
    fn refuses_bad_words_in_lnd_order() {
        let seed = CipherSeed::new([1u8; ENTROPY_SIZE], 1_700_000_000);
        let words: Vec<String> = seed.to_mnemonic(b"").to_vec();

        let mut bad = words.clone();
        bad[3] = "notaword".into();
        assert_eq!(
            CipherSeed::from_mnemonic(&bad, b"")
                .unwrap_err()
                .to_string(),
            "word notaword isn't a part of default word list (index=3)"
        );
        assert_eq!(
            CipherSeed::from_mnemonic(&words[..23], b"")
                .unwrap_err()
                .to_string(),
            "word  isn't a part of default word list (index=23)"
        );

        // A different valid word breaks the checksum (or the version).
        let mut swapped = words.clone();
        swapped[10] = if words[10] == "abandon" {
            "ability".into()
        } else {
            "abandon".into()
        };
        assert!(matches!(
            CipherSeed::from_mnemonic(&swapped, b""),
            Err(SeedError::Checksum | SeedError::WrongVersion)
        ));

        assert_eq!(
            CipherSeed::from_mnemonic(&words, b"wrong").unwrap_err(),
            SeedError::InvalidPass
        );
    }
}
