//! lsm plan / apply / destroy / status against the machine's real Docker
//! engine and the lnd double image: convergence, idempotency (proven with
//! the engine's event stream), drift repair, protections, saved plans.

use crate::signer_kit;

use signer_kit::{Backend, Signer, validate_against};

fn fresh_apply_converges_and_a_second_apply_changes_nothing(b: Backend) {
    let Some(s) = Signer::docker_on(b, "") else {
        return;
    };

    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    signer_kit::assert_contains_all(
        &plan.stdout,
        &[
            "+ secret.wallet_password",
            "+ volume.data",
            "+ container.signer",
            "+ file.lnd_conf",
            "> container.signer",
            "+ wallet.signer",
            "+ macaroon.watchonly",
            "+ bundle.files",
            "Plan: 8 to add, 0 to change, 0 to replace, 0 to destroy.",
            // No container to read the volume through: unknown, not absent.
            "--- lnd.conf (current content unknown: no container mounts the volume",
        ],
    );
    assert!(!plan.stdout.contains("/dev/null"), "{}", plan.stdout);
    let doc = s.lsm(&["plan", "--json"]).expect(0).json();
    validate_against("schemas/plan.schema.json", &doc);
    assert_eq!(doc["changed"], true);
    assert_eq!(doc["summary"]["add"], 8);

    // Without a terminal and without --auto-approve nothing happens.
    let refused = s.lsm(&["apply"]).expect(1);
    assert!(
        refused.stderr.contains("--auto-approve"),
        "{}",
        refused.stderr
    );
    assert!(
        s.inspect("{{.Id}}").is_none(),
        "apply without approval created the container"
    );
    assert!(!s.volume_exists());

    let applied = s
        .lsm(&["apply", "--auto-approve", "--detailed-exitcode"])
        .expect(2);
    // The same count as the plan's: starting the new container is part of
    // creating it.
    assert!(
        applied
            .stdout
            .contains("Apply complete: 8 added, 0 changed, 0 replaced, 0 destroyed."),
        "{}",
        applied.stdout
    );
    assert!(applied.stdout.contains("Back up seed.txt offline"));

    let again = s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(
        again
            .stdout
            .contains("No changes. The signer matches signer.toml."),
        "{}",
        again.stdout
    );
    let doc = s.lsm(&["plan", "--json"]).expect(0).json();
    validate_against("schemas/plan.schema.json", &doc);
    assert_eq!(doc["changed"], false);

    // A second apply makes zero mutating Docker calls: watch the engine.
    s.assert_no_engine_mutation(&["apply", "--auto-approve", "--detailed-exitcode"]);

    let status = s.lsm(&["status", "--json"]).expect(0).json();
    assert_eq!(status["ok"], true, "{status:#}");
    s.lsm(&["bundle", "verify", "out/credentials-bundle"])
        .expect(0);
    s.assert_no_secret_leaked();
}

fn drift_is_named_and_repaired_keeping_the_wallet(b: Backend) {
    let Some(s) = Signer::docker_on(b, "") else {
        return;
    };
    s.apply();
    let identity = s.identity();
    assert_eq!(identity.len(), 66, "identity pubkey: {identity:?}");

    // Stopped outside lsm.
    crate::support::docker(&["stop", &s.name]);
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout.contains("container was stopped outside lsm"),
        "{}",
        plan.stdout
    );
    s.apply();
    assert_eq!(s.inspect("{{.State.Status}}").as_deref(), Some("running"));

    // lnd.conf edited inside the volume.
    let conf = s.path("lnd.conf");
    crate::support::docker(&[
        "cp",
        &format!("{}:/root/.lnd/lsm/lnd.conf", s.name),
        conf.to_str().unwrap(),
    ]);
    let edited = std::fs::read_to_string(&conf)
        .unwrap()
        .replace("debuglevel=info", "debuglevel=debug");
    std::fs::write(&conf, edited).unwrap();
    crate::support::docker(&[
        "cp",
        conf.to_str().unwrap(),
        &format!("{}:/root/.lnd/lsm/lnd.conf", s.name),
    ]);
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout.contains("edited outside lsm"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("-debuglevel=debug"), "{}", plan.stdout);
    assert!(plan.stdout.contains("+debuglevel=info"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("> container.signer"),
        "{}",
        plan.stdout
    );
    s.apply();
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);

    // Restart policy changed outside lsm: updated in place, named as drift.
    let id = s.inspect("{{.Id}}");
    crate::support::docker(&["update", "--restart=no", &s.name]);
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout.contains(
            "~ container.signer  restart policy no → unless-stopped (updated in place) \
             [changed outside lsm]"
        ),
        "{}",
        plan.stdout
    );
    s.apply();
    assert_eq!(s.inspect("{{.Id}}"), id, "the container was replaced");

    // Removed outside lsm: recreated on the same volume, same wallet.
    crate::support::docker(&["rm", "-f", &s.name]);
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout.contains("+ container.signer"),
        "{}",
        plan.stdout
    );
    s.apply();
    assert_eq!(s.identity(), identity, "the wallet survived the container");
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    s.assert_no_secret_leaked();
}

