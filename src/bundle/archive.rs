//! The credentials bundle as one pasteable string: a gzip'd tar, base64.
//! Deterministic — sorted entries, mtime 0, mode 0600, uid/gid 0, gzip
//! header without a timestamp — so the same bundle always gives the same
//! bytes and a second apply rewrites nothing.

use base64::Engine;
use flate2::Compression;
use flate2::write::GzEncoder;
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

/// A file taken out of an archive: its name and (secret) content.
pub(crate) type Entry = crate::bundle::untar::Entry;

/// Decodes base64 text and extracts the top-level regular files, within
/// [`untar::LIMITS`](crate::bundle::untar::LIMITS): the archive comes from
/// anywhere, so nothing it declares is trusted to be small.
pub(crate) fn extract(text: &[u8]) -> Result<Vec<Entry>, String> {
    let compact = Zeroizing::new(
        text.iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect::<Vec<u8>>(),
    );
    let gz = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(compact.as_slice())
            .map_err(|e| format!("not base64: {e}"))?,
    );
    crate::bundle::untar::read_tar_gz(&gz, crate::bundle::untar::LIMITS)
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
