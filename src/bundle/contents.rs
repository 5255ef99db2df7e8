//! The desired bundle, computed from plain inputs: the exact bytes of
//! every file when everything is known, or which files are still unknown
//! (the signer cannot be asked) or pending (a bake is planned, so the
//! macaroon — and everything that hashes it — will change).
//!
//! Deterministic: the same signer, scope and birthday always give the same
//! bytes, down to the archive, so comparing desired with observed bytes is
//! a complete drift check and a second apply rewrites nothing.

use crate::bundle::accounts::AccountsJson;
use crate::bundle::bundle_json::{
    Birthday, BundleJson, FORMAT_VERSION, NO_BIRTHDAY_NOTE, NO_FINGERPRINT_NOTE,
};
use crate::bundle::{
    ACCOUNTS_FILE, BUNDLE_JSON_FILE, BundleLayout, Error, TLS_CERT_FILE, archive,
    permission_strings,
};
use crate::lnd::fingerprint;
use crate::lnd::macaroon::Macaroon;
use crate::lnd::proto::walletrpc::{Account, ListAccountsResponse};
use crate::scope::ScopeIntent;
use std::collections::BTreeMap;
use std::fmt;
use zeroize::Zeroizing;

/// The lsm version bundle.json records.
const LSM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything a complete bundle is made from. Used by `lsm export` and by
/// apply once the signer is up (and any bake is done).
pub struct BundleInputs<'a> {
    /// `[signer] name` (or what `lsm export` was told).
    pub signer: String,
    /// lnd's network name (`mainnet`, `regtest`, ...).
    pub network: String,
    /// host:port a watch-only node dials.
    pub rpc_endpoint: String,
    pub scope: &'a ScopeIntent,
    pub tls_cert_pem: Vec<u8>,
    /// WalletKit.ListAccounts, unfiltered, in lnd's order.
    pub accounts: Vec<Account>,
    /// The macaroon to export, binary.
    pub macaroon: Zeroizing<Vec<u8>>,
    /// Seconds since the epoch, when known (lsm's wallet-birthday.txt).
    pub birthday_unix: Option<u64>,
    /// GetInfo's identity_pubkey (compressed hex); `None` only when the
    /// macaroon `lsm export` was given cannot call GetInfo.
    pub identity_pubkey: Option<String>,
    /// The wallet's BIP32 master key fingerprint (8 hex digits), when lsm
    /// could compute it from a proven seed.
    pub master_key_fingerprint: Option<String>,
}

/// One input as far as plan time knows it.
#[derive(Clone)]
pub(crate) enum Part<T> {
    Known(T),
    /// Will be produced during apply (a bake is planned): certainly new.
    Pending,
    /// Cannot be known offline (the signer is not reachable).
    Unknown,
}

/// [`BundleInputs`] with the signer-derived parts possibly missing.
pub(crate) struct PartialInputs<'a> {
    pub signer: String,
    pub network: String,
    pub rpc_endpoint: String,
    pub scope: &'a ScopeIntent,
    pub tls_cert_pem: Part<Vec<u8>>,
    pub accounts: Part<Vec<Account>>,
    pub macaroon: Part<Zeroizing<Vec<u8>>>,
    pub birthday_unix: Option<u64>,
    /// Unknown until lnd's GetInfo answered.
    pub identity_pubkey: Part<Option<String>>,
    pub master_key_fingerprint: Option<String>,
}

impl<'a> From<BundleInputs<'a>> for PartialInputs<'a> {
    fn from(i: BundleInputs<'a>) -> Self {
        PartialInputs {
            signer: i.signer,
            network: i.network,
            rpc_endpoint: i.rpc_endpoint,
            scope: i.scope,
            tls_cert_pem: Part::Known(i.tls_cert_pem),
            accounts: Part::Known(i.accounts),
            macaroon: Part::Known(i.macaroon),
            birthday_unix: i.birthday_unix,
            identity_pubkey: Part::Known(i.identity_pubkey),
            master_key_fingerprint: i.master_key_fingerprint,
        }
    }
}

/// A desired file's content. `Debug` shows a fingerprint, never bytes.
#[derive(Clone, PartialEq, Eq)]
pub enum Content {
    Known(Zeroizing<Vec<u8>>),
    Pending,
    Unknown,
}

impl Content {
    pub(crate) fn known(&self) -> Option<&[u8]> {
        match self {
            Content::Known(b) => Some(b),
            _ => None,
        }
    }

    fn of<T>(part: &Part<T>, render: impl FnOnce(&T) -> Vec<u8>) -> Content {
        match part {
            Part::Known(v) => Content::Known(Zeroizing::new(render(v))),
            Part::Pending => Content::Pending,
            Part::Unknown => Content::Unknown,
        }
    }

