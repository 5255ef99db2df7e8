//! The wallet's secrets against real applies on the Docker runtime: lsm
//! never invents a password for a wallet that may exist, never overwrites a
//! password copy that may be the only one that opens the wallet, never
//! meets a declared identity with a new seed, and never trusts a seed file
//! it cannot check or a secret path that is not a plain file.

use crate::signer_kit;

use signer_kit::Signer;

const COPY: &str = "lsm/wallet-password.txt";

/// Removes the container and the volume (so the wallet), and moves
/// seed.txt to `seed.offline`, as an operator keeping it offline would.
/// Returns seed.txt's path.
fn lose_the_wallet_with_seed_offline(s: &Signer) -> std::path::PathBuf {
    crate::support::docker(&["rm", "-f", &s.name]);
    crate::support::docker(&["volume", "rm", &s.volume()]);
    let seed = s.secrets().join("seed.txt");
    std::fs::rename(&seed, s.path("seed.offline")).unwrap();
    seed
}

#[test]
fn lost_secrets_never_get_a_new_password_for_an_existing_volume() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let identity = s.identity();
    let copy = s
        .volume_file(COPY)
        .expect("the password copy is in the volume");

    // The container and the whole secrets directory are gone; the volume
    // (and its wallet) is not.
    crate::support::docker(&["rm", "-f", &s.name]);
    std::fs::rename(s.secrets(), s.path("secrets.moved")).unwrap();
    let plan = s.lsm(&["plan"]).expect(5);
    assert!(
        plan.stdout.contains("cannot tell whether"),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("generate a random"),
        "{}",
        plan.stdout
    );
    s.lsm(&["apply", "--auto-approve"]).expect(5);
    assert_eq!(
        s.volume_file(COPY),
        Some(copy),
        "the volume's copy was replaced"
    );
    assert!(!s.secrets().join("wallet-password.txt").exists());

    // With the secrets back, the same wallet comes back up.
    std::fs::remove_dir_all(s.secrets()).ok();
    std::fs::rename(s.path("secrets.moved"), s.secrets()).unwrap();
    s.apply();
    assert_eq!(s.identity(), identity);
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn a_wrong_host_password_is_never_pushed_over_the_volumes_copy() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let host = s.secrets().join("wallet-password.txt");
    let right = std::fs::read(&host).unwrap();
    let copy = s.volume_file(COPY).unwrap();
    std::fs::write(&host, b"an-old-backup-of-another-password\n").unwrap();

    let plan = s.lsm(&["plan"]).expect(5);
    assert!(
        plan.stdout.contains("overwrites neither"),
        "{}",
        plan.stdout
    );
    s.lsm(&["apply", "--auto-approve"]).expect(5);
    assert_eq!(
        s.volume_file(COPY),
        Some(copy),
        "the volume's copy was replaced"
    );

    std::fs::write(&host, &right).unwrap();
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    s.assert_no_secret_leaked();
}

#[test]
fn a_declared_identity_is_never_met_with_a_new_seed() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let identity = s.identity();
    s.set_manifest(&s.manifest_text().replace(
        "[wallet]\n",
        &format!("[wallet]\nexpected_identity_pubkey = \"{identity}\"\n"),
    ));
    // The wallet is lost with its volume, and seed.txt is not at hand.
    let seed = lose_the_wallet_with_seed_offline(&s);

    let run = s.lsm(&["apply", "--auto-approve"]).expect(5);
    assert!(run.stdout.contains("another identity"), "{}", run.stdout);
    assert!(!seed.exists(), "a new seed was generated");

    std::fs::rename(s.path("seed.offline"), &seed).unwrap();
    let plan = s.lsm(&["plan"]).expect(0);
    assert!(
        plan.stdout.contains("restore wallet from"),
        "{}",
        plan.stdout
    );
    s.apply();
    assert_eq!(s.identity(), identity);
}

#[test]
fn a_seed_file_that_cannot_restore_is_reported_and_protects_the_volume() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let seed = s.secrets().join("seed.txt");
    let good = std::fs::read(&seed).unwrap();
    // Two words swapped (the birthday line kept): every word is in the
    // list, the checksum is not.
    let text = String::from_utf8(good.clone()).unwrap();
    let birthday: String = text.lines().filter(|l| l.starts_with('#')).collect();
    let mut words = s.seed_words().unwrap();
    words.swap(10, 11);
    std::fs::write(&seed, format!("{birthday}\n{}\n", words.join(" "))).unwrap();

    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(
        plan.stdout.contains("Warning:") && plan.stdout.contains("checksum"),
        "{}",
        plan.stdout
    );
    let status = s.lsm(&["status", "--json"]).expect(2).json();
    assert!(status["warnings"][0].as_str().unwrap().contains("seed.txt"));
    let purge = s
        .lsm(&["destroy", "--purge-volume", "--auto-approve"])
        .expect(5);
    assert!(
        purge.stdout.contains("could not restore it"),
        "{}",
        purge.stdout
    );
    assert!(s.volume_exists());

    std::fs::write(&seed, good).unwrap();
    s.lsm(&["status"]).expect(0);
    s.assert_no_secret_leaked();
}

