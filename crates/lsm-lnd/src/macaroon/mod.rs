//! Offline codec for lnd's macaroons (lnd-facts §5): go-macaroon's v2
//! binary envelope, the bakery "version 3" identifier (`0x03` +
//! `lnrpc.MacaroonId`), caveats, and the HMAC signature chain.
//!
//! lsm reads macaroons to show and compare what they allow (never the
//! macaroon itself: plans show [`Macaroon::fingerprint`]); the lnd double
//! mints and verifies them with the same code, so both sides agree on every
//! byte. Decoding is strict and total: any input gives a value or a typed
//! error, never a panic.

mod caveat;
mod ident;
mod sign;
mod wire;

pub use caveat::{Caveat, CaveatKind, format_rfc3339, parse_rfc3339, time_before_condition};
pub use ident::{ID_VERSION, canonical_ops, parse_root_key_id};
pub use sign::SIGNATURE_LEN;

use crate::fingerprint;
use crate::permissions::Permission;
use crate::proto::lnrpc::MacaroonId;
use wire::{
    FIELD_IDENTIFIER, FIELD_LOCATION, FIELD_SIGNATURE, FIELD_VERIFICATION_ID, Reader, VERSION_V2,
};
use zeroize::{Zeroize, Zeroizing};

/// The location lnd gives every macaroon it bakes.
pub const LND_LOCATION: &str = "lnd";

/// Why bytes are not a usable lnd macaroon. Messages give offsets and sizes,
/// never macaroon content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MacaroonError {
    #[error("the input is empty")]
    Empty,
    #[error(
        "the input starts with byte 0x{0:02x}, not 0x02: it is not a version 2 binary macaroon (the only kind lnd accepts)"
    )]
    UnsupportedVersion(u8),
    #[error("the input ends at byte {offset} in the middle of {what}; the macaroon is truncated")]
    Truncated { offset: usize, what: &'static str },
    #[error("malformed varint at byte {offset}: it overflows 64 bits")]
    VarintOverflow { offset: usize },
    #[error("malformed varint at byte {offset}: it is padded with zero bytes")]
    NonCanonicalVarint { offset: usize },
    #[error(
        "the field at byte {offset} claims {len} bytes but only {remaining} remain; the macaroon is truncated or corrupt"
    )]
    LengthPastEnd {
        offset: usize,
        len: u64,
        remaining: usize,
    },
    #[error("field type {field} at byte {offset} is out of order in the {section}")]
    FieldOutOfOrder {
        offset: usize,
        field: u64,
        section: &'static str,
    },
    #[error("unexpected field type {field} at byte {offset} in the {section}")]
    UnexpectedField {
        offset: usize,
        field: u64,
        section: &'static str,
    },
    #[error("the {0} has no identifier")]
    MissingIdentifier(&'static str),
    #[error("expected the signature at byte {offset}, found field type {field}")]
    MissingSignature { offset: usize, field: u64 },
    #[error("the signature is {0} bytes long, not 32")]
    BadSignatureLength(usize),
    #[error("{count} unexpected bytes follow the signature at byte {offset}")]
    TrailingBytes { offset: usize, count: usize },
    #[error("the identifier is empty")]
    EmptyIdentifier,
    #[error(
        "the identifier starts with version byte {0}, not 3: not a macaroon baked by lnd (macaroon-bakery v3 ids)"
    )]
    IdentifierVersion(u8),
    #[error("the identifier is not a valid lnrpc.MacaroonId protobuf: {0}")]
    IdentifierProtobuf(String),
    #[error("the root key id is not an unsigned decimal number ({0} bytes)")]
    BadRootKeyId(usize),
    #[error("a macaroon must grant at least one permission")]
    NoPermissions,
    #[error("not hex: {0}")]
    BadHex(String),
}

/// A decoded v2 macaroon. Equality is byte-exact: `decode(encode(m)) == m`.
///
/// The signature is the bearer secret, so `Debug` shows only its
/// fingerprint and it is wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Macaroon {
    location: Option<Vec<u8>>,
    identifier: Vec<u8>,
    caveats: Vec<Caveat>,
    signature: [u8; SIGNATURE_LEN],
}

impl Drop for Macaroon {
    fn drop(&mut self) {
        self.signature.zeroize();
    }
}

impl std::fmt::Debug for Macaroon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Macaroon")
            .field("location", &self.location_str())
            .field("identifier_len", &self.identifier.len())
            .field("caveats", &self.caveats)
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

