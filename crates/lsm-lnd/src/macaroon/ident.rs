//! The macaroon identifier lnd's bakery writes (lnd-facts §5.2): one version
//! byte (3) followed by a `lnrpc.MacaroonId` protobuf holding a nonce, the
//! root key id as ASCII decimal, and the canonicalised ops.

use super::MacaroonError;
use crate::permissions::Permission;
use crate::proto::lnrpc::{MacaroonId, Op};
use prost::Message;

/// bakery.LatestVersion: the identifier's first byte.
pub const ID_VERSION: u8 = 3;

pub(super) fn encode(id: &MacaroonId) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + id.encoded_len());
    out.push(ID_VERSION);
    // Encoding into a Vec cannot run out of space.
    id.encode(&mut out)
        .unwrap_or_else(|_| unreachable!("a Vec grows as needed"));
    out
}

pub(super) fn decode(identifier: &[u8]) -> Result<MacaroonId, MacaroonError> {
    let (&version, body) = identifier
        .split_first()
        .ok_or(MacaroonError::EmptyIdentifier)?;
    if version != ID_VERSION {
        return Err(MacaroonError::IdentifierVersion(version));
    }
    MacaroonId::decode(body).map_err(|e| MacaroonError::IdentifierProtobuf(e.to_string()))
}

/// Parses a storageId as lnd does (`strconv.ParseUint(id, 10, 64)`): ASCII
/// digits only, no sign, must fit in a u64.
pub fn parse_root_key_id(storage_id: &[u8]) -> Result<u64, MacaroonError> {
    let bad = || MacaroonError::BadRootKeyId(storage_id.len());
    if storage_id.is_empty() || !storage_id.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    std::str::from_utf8(storage_id)
        .map_err(|_| bad())?
        .parse()
        .map_err(|_| bad())
}

/// Ops in the bakery's canonical form: sorted by (entity, action),
/// duplicates dropped, one Op per entity with its actions in order.
pub fn canonical_ops(perms: &[Permission]) -> Vec<Op> {
    let mut sorted: Vec<&Permission> = perms.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut ops: Vec<Op> = Vec::new();
    for p in sorted {
        match ops.last_mut() {
            Some(op) if op.entity == p.entity => op.actions.push(p.action.clone()),
            _ => ops.push(Op {
                entity: p.entity.clone(),
                actions: vec![p.action.clone()],
            }),
        }
    }
    ops
}

/// Flattens ops into sorted, deduplicated permissions.
pub(super) fn permissions(id: &MacaroonId) -> Vec<Permission> {
    let mut out: Vec<Permission> = id
        .ops
        .iter()
        .flat_map(|op| {
            op.actions
                .iter()
                .map(|a| Permission::new(op.entity.clone(), a.clone()))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_ops_sort_dedup_and_group() {
        let perms: Vec<Permission> = [
            "signer:read",
            "onchain:write",
            "signer:generate",
            "signer:read",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let ops = canonical_ops(&perms);
        let got: Vec<(String, Vec<String>)> =
            ops.into_iter().map(|o| (o.entity, o.actions)).collect();
        assert_eq!(
            got,
            vec![
                ("onchain".to_string(), vec!["write".to_string()]),
                (
                    "signer".to_string(),
                    vec!["generate".to_string(), "read".to_string()]
                ),
            ]
        );
    }

    #[test]
    fn root_key_ids_parse_like_go_parseuint() {
        assert_eq!(parse_root_key_id(b"0").unwrap(), 0);
        assert_eq!(parse_root_key_id(b"4200").unwrap(), 4200);
        assert_eq!(
            parse_root_key_id(b"18446744073709551615").unwrap(),
            u64::MAX
        );
        for bad in [
            &b""[..],
            b"+1",
            b"-1",
            b" 1",
            b"18446744073709551616",
            b"1a",
        ] {
            assert!(parse_root_key_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn identifier_version_and_protobuf_are_checked() {
        assert_eq!(decode(&[]), Err(MacaroonError::EmptyIdentifier));
        assert_eq!(
            decode(&[2, 0x0a, 0]),
            Err(MacaroonError::IdentifierVersion(2))
        );
        assert!(matches!(
            decode(&[3, 0x0a, 0x10, 1]),
            Err(MacaroonError::IdentifierProtobuf(_))
        ));
    }
}