#[test]
fn a_port_change_replaces_the_container_and_keeps_the_wallet() {
    let Some(mut s) = Signer::new("") else { return };
    s.apply();
    let identity = s.identity();
    let old = s.rpc_port;
    s.rpc_port = crate::support::free_port();
    s.write_manifest();
    let plan = s.lsm(&["plan", "--json"]).expect(0).json();
    let replace = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "replace")
        .unwrap_or_else(|| panic!("no replacement planned: {plan:#}"));
    assert_eq!(replace["address"], "container.signer");
    assert_eq!(replace["replace_paths"][0], "ports.rpc");
    assert_eq!(replace["disruptive"], true);
    // Changed in signer.toml, not outside lsm.
    assert_eq!(replace["drift"], false, "{plan:#}");
    assert_eq!(
        replace["reason"],
        format!("rpc port {old} → {} forces replacement", s.rpc_port)
    );
    // bundle.json records the endpoint, so it changes too, as the
    // manifest says (no drift).
    let bundle = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["address"] == "bundle.files")
        .unwrap_or_else(|| panic!("no bundle change: {plan:#}"));
    assert_eq!(bundle["drift"], false, "{plan:#}");
    s.apply();
    assert_eq!(s.identity(), identity);
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    s.lsm(&["bundle", "verify", "out/credentials-bundle"])
        .expect(0);
}