impl Macaroon {
    /// Decodes a v2 binary macaroon. Only the envelope is checked here; the
    /// identifier is parsed by [`Macaroon::id`]. Trailing bytes are an
    /// error (go-macaroon ignores them; a file with extra bytes is corrupt).
    pub fn decode(bytes: &[u8]) -> Result<Macaroon, MacaroonError> {
        let (&version, _) = bytes.split_first().ok_or(MacaroonError::Empty)?;
        if version != VERSION_V2 {
            return Err(MacaroonError::UnsupportedVersion(version));
        }
        let mut r = Reader::new(bytes, 1);

        let header = r.section("macaroon header", "the macaroon header")?;
        let (location, identifier) = location_and_id(&header, "macaroon header")?;
        let identifier = identifier.ok_or(MacaroonError::MissingIdentifier("macaroon header"))?;
        if let Some(p) = header.get(usize::from(location.is_some()) + 1) {
            return Err(MacaroonError::UnexpectedField {
                offset: p.offset,
                field: p.field,
                section: "macaroon header",
            });
        }

        let mut caveats = Vec::new();
        loop {
            let section = r.section("caveat section", "a caveat section")?;
            if section.is_empty() {
                break;
            }
            let (cav_location, cav_id) = location_and_id(&section, "caveat section")?;
            let id = cav_id.ok_or(MacaroonError::MissingIdentifier("caveat section"))?;
            let mut rest = section[usize::from(cav_location.is_some()) + 1..].iter();
            let verification_id = match rest.next() {
                None => None,
                Some(p) if p.field == FIELD_VERIFICATION_ID => Some(p.data.to_vec()),
                Some(p) => {
                    return Err(MacaroonError::UnexpectedField {
                        offset: p.offset,
                        field: p.field,
                        section: "caveat section",
                    });
                }
            };
            if let Some(p) = rest.next() {
                return Err(MacaroonError::UnexpectedField {
                    offset: p.offset,
                    field: p.field,
                    section: "caveat section",
                });
            }
            caveats.push(Caveat {
                location: cav_location,
                id,
                verification_id,
            });
        }

        let sig_at = r.pos();
        if r.remaining() == 0 {
            return Err(MacaroonError::Truncated {
                offset: sig_at,
                what: "the signature",
            });
        }
        let packet = r.packet()?.ok_or(MacaroonError::MissingSignature {
            offset: sig_at,
            field: wire::FIELD_EOS,
        })?;
        if packet.field != FIELD_SIGNATURE {
            return Err(MacaroonError::MissingSignature {
                offset: sig_at,
                field: packet.field,
            });
        }
        let signature: [u8; SIGNATURE_LEN] = packet
            .data
            .try_into()
            .map_err(|_| MacaroonError::BadSignatureLength(packet.data.len()))?;
        if r.remaining() > 0 {
            return Err(MacaroonError::TrailingBytes {
                offset: r.pos(),
                count: r.remaining(),
            });
        }
        Ok(Macaroon {
            location,
            identifier,
            caveats,
            signature,
        })
    }

    /// Accepts either the binary macaroon (what lnd writes to files) or its
    /// hex text (what lncli, REST headers and CLI arguments use), with
    /// surrounding whitespace. Binary starts with 0x02, which no hex or
    /// whitespace character is, so the two cannot be confused.
    pub fn from_hex_or_bytes(input: &[u8]) -> Result<Macaroon, MacaroonError> {
        match input.first() {
            None => Err(MacaroonError::Empty),
            Some(&VERSION_V2) => Macaroon::decode(input),
            Some(_) => {
                let text = input.trim_ascii();
                if text.is_empty() {
                    return Err(MacaroonError::Empty);
                }
                // base64 of `02 01 03 "lnd"`: some wallets export macaroons so.
                if text.starts_with(b"AgEDbG5k") {
                    return Err(MacaroonError::BadHex(
                        "this looks like base64; lnd macaroons are binary or hex (decode it with `base64 -d` first)".to_string(),
                    ));
                }
                if let Some(pos) = text.iter().position(|c| !c.is_ascii_hexdigit()) {
                    return Err(MacaroonError::BadHex(format!(
                        "byte {pos} of the text is not a hex digit, and binary macaroons start with 0x02"
                    )));
                }
                if !text.len().is_multiple_of(2) {
                    return Err(MacaroonError::BadHex(format!(
                        "odd number of hex digits ({}); the macaroon is truncated",
                        text.len()
                    )));
                }
                let bytes = Zeroizing::new(
                    hex::decode(text).map_err(|e| MacaroonError::BadHex(e.to_string()))?,
                );
                Macaroon::decode(&bytes)
            }
        }
    }

