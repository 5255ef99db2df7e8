//! seed.txt: the 24 words lnd's GenSeed returned and, when lsm generated
//! them, a `# birthday` comment line written in the same atomic write, so
//! the seed and its birthday can never be separated by a crash.
//!
//! The words are an aezeed cipher seed (lnd-facts §9): 24 × 11-bit indices
//! into the BIP39 English list give 33 bytes — version 0, ciphertext, salt
//! and a CRC-32C over the first 29 bytes. The checksum needs no passphrase,
//! so lsm checks a seed file offline, long before it is needed for a
//! restore: a backup that cannot restore anything is worth knowing about
//! while the wallet still exists.

use zeroize::Zeroizing;

use lsm_lnd::aezeed;

/// Words in an aezeed mnemonic.
pub(crate) const WORDS: usize = aezeed::NUM_WORDS;

/// What seed.txt holds.
pub(crate) struct SeedFile {
    pub words: Zeroizing<Vec<String>>,
    /// Unix time lsm generated the seed, when it recorded it.
    pub birthday: Option<u64>,
}

impl std::fmt::Debug for SeedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedFile")
            .field("words", &format_args!("<{} words>", self.words.len()))
            .field("birthday", &self.birthday)
            .finish()
    }
}

/// Parses seed.txt: the words separated by white space (one line as lsm
/// writes it, but any layout an operator restored is accepted); `#` starts
/// a comment line, and `# birthday <unix time>` records the birthday.
/// Errors name positions, never words.
pub(crate) fn parse(bytes: &[u8]) -> Result<SeedFile, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())?;
    let mut words = Zeroizing::new(Vec::new());
    let mut birthday = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix('#') {
            let mut parts = comment.split_whitespace();
            if parts.next() == Some("birthday") {
                birthday = parts.next().and_then(|t| t.parse().ok());
            }
            continue;
        }
        for w in line.split_whitespace() {
            words.push(w.to_ascii_lowercase());
        }
    }
    if words.len() != WORDS {
        return Err(format!("it holds {} words, not {WORDS}", words.len()));
    }
    for (i, w) in words.iter().enumerate() {
        if bip39::Language::English.find_word(w).is_none() {
            return Err(format!(
                "word {} is not in the BIP39 English word list",
                i + 1
            ));
        }
    }
    Ok(SeedFile { words, birthday })
}

/// Parses seed.txt and checks the words form an aezeed seed lnd accepts.
pub(crate) fn parse_and_check(bytes: &[u8]) -> Result<SeedFile, String> {
    let seed = parse(bytes)?;
    check_cipher_seed(&seed.words)?;
    Ok(seed)
}

/// The aezeed outer checks lnd makes before it asks for the passphrase:
/// the version byte and the CRC-32C checksum.
pub(crate) fn check_cipher_seed(words: &[String]) -> Result<(), String> {
    let encoded = aezeed::words_to_bytes(words).map_err(|e| e.to_string())?;
    aezeed::check_outer(&encoded).map_err(|e| e.to_string())
}

/// seed.txt's bytes: the birthday comment (when known), then the words on
/// one line.
pub(crate) fn format(words: &[String], birthday: Option<u64>) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(WORDS * 9 + 128));
    if let Some(t) = birthday {
        out.extend_from_slice(
            format!(
                "# birthday {t} (unix time lsm generated this seed; a watch-only import rescans from here)\n"
            )
            .as_bytes(),
        );
    }
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(w.as_bytes());
    }
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 24 words encoding `encoded` (33 bytes) MSB-first.
    fn words_of(encoded: &[u8; aezeed::ENCIPHERED_SIZE]) -> Vec<String> {
        aezeed::bytes_to_words(encoded).to_vec()
    }

    /// A well-formed cipher seed: version 0, arbitrary body, valid CRC.
    fn valid_encoded() -> [u8; aezeed::ENCIPHERED_SIZE] {
        let mut e = [0u8; aezeed::ENCIPHERED_SIZE];
        for (i, b) in e.iter_mut().enumerate().skip(1) {
            *b = (i as u8).wrapping_mul(37);
        }
        aezeed::seal_checksum(&mut e);
        e
    }

    #[test]
    fn a_valid_seed_passes_and_round_trips_with_its_birthday() {
        let words = words_of(&valid_encoded());
        check_cipher_seed(&words).unwrap();
        let bytes = format(&words, Some(1_764_460_000));
        let parsed = parse_and_check(&bytes).unwrap();
        assert_eq!(*parsed.words, words);
        assert_eq!(parsed.birthday, Some(1_764_460_000));
        let without = parse_and_check(&format(&words, None)).unwrap();
        assert_eq!(without.birthday, None);
    }

    #[test]
    fn damaged_seeds_are_refused_without_naming_a_word() {
        let good = words_of(&valid_encoded());
        // Two words swapped: every word is valid, the checksum is not.
        let mut swapped = good.clone();
        swapped.swap(3, 4);
        let err = check_cipher_seed(&swapped).unwrap_err();
        assert!(err.contains("checksum"), "{err}");
        // Another version byte.
        let mut e = valid_encoded();
        e[0] = 1;
        assert!(
            check_cipher_seed(&words_of(&e))
                .unwrap_err()
                .contains("version")
        );
        // Too few words, a word outside the list, empty, not UTF-8.
        assert!(parse(b"abandon ability").unwrap_err().contains("2 words"));
        let mut bad = good.clone();
        bad[4] = "notaword".into();
        let err = parse(&format(&bad, None)).unwrap_err();
        assert!(err.contains("word 5") && !err.contains("notaword"), "{err}");
        assert!(parse(b"").unwrap_err().contains("0 words"));
        assert!(parse(&[0xff, 0xfe]).is_err());
        for w in good.iter() {
            assert!(!err.contains(w.as_str()));
        }
    }

    #[test]
    fn operator_comments_and_layouts_are_accepted() {
        let words = words_of(&valid_encoded());
        let mut text = String::from("# backup of signer, 2026-11-29\n\n");
        for chunk in words.chunks(6) {
            text.push_str(&chunk.join("  ").to_uppercase());
            text.push('\n');
        }
        let parsed = parse_and_check(text.as_bytes()).unwrap();
        assert_eq!(*parsed.words, words);
        assert_eq!(parsed.birthday, None);
    }
}
