//! A seed backup that proves itself. lsm records which identity (and
//! network) seed.txt produced when it created or restored the wallet
//! (wallet-identity.json), refuses another wallet's seed.txt as this
//! wallet's backup, rehearses a restore in a throwaway lnd (`lsm seed
//! verify`, and before every `destroy --purge-volume`), and names a network
//! change for what it is. The rehearsal runs on real lnd too, where aezeed
//! is real: the signer's own seed passes, another signer's seed fails, and
//! a seed made with an aezeed passphrase fails.

use crate::signer_kit;

use crate::support::docker;
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

/// Item 1: `destroy --purge-volume` with another signer's seed.txt in
/// place is refused (exit 5) and removes nothing — offline when the
/// identity record disproves the seed, and by the restore rehearsal when
/// there is no record to go by. With the wallet's own seed the rehearsal
/// passes, the volume goes, and the next apply restores the same wallet.
#[test]
fn purge_volume_keeps_the_wallet_unless_seed_txt_restores_it() {
    let Some((a, b)) = two_signers(Backend::Double) else {
        return;
    };
    let identity = a.identity();
    let own_seed = std::fs::read(a.secrets().join("seed.txt")).unwrap();
    copy_secret(&b.secrets().join("seed.txt"), &a.secrets().join("seed.txt"));
    let run = a
        .lsm(&["destroy", "--purge-volume", "--auto-approve"])
        .expect(5);
    assert_contains_all(
        &run.stdout,
        &["! volume.data", "is not the seed this wallet came from"],
    );
    assert!(a.volume_exists() && a.inspect("{{.State.Running}}").as_deref() == Some("true"));

    // Without the record, only the rehearsal can tell: it restores the
    // other wallet, so the purge is refused.
    std::fs::remove_file(a.secrets().join("wallet-identity.json")).unwrap();
    let run = a
        .lsm(&["destroy", "--purge-volume", "--auto-approve"])
        .expect(5);
    assert_contains_all(
        &run.stderr,
        &[
            "the restore rehearsal failed",
            &format!("not the live signer's {identity}"),
            "lsm keeps it",
        ],
    );
    assert!(
        a.volume_exists(),
        "the wallet's only other copy was removed"
    );
    assert_eq!(a.inspect("{{.State.Running}}").as_deref(), Some("true"));
    let status = a.lsm(&["status", "--json"]).expect(2).json();
    assert_eq!(
        status["seed_backup"]["last_rehearsal"]["passed"], false,
        "{status:#}"
    );
    // No throwaway container is left behind.
    let left = docker(&["ps", "-aq", "--filter", "label=io.lsm.rehearsal"]);
    assert!(
        !left
            .lines()
            .any(|id| docker(&["inspect", "-f", "{{.Name}}", id]).contains(&a.name)),
        "a rehearsal container was left: {left}"
    );

    // The wallet's own seed: the rehearsal passes, the volume goes, and
    // apply brings back the same wallet from seed.txt.
    std::fs::write(a.secrets().join("seed.txt"), &own_seed).unwrap();
    let run = a
        .lsm(&["destroy", "--purge-volume", "--auto-approve"])
        .expect(0);
    assert!(
        run.stderr.contains("restore rehearsal passed"),
        "{}",
        run.stderr
    );
    assert!(!a.volume_exists());
    a.apply();
    assert_eq!(a.identity(), identity);
    a.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    a.assert_no_secret_leaked();
}