#[test]
fn secret_paths_that_are_not_plain_files_are_never_followed_or_replaced() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    // The volume is lost and seed.txt is a dangling symlink: it is neither
    // restored from nor replaced by a new seed.
    crate::support::docker(&["rm", "-f", &s.name]);
    crate::support::docker(&["volume", "rm", &s.volume()]);
    let seed = s.secrets().join("seed.txt");
    std::fs::rename(&seed, s.path("seed.offline")).unwrap();
    std::os::unix::fs::symlink(s.path("nowhere"), &seed).unwrap();
    let run = s.lsm(&["apply", "--auto-approve"]).expect(5);
    assert!(run.stdout.contains("symbolic link"), "{}", run.stdout);
    assert!(
        std::fs::symlink_metadata(&seed)
            .unwrap()
            .file_type()
            .is_symlink()
    );

    // A FIFO where the password belongs: reported, not read (no hang).
    std::fs::remove_file(&seed).unwrap();
    std::fs::rename(s.path("seed.offline"), &seed).unwrap();
    let password = s.secrets().join("wallet-password.txt");
    std::fs::rename(&password, s.path("password.offline")).unwrap();
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        &password,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .unwrap();
    let plan = s.lsm(&["plan"]).expect(5);
    assert!(plan.stdout.contains("named pipe"), "{}", plan.stdout);
    s.lsm(&["status"]).expect(2);
}

#[test]
fn a_bundle_of_an_earlier_wallet_forbids_a_new_seed() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let identity = s.identity();
    // The wallet is lost with its volume while seed.txt is kept offline;
    // the bundle the watch-only node imported is still there.
    let seed = lose_the_wallet_with_seed_offline(&s);
    let run = s.lsm(&["apply", "--auto-approve"]).expect(5);
    assert!(run.stdout.contains("a wallet existed"), "{}", run.stdout);
    assert!(!seed.exists(), "a new seed was generated");
    // With the seed back, the same wallet is restored.
    std::fs::rename(s.path("seed.offline"), &seed).unwrap();
    s.apply();
    assert_eq!(s.identity(), identity);
}

#[test]
fn a_new_volume_gets_lsms_files_and_the_wallet_restored_from_seed_txt() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let identity = s.identity();
    let other = format!("{}-moved", s.volume());
    s.set_manifest(
        &s.manifest_text()
            .replace("[rpc]", &format!("volume = \"{other}\"\n\n[rpc]")),
    );
    let plan = s.lsm(&["plan"]).expect(0);
    for line in [
        "+ file.lnd_conf",
        "+ file.wallet_password",
        "restore wallet from",
    ] {
        assert!(plan.stdout.contains(line), "{line}:\n{}", plan.stdout);
    }
    s.apply();
    assert_eq!(s.identity(), identity, "restored from seed.txt");
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    crate::support::docker(&["rm", "-f", &s.name]);
    crate::support::docker(&["volume", "rm", "-f", &other]);
}

#[test]
fn with_auto_unlock_off_the_password_copy_is_emptied_and_comes_back_when_on() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    assert!(s.volume_file(COPY).is_some_and(|c| !c.is_empty()));
    s.set_manifest(
        &s.manifest_text()
            .replace("[wallet]\n", "[wallet]\nauto_unlock = false\n"),
    );
    let plan = s.lsm(&["plan"]).expect(0);
    assert!(
        plan.stdout.contains("- file.wallet_password"),
        "{}",
        plan.stdout
    );
    s.apply();
    assert_eq!(
        s.volume_file(COPY),
        Some(Vec::new()),
        "the copy was not emptied"
    );
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    // Back on: the copy is written again (an empty copy is no copy).
    s.set_manifest(&s.manifest_text());
    s.apply();
    assert_eq!(
        s.volume_file(COPY),
        std::fs::read(s.secrets().join("wallet-password.txt")).ok()
    );
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    s.assert_no_secret_leaked();
}