    /// The content of a file derived from several: unknown if any input
    /// is, else pending if any input is.
    fn derived(inputs: &[&Content]) -> Option<Content> {
        if inputs.iter().any(|c| matches!(c, Content::Unknown)) {
            Some(Content::Unknown)
        } else if inputs.iter().any(|c| matches!(c, Content::Pending)) {
            Some(Content::Pending)
        } else {
            None
        }
    }
}

impl fmt::Debug for Content {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Content::Known(b) => write!(f, "Known({})", fingerprint::short(b)),
            Content::Pending => f.write_str("Pending"),
            Content::Unknown => f.write_str("Unknown"),
        }
    }
}

/// What the bundle should hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredBundle {
    pub layout: BundleLayout,
    pub scope: String,
    /// `<scope>.macaroon`.
    pub macaroon_file: String,
    /// What bundle.json records from signer.toml rather than from the
    /// signer: when these differ from the bundle on disk, the manifest
    /// changed (not the bundle behind lsm's back).
    pub described: Described,
    /// Files in the directory by name: accounts.json, tls.cert, the
    /// macaroon and bundle.json.
    pub files: BTreeMap<String, Content>,
    /// The archive's text when archiving is on; `None` when it is off.
    pub archive: Option<Content>,
}

/// bundle.json's fields that come from the manifest (and lsm itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub signer: String,
    pub network: String,
    pub rpc_endpoint: String,
    pub scope: String,
    pub macaroon_file: String,
    pub lsm_version: String,
}

impl Described {
    /// The fields `json` records differently (empty when all agree).
    pub(crate) fn changed_fields(&self, json: &BundleJson) -> Vec<&'static str> {
        [
            ("signer", self.signer == json.signer),
            ("network", self.network == json.network),
            ("rpc_endpoint", self.rpc_endpoint == json.rpc_endpoint),
            ("scope", self.scope == json.scope),
            ("macaroon_file", self.macaroon_file == json.macaroon_file),
            ("lsm_version", self.lsm_version == json.lsm_version),
        ]
        .into_iter()
        .filter(|(_, same)| !same)
        .map(|(name, _)| name)
        .collect()
    }
}

impl DesiredBundle {
    /// The complete bundle: every byte known.
    pub fn build(layout: BundleLayout, inputs: BundleInputs<'_>) -> Result<Self, Error> {
        Self::partial(layout, inputs.into())
    }

