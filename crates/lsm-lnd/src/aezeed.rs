//! The outer layer of lnd's aezeed cipher seed (aezeed/cipherseed.go;
//! lnd-facts §9), which needs no passphrase: 24 words, each an 11-bit index
//! into the BIP39 English list, read MSB-first give 33 bytes — version 0,
//! the AEZ ciphertext and salt, and a CRC-32C over the first 29 bytes.
//! lsm checks a seed.txt with it offline; the lnd double builds its seeds
//! with it. The inner layer (scrypt + AEZ) is the double's alone.

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
}
