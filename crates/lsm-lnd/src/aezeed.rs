//! lnd's aezeed cipher seed (aezeed/cipherseed.go; lnd-facts §9).
//!
//! The outer layer needs no passphrase: 24 words, each an 11-bit index
//! into the BIP39 English list, read MSB-first give 33 bytes — version 0,
//! the AEZ ciphertext and salt, and a CRC-32C over the first 29 bytes.
//! lsm checks a seed.txt with it offline.
//!
//! The inner layer ([`CipherSeed`]) is the AEZ encryption ([`crate::aez`],
//! a 4-byte tag, the version and salt as associated data, key =
//! scrypt(passphrase or "aezeed", salt, N=32768, r=8, p=1)) of {internal
//! version, birthday (days since the genesis block, u16 BE), 16 bytes of
//! entropy}. The 16-byte entropy is the wallet's BIP32 seed: lnd passes
//! `cipherSeed.Entropy[:]` to btcwallet's CreateNewWallet, which makes the
//! master key with `hdkeychain.NewMaster` (HMAC-SHA512 keyed "Bitcoin
//! seed"). lsm deciphers a proven seed.txt for the master key fingerprint;
//! the lnd double enciphers its seeds with it.

use zeroize::Zeroizing;

/// Words in an aezeed mnemonic.
pub const NUM_WORDS: usize = 24;
/// Bytes the words encode.
pub const ENCIPHERED_SIZE: usize = 33;
/// The only cipher seed version lnd writes and accepts.
pub const CIPHER_SEED_VERSION: u8 = 0;
/// Where the big-endian CRC-32C starts; it covers every byte before it.
pub const CHECKSUM_OFFSET: usize = 29;

/// Why words are not an aezeed seed, in the order lnd checks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OuterError {
    /// Word `index` (0-based) is not in the BIP39 English list.
    #[error("word {} is not in the BIP39 English word list", index + 1)]
    UnknownWord { index: usize },
    /// The first byte is not version 0.
    #[error("it is not an aezeed seed lnd accepts (cipher seed version {0}, not 0)")]
    WrongVersion(u8),
    /// The CRC-32C does not match.
    #[error("its checksum does not match: a word is wrong, missing or out of order")]
    Checksum,
}

/// The 33 bytes of `words`, as lnd reads them: missing words count as
/// empty (unknown), extra ones are ignored.
pub fn words_to_bytes(words: &[String]) -> Result<Zeroizing<[u8; ENCIPHERED_SIZE]>, OuterError> {
    let mut bytes = Zeroizing::new([0u8; ENCIPHERED_SIZE]);
    for i in 0..NUM_WORDS {
        let word = words.get(i).map(String::as_str).unwrap_or("");
        let index = bip39::Language::English
            .find_word(word)
            .ok_or(OuterError::UnknownWord { index: i })?;
        for b in 0..11 {
            if (index >> (10 - b)) & 1 == 1 {
                let bit = i * 11 + b;
                bytes[bit / 8] |= 0x80 >> (bit % 8);
            }
        }
    }
    Ok(bytes)
}

/// The 24 words of `bytes`.
pub fn bytes_to_words(bytes: &[u8; ENCIPHERED_SIZE]) -> Zeroizing<Vec<String>> {
    let list = bip39::Language::English.word_list();
    let mut words = Zeroizing::new(Vec::with_capacity(NUM_WORDS));
    for i in 0..NUM_WORDS {
        let mut index = 0usize;
        for bit in i * 11..i * 11 + 11 {
            index = (index << 1) | usize::from((bytes[bit / 8] >> (7 - bit % 8)) & 1);
        }
        words.push(list[index].to_string());
    }
    words
}

/// Bytes of entropy an aezeed seed holds: the wallet's BIP32 seed.
pub const ENTROPY_SIZE: usize = 16;
/// lnd's `keychain.CurrentKeyDerivationVersion`.
pub const INTERNAL_VERSION: u8 = 1;
/// Bytes of salt.
pub const SALT_SIZE: usize = 5;
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

/// A deciphered seed. `Debug` shows neither entropy nor salt.
pub struct CipherSeed {
    pub internal_version: u8,
    /// Days since the genesis block.
    pub birthday: u16,
    /// The wallet's BIP32 seed.
    pub entropy: Zeroizing<[u8; ENTROPY_SIZE]>,
    pub salt: [u8; SALT_SIZE],
}

/// Why words are not a seed, in aezeed's words and lnd's order.
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

impl std::error::Error for SeedError {}

impl std::fmt::Debug for CipherSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CipherSeed")
            .field("internal_version", &self.internal_version)
            .field("birthday", &self.birthday)
            .finish_non_exhaustive()
    }
}