    /// The bundle as far as plan time knows it.
    pub(crate) fn partial(layout: BundleLayout, i: PartialInputs<'_>) -> Result<Self, Error> {
        let macaroon_file = i.scope.file_name();
        let accounts = Content::of(&i.accounts, |a| {
            AccountsJson::from(&ListAccountsResponse {
                accounts: a.clone(),
            })
            .to_lncli_bytes()
        });
        let cert = Content::of(&i.tls_cert_pem, |pem| pem.clone());
        let macaroon = Content::of(&i.macaroon, |m| m.to_vec());
        // Not a file, but bundle.json records it.
        let identity = Content::of(&i.identity_pubkey, |id| {
            id.as_deref().unwrap_or_default().as_bytes().to_vec()
        });

        let manifest = match Content::derived(&[&accounts, &cert, &macaroon, &identity]) {
            Some(c) => c,
            None => {
                let mut hashes = BTreeMap::new();
                for (name, c) in [
                    (ACCOUNTS_FILE, &accounts),
                    (TLS_CERT_FILE, &cert),
                    (macaroon_file.as_str(), &macaroon),
                ] {
                    let bytes = c.known().unwrap_or_default();
                    hashes.insert(name.to_string(), fingerprint::sha256_hex(bytes));
                }
                let mac = Macaroon::decode(macaroon.known().unwrap_or_default())?;
                let json = BundleJson {
                    described_sha256: None,
                    format_version: FORMAT_VERSION,
                    identity_pubkey: match &i.identity_pubkey {
                        Part::Known(id) => id.clone(),
                        _ => None,
                    },
                    lsm_version: LSM_VERSION.to_string(),
                    macaroon_file: macaroon_file.clone(),
                    master_key_fingerprint: i.master_key_fingerprint.clone(),
                    master_key_fingerprint_note: i
                        .master_key_fingerprint
                        .is_none()
                        .then(|| NO_FINGERPRINT_NOTE.to_string()),
                    network: i.network.clone(),
                    // What the file grants, which is what a reader checks
                    // against; the scope diff compares it with the intent.
                    permissions: permission_strings(&mac.permissions()?),
                    root_key_id: mac.root_key_id()?.to_string(),
                    rpc_endpoint: i.rpc_endpoint.clone(),
                    scope: i.scope.scope.clone(),
                    sha256: hashes,
                    signer: i.signer.clone(),
                    wallet_birthday: i.birthday_unix.map(Birthday::from_unix),
                    wallet_birthday_note: i
                        .birthday_unix
                        .is_none()
                        .then(|| NO_BIRTHDAY_NOTE.to_string()),
                }
                .sealed();
                Content::Known(Zeroizing::new(json.to_bytes()))
            }
        };

        let mut files = BTreeMap::new();
        files.insert(ACCOUNTS_FILE.to_string(), accounts);
        files.insert(TLS_CERT_FILE.to_string(), cert);
        files.insert(macaroon_file.clone(), macaroon);
        files.insert(BUNDLE_JSON_FILE.to_string(), manifest);

        let archive = if layout.archive_enabled() {
            let all: Vec<&Content> = files.values().collect();
            Some(match Content::derived(&all) {
                Some(c) => c,
                None => {
                    let entries: Vec<(String, Vec<u8>)> = files
                        .iter()
                        .map(|(n, c)| (n.clone(), c.known().unwrap_or_default().to_vec()))
                        .collect();
                    let text = archive::build(&entries);
                    // The plain copies held the macaroon too.
                    for (_, mut bytes) in entries {
                        zeroize::Zeroize::zeroize(&mut bytes);
                    }
                    let text = text.map_err(Error::Archive)?;
                    Content::Known(Zeroizing::new(text.as_bytes().to_vec()))
                }
            })
        } else {
            None
        };

        Ok(DesiredBundle {
            layout,
            scope: i.scope.scope.clone(),
            described: Described {
                signer: i.signer.clone(),
                network: i.network.clone(),
                rpc_endpoint: i.rpc_endpoint.clone(),
                scope: i.scope.scope.clone(),
                macaroon_file: macaroon_file.clone(),
                lsm_version: LSM_VERSION.to_string(),
            },
            macaroon_file,
            files,
            archive,
        })
    }

    /// The desired content for a name as plan actions spell it (a file in
    /// the directory, or `../<archive name>`).
    /// True when every byte is known (nothing pending or unknown).
    #[cfg(test)]
    fn is_complete(&self) -> bool {
        self.files
            .values()
            .chain(self.archive.as_ref())
            .all(|c| matches!(c, Content::Known(_)))
    }

    pub(crate) fn content(&self, name: &str) -> Option<&Content> {
        if name == BundleLayout::beside(&self.layout.archive_name()) {
            return self.archive.as_ref();
        }
        self.files.get(name)
    }

    /// Every name this bundle manages, as plan actions spell them.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.files.keys().cloned().collect();
        if self.archive.is_some() {
            names.push(BundleLayout::beside(&self.layout.archive_name()));
        }
        names
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::lnd::permissions;
    use crate::lnd::proto::walletrpc::AddressType;

    pub(crate) fn signer_only_intent() -> ScopeIntent {
        ScopeIntent {
            scope: "signer-only".into(),
            permissions: permissions::signer_only(),
            root_key_id: 1,
            bake: true,
        }
    }

    pub(crate) fn admin_intent() -> ScopeIntent {
        ScopeIntent {
            scope: "admin".into(),
            permissions: permissions::admin(),
            root_key_id: 0,
            bake: false,
        }
    }

    pub(crate) fn macaroon_for(intent: &ScopeIntent, nonce: u8) -> Zeroizing<Vec<u8>> {
        Macaroon::mint(
            &[7u8; 32],
            intent.root_key_id,
            [nonce; 16],
            &intent.permissions,
        )
        .unwrap()
        .encode()
    }

    /// Shape-only accounts (contents does not validate xpubs).
    pub(crate) fn fake_accounts(n_internal: u32) -> Vec<Account> {
        let mut v = Vec::new();
        for (purpose, t) in [
            (49, AddressType::HybridNestedWitnessPubkeyHash),
            (84, AddressType::WitnessPubkeyHash),
            (86, AddressType::TaprootPubkey),
        ] {
            v.push(Account {
                name: "default".into(),
                address_type: t as i32,
                extended_public_key: format!("tpubfake{purpose}"),
                derivation_path: format!("m/{purpose}'/0'/0'"),
                ..Default::default()
            });
        }
        for i in 0..n_internal {
            v.push(Account {
                name: if i == 0 {
                    "default".into()
                } else {
                    format!("act:{i}")
                },
                address_type: AddressType::WitnessPubkeyHash as i32,
                extended_public_key: format!("tpubfake1017x{i}"),
                derivation_path: format!("m/1017'/1'/{i}'"),
                ..Default::default()
            });
        }
        v
    }

