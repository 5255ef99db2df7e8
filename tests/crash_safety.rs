//! Crash safety: apply is stopped dead (process exit, no destructors) right
//! after each step that writes something precious — the password file,
//! GenSeed, seed.txt, InitWallet, the bake, the middle of the bundle write
//! (a temp file not yet renamed, between two files, before the archive),
//! the removal of a stale file, the revocation of an old root key — and run
//! again. It must converge, leave no temp or half-written file, never
//! generate a second seed once one is on disk, and never lose a revocation.
//! Each test first checks the crash left what its point promises (a temp
//! file, a half-written bundle, a baked but unexported macaroon), so it
//! cannot pass without exercising that point.
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

/// What a crashed apply left behind, looked at before the next run.
struct AfterCrash {
    seed: Option<String>,
    /// Temp files in the bundle directory and beside it.
    temp_files: Vec<String>,
    bundle_files: Vec<String>,
    /// Whether the archive beside the bundle existed.
    archive: bool,
}

/// Stops `lsm apply` at `point`; it must exit with the crash status.
fn crash_at(s: &Signer, point: &str) -> AfterCrash {
    let crash = s.lsm_env(
        &["apply", "--auto-approve"],
        &[("FAILPOINTS", &format!("{point}=return"))],
    );
    assert_eq!(
        crash.code, CRASHED,
        "apply did not stop at {point}\n--- stdout\n{}\n--- stderr\n{}",
        crash.stdout, crash.stderr
    );
    let mut temp_files = leftovers(&s.bundle());
    temp_files.extend(leftovers(s.bundle().parent().unwrap()));
    let mut bundle_files: Vec<String> = std::fs::read_dir(s.bundle())
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| !n.starts_with(".lsm-tmp-") && n != lsm::dirguard::MARKER)
                .collect()
        })
        .unwrap_or_default();
    bundle_files.sort();
    AfterCrash {
        seed: seed_of(s),
        temp_files,
        bundle_files,
        archive: s.path("out/credentials-bundle.tar.gz.b64").exists(),
    }
}

/// Crashes a first apply at `point`, then applies again and checks the
/// result.
fn crash_then_converge(point: &str) -> Option<(Signer, AfterCrash)> {
    let s = Signer::new("")?;
    let after = crash_at(&s, point);
    converges_after(&s, point, after.seed.as_ref());
    Some((s, after))
}

