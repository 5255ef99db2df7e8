//! A seed backup that proves itself. lsm records which identity (and
//! network) seed.txt produced when it created or restored the wallet
//! (wallet-identity.json), refuses another wallet's seed.txt as this
//! wallet's backup, and names a network change for what it is.

mod signer_kit;

use signer_kit::{Backend, Signer, assert_contains_all};
use std::path::Path;

fn copy_secret(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
    std::fs::set_permissions(to, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
}

fn bundle_json(s: &Signer) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(s.bundle().join("bundle.json")).unwrap()).unwrap()
}

/// Two applied signers on `backend`.
fn two_signers(backend: Backend) -> Option<(Signer, Signer)> {
    let a = Signer::docker_on(backend, "")?;
    let b = Signer::docker_on(backend, "")?;
    a.apply();
    b.apply();
    assert_ne!(a.identity(), b.identity());
    Some((a, b))
}

/// Item 2: another signer's seed.txt beside a running wallet is refused
/// as its backup (exit 5, named, with the fix), and its birthday never
/// reaches this wallet's bundle.json. Copying the other signer's identity
/// record along is refused too. The wallet's own seed.txt back: fine again.
#[test]
fn another_signers_seed_is_refused_as_this_wallets_backup() {
    let Some((a, b)) = two_signers(Backend::Double) else {
        return;
    };
    let own_seed = std::fs::read(a.secrets().join("seed.txt")).unwrap();
    let birthday = bundle_json(&a)["wallet_birthday"].clone();
    assert!(
        !birthday.is_null(),
        "lsm created the seed, so it knows the birthday"
    );
    copy_secret(&b.secrets().join("seed.txt"), &a.secrets().join("seed.txt"));

    let plan = a.lsm(&["plan"]).expect(5);
    assert_contains_all(
        &plan.stdout,
        &[
            "! secret.seed",
            "seed.txt is not the seed this wallet came from",
            "refuses it as the wallet's backup",
            "fix: put this wallet's own seed.txt back",
        ],
    );
    assert!(
        !plan.stdout.contains("bundle.json out of date"),
        "{}",
        plan.stdout
    );
    assert_eq!(a.lsm(&["status", "--json"]).expect(2).json()["ok"], false);
    a.lsm(&["apply", "--auto-approve"]).expect(5);
    assert_eq!(
        bundle_json(&a)["wallet_birthday"],
        birthday,
        "the birthday was rewritten"
    );

    // The other signer's record copied along: another identity.
    copy_secret(
        &b.secrets().join("wallet-identity.json"),
        &a.secrets().join("wallet-identity.json"),
    );
    let plan = a.lsm(&["plan"]).expect(5);
    assert_contains_all(
        &plan.stdout,
        &["! secret.seed", "but the signer's wallet is", &a.identity()],
    );

    // Back to this wallet's own files.
    std::fs::remove_file(a.secrets().join("wallet-identity.json")).unwrap();
    std::fs::write(a.secrets().join("seed.txt"), &own_seed).unwrap();
    a.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    a.assert_no_secret_leaked();
}

/// Item 12: a network change (regtest → testnet) is named as one, with
/// what it means, instead of "admin-testnet.macaroon is missing".
#[test]
fn a_network_change_is_named_for_what_it_is() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    s.set_manifest(
        &s.manifest_text()
            .replace("network = \"regtest\"", "network = \"testnet\""),
    );
    let plan = s.lsm(&["plan"]).expect(5);
    assert_contains_all(
        &plan.stdout,
        &[
            "! signer.network",
            "signer.network changes regtest → testnet",
            "lnd keeps one wallet per network",
            "fix: to keep this signer, set network = \"regtest\" again",
        ],
    );
    assert!(
        !plan.stdout.contains("! file.admin_macaroon") && !plan.stdout.contains("is missing"),
        "{}",
        plan.stdout
    );
    s.lsm(&["apply", "--auto-approve"]).expect(5);
}
