//! The Docker runtime's protections and honest reporting, on the real
//! engine with the lnd double image: one signer never takes over another's
//! volume; a volume lsm did not create is shown and never purged; lnd that
//! dies fails apply at once with its own words; a restart policy changes in
//! place; modes of lsm's files in the volume are kept and repaired; status
//! agrees with plan; a saved plan finds its manifest.

use crate::signer_kit;

use crate::support::docker;
use signer_kit::{Backend, Signer};

/// The manifest with `line` added to its `[docker]` table.
fn with_docker_key(s: &Signer, line: &str) -> String {
    s.manifest_text()
        .replacen("[docker]\n", &format!("[docker]\n{line}\n"), 1)
}

/// The file at `path` inside the signer's container.
fn read_in_container(s: &Signer, path: &str) -> String {
    docker(&["exec", &s.name, "cat", path])
}

/// The plan's action at `address` of `kind`, from `lsm plan --json`.
fn action<'a>(plan: &'a serde_json::Value, address: &str) -> &'a serde_json::Value {
    plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["address"] == address)
        .unwrap_or_else(|| panic!("no {address} in the plan: {plan:#}"))
}

crate::on_both_backends!(a_locked_signer_stopped_outside_lsm_is_drift_not_lnd_failing);

/// Real lnd exits 1 when `docker stop` reaches it while it waits for the
/// wallet password (config_builder.go L1479–1481). With a restart policy
/// that leaves it down, that exit is still a stop outside lsm, not lnd
/// failing: lsm tells the two apart by lnd's last words.
fn a_locked_signer_stopped_outside_lsm_is_drift_not_lnd_failing(backend: Backend) {
    let Some(s) = Signer::docker_on(backend, "") else {
        return;
    };
    s.set_manifest(
        &with_docker_key(&s, "restart = \"on-failure\"")
            .replace("[wallet]\n", "[wallet]\nauto_unlock = false\n"),
    );
    s.apply();
    // Restarted, lnd comes back LOCKED and waits for the password.
    let waiting = || {
        let out = std::process::Command::new("docker")
            .args(["logs", &s.name])
            .output()
            .expect("docker logs");
        String::from_utf8_lossy(&out.stdout)
            .matches("Waiting for wallet encryption password")
            .count()
    };
    let before = waiting();
    docker(&["restart", &s.name]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while waiting() <= before {
        assert!(
            std::time::Instant::now() < deadline,
            "lnd did not wait for its password after the restart"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    docker(&["stop", &s.name]);
    assert_eq!(s.inspect("{{.State.ExitCode}}").as_deref(), Some("1"));
    let plan = s.lsm(&["plan", "--json"]).expect(0).json();
    let start = action(&plan, "container.signer");
    assert_eq!(
        start["reason"],
        "container was stopped outside lsm while lnd waited for the wallet password (lnd \
         exits with code 1 then)",
        "{plan:#}"
    );
    assert_eq!(start["drift"], true, "{plan:#}");
    s.apply();
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn a_volume_of_another_signer_is_never_used_or_purged() {
    let Some(a) = Signer::new("") else { return };
    a.apply();
    let conf = read_in_container(&a, "/root/.lnd/lsm/lnd.conf");
    let password = read_in_container(&a, "/root/.lnd/lsm/wallet-password.txt");

    let Some(b) = Signer::new("") else { return };
    b.set_manifest(&with_docker_key(
        &b,
        &format!("volume = \"{}\"", a.volume()),
    ));
    for args in [
        &["plan"][..],
        &["apply", "--auto-approve"],
        &["destroy", "--purge-volume", "--auto-approve"],
        &["status"],
    ] {
        let run = b.lsm(args).expect(1);
        assert!(
            run.stderr.contains(&format!(
                "the volume \"{}\" belongs to lsm's signer \"{}\"",
                a.volume(),
                a.name
            )),
            "lsm {args:?}: {}",
            run.stderr
        );
    }
    assert!(b.inspect("{{.Id}}").is_none(), "b created a container");
    assert!(a.volume_exists(), "a's volume is gone");
    assert_eq!(read_in_container(&a, "/root/.lnd/lsm/lnd.conf"), conf);
    assert_eq!(
        read_in_container(&a, "/root/.lnd/lsm/wallet-password.txt"),
        password
    );
    a.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn a_volume_lsm_did_not_create_is_shown_and_never_purged() {
    let Some(s) = Signer::new("") else { return };
    // The old shell kit's volume: no labels.
    docker(&["volume", "create", &s.volume()]);
    let warning = format!("Warning: volume {} was not created by lsm", s.volume());
    // It may hold a wallet: without that wallet's password lsm invents none.
    let blocked = s.lsm(&["plan"]).expect(5);
    assert!(blocked.stdout.contains(&warning), "{}", blocked.stdout);
    assert!(
        blocked.stdout.contains("cannot tell whether"),
        "{}",
        blocked.stdout
    );
    // The kit kept its password in the secrets directory lsm reads.
    std::fs::create_dir_all(s.secrets()).unwrap();
    std::fs::write(
        s.secrets().join("wallet-password.txt"),
        "a-password-the-kit-generated\n",
    )
    .unwrap();
    let plan = s.lsm(&["plan"]).expect(0);
    assert!(plan.stdout.contains(&warning), "{}", plan.stdout);
    assert!(!plan.stdout.contains("+ volume.data"), "{}", plan.stdout);
    let doc = s.lsm(&["plan", "--json"]).expect(0).json();
    signer_kit::validate_against("schemas/plan.schema.json", &doc);
    assert!(
        doc["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("not created by lsm")),
        "{doc:#}"
    );
    // The plan cannot see whether the volume holds a wallet: it shows the
    // wallet it would create if lnd reports none.
    assert!(
        plan.stdout
            .contains("create wallet if lnd reports no wallet"),
        "{}",
        plan.stdout
    );
    s.apply();
    // Shown while nothing changes too.
    let again = s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(again.stdout.contains(&warning), "{}", again.stdout);

    let refused = s
        .lsm(&["destroy", "--purge-volume", "--auto-approve"])
        .expect(5);
    assert!(
        refused
            .stdout
            .contains("--purge-volume removes only a volume lsm created"),
        "{}",
        refused.stdout
    );
    assert!(s.volume_exists(), "purged a volume lsm did not create");
    assert!(s.inspect("{{.Id}}").is_some(), "a blocked destroy acted");
    s.lsm(&["destroy", "--auto-approve"]).expect(0);
    assert!(s.volume_exists());
}

/// A failed apply that says what lnd said, without having waited for a
/// deadline (its messages name one: "within", "did not reach running").
fn assert_failed_at_once_with_lnds_words(run: &signer_kit::Run) {
    assert!(
        run.stderr.contains("unknown option: frobnicate"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("within") && !run.stderr.contains("did not reach running"),
        "apply waited for its deadline instead of seeing lnd exit:\n{}",
        run.stderr
    );
}

#[test]
fn lnd_that_exits_fails_apply_at_once_with_its_own_words() {
    let extra = "\n[signer.extra_config]\nfrobnicate = true\n";
    // restart = "no": lnd exits once and stays down.
    let Some(s) = Signer::new(extra) else { return };
    s.set_manifest(&with_docker_key(&s, "restart = \"no\""));
    assert_failed_at_once_with_lnds_words(&s.lsm(&["apply", "--auto-approve"]).expect(1));
    // lnd's own exit is no change outside lsm.
    let plan = s.lsm(&["plan"]).expect(0);
    assert!(
        plan.stdout.contains("lnd exited with code 1"),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("[changed outside lsm]"),
        "{}",
        plan.stdout
    );

    // The default policy: the engine restarts lnd in a loop.
    let Some(s) = Signer::new(extra) else { return };
    let run = s.lsm(&["apply", "--auto-approve"]).expect(1);
    assert_failed_at_once_with_lnds_words(&run);
    assert!(run.stderr.contains("exited"), "{}", run.stderr);
    // The loop is lnd failing, not drift. lnd is briefly "running" between
    // restarts, so look at a few plans for the restarting state.
    let mut seen = false;
    for _ in 0..10 {
        let plan = s.lsm(&["plan"]).expect(0);
        assert!(
            !plan.stdout.contains("[changed outside lsm]"),
            "{}",
            plan.stdout
        );
        if plan.stdout.contains("lnd keeps exiting") {
            seen = true;
            break;
        }
    }
    assert!(seen, "no plan named the restart loop");
    let status = s.status();
    assert_eq!(status["ok"], false, "{status:#}");
    // Applying again restarts it, and fails as fast, with lnd's words.
    assert_failed_at_once_with_lnds_words(&s.lsm(&["apply", "--auto-approve"]).expect(1));
    // Fixed in signer.toml, the signer converges.
    s.set_manifest(&s.manifest_text().replace("frobnicate = true", ""));
    s.apply();
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn a_restart_policy_changes_in_place_and_drift_is_told_from_a_manifest_change() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let id = s.inspect("{{.Id}}").unwrap();

    // Changed in signer.toml: an in-place update, neither drift nor disruptive.
    s.set_manifest(&with_docker_key(&s, "restart = \"always\""));
    let plan = s.lsm(&["plan", "--json"]).expect(0).json();
    let update = action(&plan, "container.signer");
    assert_eq!(update["action"], "update", "{plan:#}");
    assert_eq!(
        update["reason"],
        "restart policy unless-stopped → always (updated in place)"
    );
    assert_eq!(update["drift"], false);
    assert_eq!(update["disruptive"], false);
    assert_eq!(plan["actions"].as_array().unwrap().len(), 1, "{plan:#}");
    s.apply();
    assert_eq!(s.inspect("{{.Id}}").as_deref(), Some(id.as_str()));
    assert_eq!(
        s.inspect("{{.HostConfig.RestartPolicy.Name}}").as_deref(),
        Some("always")
    );

    // Converged: a second apply makes no mutating call.
    s.assert_no_engine_mutation(&["apply", "--auto-approve", "--detailed-exitcode"]);

    // Changed outside lsm (after lsm's own in-place update): drift.
    docker(&["update", "--restart=no", &s.name]);
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout
            .contains("restart policy no → always (updated in place) [changed outside lsm]"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("(disruptive)"), "{}", plan.stdout);
    s.apply();
    assert_eq!(s.inspect("{{.Id}}").as_deref(), Some(id.as_str()));
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn modes_in_the_volume_are_kept_and_repaired_and_status_agrees_with_plan() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let mode = |path: &str| docker(&["exec", &s.name, "stat", "-c", "%a", path]);
    assert_eq!(mode("/root/.lnd/lsm").trim(), "700");
    assert_eq!(mode("/root/.lnd/lsm/lnd.conf").trim(), "600");
    assert_eq!(mode("/root/.lnd/lsm/wallet-password.txt").trim(), "600");

    docker(&[
        "exec",
        &s.name,
        "chmod",
        "644",
        "/root/.lnd/lsm/wallet-password.txt",
    ]);
    docker(&["exec", &s.name, "chmod", "711", "/root/.lnd/lsm"]);
    let plan = s.lsm(&["plan", "--json"]).expect(0).json();
    let password = action(&plan, "file.wallet_password");
    assert_eq!(password["action"], "update", "{plan:#}");
    assert_eq!(password["drift"], true);
    let conf = action(&plan, "file.lnd_conf");
    assert!(
        conf["reason"].as_str().unwrap().contains("0711, not 0700"),
        "{plan:#}"
    );
    // A mode repair does not restart lnd.
    assert!(
        !plan["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "restart"),
        "{plan:#}"
    );
    let status = s.lsm(&["status", "--json"]).expect(2).json();
    assert_eq!(status["ok"], false, "{status:#}");
    s.apply();
    assert_eq!(mode("/root/.lnd/lsm").trim(), "700");
    assert_eq!(mode("/root/.lnd/lsm/wallet-password.txt").trim(), "600");
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);

    // Loose secrets on the host: plan and status agree.
    std::fs::set_permissions(
        s.secrets().join("seed.txt"),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout.contains("secret.permissions"),
        "{}",
        plan.stdout
    );
    let status = s.lsm(&["status", "--json"]).expect(2).json();
    assert_eq!(status["ok"], false, "{status:#}");
    let config = status["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "ConfigInSync")
        .unwrap();
    assert_eq!(config["status"], false, "{status:#}");
    assert!(
        config["message"]
            .as_str()
            .unwrap()
            .starts_with("secret.permissions"),
        "{status:#}"
    );
    s.apply();
    assert_eq!(s.lsm(&["status", "--json"]).expect(0).json()["ok"], true);
    s.assert_no_secret_leaked();
}

#[test]
fn a_saved_plan_finds_its_manifest_without_f() {
    let Some(s) = Signer::new("") else { return };
    let elsewhere = s.path("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let plan_file = s.path("plan.json");
    let plan_arg = plan_file.to_str().unwrap();
    s.lsm(&["plan", "-o", plan_arg]).expect(0);
    let run = s
        .lsm_in(&elsewhere, &["apply", plan_arg, "--detailed-exitcode"])
        .expect(2);
    assert!(run.stdout.contains("Apply complete"), "{}", run.stdout);

    // Still stale-checked against that manifest.
    s.lsm(&["plan", "-o", plan_arg]).expect(0);
    s.set_manifest(&s.manifest_text().replace(
        "runtime = \"docker\"",
        "runtime = \"docker\"\nalias = \"other\"",
    ));
    let stale = s.lsm_in(&elsewhere, &["apply", plan_arg]).expect(3);
    assert!(
        stale.stderr.contains("changed since the plan was made"),
        "{}",
        stale.stderr
    );
}

#[test]
fn an_unanswering_lnd_is_never_reported_as_matching() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    // lnd hangs (its process stopped) while the container still runs.
    docker(&["kill", "-s", "STOP", &s.name]);
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(
        plan.stdout
            .contains("lnd did not answer as an active signer"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("(but see the warnings above)"),
        "{}",
        plan.stdout
    );
    // apply waits for it, then fails instead of claiming convergence.
    let run = s.lsm(&["apply", "--auto-approve", "--timeout", "5"]);
    docker(&["kill", "-s", "CONT", &s.name]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    s.lsm(&["apply", "--auto-approve"]).expect(0);
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn a_paused_container_is_resumed() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    docker(&["pause", &s.name]);
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout.contains("paused outside lsm"),
        "{}",
        plan.stdout
    );
    s.apply();
    assert_eq!(s.inspect("{{.State.Status}}").as_deref(), Some("running"));
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}
