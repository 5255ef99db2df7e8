//! bundle.json: the bundle's own description — which signer and network it
//! is for, the endpoint a watch-only node dials, the macaroon's scope,
//! permissions and root key id, the wallet birthday (so the watch-only
//! import does not rescan from 2017, anchors §0.8) and the sha256 of every
//! other file.
//!
//! Deterministic on purpose: fields are declared in alphabetical order and
//! maps are sorted, and nothing time-dependent (such as when it was
//! exported) is recorded, so the same signer always gives the same bytes
//! and a second apply rewrites nothing.

use crate::lnd::macaroon::format_rfc3339;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

/// The format this lsm writes. Readers refuse newer versions.
pub(crate) const FORMAT_VERSION: u32 = 1;

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
    /// fields that come from signer.toml. When they no longer hash to it,
    /// bundle.json was edited by hand (an edited `rpc_endpoint` would send
    /// the watch-only node elsewhere); when they do, a difference from the
    /// manifest is a manifest change. Absent in bundles of older lsm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub described_sha256: Option<String>,
    pub format_version: u32,
    pub lsm_version: String,
    /// The macaroon's file name in the bundle (`<scope>.macaroon`).
    pub macaroon_file: String,
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
    /// (see [`BundleJson::described_sha256`]).
    pub(crate) fn described_digest(&self) -> String {
        let fields = serde_json::json!([
            self.lsm_version,
            self.macaroon_file,
            self.network,
            self.permissions,
            self.root_key_id,
            self.rpc_endpoint,
            self.scope,
            self.signer,
        ]);
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
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_and_birthday_is_readable() {
        let b = BundleJson {
            described_sha256: None,
            format_version: FORMAT_VERSION,
            lsm_version: "0.1.0".into(),
            macaroon_file: "signer-only.macaroon".into(),
            network: "regtest".into(),
            permissions: vec!["address:read".into()],
            root_key_id: "1".into(),
            rpc_endpoint: "10.0.0.2:10012".into(),
            scope: "signer-only".into(),
            sha256: BTreeMap::from([("tls.cert".into(), "00".into())]),
            signer: "s".into(),
            wallet_birthday: Some(Birthday::from_unix(1_700_000_000)),
            wallet_birthday_note: None,
        };
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
        assert!(!text.contains("wallet_birthday_note"));
        assert_eq!(BundleJson::parse(text.as_bytes()).unwrap(), b);
    }

    #[test]
    fn the_seal_tells_a_hand_edit_from_what_lsm_wrote() {
        let b = BundleJson {
            described_sha256: None,
            format_version: FORMAT_VERSION,
            lsm_version: "0.1.0".into(),
            macaroon_file: "signer-only.macaroon".into(),
            network: "regtest".into(),
            permissions: vec!["address:read".into()],
            root_key_id: "1".into(),
            rpc_endpoint: "10.0.0.2:10012".into(),
            scope: "signer-only".into(),
            sha256: BTreeMap::new(),
            signer: "s".into(),
            wallet_birthday: None,
            wallet_birthday_note: None,
        }
        .sealed();
        assert!(!b.edited_by_hand());
        let text = String::from_utf8(b.to_bytes()).unwrap();
        assert!(text.starts_with("{\n  \"described_sha256\": \""), "{text}");
        let edited = text.replace("10.0.0.2:10012", "6.6.6.6:10012");
        assert!(
            BundleJson::parse(edited.as_bytes())
                .unwrap()
                .edited_by_hand()
        );
        // Other fields (the birthday, hashes) are not sealed.
        let mut other = b.clone();
        other.wallet_birthday = Some(Birthday::from_unix(1));
        assert!(!other.edited_by_hand());
        // An older lsm's bundle.json has no seal: never "edited".
        let mut old = b;
        old.described_sha256 = None;
        old.rpc_endpoint = "x:1".into();
        assert!(!old.edited_by_hand());
    }
}
