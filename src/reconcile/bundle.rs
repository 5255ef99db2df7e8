//! The bundle inside lsm's plan and apply: what the bundle should hold given
//! what lnd reports right now, and carrying out its export and clean-up
//! steps. ([`crate::bundle`] itself knows nothing of lnd connections or
//! the wallet; this is the glue between it, the desired state, the signer
//! view and the wallet's files, so it sits above them all.)

use crate::bundle::{BundleLayout, DesiredBundle, ObservedBundle, Part, PartialInputs, diff};
use crate::desired::Desired;
use crate::plan::PlanPart;
use crate::plan::op::BundleOp;
use crate::signer::SignerView;
use crate::wallet::diff::SecretsView;
use zeroize::Zeroizing;

fn layout(desired: &Desired) -> Result<BundleLayout, crate::bundle::Error> {
    BundleLayout::new(&desired.bundle.dir, desired.bundle.archive.is_some())
}

/// The macaroon the bundle should carry, as far as it is known.
fn macaroon_part(
    desired: &Desired,
    signer: &SignerView,
    observed: &ObservedBundle,
    baked: Option<&[u8]>,
    bake_planned: bool,
) -> Part<Zeroizing<Vec<u8>>> {
    if !desired.scope.bake {
        // Scope admin: the signer's own admin.macaroon, byte for byte.
        return match &signer.admin_macaroon {
            Some(m) => Part::Known(m.to_zeroizing()),
            None => Part::Unknown,
        };
    }
    if let Some(b) = baked {
        return Part::Known(Zeroizing::new(b.to_vec()));
    }
    if bake_planned {
        return Part::Pending;
    }
    match observed.files.get(&desired.scope.file_name()) {
        Some(f) => Part::Known(f.bytes.clone()),
        None => Part::Pending,
    }
}

/// The wallet birthday bundle.json records: seed.txt's `# birthday` line
/// while seed.txt is proven to be this wallet's seed (its identity record
/// names it and the live wallet). Otherwise seed.txt is not trusted to
/// date this wallet's rescan — it may be another wallet's — and the
/// birthday bundle.json already has stays as it is (none for a new bundle).
fn birthday(
    desired: &Desired,
    secrets: &SecretsView,
    signer: &SignerView,
    observed: &ObservedBundle,
) -> Option<u64> {
    if crate::wallet::proof::seed_proof(&desired.wallet.network, secrets, &signer.wallet)
        .is_proven()
    {
        return desired.wallet_files.read_birthday();
    }
    observed
        .bundle_json()
        .and_then(|j| j.wallet_birthday)
        .map(|b| b.unix)
}

/// The wallet's master key fingerprint bundle.json records.
///
/// What lsm sealed into bundle.json for this same identity stands: it was
/// derived from the proven seed when lsm wrote it, and deriving it again
/// costs aezeed's scrypt (32 MiB, ~65 ms of CPU) on every plan, status and
/// apply. Otherwise it is computed from seed.txt while that is proven to be
/// this wallet's seed and the node key it derives is the identity lnd
/// reports (so a wrong seed can never put a wrong fingerprint in the
/// bundle); failing that, the fingerprint bundle.json has for this identity
/// stays.
fn master_key_fingerprint(
    desired: &Desired,
    secrets: &SecretsView,
    signer: &SignerView,
    observed: &ObservedBundle,
) -> Option<String> {
    let live = signer.identity_pubkey.as_deref()?;
    let recorded = observed
        .bundle_json()
        .filter(|j| j.identity_pubkey.as_deref() == Some(live));
    if let Some(fingerprint) = recorded
        .as_ref()
        .filter(|j| j.described_sha256.is_some() && !j.edited_by_hand())
        .and_then(|j| j.master_key_fingerprint.clone())
    {
        return Some(fingerprint);
    }
    if crate::wallet::proof::seed_proof(&desired.wallet.network, secrets, &signer.wallet)
        .is_proven()
        && let Ok(seed) = desired.wallet_files.read_seed()
        && let Ok(network) = desired.wallet.network.parse()
        && let Ok(master) = crate::wallet::master::from_words(&seed.words, network)
        && master.node_pubkey.eq_ignore_ascii_case(live)
    {
        return Some(master.fingerprint);
    }
    recorded.and_then(|j| j.master_key_fingerprint)
}

/// What bundle.json records beside the files: facts lsm learns from the
/// wallet (birthday, master key fingerprint) rather than from lnd's replies.
struct WalletFacts {
    birthday_unix: Option<u64>,
    master_key_fingerprint: Option<String>,
}

fn wallet_facts(
    desired: &Desired,
    secrets: &SecretsView,
    signer: &SignerView,
    observed: &ObservedBundle,
) -> WalletFacts {
    WalletFacts {
        birthday_unix: birthday(desired, secrets, signer, observed),
        master_key_fingerprint: master_key_fingerprint(desired, secrets, signer, observed),
    }
}

