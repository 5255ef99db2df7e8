//! Reading a tar.gz someone hands us (`lsm bundle verify FILE.b64`) with a
//! bound on everything: how far the gzip stream may inflate, how many
//! entries it may hold, how large each entry and each extension header may
//! be. The `tar` crate's reader is not used for this: it reads a GNU
//! long-name (`L`) or PAX (`x`) header whole, whatever size it declares, so
//! a 348 KB archive of compressed zeros declaring gigabytes made lsm
//! allocate them (and abort on a larger one).
//!
//! Only what a credentials bundle can hold is accepted: regular files at
//! the top level. PAX headers (which bsdtar adds, e.g. for extended
//! attributes) and GNU long names are read up to a few KiB; links,
//! directories, devices and the like are refused by name.

use crate::diagnostic::quote;
use std::io::{self, Read};
use zeroize::Zeroizing;

/// A file taken out of an archive: its name and (secret) content.
pub type Entry = (String, Zeroizing<Vec<u8>>);

/// The bounds. A bundle is five files of at most ~100 KiB (accounts.json
/// for 259 accounts), so each is generous.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes the gzip stream may inflate to, headers and padding included.
    pub inflated: u64,
    /// Entries (files and extension headers together).
    pub entries: usize,
    /// Bytes of one file.
    pub entry: u64,
    /// Bytes of one PAX (`x`, `g`) or GNU long-name (`L`) header's data.
    pub extension: u64,
}

/// What `lsm bundle verify` allows: with a 4 MiB input, peak memory stays
/// a few times 8 MiB and the work a few tens of milliseconds.
pub const LIMITS: Limits = Limits {
    inflated: 8 * 1024 * 1024,
    entries: 64,
    entry: 4 * 1024 * 1024,
    extension: 8 * 1024,
};

const BLOCK: usize = 512;

/// The regular files of the gzip'd tar in `gz`, in archive order. Every
/// refusal says what was wrong without quoting file contents; names are
/// escaped and shortened ([`quote`]), since they come from the archive.
pub fn read_tar_gz(gz: &[u8], limits: Limits) -> Result<Vec<Entry>, String> {
    let mut r = Bounded {
        inner: flate2::read::GzDecoder::new(gz),
        left: limits.inflated,
        limit: limits.inflated,
    };
    let mut out: Vec<Entry> = Vec::new();
    let mut seen = 0usize;
    // Name from a GNU `L` or PAX `path` record, for the next file.
    let mut long_name: Option<String> = None;
    let mut block = [0u8; BLOCK];
    loop {
        if !read_block(&mut r, &mut block)? {
            return Err("corrupt tar.gz: it ends without tar's end-of-archive blocks".into());
        }
        if block.iter().all(|b| *b == 0) {
            break;
        }
        seen += 1;
        if seen > limits.entries {
            return Err(format!("more than {} entries", limits.entries));
        }
        let header = tar::Header::from_byte_slice(&block);
        check_checksum(&block)?;
        let size = header
            .entry_size()
            .map_err(|_| "corrupt tar.gz: an entry's size is not a number".to_string())?;
        let kind = header.entry_type();
        match kind {
            tar::EntryType::Regular => {
                let name = match long_name.take() {
                    Some(n) => n,
                    None => header_name(header)?,
                };
                if name.contains('/') || name.starts_with('.') || name.is_empty() {
                    return Err(format!("entry {} is not a top-level file", quote(&name)));
                }
                if size > limits.entry {
                    return Err(format!(
                        "entry {} declares {size} bytes, more than the {} a bundle file may have",
                        quote(&name),
                        limits.entry
                    ));
                }
                let data = read_data(&mut r, size)?;
                out.push((name, data));
            }
            tar::EntryType::GNULongName
            | tar::EntryType::XHeader
            | tar::EntryType::XGlobalHeader => {
                if size > limits.extension {
                    return Err(format!(
                        "a {} header declares {size} bytes, more than the {} lsm reads",
                        extension_name(kind),
                        limits.extension
                    ));
                }
                let data = read_data(&mut r, size)?;
                match kind {
                    tar::EntryType::GNULongName => {
                        let end = data.iter().position(|b| *b == 0).unwrap_or(data.len());
                        long_name = Some(utf8_name(&data[..end])?);
                    }
                    tar::EntryType::XHeader => {
                        if let Some(path) = pax_path(&data)? {
                            long_name = Some(path);
                        }
                    }
                    // Global defaults (bsdtar's comments and the like):
                    // nothing in them changes what a file holds.
                    _ => {}
                }
            }
            other => {
                return Err(format!(
                    "contains something other than regular files ({} {})",
                    kind_name(other),
                    quote(&header_name(header).unwrap_or_default())
                ));
            }
        }
    }
    // tar stops at its end-of-archive blocks; read the rest of the gzip
    // stream (bounded like the rest) so a cut-off trailer (length, CRC) is
    // caught, not ignored.
    io::copy(&mut r, &mut io::sink()).map_err(|e| read_error(&e))?;
    Ok(out)
}

