//! Whose directories lsm writes into (`[wallet] secrets_dir`, `[bundle]
//! path`): a seed planted in a shared directory is never restored, a
//! directory writable by others or owned by another user is refused
//! (exit 5) and never chmodded, lnd's own data directory is never taken for
//! the bundle (its macaroons are neither removed nor chmodded), and only a
//! directory lsm created has its mode repaired as drift.

use crate::signer_kit;

use signer_kit::{Signer, assert_contains_all};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

fn chown(p: &Path, uid: u32) {
    std::os::unix::fs::chown(p, Some(uid), Some(uid)).unwrap();
}

/// 24 words that pass the offline aezeed checks (version 0, CRC-32C), as a
/// seed.txt someone planted would.
fn valid_seed_words() -> String {
    let mut e = [0u8; 33];
    getrandom::fill(&mut e[1..29]).unwrap();
    let mut crc = !0u32;
    for &b in &e[..29] {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    e[29..].copy_from_slice(&(!crc).to_be_bytes());
    let list = bip39::Language::English.word_list();
    let words: Vec<&str> = (0..24)
        .map(|i| {
            let mut index = 0usize;
            for b in 0..11 {
                let bit = i * 11 + b;
                index = index << 1 | usize::from(e[bit / 8] >> (7 - bit % 8) & 1);
            }
            list[index]
        })
        .collect();
    format!("{}\n", words.join(" "))
}

/// A manifest for `s` whose secrets directory is `dir` (relative to it).
fn with_secrets_dir(s: &Signer, dir: &str) {
    s.set_manifest(&s.manifest_text().replace(
        "secrets_dir = \"./secrets\"",
        &format!("secrets_dir = \"{dir}\""),
    ));
}

/// Another user (uid 65534) planted a valid seed.txt in a world-writable
/// (1777) directory named as secrets_dir: lsm refuses the directory and
/// the file (exit 5, saying why and how to fix it), never restores from
/// the seed, and leaves the directory's mode alone.
#[test]
fn a_seed_planted_in_a_shared_directory_is_never_restored() {
    let Some(s) = Signer::new("") else { return };
    let shared = s.path("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let seed = shared.join("seed.txt");
    std::fs::write(&seed, valid_seed_words()).unwrap();
    std::fs::set_permissions(&seed, std::fs::Permissions::from_mode(0o600)).unwrap();
    chown(&seed, 65534);
    with_secrets_dir(&s, "./shared");

    let plan = s.lsm(&["plan"]).expect(5);
    assert_contains_all(
        &plan.stdout,
        &[
            "! directory.secrets",
            "is world-writable (1777)",
            "! secret.ownership",
            "seed.txt: it belongs to uid 65534, not to the user running lsm (uid 0)",
            "fix:",
        ],
    );
    assert!(
        !plan.stdout.contains("restore wallet"),
        "a planted seed is never planned for a restore:\n{}",
        plan.stdout
    );
    let apply = s.lsm(&["apply", "--auto-approve"]).expect(5);
    assert!(!apply.stdout.contains("Apply complete"), "{}", apply.stdout);
    assert_eq!(mode(&shared), 0o1777, "never chmodded");
    assert!(
        !shared.join("wallet-password.txt").exists(),
        "nothing was written there"
    );
    assert_eq!(
        s.inspect("{{.State.Status}}"),
        None,
        "no signer was created"
    );

    // The same seed owned by another user in a directory of the user's
    // own: still refused.
    let mine = s.path("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::set_permissions(&mine, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::rename(&seed, mine.join("seed.txt")).unwrap();
    with_secrets_dir(&s, "./mine");
    let plan = s.lsm(&["plan"]).expect(5);
    assert_contains_all(&plan.stdout, &["! secret.ownership", "uid 65534"]);
    assert!(!plan.stdout.contains("restore wallet"), "{}", plan.stdout);

    // A directory another user owns, however tight its mode.
    let theirs = s.path("theirs");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o700)).unwrap();
    chown(&theirs, 65534);
    with_secrets_dir(&s, "./theirs");
    let plan = s.lsm(&["plan"]).expect(5);
    assert_contains_all(
        &plan.stdout,
        &["! directory.secrets", "belongs to uid 65534"],
    );
    s.assert_no_secret_leaked();
}

/// An existing directory that is not lsm's and holds other files is
/// refused as secrets_dir (exit 5) and left as it was; an empty one the
/// operator made is used, but its mode stays theirs: a loose mode is a
/// warning, never "[changed outside lsm]" nor a chmod. A directory lsm
/// created has its mode repaired, as drift.
#[test]
fn only_a_directory_lsm_created_has_its_mode_repaired() {
    let Some(s) = Signer::new("") else { return };
    let cluttered = s.path("cluttered");
    std::fs::create_dir(&cluttered).unwrap();
    std::fs::write(cluttered.join("notes.txt"), b"mine").unwrap();
    std::fs::set_permissions(&cluttered, std::fs::Permissions::from_mode(0o750)).unwrap();
    with_secrets_dir(&s, "./cluttered");
    let plan = s.lsm(&["plan"]).expect(5);
    assert_contains_all(
        &plan.stdout,
        &[
            "! directory.secrets",
            "lsm did not create it",
            "\"notes.txt\"",
        ],
    );
    s.lsm(&["apply", "--auto-approve"]).expect(5);
    assert_eq!(mode(&cluttered), 0o750);

    // Empty, made by the operator 0750: used as it is.
    let made = s.path("made");
    std::fs::create_dir(&made).unwrap();
    std::fs::set_permissions(&made, std::fs::Permissions::from_mode(0o750)).unwrap();
    with_secrets_dir(&s, "./made");
    s.apply();
    assert_eq!(
        mode(&made),
        0o750,
        "lsm did not create it, so it is not chmodded"
    );
    assert!(!made.join(".lsm-dir").exists());
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(
        plan.stdout.contains("leaves its mode to you: chmod 700"),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("[changed outside lsm]"),
        "{}",
        plan.stdout
    );

    // The default: lsm creates ./secrets itself; a chmod there is drift,
    // and repaired.
    let Some(t) = Signer::new("") else { return };
    t.apply();
    assert!(t.secrets().join(".lsm-dir").is_file());
    std::fs::set_permissions(t.secrets(), std::fs::Permissions::from_mode(0o750)).unwrap();
    let plan = t.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert_contains_all(
        &plan.stdout,
        &[
            "secret.permissions",
            "is 0750, not 0700",
            "[changed outside lsm]",
        ],
    );
    t.apply();
    assert_eq!(mode(&t.secrets()), 0o700);
}

/// `[bundle] path` pointed at lnd's own network directory in the volume
/// (with invoice.macaroon, readonly.macaroon and wallet.db in it): the
/// plan refuses it (exit 5) instead of deleting lnd's macaroons and
/// chmodding the directory, and apply changes nothing there.
#[test]
fn lnds_own_data_directory_is_never_taken_for_the_bundle() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let mountpoint =
        crate::support::docker(&["volume", "inspect", "-f", "{{.Mountpoint}}", &s.volume()]);
    let lnd_net = Path::new(mountpoint.trim()).join("data/chain/bitcoin/regtest");
    let before: Vec<(String, u32, u64)> = listing(&lnd_net);
    assert!(
        before.iter().any(|(n, _, _)| n == "invoice.macaroon"),
        "{before:?}"
    );
    let dir_mode = mode(&lnd_net);
    s.set_manifest(&s.manifest_text().replace(
        "path = \"./out/credentials-bundle\"",
        &format!("path = \"{}\"", lnd_net.display()),
    ));
    let plan = s.lsm(&["plan"]).expect(5);
    assert_contains_all(
        &plan.stdout,
        &[
            "! directory.bundle",
            "lsm did not create it, and it holds what is not lsm's",
            "invoice.macaroon",
        ],
    );
    s.lsm(&["apply", "--auto-approve"]).expect(5);
    assert_eq!(listing(&lnd_net), before, "lnd's files were touched");
    assert_eq!(mode(&lnd_net), dir_mode, "lnd's directory was chmodded");
}

/// Name, mode and inode of every entry.
fn listing(dir: &Path) -> Vec<(String, u32, u64)> {
    let mut v: Vec<(String, u32, u64)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                m.permissions().mode() & 0o7777,
                m.ino(),
            )
        })
        .collect();
    v.sort();
    v
}
