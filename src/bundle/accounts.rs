//! accounts.json exactly as `lncli wallet accounts list` prints it, so that
//! `lncli createwatchonly` (which rejects unknown keys) takes it unchanged:
//! lnd's protojson options — proto field names, every field emitted, bytes
//! as hex, enum names, 32-bit integers as numbers — with a 4-space indent
//! and a trailing newline (lnd-facts §7).

use crate::lnd::proto::walletrpc::{Account, AddressType, ListAccountsResponse};
use serde::{Deserialize, Serialize};

/// One account entry, keys in proto declaration order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountJson {
    pub name: String,
    pub address_type: String,
    pub extended_public_key: String,
    pub master_key_fingerprint: String,
    pub derivation_path: String,
    pub external_key_count: u32,
    pub internal_key_count: u32,
    pub watch_only: bool,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsJson {
    pub accounts: Vec<AccountJson>,
}

impl From<&Account> for AccountJson {
    fn from(a: &Account) -> Self {
        let address_type = AddressType::try_from(a.address_type)
            .map(|t| t.as_str_name().to_string())
            // protojson prints an unknown enum value as its number.
            .unwrap_or_else(|_| a.address_type.to_string());
        AccountJson {
            name: a.name.clone(),
            address_type,
            extended_public_key: a.extended_public_key.clone(),
            master_key_fingerprint: hex::encode(&a.master_key_fingerprint),
            derivation_path: a.derivation_path.clone(),
            external_key_count: a.external_key_count,
            internal_key_count: a.internal_key_count,
            watch_only: a.watch_only,
        }
    }
}

impl From<&ListAccountsResponse> for AccountsJson {
    fn from(r: &ListAccountsResponse) -> Self {
        AccountsJson {
            accounts: r.accounts.iter().map(AccountJson::from).collect(),
        }
    }
}

impl AccountsJson {
    /// The exact bytes lncli would print.
    pub fn to_lncli_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
        // Serialising plain strings, numbers and bools cannot fail.
        let _ = self.serialize(&mut ser);
        out.push(b'\n');
        out
    }

    /// Parses an accounts.json (ours or lncli's).
    pub fn parse(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_lncli_layout() {
        let resp = ListAccountsResponse {
            accounts: vec![Account {
                name: "default".into(),
                address_type: AddressType::HybridNestedWitnessPubkeyHash as i32,
                extended_public_key: "upub5".into(),
                master_key_fingerprint: vec![],
                derivation_path: "m/49'/0'/0'".into(),
                external_key_count: 0,
                internal_key_count: 0,
                watch_only: false,
            }],
        };
        let text = String::from_utf8(AccountsJson::from(&resp).to_lncli_bytes()).unwrap();
        let want = r#"{
    "accounts": [
        {
            "name": "default",
            "address_type": "HYBRID_NESTED_WITNESS_PUBKEY_HASH",
            "extended_public_key": "upub5",
            "master_key_fingerprint": "",
            "derivation_path": "m/49'/0'/0'",
            "external_key_count": 0,
            "internal_key_count": 0,
            "watch_only": false
        }
    ]
}
"#;
        assert_eq!(text, want);
        assert!(AccountsJson::parse(b"{\"accounts\":[],\"extra\":1}").is_err());
    }
}