/// Only lnd can say whose wallet a volume holds. Another signer's
/// seed.txt, identity record and accounts.json copied in together (a
/// `cp -a` of the wrong directory) agree with one another; with this
/// signer's lnd stopped, a rehearsal compared with them would pass and the
/// purge would delete this wallet's only copy. It is refused (exit 5), and
/// nothing is removed.
#[test]
fn a_stopped_signer_is_not_purged_on_the_word_of_the_files_beside_its_seed() {
    let Some((a, b)) = two_signers(Backend::Double) else {
        return;
    };
    for f in ["seed.txt", "wallet-identity.json"] {
        copy_secret(&b.secrets().join(f), &a.secrets().join(f));
    }
    copy_secret(
        &b.bundle().join("accounts.json"),
        &a.bundle().join("accounts.json"),
    );
    docker(&["stop", &a.name]);
    let run = a
        .lsm(&["destroy", "--purge-volume", "--auto-approve"])
        .expect(5);
    assert_contains_all(
        &run.stdout,
        &[
            "! volume.data",
            "would delete a wallet lnd does not show",
            "copied from another signer",
            "fix: run `lsm apply` so the signer runs unlocked",
        ],
    );
    assert!(
        !run.stderr.contains("Rehearsing"),
        "no rehearsal is run against the files beside seed.txt: {}",
        run.stderr
    );
    assert!(a.volume_exists(), "this wallet's only copy was removed");
    assert!(
        a.inspect("{{.Name}}").is_some(),
        "the container was removed"
    );
    // Nor does status call them this wallet's backup while lnd is down.
    let status = a.lsm(&["status", "--json"]).expect(2).json();
    let detail = status["seed_backup"]["detail"].as_str().unwrap();
    assert!(
        detail.contains("not confirmed") && !detail.contains("this wallet's seed"),
        "{detail}"
    );
}

