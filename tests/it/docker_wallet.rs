//! The wallet and the watch-only macaroon through real applies: scope
//! changes re-bake and revoke (only root keys lsm baked), the bundle's
//! endpoint is dialable, a locked wallet without auto-unlock is unlocked
//! over gRPC, and a wrong expected identity blocks (exit 5).

use crate::signer_kit;

use signer_kit::{Backend, Signer};

fn bundle_files(s: &Signer) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(s.bundle())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

/// Real lncli's `signmessage` (message:write) with `mac`: the signature, or
/// lncli's error.
fn lncli_sign(s: &Signer, mac: &[u8]) -> Result<String, String> {
    let run = s.lncli(mac, &["signmessage", "lsm proves this macaroon"]);
    if run.code != 0 {
        return Err(format!("{}{}", run.stdout, run.stderr));
    }
    let v: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("lncli printed no JSON ({e}): {}", run.stdout));
    Ok(v["signature"].as_str().expect("a signature").to_string())
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

fn scope_changes_rebake_revoke_and_clean_the_bundle(b: Backend) {
    let Some(s) = Signer::docker_on(b, "") else {
        return;
    };
    s.apply();
    let mac = inspect_macaroon(&s, "signer-only.macaroon");
    assert_eq!(mac["root_key_id"], "1");
    let perms: Vec<&str> = mac["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(perms, ["onchain:write", "signer:generate"]);

    // The endpoint is the loopback address and host port the signer is
    // published on, named by its certificate: a watch-only node on this
    // host dials it with the bundle's tls.cert.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.bundle().join("bundle.json")).unwrap()).unwrap();
    let endpoint = format!("127.0.0.1:{}", s.rpc_port);
    assert_eq!(json["rpc_endpoint"], endpoint.as_str());
    let cert = std::fs::read(s.bundle().join("tls.cert")).unwrap();
    let state = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            lsm_lnd::client::LndClient::connect(&endpoint, &cert, Default::default())
                .unwrap()
                .get_state()
                .await
        });
    assert!(state.is_ok(), "{state:?}");
    assert_eq!(s.root_key_ids(), [0, 1]);

    // signer-only → admin: the bundle gets the signer's admin.macaroon, the
    // scoped file goes, and root key 1 is revoked. A manifest change, not
    // drift.
    std::fs::write(
        &s.manifest,
        format!("{}\n[macaroon]\nscope = \"admin\"\n", s.manifest_text()),
    )
    .unwrap();
    let text = s.lsm(&["plan"]).expect(0).stdout;
    assert!(!text.contains("[changed outside lsm]"), "{text}");
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
    // The plan shows old → new, and warns that exported admin.macaroon
    // copies stay valid (root key 0 cannot be deleted).
    let plan = s.lsm(&["plan", "-v"]).expect(0);
    signer_kit::assert_contains_all(
        &plan.stdout,
        &[
            "~ macaroon.watchonly",
            "scope: admin → custom",
            "root key id: 0 → 2",
            "copies of admin.macaroon exported earlier stay valid",
            "new_macaroon_root_key",
        ],
    );
    s.apply();
    let files = bundle_files(&s);
    assert!(files.contains(&"custom.macaroon".to_string()), "{files:?}");
    assert!(!files.contains(&"admin.macaroon".to_string()), "{files:?}");
    let mac = inspect_macaroon(&s, "custom.macaroon");
    assert_eq!(mac["root_key_id"], "2");
    assert_eq!(s.root_key_ids(), [0, 2]);
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    s.lsm(&["bundle", "verify", "out/credentials-bundle"])
        .expect(0);
    s.assert_no_secret_leaked();
}