#[test]
fn a_container_lsm_does_not_own_is_never_touched() {
    let Some(s) = Signer::new("") else { return };
    let image = s.backend.ensure_image();
    let id = crate::support::docker(&["create", "--name", &s.name, &image, "--version"]);
    for cmd in [&["plan"][..], &["apply", "--auto-approve"][..]] {
        let run = s.lsm(cmd).expect(1);
        assert!(
            run.stderr.contains("belongs to something other than lsm")
                && run.stderr.contains("will not touch it"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(s.inspect("{{.Id}}").as_deref(), Some(id.trim()));
    assert_eq!(s.inspect("{{.State.Status}}").as_deref(), Some("created"));
    assert!(!s.volume_exists());
}

#[test]
fn saved_plans_apply_exactly_or_refuse_when_stale() {
    let Some(s) = Signer::new("") else { return };
    // A plan made on an empty host...
    s.lsm(&["plan", "-o", "empty.json"]).expect(0);
    // ...applies while the host is still empty.
    s.lsm(&["plan", "-o", "fresh.json"]).expect(0);
    let run = s
        .lsm(&["apply", "fresh.json", "--detailed-exitcode"])
        .expect(2);
    assert!(run.stdout.contains("Apply complete"), "{}", run.stdout);
    // The first plan is now stale: the world it saw is gone.
    let stale = s.lsm(&["apply", "empty.json"]).expect(3);
    assert!(
        stale.stderr.contains("Saved plan is stale"),
        "{}",
        stale.stderr
    );
    // A manifest change makes a saved plan stale too.
    s.lsm(&["plan", "-o", "noop.json"]).expect(0);
    std::fs::write(
        &s.manifest,
        s.manifest_text().replace(
            "runtime = \"docker\"",
            "runtime = \"docker\"\nalias = \"other\"",
        ),
    )
    .unwrap();
    let stale = s.lsm(&["apply", "noop.json"]).expect(3);
    assert!(
        stale.stderr.contains("changed since the plan was made"),
        "{}",
        stale.stderr
    );
    // Not a plan file at all.
    std::fs::write(s.path("junk.json"), "{\"nope\": 1}").unwrap();
    s.lsm(&["apply", "junk.json"]).expect(1);
}

#[test]
fn a_second_writer_waits_then_exits_4_naming_the_holder() {
    let Some(s) = Signer::new("") else { return };
    let locks = s.path("state/locks");
    std::fs::create_dir_all(&locks).unwrap();
    let file = std::fs::File::create(locks.join(format!("{}.lock", s.name))).unwrap();
    file.lock().unwrap();
    std::fs::write(
        locks.join(format!("{}.lock", s.name)),
        format!(
            "{{\"pid\":{},\"command\":\"lsm apply\",\"since\":0}}",
            std::process::id()
        ),
    )
    .unwrap();
    let run = s
        .lsm(&["apply", "--auto-approve", "--lock-timeout", "1"])
        .expect(4);
    assert!(
        run.stderr.contains(&format!("pid {}", std::process::id()))
            && run.stderr.contains("lsm apply"),
        "{}",
        run.stderr
    );
    assert!(
        s.inspect("{{.Id}}").is_none(),
        "the blocked apply changed something"
    );
    drop(file);
    s.apply();
}

fn destroy_keeps_the_wallet_and_purge_needs_the_seed(b: Backend) {
    let Some(s) = Signer::docker_on(b, "") else {
        return;
    };
    s.apply();
    let identity = s.identity();

    s.lsm(&["destroy"]).expect(1); // no terminal, no --auto-approve
    assert!(s.inspect("{{.Id}}").is_some());

    // The read-only preview (what check modes run) says what destroy does.
    let preview = s
        .lsm(&["plan", "--destroy", "--detailed-exitcode"])
        .expect(2);
    assert!(
        preview.stdout.contains("- container.signer"),
        "{}",
        preview.stdout
    );
    assert!(s.inspect("{{.Id}}").is_some(), "plan --destroy removed it");

    let run = s
        .lsm(&["destroy", "--auto-approve", "--detailed-exitcode"])
        .expect(2);
    assert!(run.stdout.contains("- container.signer"), "{}", run.stdout);
    assert!(s.inspect("{{.Id}}").is_none());
    s.lsm(&["plan", "--destroy", "--detailed-exitcode"])
        .expect(0);
    s.lsm(&["destroy", "--auto-approve", "--detailed-exitcode"])
        .expect(0);
    assert!(s.volume_exists(), "destroy removed the wallet volume");
    assert!(s.secrets().join("seed.txt").exists());

    // With the container gone, no lnd can say whose wallet the volume holds:
    // seed.txt and the files beside it could have come from another signer.
    let blocked = s
        .lsm(&["destroy", "--purge-volume", "--auto-approve"])
        .expect(5);
    assert!(
        blocked.stdout.contains("running unlocked with this volume"),
        "{}",
        blocked.stdout
    );
    assert!(s.volume_exists());
    s.apply();
    assert_eq!(s.identity(), identity, "the kept volume's wallet came back");

    // Without seed.txt, purging the volume is refused.
    std::fs::rename(s.secrets().join("seed.txt"), s.path("seed.backup")).unwrap();
    let preview = s
        .lsm(&["plan", "--destroy", "--purge-volume", "--json"])
        .expect(5);
    assert_eq!(preview.json()["applyable"], false, "{}", preview.stdout);
    let blocked = s
        .lsm(&["destroy", "--purge-volume", "--auto-approve"])
        .expect(5);
    assert!(
        blocked.stdout.contains("seed.txt does not exist"),
        "{}",
        blocked.stdout
    );
    assert!(s.volume_exists());
    std::fs::rename(s.path("seed.backup"), s.secrets().join("seed.txt")).unwrap();

    // With it, the volume goes, and apply restores the same wallet from seed.txt.
    s.lsm(&["destroy", "--purge-volume", "--auto-approve"])
        .expect(0);
    assert!(!s.volume_exists());
    let plan = s.lsm(&["plan"]).expect(0);
    assert!(
        plan.stdout.contains("restore wallet from"),
        "{}",
        plan.stdout
    );
    s.apply();
    assert_eq!(s.identity(), identity, "restored from seed.txt");
    s.lsm(&["bundle", "verify", "out/credentials-bundle"])
        .expect(0);
    s.assert_no_secret_leaked();
}

#[test]
fn a_missing_image_fails_clearly_naming_it() {
    let Some(s) = Signer::new("") else { return };
    s.set_manifest(&s.manifest_text().replace(
        &format!("image = \"{}\"", s.backend.image_repo()),
        "image = \"lsm-test/absent\"",
    ));
    let plan = s.lsm(&["plan"]).expect(0);
    assert!(plan.stdout.contains("+ image.lnd"), "{}", plan.stdout);
    let run = s.lsm(&["apply", "--auto-approve"]).expect(1);
    assert!(
        run.stderr.contains("lsm-test/absent:v0.20.0-beta"),
        "{}",
        run.stderr
    );
    assert!(s.inspect("{{.Id}}").is_none());

    // With a signer running, a failed pull still says only what failed:
    // lnd's log has nothing to do with it.
    s.write_manifest();
    s.apply();
    s.set_manifest(&s.manifest_text().replace(
        &format!("image = \"{}\"", s.backend.image_repo()),
        "image = \"lsm-test/absent\"",
    ));
    let run = s.lsm(&["apply", "--auto-approve"]).expect(1);
    assert!(
        run.stderr.contains("lsm-test/absent:v0.20.0-beta"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("last lnd log lines"), "{}", run.stderr);
}

#[test]
fn an_unreachable_engine_is_one_clear_line() {
    let Some(s) = Signer::new("") else { return };
    let run = s
        .lsm_env(
            &["plan"],
            &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
        )
        .expect(1);
    assert!(
        run.stderr
            .contains("cannot reach the Docker engine at unix:///nonexistent/docker.sock"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn no_command_prints_a_secret_even_at_trace_level() {
    let Some(s) = Signer::new("") else { return };
    let trace = [("LSM_LOG", "trace")];
    // The fresh apply uploads the password copy and creates the wallet.
    s.lsm_env(&["apply", "--auto-approve", "-vv"], &trace)
        .expect(0);
    for args in [
        &["plan", "-vv"][..],
        &["plan", "--json"],
        &["plan", "-o", "saved.json"],
        &["apply", "--auto-approve", "-vv"],
        &["apply", "saved.json"],
        &["status", "--json"],
        &["status", "-vv"],
        &["validate", "--show"],
        &["validate", "--json"],
        &["bundle", "verify", "out/credentials-bundle", "--json"],
        &["bundle", "verify", "out/credentials-bundle.tar.gz.b64"],
        &[
            "macaroon",
            "inspect",
            "out/credentials-bundle/signer-only.macaroon",
        ],
        &[
            "macaroon",
            "inspect",
            "out/credentials-bundle/signer-only.macaroon",
            "--json",
        ],
    ] {
        let run = s.lsm_env(args, &trace);
        assert!(
            run.code == 0 || run.code == 2,
            "lsm {args:?} failed: {}\n{}",
            run.stdout,
            run.stderr
        );
    }
    // The saved plan file is output too.
    let saved = std::fs::read_to_string(s.path("saved.json")).unwrap();
    let mut outs = vec![saved];
    // A stopped signer, observed and repaired, also stays quiet.
    crate::support::docker(&["stop", &s.name]);
    outs.push(
        s.lsm_env(&["apply", "--auto-approve", "-vv"], &trace)
            .stdout,
    );
    // A restore from seed.txt after the volume is gone sends the words.
    s.lsm_env(&["destroy", "--purge-volume", "--auto-approve"], &trace)
        .expect(0);
    s.lsm_env(&["apply", "--auto-approve", "-vv"], &trace)
        .expect(0);
    assert!(outs.iter().all(|o| !o.is_empty()));
    s.assert_no_secret_leaked();
    let password = std::fs::read_to_string(s.secrets().join("wallet-password.txt")).unwrap();
    assert!(!outs[0].contains(password.trim()));
}

/// `docker restart`: lnd unlocks itself from the password copy
/// (auto_unlock), and apply, once lnd is up, finds nothing to do.
fn a_docker_restart_unlocks_by_itself_and_the_plan_is_clean_again(b: Backend) {
    let Some(s) = Signer::docker_on(b, "") else {
        return;
    };
    s.apply();
    let identity = s.identity();
    crate::support::docker(&["restart", &s.name]);
    // apply waits for lnd, then has nothing to do: no mutating engine call.
    s.assert_no_engine_mutation(&["apply", "--auto-approve", "--detailed-exitcode"]);
    let status = s.lsm(&["status", "--json"]).expect(0).json();
    assert_eq!(status["ok"], true, "{status:#}");
    assert_eq!(status["identity_pubkey"], identity.as_str());
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(
        plan.stdout.contains("No changes.") && !plan.stdout.contains("Warning"),
        "{}",
        plan.stdout
    );
}

/// SANs declared in [rpc] end up in lnd's certificate and the bundle: lnd
/// keeps tls.cert when tlsextra* change unless tlsautorefresh is on, which
/// lsm renders; the plan says beforehand that the certificate changes and
/// the watch-only node needs the re-exported bundle.
fn declared_tls_names_converge_into_the_certificate_and_the_bundle(b: Backend) {
    let Some(s) = Signer::docker_on(b, "") else {
        return;
    };
    s.apply();
    let before = std::fs::read(s.bundle().join("tls.cert")).unwrap();
    let info = lsm_lnd::tls::CertInfo::from_pem(&before).unwrap();
    assert!(!info.covers_host("signer.example"), "{info:?}");

    let rpc = format!("[rpc]\nlisten = \"127.0.0.1:{}\"\n", s.rpc_port);
    s.set_manifest(&s.manifest_text().replace(
        &rpc,
        &format!(
            "{rpc}tls_extra_ips = [\"10.1.2.3\"]\n\
             tls_extra_domains = [\"signer\", \"{}\", \"signer.example\"]\n",
            s.name
        ),
    ));
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    signer_kit::assert_contains_all(
        &plan.stdout,
        &[
            "+tlsextraip=10.1.2.3",
            "+tlsextradomain=signer.example",
            "lnd then issues a new tls.cert (+DNS:signer.example, +IP:10.1.2.3)",
            "the watch-only node needs the re-exported bundle",
        ],
    );
    s.apply();
    let after = std::fs::read(s.bundle().join("tls.cert")).unwrap();
    assert_ne!(after, before, "the bundle kept the old certificate");
    assert_eq!(
        after,
        s.lnd_file("tls.cert"),
        "the bundle has lnd's certificate"
    );
    let info = lsm_lnd::tls::CertInfo::from_pem(&after).unwrap();
    assert!(
        info.covers_host("signer.example") && info.covers_host("10.1.2.3"),
        "{info:?}"
    );
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    s.lsm(&["bundle", "verify", "out/credentials-bundle"])
        .expect(0);

    // A name removed again: the next certificate no longer carries it.
    s.write_manifest();
    s.apply();
    let info = lsm_lnd::tls::CertInfo::from_pem(&s.lnd_file("tls.cert")).unwrap();
    assert!(!info.covers_host("signer.example"), "{info:?}");
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

crate::on_both_backends!(
    a_docker_restart_unlocks_by_itself_and_the_plan_is_clean_again,
    declared_tls_names_converge_into_the_certificate_and_the_bundle,
    fresh_apply_converges_and_a_second_apply_changes_nothing,
    drift_is_named_and_repaired_keeping_the_wallet,
    destroy_keeps_the_wallet_and_purge_needs_the_seed,
);