/// Applies again after a crash at `point`: converged, nothing left over,
/// the seed written before the crash kept.
fn converges_after(s: &Signer, point: &str, seed_after_crash: Option<&String>) {
    let again = s.lsm(&["apply", "--auto-approve", "--detailed-exitcode"]);
    assert!(
        again.code == 2 || again.code == 0,
        "apply after a crash at {point} failed ({})\n{}\n{}",
        again.code,
        again.stdout,
        again.stderr
    );
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    if let Some(seed) = seed_after_crash {
        assert_eq!(
            seed_of(s).as_ref(),
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
}

#[test]
fn crash_after_the_password_write() {
    let Some((s, after)) = crash_then_converge("wallet::after_password") else {
        return;
    };
    assert!(after.seed.is_none(), "no seed may exist before GenSeed ran");
    assert!(s.secrets().join("wallet-password.txt").exists());
}

#[test]
fn crash_in_the_middle_of_the_password_write() {
    // The password's temp file is durable but was never renamed, so never
    // used: the next run removes it and generates the password again.
    let Some((s, after)) = crash_then_converge("wallet::password_before_rename") else {
        return;
    };
    assert!(after.seed.is_none());
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
    let Some((_s, after)) = crash_then_converge("wallet::after_genseed") else {
        return;
    };
    assert!(
        after.seed.is_none(),
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
    let Some((s, after)) = crash_then_converge("wallet::after_init") else {
        return;
    };
    assert!(after.seed.is_some());
    assert_eq!(s.status()["ok"], true);
}

/// Stopped right after BakeMacaroon: lnd has the root key and lsm's record
/// names it, but no bundle holds the macaroon. The next run bakes again and
/// writes it; no root key is left that lsm does not know about.
#[test]
fn crash_after_the_bake() {
    let Some(s) = Signer::new("") else { return };
    let after = crash_at(&s, "macaroon::after_bake");
    assert!(
        !after.bundle_files.iter().any(|f| f.ends_with(".macaroon")),
        "the bundle was written before the crash point: {:?}",
        after.bundle_files
    );
    assert!(s.root_key_ids().contains(&1), "the bake did not happen");
    assert_eq!(s.recorded_root_keys(), [1], "recorded before the bake");
    converges_after(&s, "macaroon::after_bake", after.seed.as_ref());
    assert_eq!(s.recorded_root_keys(), [1]);
}

/// Stopped with a bundle file's temp copy complete but not yet renamed:
/// the temp file is there, and the next apply removes it.
#[test]
fn crash_in_the_middle_of_the_bundle_write() {
    let Some((_s, after)) = crash_then_converge("bundle::before_rename") else {
        return;
    };
    assert_eq!(after.temp_files.len(), 1, "{:?}", after.temp_files);
    assert!(
        !after.bundle_files.contains(&"bundle.json".to_string()),
        "{:?}",
        after.bundle_files
    );
}

/// Stopped after the first bundle file: some files written, bundle.json
/// (which hashes them) not yet.
#[test]
fn crash_between_two_bundle_files() {
    let Some((_s, after)) = crash_then_converge("bundle::after_file") else {
        return;
    };
    assert_eq!(after.bundle_files.len(), 1, "{:?}", after.bundle_files);
}

#[test]
fn crash_after_bundle_json_before_the_archive() {
    let Some((_s, after)) = crash_then_converge("bundle::after_bundle_json") else {
        return;
    };
    assert!(after.bundle_files.contains(&"bundle.json".to_string()));
    assert!(!after.archive, "the archive comes after bundle.json");
}

/// Stopped with the archive's temp copy beside the bundle directory.
#[test]
fn crash_before_the_archive_is_renamed() {
    let Some((_s, after)) = crash_then_converge("bundle::archive_before_rename") else {
        return;
    };
    assert_eq!(after.temp_files.len(), 1, "{:?}", after.temp_files);
    assert!(
        after.temp_files[0].starts_with(".lsm-tmp-credentials-bundle.tar.gz.b64."),
        "{:?}",
        after.temp_files
    );
}

#[test]
fn crash_after_the_archive() {
    let Some((_s, after)) = crash_then_converge("bundle::after_archive") else {
        return;
    };
    assert!(after.archive && after.temp_files.is_empty());
}

/// A converged signer whose manifest then gets `extra`.
fn converged_then(extra: &str) -> Option<Signer> {
    let s = Signer::new("")?;
    s.apply();
    std::fs::write(&s.manifest, format!("{}\n{extra}", s.manifest_text())).unwrap();
    Some(s)
}

/// root_key_id 1 → 2, stopped once the new bundle is complete but before
/// root key 1 is revoked: the bundle no longer mentions 1, yet the next
/// plan still revokes it, because lsm recorded baking under it.
#[test]
fn crash_between_the_bundle_write_and_the_revoke_still_revokes() {
    let Some(s) = converged_then("[macaroon]\nroot_key_id = 2\n") else {
        return;
    };
    let after = crash_at(&s, "bundle::after_archive");
    assert_eq!(s.root_key_ids(), [0, 1, 2]);
    assert_eq!(s.recorded_root_keys(), [1, 2]);
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout.contains("- macaroon.root_key_1"),
        "{}",
        plan.stdout
    );
    converges_after(&s, "bundle::after_archive", after.seed.as_ref());
    assert_eq!(s.root_key_ids(), [0, 2]);
    assert_eq!(s.recorded_root_keys(), [2]);
}

/// Stopped right after DeleteMacaroonID, before lsm forgot the key: the
/// next run has nothing left to revoke and converges.
#[test]
fn crash_after_the_revoke() {
    let Some(s) = converged_then("[macaroon]\nroot_key_id = 2\n") else {
        return;
    };
    let after = crash_at(&s, "macaroon::after_revoke");
    assert_eq!(s.root_key_ids(), [0, 2], "the revoke did not happen");
    assert_eq!(s.recorded_root_keys(), [1, 2], "forgotten only after");
    converges_after(&s, "macaroon::after_revoke", after.seed.as_ref());
    assert_eq!(s.root_key_ids(), [0, 2]);
}

/// signer-only → admin, stopped after the stale signer-only.macaroon is
/// removed: the next run converges with the admin bundle.
#[test]
fn crash_after_a_stale_file_is_removed() {
    let Some(s) = converged_then("[macaroon]\nscope = \"admin\"\n") else {
        return;
    };
    let after = crash_at(&s, "bundle::after_remove");
    assert!(
        !after
            .bundle_files
            .contains(&"signer-only.macaroon".to_string()),
        "{:?}",
        after.bundle_files
    );
    assert!(after.bundle_files.contains(&"admin.macaroon".to_string()));
    converges_after(&s, "bundle::after_remove", after.seed.as_ref());
    assert_eq!(s.root_key_ids(), [0]);
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