/// A reader that fails once more than `limit` bytes came out of `inner`.
struct Bounded<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // One byte more tells a stream that ends exactly here from one
            // that goes on.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("it inflates to more than {} bytes", self.limit),
                )),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

fn read_error(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::InvalidData && e.to_string().starts_with("it inflates") {
        format!("too large: {e}; a bundle archive inflates to far less")
    } else {
        format!("corrupt tar.gz (truncated?): {e}")
    }
}

/// One whole block, or `false` at a clean end of stream before it.
fn read_block(r: &mut impl Read, block: &mut [u8; BLOCK]) -> Result<bool, String> {
    let mut got = 0;
    while got < BLOCK {
        match r.read(&mut block[got..]) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => return Err("corrupt tar.gz: it ends inside a header".into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_error(&e)),
        }
    }
    Ok(true)
}

/// `size` bytes of entry data (already bounded by the caller), then the
/// padding to the next block.
fn read_data(r: &mut impl Read, size: u64) -> Result<Zeroizing<Vec<u8>>, String> {
    let len = usize::try_from(size).map_err(|_| "an entry is too large".to_string())?;
    let mut data = Zeroizing::new(vec![0u8; len]);
    r.read_exact(&mut data).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => "corrupt tar.gz: an entry is cut off".to_string(),
        _ => read_error(&e),
    })?;
    let pad = (BLOCK - len % BLOCK) % BLOCK;
    let mut skip = [0u8; BLOCK];
    r.read_exact(&mut skip[..pad]).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => "corrupt tar.gz: an entry is cut off".to_string(),
        _ => read_error(&e),
    })?;
    Ok(data)
}

/// tar's header checksum: the byte sum with the checksum field as spaces.
fn check_checksum(block: &[u8; BLOCK]) -> Result<(), String> {
    let header = tar::Header::from_byte_slice(block);
    let want = header
        .cksum()
        .map_err(|_| "corrupt tar.gz: a header checksum is not a number".to_string())?;
    let sum: u32 = block
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(*b)
            }
        })
        .sum();
    if sum != want {
        return Err("corrupt tar.gz: a header's checksum does not match".into());
    }
    Ok(())
}

fn header_name(h: &tar::Header) -> Result<String, String> {
    utf8_name(&h.path_bytes())
}

fn utf8_name(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| "an entry name is not UTF-8 (bundle files have ASCII names)".to_string())
}

/// The `path` record of a PAX extended header, if it has one. Records are
/// `<length> <key>=<value>\n`; a malformed one is refused.
fn pax_path(data: &[u8]) -> Result<Option<String>, String> {
    let mut path = None;
    let mut rest = data;
    while !rest.is_empty() {
        let bad = || "corrupt tar.gz: a PAX header record is malformed".to_string();
        let space = rest.iter().position(|b| *b == b' ').ok_or_else(bad)?;
        let len: usize = std::str::from_utf8(&rest[..space])
            .ok()
            .and_then(|t| t.parse().ok())
            .filter(|l| *l > space + 1 && *l <= rest.len())
            .ok_or_else(bad)?;
        let record = &rest[space + 1..len];
        let record = record.strip_suffix(b"\n").ok_or_else(bad)?;
        let eq = record.iter().position(|b| *b == b'=').ok_or_else(bad)?;
        if &record[..eq] == b"path" {
            path = Some(utf8_name(&record[eq + 1..])?);
        }
        rest = &rest[len..];
    }
    Ok(path)
}

fn extension_name(kind: tar::EntryType) -> &'static str {
    match kind {
        tar::EntryType::GNULongName => "GNU long-name (L)",
        tar::EntryType::XHeader => "PAX (x)",
        _ => "PAX global (g)",
    }
}

