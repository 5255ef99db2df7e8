//! bundle.json: the bundle's own description — which signer and network it
//! is for, the endpoint a watch-only node dials, the macaroon's scope,
//! permissions and root key id, the wallet birthday (so the watch-only
//! import does not rescan from 2017, anchors §0.8) and the sha256 of every
//! other file. Format 2 adds the signer's identity (GetInfo's
//! identity_pubkey, which a watch-only node reports as its own) and the
//! wallet's BIP32 master key fingerprint (which lnd does not report; lsm
//! computes it from a proven seed).
//!
//! Deterministic on purpose: fields are declared in alphabetical order and
//! maps are sorted, and nothing time-dependent (such as when it was
//! exported) is recorded, so the same signer always gives the same bytes
//! and a second apply rewrites nothing.

use crate::lnd::macaroon::format_rfc3339;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

/// The format this lsm writes. Readers refuse newer versions and accept
/// every older one (1: without identity_pubkey and master_key_fingerprint).
pub(crate) const FORMAT_VERSION: u32 = 2;

/// Why a bundle may lack the master key fingerprint; written beside the null.
pub(crate) const NO_FINGERPRINT_NOTE: &str = "unknown: lnd does not report it, and lsm computes \
     it only from a seed.txt it holds and has proven to be this wallet's (lsm seed verify); a \
     watch-only import does not need it";

/// Why a bundle may lack a birthday; written beside the null.
pub(crate) const NO_BIRTHDAY_NOTE: &str = "unknown: lsm did not create this wallet's seed and the \
     signer does not report it; give the watch-only import a birthday (lncli createwatchonly \
     asks for one) or it rescans the chain from 2017";

/// The wallet birthday, both machine- and human-readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Birthday {
    pub rfc3339: String,
    pub unix: u64,
}

impl Birthday {
    pub(crate) fn from_unix(unix: u64) -> Birthday {
        Birthday {
            rfc3339: format_rfc3339(UNIX_EPOCH + Duration::from_secs(unix)),
            unix,
        }
    }
}

/// The whole file. Field order is alphabetical: it is the key order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleJson {
    /// [`BundleJson::described_digest`] as lsm wrote it: the seal over the
    /// fields that come from signer.toml (and, from format 2 on, the
    /// signer's identity and fingerprint). When they no longer hash to it,
    /// bundle.json was edited by hand (an edited `rpc_endpoint` would send
    /// the watch-only node elsewhere); when they do, a difference from the
    /// manifest is a manifest change. Absent in bundles of older lsm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub described_sha256: Option<String>,
    pub format_version: u32,
    /// The signer's node identity (GetInfo identity_pubkey, 33-byte
    /// compressed hex), which the watch-only node reports as its own. Null
    /// only when `lsm export` was given a macaroon that cannot call GetInfo.
    /// Format 2: a format-1 bundle has no such key, which reads as null.
    #[serde(default)]
    pub identity_pubkey: Option<String>,
    pub lsm_version: String,
    /// The macaroon's file name in the bundle (`<scope>.macaroon`).
    pub macaroon_file: String,
    /// The wallet's BIP32 master key fingerprint, 8 lowercase hex digits;
    /// null when lsm cannot compute it (see the note). Format 2: a format-1
    /// bundle has no such key, which reads as null too.
    #[serde(default)]
    pub master_key_fingerprint: Option<String>,
    /// Present only when `master_key_fingerprint` is null: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_key_fingerprint_note: Option<String>,
    pub network: String,
    /// `entity:action`, in lnd's canonical order, as the macaroon grants.
    pub permissions: Vec<String>,
    /// Decimal string: lnd's JSON renders uint64 that way.
    pub root_key_id: String,
    /// host:port a watch-only node puts in `remotesigner.rpchost`.
    pub rpc_endpoint: String,
    /// `signer-only`, `admin` or `custom`.
    pub scope: String,
    /// File name → lowercase hex sha256, for every file but bundle.json.
    pub sha256: BTreeMap<String, String>,
    pub signer: String,
    pub wallet_birthday: Option<Birthday>,
    /// Present only when `wallet_birthday` is null: why, and what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_birthday_note: Option<String>,
}

impl BundleJson {
    /// sha256 over the fields that come from signer.toml and lsm itself
    /// (see [`BundleJson::described_sha256`]) and, from format 2 on, the
    /// signer's identity and master key fingerprint: facts a watch-only
    /// node trusts and no file hash covers, so an edit of them is seen
    /// offline too. They are sealed, not *described*: a difference from the
    /// live signer is a changed wallet, never a manifest change. The
    /// birthday is not sealed: lsm may learn it later.
    pub(crate) fn described_digest(&self) -> String {
        let mut fields = serde_json::json!([
            self.lsm_version,
            self.macaroon_file,
            self.network,
            self.permissions,
            self.root_key_id,
            self.rpc_endpoint,
            self.scope,
            self.signer,
        ]);
        if self.format_version >= 2
            && let Some(list) = fields.as_array_mut()
        {
            list.push(serde_json::json!(self.identity_pubkey));
            list.push(serde_json::json!(self.master_key_fingerprint));
        }
        crate::secrets::sha256_hex(fields.to_string().as_bytes())
    }