fn inputs<'a>(
    desired: &'a Desired,
    signer: &SignerView,
    macaroon: Part<Zeroizing<Vec<u8>>>,
    facts: WalletFacts,
) -> PartialInputs<'a> {
    let known_when_active = |active: bool| active && signer.server_active();
    PartialInputs {
        signer: desired.resolved.signer.name.clone(),
        network: desired.resolved.signer.network.to_string(),
        rpc_endpoint: desired.bundle.rpc_endpoint.clone(),
        scope: &desired.scope,
        tls_cert_pem: match &signer.tls_cert_pem {
            Some(c) if known_when_active(true) => Part::Known(c.clone()),
            _ => Part::Unknown,
        },
        accounts: match &signer.accounts {
            Some(a) => Part::Known(a.clone()),
            None => Part::Unknown,
        },
        macaroon,
        birthday_unix: facts.birthday_unix,
        identity_pubkey: match &signer.identity_pubkey {
            Some(id) => Part::Known(Some(id.clone())),
            None => Part::Unknown,
        },
        master_key_fingerprint: facts.master_key_fingerprint,
    }
}

/// The bundle's plan actions given the live signer (`bake_planned`: the
/// scope diff will bake a new macaroon in this plan).
pub(crate) fn diff_for(
    desired: &Desired,
    signer: &SignerView,
    secrets: &SecretsView,
    observed: &ObservedBundle,
    bake_planned: bool,
) -> PlanPart {
    let layout = match layout(desired) {
        Ok(l) => l,
        Err(e) => {
            return PlanPart {
                notes: vec![crate::error::chain(&e)],
                ..PlanPart::default()
            };
        }
    };
    let mac = macaroon_part(desired, signer, observed, None, bake_planned);
    let facts = wallet_facts(desired, secrets, signer, observed);
    let mut out = match DesiredBundle::partial(layout, inputs(desired, signer, mac, facts)) {
        Ok(d) => diff(&d, observed),
        Err(e) => PlanPart {
            notes: vec![format!("the bundle cannot be computed: {e}")],
            ..PlanPart::default()
        },
    };
    out.notes.extend(uncovered_endpoint(
        &desired.bundle.rpc_endpoint,
        signer.tls_cert_pem.as_deref(),
    ));
    out
}

/// Says so when the signer's certificate does not name the endpoint
/// bundle.json records: the watch-only node's TLS check would fail until
/// the name is declared ([`super::certificate`] then renews the certificate).
fn uncovered_endpoint(endpoint: &str, cert_pem: Option<&[u8]>) -> Option<String> {
    let info = crate::lnd::tls::CertInfo::from_pem(cert_pem?).ok()?;
    let host = crate::bundle::verify::rpc_host(endpoint);
    (!info.covers_host(host)).then(|| {
        format!(
            "the signer's certificate does not name {host}, the host of the bundle's endpoint \
             {endpoint}, so the watch-only node's TLS check will fail: add it to [rpc] \
             tls_extra_ips or tls_extra_domains, and the next apply restarts lnd, which then \
             issues a certificate naming it"
        )
    })
}

/// Carries out a bundle step with everything known now.
pub(crate) async fn execute(
    op: &BundleOp,
    desired: &Desired,
    signer: &SignerView,
    secrets: &SecretsView,
    observed: &ObservedBundle,
    baked: Option<&[u8]>,
) -> Result<(), super::Error> {
    let mac = macaroon_part(desired, signer, observed, baked, false);
    let facts = wallet_facts(desired, secrets, signer, observed);
    let d = DesiredBundle::partial(layout(desired)?, inputs(desired, signer, mac, facts))?;
    match op {
        // The writer refuses a file whose content is not known, and only
        // repairs the mode of one that exists: offline mode fixes work.
        BundleOp::Export { files } => Ok(crate::bundle::write::export(&d, files)?),
        BundleOp::RemoveStale { files } => Ok(crate::bundle::write::remove_stale(&d, files)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_the_certificate_does_not_name_is_noted() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".into(), "signer".into()]).unwrap();
        params
            .subject_alt_names
            .push(rcgen::SanType::IpAddress("127.0.0.1".parse().unwrap()));
        let pem = params.self_signed(&key).unwrap().pem();
        let pem = Some(pem.as_bytes());
        assert_eq!(uncovered_endpoint("127.0.0.1:31012", pem), None);
        assert_eq!(uncovered_endpoint("signer:10012", pem), None);
        let note = uncovered_endpoint("10.0.0.5:10012", pem).unwrap();
        assert!(note.contains("does not name 10.0.0.5"), "{note}");
        assert_eq!(uncovered_endpoint("10.0.0.5:10012", None), None);
    }
}