/// Item 13: a volume that never held a wallet (lnd reports none) can be
/// purged though there is no seed.txt.
#[cfg(feature = "failpoints")]
#[test]
fn a_volume_that_never_held_a_wallet_can_be_purged() {
    let Some(s) = Signer::new("") else { return };
    // Stopped after GenSeed, before seed.txt: lnd runs, with no wallet.
    let crash = s.lsm_env(
        &["apply", "--auto-approve"],
        &[("FAILPOINTS", "wallet::after_genseed=return")],
    );
    assert_eq!(crash.code, lsm::crashpoint::CRASH_EXIT, "{}", crash.stderr);
    assert!(!s.secrets().join("seed.txt").exists());
    assert!(s.volume_exists());
    let run = s
        .lsm(&["destroy", "--purge-volume", "--auto-approve"])
        .expect(0);
    assert!(run.stdout.contains("- volume.data"), "{}", run.stdout);
    assert!(!s.volume_exists());
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

/// `lsm seed verify` on `backend`: the signer's own seed passes (printing
/// fingerprints only), is recorded, and status says when and what; then
/// another signer's seed fails (exit 1), and status warns.
fn seed_verify_passes_for_its_own_seed_and_fails_for_another(backend: Backend) {
    let Some((a, b)) = two_signers(backend) else {
        return;
    };
    let run = a.lsm(&["seed", "verify"]).expect(0);
    assert_contains_all(
        &run.stdout,
        &[
            &format!("{} (the live signer's)", a.identity()),
            "259 of 259 xpubs match",
            "Seed backup verified",
        ],
    );
    assert!(
        run.stderr.contains("throwaway lnd") && run.stderr.contains("no published port"),
        "{}",
        run.stderr
    );
    let status = a.status();
    assert_eq!(status["ok"], true, "{status:#}");
    eprintln!(
        "{backend:?}: the rehearsal took {} ms",
        status["seed_backup"]["last_rehearsal"]["took_ms"]
    );
    assert_eq!(status["seed_backup"]["proof"], "proven");
    assert_eq!(status["seed_backup"]["last_rehearsal"]["passed"], true);
    assert_eq!(
        status["seed_backup"]["last_rehearsal_of_current_seed"],
        true
    );
    let text = a.lsm(&["status"]).expect(0);
    assert!(
        text.stdout.contains("last restore rehearsal: passed"),
        "{}",
        text.stdout
    );

    copy_secret(&b.secrets().join("seed.txt"), &a.secrets().join("seed.txt"));
    let run = a.lsm(&["seed", "verify"]).expect(1);
    assert!(
        run.stdout
            .contains(&format!("{}, NOT the live signer's", b.identity())),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("seed.txt does not restore this signer"),
        "{}",
        run.stderr
    );
    let status = a.lsm(&["status", "--json"]).expect(2).json();
    assert_eq!(status["seed_backup"]["last_rehearsal"]["passed"], false);
    assert!(
        status["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("the last restore rehearsal")),
        "{status:#}"
    );
    a.assert_no_secret_leaked();
    b.assert_no_secret_leaked();
}

crate::on_both_backends!(seed_verify_passes_for_its_own_seed_and_fails_for_another);

/// Real lnd (real aezeed): a wallet made outside lsm with an aezeed
/// passphrase, whose words are in seed.txt. lsm restores with no
/// passphrase, so the rehearsal shows seed.txt alone would not bring the
/// wallet back: it fails, naming the passphrase.
#[cfg(feature = "failpoints")]
#[test]
fn a_seed_made_with_a_passphrase_fails_the_rehearsal() {
    let Some(s) = Signer::docker_on(Backend::Real, "") else {
        return;
    };
    // lnd up with no wallet yet (stopped after GenSeed, before seed.txt).
    let crash = s.lsm_env(
        &["apply", "--auto-approve"],
        &[("FAILPOINTS", "wallet::after_genseed=return")],
    );
    assert_eq!(crash.code, lsm::crashpoint::CRASH_EXIT, "{}", crash.stderr);
    // The operator makes the wallet with a passphrase, by hand.
    let password = std::fs::read_to_string(s.secrets().join("wallet-password.txt")).unwrap();
    let words = s.with_client(&[], async |c| {
        let words = c.gen_seed(Some(b"an aezeed passphrase")).await.unwrap();
        c.init_wallet(&lsm_lnd::client::InitWalletParams {
            wallet_password: password.trim().as_bytes(),
            mnemonic: &words,
            aezeed_passphrase: b"an aezeed passphrase",
            ..Default::default()
        })
        .await
        .unwrap();
        words.to_vec()
    });
    let seed = s.secrets().join("seed.txt");
    std::fs::write(&seed, format!("{}\n", words.join(" "))).unwrap();
    std::fs::set_permissions(&seed, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    s.apply();
    let run = s.lsm(&["seed", "verify"]).expect(1);
    assert!(
        run.stdout.contains("none: lnd did not restore a wallet"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("invalid passphrase") && run.stderr.contains("aezeed passphrase"),
        "{}",
        run.stderr
    );
    // And so the volume, the only copy that opens without the passphrase,
    // is never purged.
    s.lsm(&["destroy", "--purge-volume", "--auto-approve"])
        .expect(5);
    assert!(s.volume_exists());
}

/// The native runtime's rehearsal: the signer's own lnd binary with its
/// lnddir in a temp directory (on /dev/shm when there is one) that is gone
/// afterwards, and gRPC on loopback only.
fn seed_verify_on_a_native_signer(backend: Backend) {
    let s = Signer::native_on(backend, "");
    s.apply();
    let run = s.lsm(&["seed", "verify", "--json"]).expect(0);
    let outcome = &run.json()["rehearsal"];
    assert_eq!(outcome["passed"], true, "{outcome:#}");
    assert_eq!(outcome["restored_identity"], s.identity().as_str());
    let lnd = outcome["lnd"].as_str().unwrap();
    assert!(lnd.contains("gRPC on 127.0.0.1:"), "{lnd}");
    let dir = lnd
        .split("with its data in ")
        .nth(1)
        .and_then(|r| r.split(" (removed afterwards)").next())
        .expect("the temp directory is named");
    assert!(
        dir.contains("lsm-rehearsal-") && !Path::new(dir).exists(),
        "the rehearsal's directory {dir} is still there"
    );
    assert_eq!(s.status()["seed_backup"]["last_rehearsal"]["passed"], true);
    s.assert_no_secret_leaked();
}

crate::on_both_backends!(seed_verify_on_a_native_signer);

/// Sends `signal` to a spawned lsm once `ready` holds (polled for up to
/// 60 s), then waits for it. The rehearsal is held right after its
/// throwaway lnd restored the wallet (a failpoint sleeping there), the
/// moment its removal matters most.
#[cfg(feature = "failpoints")]
fn interrupt_rehearsal(s: &Signer, signal: i32, ready: impl Fn() -> bool) -> signer_kit::Run {
    let child = s
        .lsm_process(&["seed", "verify"])
        .env("FAILPOINTS", "rehearsal::after_restore=sleep(120000)")
        .spawn()
        .expect("spawn lsm");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !ready() {
        assert!(
            std::time::Instant::now() < deadline,
            "the rehearsal's lnd never appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // Time for the restore to reach the failpoint (the double takes well
    // under a second); earlier would be as good a test.
    std::thread::sleep(std::time::Duration::from_secs(3));
    // SAFETY: kill(2) on the pid of a child this test spawned and has not
    // yet waited for.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    s.finish(child)
}

/// Ctrl-C during `lsm seed verify` does not leave the throwaway container
/// behind, running with a restored copy of the wallet unlocked, and what
/// the interruption cut short is not recorded as a failed rehearsal.
#[cfg(feature = "failpoints")]
#[test]
fn an_interrupted_rehearsal_leaves_no_container_behind() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let container = format!("{}-rehearsal", s.name);
    let running = || {
        !docker(&["ps", "-q", "--filter", &format!("name=^{container}$")])
            .trim()
            .is_empty()
    };
    let run = interrupt_rehearsal(&s, libc::SIGINT, running);
    assert_eq!(run.code, 128 + libc::SIGINT, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "interrupted: removing the restore rehearsal's container {container}"
        )),
        "{}",
        run.stderr
    );
    let left = docker(&["ps", "-aq", "--filter", &format!("name=^{container}$")]);
    assert!(left.trim().is_empty(), "{container} was left behind");
    assert!(
        !s.secrets().join("seed-rehearsal.json").exists(),
        "an interrupted rehearsal was recorded"
    );
    // The next one runs as usual.
    s.lsm(&["seed", "verify"]).expect(0);
}

/// The same for a native signer: SIGTERM stops the throwaway lnd and
/// removes its temp directory (the restored wallet) before lsm exits.
#[cfg(feature = "failpoints")]
#[test]
fn an_interrupted_native_rehearsal_leaves_no_lnd_or_directory_behind() {
    let s = Signer::native_on(Backend::Double, "");
    s.apply();
    // The throwaway lnd, by its --lnddir in a temp directory of its own.
    let throwaway = || -> Option<(u32, std::path::PathBuf)> {
        std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let dir = cmdline.split(|b| *b == 0).find_map(|a| {
                let a = std::str::from_utf8(a).ok()?;
                a.strip_prefix("--lnddir=")
                    .filter(|d| d.contains("lsm-rehearsal-"))
                    .map(std::path::PathBuf::from)
            })?;
            // Only this signer's lsm's child.
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            let ppid: u32 = status
                .lines()
                .find_map(|l| l.strip_prefix("PPid:"))?
                .trim()
                .parse()
                .ok()?;
            let parent = std::fs::read(format!("/proc/{ppid}/cmdline")).ok()?;
            let ours = parent
                .split(|b| *b == 0)
                .any(|a| a == s.manifest.as_os_str().as_encoded_bytes());
            ours.then_some((pid, dir))
        })
    };
    let found = std::sync::Mutex::new(None);
    let run = interrupt_rehearsal(&s, libc::SIGTERM, || {
        let t = throwaway();
        let seen = t.is_some();
        if t.is_some() {
            *found.lock().unwrap() = t;
        }
        seen
    });
    assert_eq!(run.code, 128 + libc::SIGTERM, "{}", run.stderr);
    let (pid, dir) = found
        .into_inner()
        .unwrap()
        .expect("the throwaway lnd was seen");
    signer_kit::wait_until_gone(pid);
    assert!(!dir.exists(), "{} was left behind", dir.display());
    assert!(
        !s.secrets().join("seed-rehearsal.json").exists(),
        "an interrupted rehearsal was recorded"
    );
}