fn kind_name(kind: tar::EntryType) -> &'static str {
    match kind {
        tar::EntryType::Directory => "a directory",
        tar::EntryType::Symlink => "a symbolic link",
        tar::EntryType::Link => "a hard link",
        tar::EntryType::Char | tar::EntryType::Block => "a device",
        tar::EntryType::Fifo => "a named pipe",
        tar::EntryType::GNULongLink => "a GNU long link name",
        tar::EntryType::GNUSparse => "a sparse file",
        _ => "an entry of an unknown type",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    /// A header block of `kind` named `name` declaring `size` bytes.
    pub(crate) fn header(name: &str, kind: tar::EntryType, size: u64) -> [u8; BLOCK] {
        let mut h = tar::Header::new_gnu();
        h.set_path(name).unwrap();
        h.set_size(size);
        h.set_mode(0o600);
        h.set_entry_type(kind);
        h.set_cksum();
        *h.as_bytes()
    }

    /// gzip of `blocks`, then `zeros` zero bytes (compressing to almost
    /// nothing), then `tail`.
    pub(crate) fn gz(blocks: &[&[u8]], zeros: u64, tail: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::best());
        for b in blocks {
            e.write_all(b).unwrap();
        }
        let chunk = vec![0u8; 1 << 20];
        let mut left = zeros;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            e.write_all(&chunk[..n]).unwrap();
            left -= n as u64;
        }
        e.write_all(tail).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn huge_extension_headers_and_entries_are_refused_before_being_read() {
        for (kind, what) in [
            (
                tar::EntryType::GNULongName,
                "GNU long-name (L) header declares",
            ),
            (tar::EntryType::XHeader, "PAX (x) header declares"),
            (
                tar::EntryType::XGlobalHeader,
                "PAX global (g) header declares",
            ),
        ] {
            let h = header("././@LongLink", kind, 1 << 40);
            let err = read_tar_gz(&gz(&[&h], 1 << 20, &[]), LIMITS).unwrap_err();
            assert!(err.contains(what), "{err}");
        }
        let h = header("accounts.json", tar::EntryType::Regular, 1 << 33);
        let err = read_tar_gz(&gz(&[&h], 0, &[]), LIMITS).unwrap_err();
        assert!(err.contains("declares 8589934592 bytes"), "{err}");
    }

    #[test]
    fn a_stream_that_inflates_past_the_limit_is_refused() {
        // Within every per-entry bound, but 20 MiB of zeros after the
        // end-of-archive blocks.
        let h = header("tls.cert", tar::EntryType::Regular, 4);
        let mut data = [0u8; BLOCK];
        data[..4].copy_from_slice(b"cert");
        let err = read_tar_gz(&gz(&[&h, &data], 20 << 20, &[]), LIMITS).unwrap_err();
        assert!(err.contains("inflates to more than 8388608 bytes"), "{err}");
    }

    #[test]
    fn small_pax_and_long_name_headers_are_honoured() {
        let record = b"31 path=accounts-longname.json\n";
        assert_eq!(record.len(), 31);
        let x = header("PaxHeaders/x", tar::EntryType::XHeader, record.len() as u64);
        let mut xdata = [0u8; BLOCK];
        xdata[..record.len()].copy_from_slice(record);
        let f = header("short", tar::EntryType::Regular, 2);
        let mut fdata = [0u8; BLOCK];
        fdata[..2].copy_from_slice(b"{}");
        let l = header("././@LongLink", tar::EntryType::GNULongName, 9);
        let mut ldata = [0u8; BLOCK];
        ldata[..9].copy_from_slice(b"tls.cert\0");
        let g = header("tls", tar::EntryType::Regular, 1);
        let mut gdata = [0u8; BLOCK];
        gdata[0] = b'c';
        let end = [0u8; 2 * BLOCK];
        let bytes = gz(
            &[&x, &xdata, &f, &fdata, &l, &ldata, &g, &gdata, &end],
            0,
            &[],
        );
        let got = read_tar_gz(&bytes, LIMITS).unwrap();
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["accounts-longname.json", "tls.cert"]);
        assert_eq!(got[0].1.as_slice(), b"{}");
    }

    #[test]
    fn links_directories_and_bad_checksums_are_refused() {
        let end = [0u8; 2 * BLOCK];
        let d = header("dir", tar::EntryType::Directory, 0);
        let err = read_tar_gz(&gz(&[&d, &end], 0, &[]), LIMITS).unwrap_err();
        assert!(err.contains("a directory"), "{err}");
        let mut bad = header("tls.cert", tar::EntryType::Regular, 0);
        bad[0] ^= 1;
        let err = read_tar_gz(&gz(&[&bad, &end], 0, &[]), LIMITS).unwrap_err();
        assert!(err.contains("checksum"), "{err}");
    }
}
