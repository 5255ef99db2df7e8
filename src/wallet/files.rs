//! The wallet's files in `[wallet] secrets_dir`: wallet-password.txt,
//! seed.txt (the 24 words on one line) and wallet-birthday.txt (when lsm
//! generated the seed; the watch-only import rescans from there). Reading
//! them, observing them, and checking a seed file before lnd sees it.

use crate::error::Failure;
use crate::exit::Exit;
use crate::fsutil::mode_of;
use crate::wallet::diff::{FileView, PASSWORD_FILE, SEED_FILE, SecretsView};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Not secret, but kept beside the seed it describes.
pub const BIRTHDAY_FILE: &str = "wallet-birthday.txt";

/// The secrets directory and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletFiles {
    pub dir: PathBuf,
}

impl WalletFiles {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        WalletFiles { dir: dir.into() }
    }

    pub fn password_path(&self) -> PathBuf {
        self.dir.join(PASSWORD_FILE)
    }

    pub fn seed_path(&self) -> PathBuf {
        self.dir.join(SEED_FILE)
    }

    pub fn birthday_path(&self) -> PathBuf {
        self.dir.join(BIRTHDAY_FILE)
    }

    /// Presence and modes only; content is never read for a plan.
    pub fn observe(&self) -> SecretsView {
        let view = |p: &Path| match mode_of(p) {
            Some(mode) => FileView::Present { mode },
            None => FileView::Missing,
        };
        SecretsView {
            dir_mode: mode_of(&self.dir),
            password: view(&self.password_path()),
            seed: view(&self.seed_path()),
        }
    }

    /// The wallet password, without a trailing newline.
    pub fn read_password(&self) -> Result<Zeroizing<Vec<u8>>, Failure> {
        let path = self.password_path();
        let mut bytes = crate::secrets::read(&path)?.ok_or_else(|| {
            Failure::with_exit(Exit::Blocked, format!("{} is missing", path.display()))
        })?;
        while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            bytes.pop();
        }
        if bytes.len() < 8 {
            return Err(Failure::with_exit(
                Exit::Blocked,
                format!(
                    "{} holds fewer than 8 bytes; lnd refuses such a wallet password",
                    path.display()
                ),
            ));
        }
        Ok(bytes)
    }

    /// The 24 seed words, checked against the BIP39 English list that aezeed
    /// uses. Errors name the file and the word's position, never the word.
    pub fn read_seed(&self) -> Result<Zeroizing<Vec<String>>, Failure> {
        let path = self.seed_path();
        let bytes = crate::secrets::read(&path)?.ok_or_else(|| {
            Failure::with_exit(Exit::Blocked, format!("{} is missing", path.display()))
        })?;
        parse_seed(&bytes).map_err(|why| {
            Failure::with_exit(
                Exit::Blocked,
                format!("{} is not a usable seed: {why}", path.display()),
            )
            .hint("restore the original seed.txt from your offline backup; lsm never edits it")
        })
    }

    /// When lsm generated the seed, if recorded.
    pub fn read_birthday(&self) -> Option<u64> {
        // A FIFO in the secrets directory is ignored, never waited on.
        let bytes = crate::regular_file::read(&self.birthday_path(), 4096).ok()?;
        let text = std::str::from_utf8(&bytes).ok()?;
        text.lines().next()?.trim().parse().ok()
    }
}

/// Seed file format: the words separated by white space (one line as lsm
/// writes it, but any layout an operator restored is accepted); `#` starts a
/// comment line.
pub fn parse_seed(bytes: &[u8]) -> Result<Zeroizing<Vec<String>>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())?;
    let mut words = Zeroizing::new(Vec::new());
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        for w in line.split_whitespace() {
            words.push(w.to_ascii_lowercase());
        }
    }
    if words.len() != 24 {
        return Err(format!("it holds {} words, not 24", words.len()));
    }
    for (i, w) in words.iter().enumerate() {
        if bip39::Language::English.find_word(w).is_none() {
            return Err(format!(
                "word {} is not in the BIP39 English word list",
                i + 1
            ));
        }
    }
    Ok(words)
}

/// The seed file's bytes: the words on one line.
pub fn format_seed(words: &[String]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(24 * 9));
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

    fn words() -> Vec<String> {
        bip39::Language::English.word_list()[..24]
            .iter()
            .map(|w| w.to_string())
            .collect()
    }

    #[test]
    fn a_fifo_as_the_birthday_file_is_ignored_not_waited_on() {
        use crate::regular_file::test_support::{mkfifo, without_hanging};
        let tmp = tempfile::tempdir().unwrap();
        let files = WalletFiles::new(tmp.path());
        mkfifo(&files.birthday_path());
        assert_eq!(without_hanging(move || files.read_birthday()), None);
    }

    #[test]
    fn seed_round_trips_and_rejects_bad_files() {
        let w = words();
        let bytes = format_seed(&w);
        assert_eq!(*parse_seed(&bytes).unwrap(), w);
        let mut commented = b"# backup of signer\n".to_vec();
        commented.extend_from_slice(&bytes);
        assert_eq!(*parse_seed(&commented).unwrap(), w);
        assert!(
            parse_seed(b"abandon ability")
                .unwrap_err()
                .contains("2 words")
        );
        let mut bad = w.clone();
        bad[4] = "notaword".into();
        let err = parse_seed(&format_seed(&bad)).unwrap_err();
        assert!(err.contains("word 5") && !err.contains("notaword"), "{err}");
        assert!(parse_seed(&[0xff, 0xfe]).is_err());
    }
}