    /// Seals the described fields (see [`BundleJson::described_sha256`]).
    pub(crate) fn sealed(mut self) -> Self {
        self.described_sha256 = Some(self.described_digest());
        self
    }

    /// True when the seal is there and the fields no longer match it:
    /// someone edited bundle.json after lsm wrote it.
    pub(crate) fn edited_by_hand(&self) -> bool {
        self.described_sha256
            .as_ref()
            .is_some_and(|seal| *seal != self.described_digest())
    }

    /// Pretty JSON with a trailing newline: diffable and stable.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        // Strings, numbers and maps with string keys always serialise.
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// Parses bundle.json. Unknown fields are tolerated so that an older
    /// lsm can still check a newer bundle's files; `format_version` says
    /// whether it understands the rest.
    pub fn parse(bytes: &[u8]) -> Result<BundleJson, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A valid compressed point (the curve's generator).
    pub(crate) const IDENTITY: &str =
        "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

    pub(crate) fn sample() -> BundleJson {
        BundleJson {
            described_sha256: None,
            format_version: FORMAT_VERSION,
            identity_pubkey: Some(IDENTITY.into()),
            lsm_version: "0.1.0".into(),
            macaroon_file: "signer-only.macaroon".into(),
            master_key_fingerprint: Some("3442193e".into()),
            master_key_fingerprint_note: None,
            network: "regtest".into(),
            permissions: vec!["address:read".into()],
            root_key_id: "1".into(),
            rpc_endpoint: "10.0.0.2:10012".into(),
            scope: "signer-only".into(),
            sha256: BTreeMap::from([("tls.cert".into(), "00".into())]),
            signer: "s".into(),
            wallet_birthday: Some(Birthday::from_unix(1_700_000_000)),
            wallet_birthday_note: None,
        }
    }

    #[test]
    fn keys_are_sorted_and_birthday_is_readable() {
        let b = sample();
        let text = String::from_utf8(b.to_bytes()).unwrap();
        assert!(
            text.contains("\"rfc3339\": \"2023-11-14T22:13:20Z\""),
            "{text}"
        );
        let keys: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  \"") && !l.starts_with("    "))
            .map(|l| l.trim().split('"').nth(1).unwrap())
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
        assert!(keys.contains(&"identity_pubkey"), "{keys:?}");
        assert!(keys.contains(&"master_key_fingerprint"), "{keys:?}");
        assert!(!text.contains("wallet_birthday_note"));
        assert!(!text.contains("master_key_fingerprint_note"));
        assert_eq!(BundleJson::parse(text.as_bytes()).unwrap(), b);

        // An unknown fingerprint is written as null, with its note.
        let mut unknown = b;
        unknown.master_key_fingerprint = None;
        unknown.master_key_fingerprint_note = Some(NO_FINGERPRINT_NOTE.into());
        let text = String::from_utf8(unknown.to_bytes()).unwrap();
        assert!(text.contains("\"master_key_fingerprint\": null"), "{text}");
        assert!(text.contains("\"master_key_fingerprint_note\": \"unknown"));
    }

    #[test]
    fn a_format_1_bundle_json_still_reads() {
        let mut v1 = serde_json::to_value(sample()).unwrap();
        let map = v1.as_object_mut().unwrap();
        map.remove("identity_pubkey");
        map.remove("master_key_fingerprint");
        map.insert("format_version".into(), 1.into());
        let parsed = BundleJson::parse(v1.to_string().as_bytes()).unwrap();
        assert_eq!(parsed.format_version, 1);
        assert_eq!(parsed.identity_pubkey, None);
        assert_eq!(parsed.master_key_fingerprint, None);
    }

    #[test]
    fn the_seal_tells_a_hand_edit_from_what_lsm_wrote() {
        let b = BundleJson {
            sha256: BTreeMap::new(),
            wallet_birthday: None,
            ..sample()
        }
        .sealed();
        assert!(!b.edited_by_hand());
        let text = String::from_utf8(b.to_bytes()).unwrap();
        assert!(text.starts_with("{\n  \"described_sha256\": \""), "{text}");
        for (from, to) in [
            ("10.0.0.2:10012", "6.6.6.6:10012"),
            (IDENTITY, &IDENTITY.replace("1798", "1799")),
            ("3442193e", "deadbeef"),
        ] {
            let edited = text.replace(from, to);
            assert_ne!(edited, text);
            assert!(
                BundleJson::parse(edited.as_bytes())
                    .unwrap()
                    .edited_by_hand(),
                "{from}"
            );
        }
        // Other fields (the birthday, hashes) are not sealed.
        let mut other = b.clone();
        other.wallet_birthday = Some(Birthday::from_unix(1));
        assert!(!other.edited_by_hand());
        // A format-1 seal covers the format-1 fields only.
        let mut v1 = BundleJson {
            format_version: 1,
            identity_pubkey: None,
            master_key_fingerprint: None,
            ..b.clone()
        }
        .sealed();
        assert!(!v1.edited_by_hand());
        v1.signer = "t".into();
        assert!(v1.edited_by_hand());
        // An older lsm's bundle.json has no seal: never "edited".
        let mut old = b;
        old.described_sha256 = None;
        old.rpc_endpoint = "x:1".into();
        assert!(!old.edited_by_hand());
    }
}