impl CipherSeed {
    /// A seed with the given entropy, salt and a birthday of `now_unix`.
    pub fn new(entropy: [u8; ENTROPY_SIZE], now_unix: u64, salt: [u8; SALT_SIZE]) -> CipherSeed {
        let days = now_unix.saturating_sub(BITCOIN_GENESIS) / 86_400;
        CipherSeed {
            internal_version: INTERNAL_VERSION,
            birthday: u16::try_from(days).unwrap_or(u16::MAX),
            entropy: Zeroizing::new(entropy),
            salt,
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
        let ct = crate::aez::encrypt(&key[..], &[], &[&ad], TAG_SIZE, &plain[..]);
        let mut out = Zeroizing::new([0u8; ENCIPHERED_SIZE]);
        out[0] = CIPHER_SEED_VERSION;
        out[1..SALT_OFFSET].copy_from_slice(&ct);
        out[SALT_OFFSET..CHECKSUM_OFFSET].copy_from_slice(&self.salt);
        seal_checksum(&mut out);
        out
    }

    /// The 24 words (GenSeedResponse.cipher_seed_mnemonic).
    pub fn to_mnemonic(&self, passphrase: &[u8]) -> Zeroizing<Vec<String>> {
        bytes_to_words(&self.encipher(passphrase))
    }

    /// lnd's `Mnemonic.ToCipherSeed`: as in InitWallet, the input is copied
    /// into a 24-word array (missing words are empty, extra ones dropped).
    /// Runs scrypt (32 MiB, a fraction of a second optimised).
    pub fn from_mnemonic(words: &[String], passphrase: &[u8]) -> Result<CipherSeed, SeedError> {
        let bytes = words_to_bytes(words).map_err(|e| match e {
            OuterError::UnknownWord { index } => SeedError::UnknownWord {
                word: words.get(index).cloned().unwrap_or_default(),
                index,
            },
            OuterError::WrongVersion(_) => SeedError::WrongVersion,
            OuterError::Checksum => SeedError::Checksum,
        })?;
        Self::decipher(&bytes, passphrase)
    }

    /// Deciphers the 33 bytes (outer checks first, as lnd makes them).
    pub fn decipher(
        bytes: &[u8; ENCIPHERED_SIZE],
        passphrase: &[u8],
    ) -> Result<CipherSeed, SeedError> {
        check_outer(bytes).map_err(|e| match e {
            OuterError::WrongVersion(_) => SeedError::WrongVersion,
            _ => SeedError::Checksum,
        })?;
        let mut salt = [0u8; SALT_SIZE];
        salt.copy_from_slice(&bytes[SALT_OFFSET..CHECKSUM_OFFSET]);
        let key = derive_key(passphrase, &salt);
        let ad = associated_data(&salt);
        let plain = crate::aez::decrypt(&key[..], &[], &[&ad], TAG_SIZE, &bytes[1..SALT_OFFSET])
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

/// lnd's outer checks, before it asks for the passphrase: version, then
/// checksum.
pub fn check_outer(bytes: &[u8; ENCIPHERED_SIZE]) -> Result<(), OuterError> {
    if bytes[0] != CIPHER_SEED_VERSION {
        return Err(OuterError::WrongVersion(bytes[0]));
    }
    let mut want = [0u8; 4];
    want.copy_from_slice(&bytes[CHECKSUM_OFFSET..]);
    if crc32c(&bytes[..CHECKSUM_OFFSET]) != u32::from_be_bytes(want) {
        return Err(OuterError::Checksum);
    }
    Ok(())
}

/// Writes the checksum of the first 29 bytes into the last four.
pub fn seal_checksum(bytes: &mut [u8; ENCIPHERED_SIZE]) {
    let crc = crc32c(&bytes[..CHECKSUM_OFFSET]);
    bytes[CHECKSUM_OFFSET..].copy_from_slice(&crc.to_be_bytes());
}

/// CRC-32C (Castagnoli), bit by bit: 29 bytes do not need a table.
pub fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0x82F6_3B78 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_the_standard_check_value() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    }

    #[test]
    fn words_and_bytes_round_trip_and_checks_run_in_lnd_order() {
        let mut bytes = [0u8; ENCIPHERED_SIZE];
        for (i, b) in bytes.iter_mut().enumerate().skip(1) {
            *b = (i as u8).wrapping_mul(37);
        }
        seal_checksum(&mut bytes);
        let words = bytes_to_words(&bytes);
        let back = words_to_bytes(&words).unwrap();
        assert_eq!(*back, bytes);
        assert_eq!(check_outer(&back), Ok(()));

        let mut swapped = words.to_vec();
        swapped.swap(3, 4);
        assert_eq!(
            check_outer(&words_to_bytes(&swapped).unwrap()),
            Err(OuterError::Checksum)
        );

        let mut v1 = bytes;
        v1[0] = 1;
        seal_checksum(&mut v1);
        assert_eq!(check_outer(&v1), Err(OuterError::WrongVersion(1)));

        let short = words[..23].to_vec();
        assert_eq!(
            words_to_bytes(&short).unwrap_err(),
            OuterError::UnknownWord { index: 23 }
        );
    }

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
            let seed = CipherSeed::new(entropy, 1_700_000_000, [3, 1, 4, 1, 5]);
            let words = seed.to_mnemonic(pass);
            assert_eq!(words.len(), 24);
            let back = CipherSeed::from_mnemonic(&words, pass).unwrap();
            assert_eq!(*back.entropy, entropy);
            assert_eq!(back.birthday, seed.birthday);
            assert_eq!(back.internal_version, INTERNAL_VERSION);
            assert!(
                !format!("{back:?}").contains("7, 7"),
                "Debug shows no entropy"
            );
        }
    }

    #[test]
    fn refuses_bad_words_in_lnd_order() {
        let seed = CipherSeed::new([1u8; ENTROPY_SIZE], 1_700_000_000, [9; SALT_SIZE]);
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
