//! go-macaroon's v2 binary packet layer (lnd-facts §5.1): uvarint field type,
//! uvarint length, data; sections end with a lone EOS byte. Kept apart from
//! the macaroon model so the byte-level checks (truncation, varint abuse,
//! lengths past the end) live in one small place.

use super::MacaroonError;

pub(super) const FIELD_EOS: u64 = 0;
pub(super) const FIELD_LOCATION: u64 = 1;
pub(super) const FIELD_IDENTIFIER: u64 = 2;
pub(super) const FIELD_VERIFICATION_ID: u64 = 4;
pub(super) const FIELD_SIGNATURE: u64 = 6;

/// The first byte of every v2 binary macaroon.
pub(super) const VERSION_V2: u8 = 2;

/// A uvarint never needs more than 10 bytes for a u64.
const MAX_VARINT_LEN: usize = 10;

/// One decoded packet, borrowing its data from the input.
#[derive(Debug, Clone, Copy)]
pub(super) struct Packet<'a> {
    pub field: u64,
    pub data: &'a [u8],
    /// Offset of the packet's first byte, for error messages.
    pub offset: usize,
}

/// A cursor over the input that never reads past its end.
pub(super) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8], pos: usize) -> Self {
        Reader { buf, pos }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Reads a minimal (canonical) uvarint. go-macaroon writes only minimal
    /// ones; accepting padded encodings would make decode→encode lossy.
    fn uvarint(&mut self, what: &'static str) -> Result<u64, MacaroonError> {
        let start = self.pos;
        let mut value: u64 = 0;
        for i in 0..MAX_VARINT_LEN {
            let Some(&byte) = self.buf.get(self.pos) else {
                return Err(MacaroonError::Truncated {
                    offset: self.pos,
                    what,
                });
            };
            self.pos += 1;
            let bits = u64::from(byte & 0x7f);
            if i == MAX_VARINT_LEN - 1 && byte > 1 {
                return Err(MacaroonError::VarintOverflow { offset: start });
            }
            value |= bits << (7 * i);
            if byte & 0x80 == 0 {
                if byte == 0 && i > 0 {
                    return Err(MacaroonError::NonCanonicalVarint { offset: start });
                }
                return Ok(value);
            }
        }
        Err(MacaroonError::VarintOverflow { offset: start })
    }

    /// Reads one packet; `None` when the next byte is EOS (consumed).
    pub fn packet(&mut self) -> Result<Option<Packet<'a>>, MacaroonError> {
        let offset = self.pos;
        let field = self.uvarint("a field type")?;
        if field == FIELD_EOS {
            return Ok(None);
        }
        let len = self.uvarint("a field length")?;
        let remaining = self.remaining();
        if len > remaining as u64 {
            return Err(MacaroonError::LengthPastEnd {
                offset,
                len,
                remaining,
            });
        }
        let len = len as usize;
        let data = &self.buf[self.pos..self.pos + len];
        self.pos += len;
        Ok(Some(Packet {
            field,
            data,
            offset,
        }))
    }

    /// Reads packets up to and including the section's EOS. Field types must
    /// strictly increase within a section, as go-macaroon requires. `name`
    /// is e.g. "macaroon header"; `the_name` the same with an article, for
    /// the truncation message.
    pub fn section(
        &mut self,
        name: &'static str,
        the_name: &'static str,
    ) -> Result<Vec<Packet<'a>>, MacaroonError> {
        let mut packets: Vec<Packet<'a>> = Vec::new();
        loop {
            if self.remaining() == 0 {
                return Err(MacaroonError::Truncated {
                    offset: self.pos,
                    what: the_name,
                });
            }
            let Some(p) = self.packet()? else {
                return Ok(packets);
            };
            if let Some(prev) = packets.last()
                && p.field <= prev.field
            {
                return Err(MacaroonError::FieldOutOfOrder {
                    offset: p.offset,
                    field: p.field,
                    section: name,
                });
            }
            packets.push(p);
        }
    }
}

fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(super) fn put_packet(out: &mut Vec<u8>, field: u64, data: &[u8]) {
    put_uvarint(out, field);
    put_uvarint(out, data.len() as u64);
    out.extend_from_slice(data);
}

pub(super) fn put_eos(out: &mut Vec<u8>) {
    out.push(FIELD_EOS as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Result<u64, MacaroonError> {
        Reader::new(bytes, 0).uvarint("x")
    }

    #[test]
    fn uvarint_round_trips_and_rejects_abuse() {
        for v in [0u64, 1, 127, 128, 248, 300, u32::MAX as u64, u64::MAX] {
            let mut b = Vec::new();
            put_uvarint(&mut b, v);
            assert_eq!(read(&b).unwrap(), v);
        }
        assert_eq!(read(&[0xf8, 0x01]).unwrap(), 248);
        assert!(matches!(
            read(&[0x80, 0x00]),
            Err(MacaroonError::NonCanonicalVarint { .. })
        ));
        assert!(matches!(
            read(&[0xff; 11]),
            Err(MacaroonError::VarintOverflow { .. })
        ));
        // Ten bytes whose last carries more than the 64th bit.
        let mut over = vec![0xff; 9];
        over.push(0x02);
        assert!(matches!(
            read(&over),
            Err(MacaroonError::VarintOverflow { .. })
        ));
        assert!(matches!(
            read(&[0x80]),
            Err(MacaroonError::Truncated { .. })
        ));
    }

    #[test]
    fn huge_length_is_refused_without_allocating() {
        let mut b = vec![2u8];
        put_uvarint(&mut b, u64::MAX);
        let err = Reader::new(&b, 0).packet().unwrap_err();
        assert!(matches!(err, MacaroonError::LengthPastEnd { .. }), "{err}");
    }
}