    /// The v2 binary encoding, byte-identical to go-macaroon's.
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Vec::with_capacity(self.identifier.len() + 64);
        out.push(VERSION_V2);
        if let Some(loc) = &self.location {
            wire::put_packet(&mut out, FIELD_LOCATION, loc);
        }
        wire::put_packet(&mut out, FIELD_IDENTIFIER, &self.identifier);
        wire::put_eos(&mut out);
        for c in &self.caveats {
            if let Some(loc) = &c.location {
                wire::put_packet(&mut out, FIELD_LOCATION, loc);
            }
            wire::put_packet(&mut out, FIELD_IDENTIFIER, &c.id);
            if let Some(vid) = &c.verification_id {
                wire::put_packet(&mut out, FIELD_VERIFICATION_ID, vid);
            }
            wire::put_eos(&mut out);
        }
        wire::put_eos(&mut out);
        wire::put_packet(&mut out, FIELD_SIGNATURE, &self.signature);
        Zeroizing::new(out)
    }

    /// Lowercase hex of [`Macaroon::encode`], as lnd expects in the
    /// `macaroon` gRPC metadata.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(&self.encode()[..]))
    }

    /// Mints a macaroon exactly as lnd's bakery does: identifier `0x03` +
    /// MacaroonId{nonce, storageId = decimal root key id, canonical ops},
    /// location "lnd", signature from the root key.
    pub fn mint(
        root_key: &[u8],
        root_key_id: u64,
        nonce: [u8; 16],
        perms: &[Permission],
    ) -> Result<Macaroon, MacaroonError> {
        if perms.is_empty() {
            return Err(MacaroonError::NoPermissions);
        }
        let identifier = ident::encode(&MacaroonId {
            nonce: nonce.to_vec(),
            storage_id: root_key_id.to_string().into_bytes(),
            ops: canonical_ops(perms),
        });
        let signature = sign::initial(root_key, &identifier);
        Ok(Macaroon {
            location: Some(LND_LOCATION.as_bytes().to_vec()),
            identifier,
            caveats: Vec::new(),
            signature,
        })
    }

    /// Adds a first-party caveat (e.g. [`time_before_condition`]) and
    /// extends the signature; needs no root key, as in go-macaroon.
    pub fn add_first_party_caveat(&mut self, condition: impl Into<Vec<u8>>) {
        let caveat = Caveat::first_party(condition);
        self.signature = sign::fold(&self.signature, None, &caveat.id);
        self.caveats.push(caveat);
    }

    /// Whether `root_key` produced this macaroon's signature (the whole
    /// chain, caveats included). Constant-time in the final comparison.
    pub fn verify_signature(&self, root_key: &[u8]) -> bool {
        let mut sig = Zeroizing::new(sign::initial(root_key, &self.identifier));
        for c in &self.caveats {
            *sig = sign::fold(&sig, c.verification_id.as_deref(), &c.id);
        }
        sign::constant_time_eq(&sig, &self.signature)
    }

    /// Whether `self` is `parent` with more caveats appended by a holder:
    /// checks the signature chain onwards from `parent`'s signature, so no
    /// root key is needed.
    pub fn extends(&self, parent: &Macaroon) -> bool {
        if self.identifier != parent.identifier
            || self.location != parent.location
            || self.caveats.len() < parent.caveats.len()
            || self.caveats[..parent.caveats.len()] != parent.caveats[..]
        {
            return false;
        }
        let mut sig = Zeroizing::new(parent.signature);
        for c in &self.caveats[parent.caveats.len()..] {
            *sig = sign::fold(&sig, c.verification_id.as_deref(), &c.id);
        }
        sign::constant_time_eq(&sig, &self.signature)
    }

    /// The location, if any, as raw bytes.
    pub fn location(&self) -> Option<&[u8]> {
        self.location.as_deref()
    }

    /// The location as text (lossy), `None` when absent.
    pub fn location_str(&self) -> Option<String> {
        self.location
            .as_deref()
            .map(|l| String::from_utf8_lossy(l).into_owned())
    }

    /// The raw identifier bytes (not secret: lnd logs and lists them).
    pub fn identifier(&self) -> &[u8] {
        &self.identifier
    }

    pub fn caveats(&self) -> &[Caveat] {
        &self.caveats
    }

    /// The identifier decoded as lnd does: version byte 3 + MacaroonId.
    pub fn id(&self) -> Result<MacaroonId, MacaroonError> {
        ident::decode(&self.identifier)
    }

    /// The root key id (storageId, ASCII decimal).
    pub fn root_key_id(&self) -> Result<u64, MacaroonError> {
        parse_root_key_id(&self.id()?.storage_id)
    }

    /// The flattened, sorted (entity, action) pairs the identifier grants.
    pub fn permissions(&self) -> Result<Vec<Permission>, MacaroonError> {
        Ok(ident::permissions(&self.id()?))
    }

    /// What plans and logs show instead of the macaroon: `sha256:` and the
    /// first 16 hex digits of the SHA-256 of the binary encoding.
    pub fn fingerprint(&self) -> String {
        fingerprint::short(&self.encode())
    }

    /// Fingerprint of the signature alone (tells two macaroons with the
    /// same identifier apart without revealing either).
    pub fn signature_fingerprint(&self) -> String {
        fingerprint::short(&self.signature)
    }
}

/// Splits a section into its optional location and its identifier, which
/// must come first, in that order. `Ok((_, None))` when the section ends
/// before an identifier.
#[allow(clippy::type_complexity)]
fn location_and_id(
    section: &[wire::Packet<'_>],
    name: &'static str,
) -> Result<(Option<Vec<u8>>, Option<Vec<u8>>), MacaroonError> {
    let mut it = section.iter().peekable();
    let location = it
        .next_if(|p| p.field == FIELD_LOCATION)
        .map(|p| p.data.to_vec());
    match it.next() {
        None => Ok((location, None)),
        Some(p) if p.field == FIELD_IDENTIFIER => Ok((location, Some(p.data.to_vec()))),
        Some(p) => Err(MacaroonError::UnexpectedField {
            offset: p.offset,
            field: p.field,
            section: name,
        }),
    }
}

#[cfg(test)]
mod tests;
