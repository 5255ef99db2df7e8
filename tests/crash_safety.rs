//! Crash safety: apply is stopped dead (process exit, no destructors) right
//! after each step that writes something precious — the password file,
//! GenSeed, seed.txt, InitWallet, the bake, the middle of the bundle write —
//! and run again. It must converge, leave no temp or half-written file, and
//! never generate a second seed once one is on disk.
//!
//! Needs the crash points: `cargo nextest run --features lsm/failpoints`
//! (scripts/test.sh does this).
#![cfg(feature = "failpoints")]

mod signer_kit;

use signer_kit::Signer;
use std::path::Path;

/// The exit status of an injected crash (`lsm::crashpoint::CRASH_EXIT`).
const CRASHED: i32 = lsm::crashpoint::CRASH_EXIT;

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.starts_with(".lsm-tmp-"))
                .collect()
        })
        .unwrap_or_default()
}

fn seed_of(s: &Signer) -> Option<String> {
    std::fs::read_to_string(s.secrets().join("seed.txt")).ok()
}

/// Crashes apply at `point`, then applies again and checks the result.
fn crash_then_converge(point: &str) -> Option<(Signer, Option<String>)> {
    let s = Signer::new("")?;
    let crash = s.lsm_env(
        &["apply", "--auto-approve"],
        &[("FAILPOINTS", &format!("{point}=return"))],
    );
    assert_eq!(
        crash.code, CRASHED,
        "apply did not stop at {point}\n--- stdout\n{}\n--- stderr\n{}",
        crash.stdout, crash.stderr
    );
    let seed_after_crash = seed_of(&s);

    let again = s.lsm(&["apply", "--auto-approve", "--detailed-exitcode"]);
    assert!(
        again.code == 2 || again.code == 0,
        "apply after a crash at {point} failed ({})\n{}\n{}",
        again.code,
        again.stdout,
        again.stderr
    );
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    if let Some(seed) = &seed_after_crash {
        assert_eq!(
            seed_of(&s).as_ref(),
            Some(seed),
            "the seed written before the crash at {point} was replaced"
        );
    }
    for dir in [
        s.secrets(),
        s.bundle(),
        s.bundle().parent().unwrap().to_path_buf(),
    ] {
        assert!(
            leftovers(&dir).is_empty(),
            "temp files left in {} after a crash at {point}: {:?}",
            dir.display(),
            leftovers(&dir)
        );
    }
    let words = s.seed_words().expect("seed.txt exists after convergence");
    assert_eq!(words.len(), 24);
    s.lsm(&["bundle", "verify", "out/credentials-bundle"])
        .expect(0);
    s.assert_no_secret_leaked();
    Some((s, seed_after_crash))
}

#[test]
fn crash_after_the_password_write() {
    let Some((s, seed)) = crash_then_converge("wallet::after_password") else {
        return;
    };
    assert!(seed.is_none(), "no seed may exist before GenSeed ran");
    assert!(s.secrets().join("wallet-password.txt").exists());
}

#[test]
fn crash_in_the_middle_of_the_password_write() {
    // The password's temp file is durable but was never renamed, so never
    // used: the next run removes it and generates the password again.
    let Some((s, seed)) = crash_then_converge("wallet::password_before_rename") else {
        return;
    };
    assert!(seed.is_none());
    assert!(s.secrets().join("wallet-password.txt").exists());
}

#[test]
fn crash_in_the_middle_of_the_seed_write() {
    // The words never reached seed.txt nor lnd: their temp file is removed
    // and a fresh seed is generated, which is then the only one.
    let Some(s) = Signer::new("") else { return };
    let crash = s.lsm_env(
        &["apply", "--auto-approve"],
        &[("FAILPOINTS", "wallet::seed_before_rename=return")],
    );
    assert_eq!(crash.code, CRASHED, "{}", crash.stderr);
    assert!(seed_of(&s).is_none());
    assert_eq!(
        leftovers(&s.secrets()).len(),
        1,
        "the crash left the temp file"
    );
    let plan = s.lsm(&["plan"]).expect(0);
    assert!(
        plan.stdout.contains("- secret.leftovers"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("GenSeed"), "{}", plan.stdout);
    s.apply();
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(
        leftovers(&s.secrets()).is_empty(),
        "{:?}",
        leftovers(&s.secrets())
    );
    assert_eq!(s.seed_words().map(|w| w.len()), Some(24));
}

#[test]
fn crash_after_genseed_before_the_seed_is_saved() {
    // The words lnd returned were never written and never used: the next
    // run generates a fresh seed, which is then the only one.
    let Some((_s, seed)) = crash_then_converge("wallet::after_genseed") else {
        return;
    };
    assert!(
        seed.is_none(),
        "seed.txt must not exist before it is written"
    );
}

#[test]
fn crash_after_the_seed_is_saved_restores_from_it() {
    let Some(s) = Signer::new("") else { return };
    let crash = s.lsm_env(
        &["apply", "--auto-approve"],
        &[("FAILPOINTS", "wallet::after_seed_write=return")],
    );
    assert_eq!(crash.code, CRASHED, "{}", crash.stderr);
    let seed = seed_of(&s).expect("seed.txt is durable before InitWallet");
    // The wallet does not exist yet; the plan restores from seed.txt.
    let plan = s.lsm(&["plan"]).expect(0);
    assert!(
        plan.stdout.contains("restore wallet from"),
        "{}",
        plan.stdout
    );
    s.apply();
    assert_eq!(seed_of(&s).as_deref(), Some(seed.as_str()));
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn crash_after_initwallet() {
    let Some((s, seed)) = crash_then_converge("wallet::after_init") else {
        return;
    };
    assert!(seed.is_some());
    assert_eq!(s.status()["ok"], true);
}

#[test]
fn crash_after_the_bake() {
    crash_then_converge("macaroon::after_bake");
}

#[test]
fn crash_in_the_middle_of_the_bundle_write() {
    crash_then_converge("bundle::after_file");
}

#[test]
fn crash_after_bundle_json_before_the_archive() {
    crash_then_converge("bundle::after_bundle_json");
}

#[test]
fn crash_after_the_archive() {
    crash_then_converge("bundle::after_archive");
}

#[test]
fn a_lost_volume_is_restored_from_seed_txt_with_the_same_keys() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let identity = s.identity();
    let accounts = std::fs::read(s.bundle().join("accounts.json")).unwrap();
    // Lose the container and the volume (and so the wallet) outside lsm.
    signer_kit::support::docker(&["rm", "-f", &s.name]);
    signer_kit::support::docker(&["volume", "rm", &s.volume()]);
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout.contains("restore wallet from"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("GenSeed"), "{}", plan.stdout);
    s.apply();
    assert_eq!(s.identity(), identity);
    assert_eq!(
        std::fs::read(s.bundle().join("accounts.json")).unwrap(),
        accounts,
        "the restored wallet has the same accounts"
    );
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}