    pub(crate) fn inputs(intent: &ScopeIntent) -> BundleInputs<'_> {
        BundleInputs {
            signer: "signer-1".into(),
            network: "regtest".into(),
            rpc_endpoint: "10.0.0.2:10012".into(),
            scope: intent,
            tls_cert_pem: b"-----BEGIN CERTIFICATE-----\nfake\n".to_vec(),
            accounts: fake_accounts(256),
            macaroon: macaroon_for(intent, 1),
            birthday_unix: Some(1_700_000_000),
            identity_pubkey: Some(crate::bundle::bundle_json::tests::IDENTITY.into()),
            master_key_fingerprint: Some("3442193e".into()),
        }
    }

    pub(crate) fn layout(dir: &std::path::Path, archive: bool) -> BundleLayout {
        BundleLayout::new(dir.join("bundle"), archive).unwrap()
    }

    #[test]
    fn same_inputs_give_the_same_bytes() {
        let intent = signer_only_intent();
        let dir = std::path::Path::new("/x");
        let a = DesiredBundle::build(layout(dir, true), inputs(&intent)).unwrap();
        let b = DesiredBundle::build(layout(dir, true), inputs(&intent)).unwrap();
        assert!(a.is_complete());
        assert_eq!(a, b);
        assert_eq!(
            a.names(),
            [
                "accounts.json",
                "bundle.json",
                "signer-only.macaroon",
                "tls.cert",
                "../bundle.tar.gz.b64"
            ]
        );
        // The archive holds exactly the four files.
        let text = a.content("../bundle.tar.gz.b64").unwrap().known().unwrap();
        let entries = archive::extract(text).unwrap();
        for (name, bytes) in &entries {
            assert_eq!(a.files[name].known().unwrap(), bytes.as_slice());
        }
        assert_eq!(entries.len(), 4);
    }

    #[test]
    fn bundle_json_describes_the_files() {
        let intent = admin_intent();
        let mut i = inputs(&intent);
        i.birthday_unix = None;
        let d = DesiredBundle::build(layout(std::path::Path::new("/x"), false), i).unwrap();
        assert!(d.archive.is_none());
        assert_eq!(d.macaroon_file, "admin.macaroon");
        let json = BundleJson::parse(d.files["bundle.json"].known().unwrap()).unwrap();
        assert_eq!(json.scope, "admin");
        assert_eq!(json.root_key_id, "0");
        assert_eq!(json.permissions.len(), permissions::admin().len());
        assert_eq!(json.wallet_birthday, None);
        assert!(json.wallet_birthday_note.is_some());
        assert_eq!(
            json.sha256["admin.macaroon"],
            fingerprint::sha256_hex(d.files["admin.macaroon"].known().unwrap())
        );
        assert_eq!(json.sha256.len(), 3);
    }

    #[test]
    fn partial_inputs_propagate_to_derived_files() {
        let intent = signer_only_intent();
        let full: PartialInputs = inputs(&intent).into();
        let pending = PartialInputs {
            macaroon: Part::Pending,
            ..full
        };
        let d = DesiredBundle::partial(layout(std::path::Path::new("/x"), true), pending).unwrap();
        assert!(!d.is_complete());
        assert!(d.files["accounts.json"].known().is_some());
        assert_eq!(d.files["signer-only.macaroon"], Content::Pending);
        assert_eq!(d.files["bundle.json"], Content::Pending);
        assert_eq!(d.archive, Some(Content::Pending));

        let offline = PartialInputs {
            accounts: Part::Unknown,
            tls_cert_pem: Part::Unknown,
            macaroon: Part::Pending,
            ..inputs(&intent).into()
        };
        let d = DesiredBundle::partial(layout(std::path::Path::new("/x"), true), offline).unwrap();
        assert_eq!(d.files["bundle.json"], Content::Unknown);
        assert_eq!(d.archive, Some(Content::Unknown));
        assert!(!format!("{d:?}").contains("fake"), "Debug shows no bytes");
    }

    #[test]
    fn a_macaroon_that_does_not_decode_is_refused() {
        let intent = signer_only_intent();
        let mut i = inputs(&intent);
        i.macaroon = Zeroizing::new(b"nope".to_vec());
        assert!(matches!(
            DesiredBundle::build(layout(std::path::Path::new("/x"), true), i),
            Err(Error::Macaroon(_))
        ));
    }
}