/// New permissions under the same root key id: the plan revokes that key
/// before baking (a bake under a live key is signed by it, so the old
/// macaroon would stay valid) and shows old → new; afterwards the old,
/// wider macaroon is rejected by the signer.
fn a_scope_change_under_the_same_root_key_id_revokes_the_old_macaroon(b: Backend) {
    let wide = "[macaroon]\nscope = \"custom\"\npermissions = [\"info:read\", \"signer:generate\"]\nroot_key_id = 1\n";
    let Some(s) = Signer::docker_on(b, wide) else {
        return;
    };
    s.apply();
    let old = std::fs::read(s.bundle().join("custom.macaroon")).unwrap();
    let info = |mac: &[u8]| s.with_client(mac, async |c| c.get_info().await.map(|_| ()));
    assert!(info(&old).is_ok(), "the custom macaroon grants info:read");

    // custom → signer-only, root key id 1 kept.
    std::fs::write(
        &s.manifest,
        s.manifest_text()
            .replace(wide, "[macaroon]\nroot_key_id = 1\n"),
    )
    .unwrap();
    let plan = s.lsm(&["plan"]).expect(0).stdout;
    signer_kit::assert_contains_all(
        &plan,
        &[
            "- macaroon.root_key_1",
            "~ macaroon.watchonly",
            "scope: custom → signer-only",
            "permissions: info:read signer:generate → onchain:write signer:generate",
        ],
    );
    let revoke = plan.find("- macaroon.root_key_1").unwrap();
    let bake = plan.find("~ macaroon.watchonly").unwrap();
    assert!(revoke < bake, "revoke first:\n{plan}");
    s.apply();
    assert!(
        info(&old).is_err(),
        "the old macaroon still works after the scope change"
    );
    // As an operator sees it with real lncli: the old macaroon is refused,
    // the new one signs.
    let refused = s.lncli(&old, &["getinfo"]);
    assert_ne!(
        refused.code, 0,
        "lncli getinfo with the old macaroon: {refused:?}"
    );
    assert!(
        refused.stderr.contains("verification failed") || refused.stderr.contains("root key"),
        "{}",
        refused.stderr
    );
    // The new one is proved by lnd itself on the plan below
    // (CheckMacaroonPermissions); lncli has no command it grants.
    assert_eq!(
        inspect_macaroon(&s, "signer-only.macaroon")["root_key_id"],
        "1"
    );
    assert!(!bundle_files(&s).contains(&"custom.macaroon".to_string()));
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

/// A macaroon someone baked by hand and dropped into the bundle is not
/// lsm's: it is removed from the bundle, its root key is never revoked.
#[test]
fn a_hand_baked_macaroon_in_the_bundle_keeps_its_root_key() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let info_read: Vec<lsm_lnd::permissions::Permission> = vec!["info:read".parse().unwrap()];
    let monitor = s.with_client(&s.admin_macaroon(), async |c| {
        c.bake_macaroon(&info_read, 42).await.unwrap()
    });
    std::fs::write(s.bundle().join("monitor.macaroon"), &*monitor).unwrap();
    let plan = s.lsm(&["plan", "-v"]).expect(0).stdout;
    assert!(!plan.contains("root_key_42"), "{plan}");
    signer_kit::assert_contains_all(
        &plan,
        &[
            "- bundle.stale",
            "monitor.macaroon is not part of this bundle",
            "deletemacaroonid 42",
        ],
    );
    s.apply();
    assert!(!bundle_files(&s).contains(&"monitor.macaroon".to_string()));
    assert_eq!(s.root_key_ids(), [0, 1, 42]);
    let still = s.with_client(&monitor, async |c| c.get_info().await.map(|_| ()));
    assert!(still.is_ok(), "{still:?}");
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
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
    let conf = crate::support::docker(&["exec", &s.name, "cat", "/root/.lnd/lsm/lnd.conf"]);
    assert!(!conf.contains("wallet-unlock-password-file"), "{conf}");
    // A restart brings lnd back LOCKED.
    crate::support::docker(&["restart", &s.name]);
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
    // Without the plan on screen (--json), the failure itself names the
    // blocker and carries its fix.
    let json = s
        .lsm(&["apply", "--auto-approve", "--json"])
        .expect(5)
        .json();
    let error = json["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("wallet.signer") && error.contains("this is not the declared wallet"),
        "{json}"
    );
    assert!(
        json["hints"][0]
            .as_str()
            .is_some_and(|h| h.contains("expected_identity_pubkey")),
        "{json}"
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

/// A new root_key_id: lsm bakes under it, writes the bundle, then revokes
/// the old key; real lncli shows the old macaroon refused and the new one
/// signing.
fn a_root_key_id_change_revokes_the_old_macaroon_for_lncli(b: Backend) {
    // message:write added so real lncli's signmessage can judge it.
    let judged = "[macaroon]\nscope = \"custom\"\n\
                  permissions = [\"message:write\", \"onchain:write\", \"signer:generate\"]\n";
    let Some(s) = Signer::docker_on(b, judged) else {
        return;
    };
    s.apply();
    let old = s.bundle_macaroon();
    lncli_sign(&s, &old).expect("the bundle's macaroon signs");

    s.set_manifest(
        &s.manifest_text()
            .replace("[macaroon]\n", "[macaroon]\nroot_key_id = 3\n"),
    );
    let plan = s.lsm(&["plan"]).expect(0).stdout;
    signer_kit::assert_contains_all(
        &plan,
        &[
            "~ macaroon.watchonly",
            "root key id: 1 → 3",
            "- macaroon.root_key_1",
        ],
    );
    s.apply();
    assert_eq!(s.root_key_ids(), [0, 3]);
    let new = s.bundle_macaroon();
    assert_ne!(new, old);
    lncli_sign(&s, &new).expect("the new macaroon signs");
    let refused = lncli_sign(&s, &old).expect_err("the old macaroon was revoked");
    assert!(
        refused.contains("root key with id 1 doesn't exist"),
        "lncli's error: {refused}"
    );
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    s.assert_no_secret_leaked();
}

crate::on_both_backends!(
    a_root_key_id_change_revokes_the_old_macaroon_for_lncli,
    scope_changes_rebake_revoke_and_clean_the_bundle,
    a_scope_change_under_the_same_root_key_id_revokes_the_old_macaroon,
);
