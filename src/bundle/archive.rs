//! The credentials bundle as one pasteable string: a gzip'd tar, base64.
//! Deterministic — sorted entries, mtime 0, mode 0600, uid/gid 0, gzip
//! header without a timestamp — so the same bundle always gives the same
//! bytes and a second apply rewrites nothing.

use base64::Engine;
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Read;
use zeroize::Zeroizing;

/// Builds the base64 text of a tar.gz holding `files` (name, content) at
/// the archive's top level.
pub fn build(files: &[(String, Vec<u8>)]) -> std::io::Result<Zeroizing<String>> {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let gz = GzEncoder::new(Vec::new(), Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    for (name, content) in sorted {
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o600);
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, name, content.as_slice())?;
    }
    let gz = tar.into_inner()?;
    let bytes = Zeroizing::new(gz.finish()?);
    let mut text = base64::engine::general_purpose::STANDARD.encode(bytes.as_slice());
    text.push('\n');
    Ok(Zeroizing::new(text))
}

/// Limits for reading an archive someone hands us (`lsm bundle verify`).
const MAX_ENTRIES: usize = 64;
const MAX_ENTRY_BYTES: u64 = 4 * 1024 * 1024;

/// A file taken out of an archive: its name and (secret) content.
pub type Entry = (String, Zeroizing<Vec<u8>>);

/// Decodes base64 text and extracts the top-level regular files.
pub fn extract(text: &[u8]) -> Result<Vec<Entry>, String> {
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let gz = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(&compact)
            .map_err(|e| format!("not base64: {e}"))?,
    );
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(gz.as_slice()));
    let mut out = Vec::new();
    let entries = archive
        .entries()
        .map_err(|e| format!("not a tar.gz: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("corrupt tar.gz: {e}"))?;
        if out.len() >= MAX_ENTRIES {
            return Err(format!("more than {MAX_ENTRIES} entries"));
        }
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err("contains something other than regular files".into());
        }
        let name = entry
            .path()
            .map_err(|e| format!("bad entry name: {e}"))?
            .to_string_lossy()
            .to_string();
        if name.contains('/') || name.starts_with('.') {
            return Err(format!("entry {name:?} is not a top-level file"));
        }
        if entry.size() > MAX_ENTRY_BYTES {
            return Err(format!("entry {name} is too large"));
        }
        let mut buf = Zeroizing::new(Vec::new());
        entry
            .by_ref()
            .take(MAX_ENTRY_BYTES)
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        out.push((name, buf));
    }
    // tar stops at its end-of-archive blocks; read the rest of the gzip
    // stream so a cut-off trailer (length, CRC) is caught, not ignored.
    std::io::copy(&mut archive.into_inner(), &mut std::io::sink())
        .map_err(|e| format!("corrupt tar.gz (truncated?): {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_round_trips() {
        let files = vec![
            ("tls.cert".to_string(), b"cert".to_vec()),
            ("accounts.json".to_string(), b"{}".to_vec()),
        ];
        let a = build(&files).unwrap();
        let mut reversed = files.clone();
        reversed.reverse();
        let b = build(&reversed).unwrap();
        assert_eq!(*a, *b, "same files in any order give the same bytes");
        let back = extract(a.as_bytes()).unwrap();
        let names: Vec<_> = back.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["accounts.json", "tls.cert"]);
        assert_eq!(back[1].1.as_slice(), b"cert");
    }

    #[test]
    fn every_truncation_is_an_error() {
        let files = vec![
            ("a.json".to_string(), vec![b'x'; 3000]),
            ("b.cert".to_string(), b"cert".to_vec()),
        ];
        let text = build(&files).unwrap();
        let gz = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .unwrap();
        for cut in 0..gz.len() {
            let short = base64::engine::general_purpose::STANDARD.encode(&gz[..cut]);
            assert!(
                extract(short.as_bytes()).is_err(),
                "cut at {cut} of {}",
                gz.len()
            );
        }
    }

    #[test]
    fn rejects_garbage() {
        assert!(extract(b"not base64 !!!").is_err());
        assert!(extract(b"aGVsbG8=").is_err());
    }
}
