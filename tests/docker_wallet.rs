//! The wallet and the watch-only macaroon through real applies: scope
//! changes re-bake and revoke, a locked wallet without auto-unlock is
//! unlocked over gRPC, and a wrong expected identity blocks (exit 5).

mod signer_kit;

use signer_kit::Signer;

fn bundle_files(s: &Signer) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(s.bundle())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

fn inspect_macaroon(s: &Signer, file: &str) -> serde_json::Value {
    s.lsm(&[
        "macaroon",
        "inspect",
        s.bundle().join(file).to_str().unwrap(),
        "--json",
    ])
    .expect(0)
    .json()
}

#[test]
fn scope_changes_rebake_revoke_and_clean_the_bundle() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let mac = inspect_macaroon(&s, "signer-only.macaroon");
    assert_eq!(mac["root_key_id"], "1");
    let perms: Vec<&str> = mac["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(
        perms,
        [
            "address:read",
            "message:write",
            "onchain:write",
            "signer:generate",
            "signer:read"
        ]
    );

    // signer-only → admin: the bundle gets the signer's admin.macaroon, the
    // scoped file goes, and root key 1 is revoked.
    std::fs::write(
        &s.manifest,
        format!("{}\n[macaroon]\nscope = \"admin\"\n", s.manifest_text()),
    )
    .unwrap();
    let plan = s.lsm(&["plan", "--json"]).expect(0).json();
    let addrs: Vec<&str> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["address"].as_str().unwrap())
        .collect();
    assert!(addrs.contains(&"macaroon.root_key_1"), "{plan:#}");
    assert!(
        addrs.contains(&"bundle.stale") || addrs.iter().any(|a| a.starts_with("bundle.")),
        "{plan:#}"
    );
    s.apply();
    let files = bundle_files(&s);
    assert!(files.contains(&"admin.macaroon".to_string()), "{files:?}");
    assert!(
        !files.contains(&"signer-only.macaroon".to_string()),
        "{files:?}"
    );
    assert_eq!(inspect_macaroon(&s, "admin.macaroon")["root_key_id"], "0");
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);

    // admin → custom under root key 2: no admin.macaroon may remain.
    std::fs::write(
        &s.manifest,
        format!(
            "{}\n[macaroon]\nscope = \"custom\"\npermissions = [\"signer:generate\", \"uri:/signrpc.Signer/SignMessage\"]\nroot_key_id = 2\n",
            s.manifest_text()
        ),
    )
    .unwrap();
    let plan = s.lsm(&["plan"]).expect(0);
    assert!(
        plan.stdout.contains("+ macaroon.watchonly"),
        "{}",
        plan.stdout
    );
    s.apply();
    let files = bundle_files(&s);
    assert!(files.contains(&"custom.macaroon".to_string()), "{files:?}");
    assert!(!files.contains(&"admin.macaroon".to_string()), "{files:?}");
    let mac = inspect_macaroon(&s, "custom.macaroon");
    assert_eq!(mac["root_key_id"], "2");
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    s.lsm(&["bundle", "verify", "out/credentials-bundle"])
        .expect(0);
    s.assert_no_secret_leaked();
}

#[test]
fn without_auto_unlock_a_locked_wallet_is_unlocked_over_grpc() {
    let Some(s) = Signer::new("") else { return };
    std::fs::write(
        &s.manifest,
        s.manifest_text()
            .replace("[wallet]\n", "[wallet]\nauto_unlock = false\n"),
    )
    .unwrap();
    s.apply();
    let conf = signer_kit::support::docker(&["exec", &s.name, "cat", "/root/.lnd/lsm/lnd.conf"]);
    assert!(!conf.contains("wallet-unlock-password-file"), "{conf}");
    // A restart brings lnd back LOCKED.
    signer_kit::support::docker(&["restart", &s.name]);
    // lnd may still be starting right after the restart; once it answers,
    // the plan must ask to unlock.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let plan = loop {
        let plan = s.lsm(&["plan", "--detailed-exitcode"]);
        if plan.stdout.contains("~ wallet.signer") || std::time::Instant::now() > deadline {
            break plan;
        }
    };
    assert_eq!(plan.code, 2, "{}", plan.stdout);
    assert!(plan.stdout.contains("unlock wallet"), "{}", plan.stdout);
    s.apply();
    assert_eq!(s.status()["ok"], true);
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn an_unexpected_identity_blocks_with_exit_5() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let wrong = format!("02{}", "11".repeat(32));
    std::fs::write(
        &s.manifest,
        s.manifest_text().replace(
            "[wallet]\n",
            &format!("[wallet]\nexpected_identity_pubkey = \"{wrong}\"\n"),
        ),
    )
    .unwrap();
    let plan = s.lsm(&["plan"]).expect(5);
    assert!(
        plan.stdout.contains("this is not the declared wallet"),
        "{}",
        plan.stdout
    );
    let run = s.lsm(&["apply", "--auto-approve"]).expect(5);
    assert!(
        run.stderr.contains("a protection blocks this plan"),
        "{}",
        run.stderr
    );
    // The right identity passes.
    let right = s.identity();
    std::fs::write(
        &s.manifest,
        s.manifest_text().replace(
            "[wallet]\n",
            &format!("[wallet]\nexpected_identity_pubkey = \"{right}\"\n"),
        ),
    )
    .unwrap();
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}
