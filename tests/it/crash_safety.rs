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

use crate::signer_kit;

use signer_kit::{Backend, Signer};
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

/// Stopped between creating a directory and renaming its `.lsm-dir`
/// marker into it: the directory holds only the marker's temp file. The
/// next run finishes the creation instead of refusing the directory as
/// not lsm's (seen with a random SIGKILL in the bundle directory).
#[test]
fn crash_while_marking_a_new_directory() {
    let Some((s, _after)) = crash_then_converge("dirguard::mark_before_rename") else {
        return;
    };
    assert!(s.secrets().join(".lsm-dir").exists());
    assert!(s.bundle().join(".lsm-dir").exists());
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

/// Stopped right after InitWallet returned, before lnd was active and the
/// identity record written: lnd goes on and unlocks the wallet; plan and
/// status both say the identity is still to be recorded (from the note
/// lsm wrote before InitWallet), and the next apply records it by itself.
#[test]
fn crash_after_initwallet() {
    let Some(s) = Signer::new("") else { return };
    let after = crash_at(&s, "wallet::after_init");
    assert!(after.seed.is_some());
    assert!(s.secrets().join("wallet-identity.pending").exists());
    assert!(!s.secrets().join("wallet-identity.json").exists());
    plan_and_status_agree_on_the_identity_record(&s);
    converges_after(&s, "wallet::after_init", after.seed.as_ref());
    assert_identity_recorded(&s);
    assert_eq!(s.status()["ok"], true);
}

/// The plan lists recording the identity; status is not ok and names the
/// same step; neither says the signer has no wallet.
fn plan_and_status_agree_on_the_identity_record(s: &Signer) {
    // lnd finishes the unlock by itself; the plan waits for nothing, so ask
    // until it answers as active (status says when it does).
    let mut status = s.status();
    for _ in 0..200 {
        if status["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "SignerRpcReady" && c["status"] == true)
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        status = s.status();
    }
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout.contains("+ wallet.identity") && plan.stdout.contains("record the identity"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("restore wallet"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("has no wallet"), "{}", plan.stdout);
    assert_eq!(status["ok"], false, "{status:#}");
    let wallet = status["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "WalletState")
        .unwrap();
    assert_eq!(wallet["reason"], "Unlocked", "{status:#}");
    assert!(
        status.to_string().contains("wallet.identity"),
        "status does not name the step: {status:#}"
    );
}

/// wallet-identity.json names the live identity and seed.txt's seed.
fn assert_identity_recorded(s: &Signer) {
    let text = std::fs::read_to_string(s.secrets().join("wallet-identity.json"))
        .expect("the identity record");
    let record: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        record["identity_pubkey"],
        s.identity().as_str(),
        "{record:#}"
    );
    assert_eq!(record["network"], "regtest");
    assert!(!s.secrets().join("wallet-identity.pending").exists());
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(s.secrets().join("wallet-identity.json"))
            .unwrap()
            .permissions(),
    ) & 0o777;
    assert_eq!(mode, 0o600);
}

/// A native signer whose double holds InitWallet `delay_ms` after creating
/// the wallet, and a first apply SIGKILLed inside that InitWallet (lnd
/// carries on with it). Returns the signer and the seed.txt then on disk.
fn killed_during_initwallet(delay_ms: u64) -> (Signer, Option<String>) {
    let mut s = Signer::native("");
    let script = s.path("bin/lnd");
    std::fs::create_dir_all(script.parent().unwrap()).unwrap();
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexport LND_DOUBLE_INIT_DELAY_MS={delay_ms}\nexec '{}' \"$@\"\n",
            crate::support::double_binary().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    s.runtime_table = s.runtime_table.replace(
        &crate::support::double_binary().display().to_string(),
        &script.display().to_string(),
    );
    s.write_manifest();
    let mut child = s
        .lsm_process(&["apply", "--auto-approve"])
        .spawn()
        .expect("spawn lsm apply");
    let log = s.secrets().join("signer-lnd.log");
    while !std::fs::read_to_string(&log).is_ok_and(|l| l.contains("Wallet created")) {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "apply ended ({status}) before InitWallet: {:?}",
                s.finish(child)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL lsm");
    let killed = s.finish(child);
    assert_eq!(killed.code, -1, "lsm was not killed: {killed:?}");
    let seed = seed_of(&s);
    (s, seed)
}

/// SIGKILL while InitWallet is in flight (the double holds the call 3 s
/// after creating the wallet, so the kill lands inside it): lnd goes on
/// with the wallet, as real lnd does. Before, the double stopped half-way
/// and every re-apply failed with "the signer already has a wallet" while
/// plan and status said it had none. Now plan and status agree, and the
/// next apply converges by itself.
#[test]
fn sigkill_during_initwallet_converges_by_itself() {
    let (s, seed) = killed_during_initwallet(3000);
    assert!(seed.is_some(), "seed.txt is durable before InitWallet");
    plan_and_status_agree_on_the_identity_record(&s);
    converges_after(&s, "a SIGKILL during InitWallet", seed.as_ref());
    assert_identity_recorded(&s);
}

/// The next apply starts while lnd is still creating the wallet from the
/// killed apply's InitWallet (lnd carries it on without its caller): lnd
/// still says NON_EXISTING, so the plan restores from seed.txt, and lnd
/// answers that InitWallet with "already has a wallet". The restore waits
/// for lnd's wallet, which is seed.txt's, and converges in that same apply.
#[test]
fn an_apply_racing_an_interrupted_initwallet_converges() {
    let (s, seed) = killed_during_initwallet(6000);
    // At once, while the double still holds the first InitWallet.
    let again = s.lsm(&["apply", "--auto-approve"]);
    assert_eq!(
        again.code, 0,
        "apply racing the interrupted InitWallet failed\n{}\n{}",
        again.stdout, again.stderr
    );
    assert_eq!(seed_of(&s), seed, "seed.txt was replaced");
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    assert_identity_recorded(&s);
}

/// As above, but without the killed apply's pending note: the wallet lnd
/// got first is not proven to be seed.txt's, so apply blocks (exit 5) and
/// records no identity.
#[test]
fn a_racing_wallet_no_earlier_apply_noted_is_not_adopted() {
    let (s, seed) = killed_during_initwallet(6000);
    // The note of the killed apply is gone: nothing proves that the wallet
    // lnd is creating holds seed.txt's words (anyone may call InitWallet).
    std::fs::remove_file(s.secrets().join("wallet-identity.pending")).unwrap();
    let again = s.lsm(&["apply", "--auto-approve"]);
    assert_eq!(
        again.code, 5,
        "an unproven wallet was adopted\n{}\n{}",
        again.stdout, again.stderr
    );
    assert!(
        again.stderr.contains("lnd got a wallet from elsewhere"),
        "{}",
        again.stderr
    );
    assert_eq!(seed_of(&s), seed, "seed.txt was replaced");
    assert!(
        !s.secrets().join("wallet-identity.json").exists(),
        "an identity was recorded"
    );
}

/// SIGKILLs at random moments of a first apply (the delays are printed, so
/// a failure can be replayed): each time, the next apply converges by
/// itself, and plan and status agree afterwards.
#[test]
fn sigkill_at_random_moments_of_a_first_apply_converges() {
    let mut rng = [0u8; 8];
    getrandom::fill(&mut rng).unwrap();
    let mut x = u64::from_le_bytes(rng) | 1;
    for round in 0..6 {
        let Some(s) = Signer::new("") else { return };
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let delay_ms = 200 + x % 1500;
        eprintln!("round {round}: SIGKILL after {delay_ms} ms");
        let mut child = s
            .lsm_process(&["apply", "--auto-approve"])
            .spawn()
            .expect("spawn lsm apply");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let run = s.finish(child);
        let seed = seed_of(&s);
        eprintln!(
            "round {round}: lsm ended with {}; seed.txt there: {}",
            run.code,
            seed.is_some()
        );
        converges_after(&s, &format!("a SIGKILL after {delay_ms} ms"), seed.as_ref());
        assert_eq!(s.status()["ok"], true, "round {round} ({delay_ms} ms)");
        assert_identity_recorded(&s);
    }
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

fn a_lost_volume_is_restored_from_seed_txt_with_the_same_keys(b: Backend) {
    let Some(s) = Signer::docker_on(b, "") else {
        return;
    };
    s.apply();
    let identity = s.identity();
    let accounts = std::fs::read(s.bundle().join("accounts.json")).unwrap();
    // Lose the container and the volume (and so the wallet) outside lsm.
    crate::support::docker(&["rm", "-f", &s.name]);
    crate::support::docker(&["volume", "rm", &s.volume()]);
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

crate::on_both_backends!(a_lost_volume_is_restored_from_seed_txt_with_the_same_keys,);
