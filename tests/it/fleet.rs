//! Fleets: many manifests in one run (`-f` repeated, a directory, a glob),
//! each node in its own lsm child. Sections in manifest order and a fleet
//! summary, NDJSON with a fleet_summary line, the worst exit code, one
//! node's failure isolated from the others, `--target`, and saved fleet
//! plans that refuse a stale node on its own. Native signers on the
//! double: the fleet layer is the same for every runtime.

use crate::signer_kit::Signer;

fn manifest(s: &Signer) -> &str {
    s.manifest.to_str().expect("UTF-8 temp path")
}

/// Three native signers and one manifest that does not parse.
fn fleet() -> (Vec<Signer>, tempfile::TempDir) {
    let signers: Vec<Signer> = (0..3).map(|_| Signer::native("")).collect();
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(broken.path().join("broken.toml"), "version = 1\n[signer\n").unwrap();
    (signers, broken)
}

#[test]
fn a_fleet_plans_applies_and_converges_with_one_broken_node_isolated() {
    let (s, broken) = fleet();
    let broken_toml = broken.path().join("broken.toml");
    let broken_toml = broken_toml.to_str().unwrap();
    // signer_kit appends s[0]'s own -f last.
    let all = |cmd: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = cmd.iter().map(|c| c.to_string()).collect();
        for f in [manifest(&s[1]), manifest(&s[2]), broken_toml] {
            a.push("-f".into());
            a.push(f.into());
        }
        a
    };
    let args = all(&["plan", "--detailed-exitcode"]);
    let plan = s[0].lsm(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        plan.code, 1,
        "a failed node makes the fleet fail\n{}",
        plan.stdout
    );
    // One section per node, in the order given, whatever finished first.
    let order: Vec<usize> = [&s[1].name, &s[2].name, &"broken".to_string(), &s[0].name]
        .iter()
        .map(|n| {
            plan.stdout
                .find(&format!("── {n} · "))
                .unwrap_or_else(|| panic!("no section for {n}\n{}", plan.stdout))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", plan.stdout);
    let summary = plan.stdout.lines().last().unwrap();
    assert!(
        summary.starts_with("Fleet: 4 nodes: 3 to change, 1 failed (broken: "),
        "{summary}"
    );
    // The broken node still got its located diagnostic, in its section.
    assert!(plan.stdout.contains("broken.toml:2"), "{}", plan.stdout);

    let args = all(&["apply", "--auto-approve"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let apply = s[0].lsm(&args);
    assert_eq!(apply.code, 1, "{}", apply.stdout);
    assert!(
        apply.stdout.contains("3 changed, 1 failed"),
        "{}",
        apply.stdout
    );
    // (One operator, one LSM_STATE_DIR: the fleet's, s[0]'s.)
    let plan = s[0].lsm(&[
        "plan",
        "--detailed-exitcode",
        "-f",
        manifest(&s[1]),
        "-f",
        manifest(&s[2]),
    ]);
    assert_eq!(plan.code, 0, "{}", plan.stdout);
    assert!(
        plan.stdout.ends_with("Fleet: 3 nodes: 3 no changes\n"),
        "{}",
        plan.stdout
    );

    // Without the broken one: a second apply changes nothing, exit 0.
    let again = s[0].lsm(&[
        "apply",
        "--auto-approve",
        "--detailed-exitcode",
        "-f",
        manifest(&s[1]),
        "-f",
        manifest(&s[2]),
    ]);
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert!(
        again.stdout.ends_with("Fleet: 3 nodes: 3 unchanged\n"),
        "{}",
        again.stdout
    );
    for signer in &s {
        signer.assert_no_secret_leaked();
    }
}

#[test]
fn json_is_one_line_per_node_then_a_fleet_summary() {
    let (s, broken) = fleet();
    let broken_toml = broken.path().join("broken.toml");
    let run = s[0].lsm(&[
        "plan",
        "--json",
        "-f",
        manifest(&s[1]),
        "-f",
        broken_toml.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert_eq!(lines[0]["node"], s[1].name.as_str());
    assert_eq!(lines[0]["exit_code"], 2);
    assert_eq!(lines[0]["outcome"], "changes");
    assert!(
        lines[0]["summary"].is_object(),
        "the node's plan document: {}",
        lines[0]
    );
    assert_eq!(lines[1]["node"], "broken");
    assert_eq!(lines[1]["exit_code"], 1);
    assert_eq!(lines[2]["node"], s[0].name.as_str());
    // Every line is valid against schemas/fleet.schema.json.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/fleet.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("fleet.schema.json", schema).unwrap();
    let index = compiler.compile("fleet.schema.json", &mut schemas).unwrap();
    for line in &lines {
        if let Err(e) = schemas.validate(line, index) {
            panic!("{line} does not match schemas/fleet.schema.json: {e}");
        }
    }
    let summary = &lines[3];
    assert_eq!(summary["type"], "fleet_summary");
    assert_eq!(summary["nodes"], 3);
    assert_eq!(summary["counts"]["changes"], 2);
    assert_eq!(summary["counts"]["failed"], 1);
    assert_eq!(summary["exit_code"], 1);
    assert_eq!(summary["not_ok"][0]["node"], "broken");
}

#[test]
fn target_limits_the_run_and_an_unknown_target_is_an_error() {
    let (s, _broken) = fleet();
    let run = s[0].lsm(&[
        "plan",
        "--target",
        &s[1].name,
        "-f",
        manifest(&s[1]),
        "-f",
        manifest(&s[2]),
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains(&format!("── {} · ", s[1].name)));
    assert!(!run.stdout.contains(&format!("── {} · ", s[2].name)));
    assert!(
        run.stdout.ends_with("Fleet: 1 node: 1 to change\n"),
        "{}",
        run.stdout
    );
    let bad = s[0].lsm(&["plan", "--target", "nope", "-f", manifest(&s[1])]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("--target nope names no node"),
        "{}",
        bad.stderr
    );
}

#[test]
fn a_saved_fleet_plan_applies_exactly_and_refuses_a_stale_node_alone() {
    let (s, _broken) = fleet();
    let out = s[0].path("fleet-plan.json");
    let out = out.to_str().unwrap();
    s[0].lsm(&["plan", "-o", out, "-f", manifest(&s[1])])
        .expect(0);
    let text = std::fs::read_to_string(out).unwrap();
    let plan: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(plan["fleet_plan_version"], "1.0");
    assert_eq!(plan["nodes"].as_array().unwrap().len(), 2);
    // s[1] changes after the review: its part of the plan is stale.
    s[1].set_manifest(&s[1].manifest_text().replace(
        "network = \"regtest\"",
        "network = \"regtest\"\ndebug_level = \"debug\"",
    ));
    let apply = s[0].lsm(&["apply", out]);
    assert_eq!(apply.code, 3, "{}\n{}", apply.stdout, apply.stderr);
    assert!(
        apply.stdout.contains("1 changed, 1 stale"),
        "{}",
        apply.stdout
    );
    let after = s[0].lsm(&["plan", "--detailed-exitcode", "-f", manifest(&s[1])]);
    assert!(
        after
            .stdout
            .ends_with("Fleet: 2 nodes: 1 no changes, 1 to change\n"),
        "{}",
        after.stdout
    );
}

/// The pids of live processes whose environment marks them fleet children
/// and whose working directory is `dir`.
fn fleet_children_in(dir: &std::path::Path) -> Vec<u32> {
    crate::signer_kit::live_processes(|pid| {
        let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        let child = env.split(|b| *b == 0).any(|kv| kv == b"LSM_FLEET_CHILD=1");
        child && std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|c| c == dir)
    })
}

/// A fleet killed with SIGKILL (no chance to clean up) takes its node
/// children with it: each gets SIGTERM from the kernel, and no orphan goes
/// on changing a node nobody watches. The nodes' engine accepts
/// connections and never answers, so the children are still waiting when
/// the parent dies.
#[test]
fn children_do_not_outlive_a_killed_fleet() {
    let s = crate::manifest_util::Scratch::new();
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    for n in ["a", "b"] {
        s.write(
            &format!("{n}.toml"),
            format!(
                "version = 1\n[signer]\nname = \"orphan-{n}\"\nnetwork = \"regtest\"\n\
                 [docker]\nhost = \"tcp://127.0.0.1:{port}\"\n\
                 [wallet]\nsecrets_dir = \"./s-{n}\"\n[bundle]\npath = \"./b-{n}\"\n"
            ),
        );
    }
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("lsm"));
    cmd.current_dir(s.dir.path())
        .env("HOME", s.dir.path().join("home"))
        .env_remove("DOCKER_HOST")
        .args(["status", "-f", "a.toml", "-f", "b.toml"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut parent = cmd.spawn().expect("start the fleet");
    let dir = std::fs::canonicalize(s.dir.path()).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let children = loop {
        let found = fleet_children_in(&dir);
        if found.len() == 2 {
            break found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the fleet's two children did not start: {found:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    parent.kill().expect("SIGKILL the fleet");
    parent.wait().expect("reap the fleet");
    // Left alone, the children would wait out the engine's timeout (about
    // 10 s); with their parent gone they must go well before that.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !fleet_children_in(&dir).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "children {children:?} outlived their fleet: {:?}",
            fleet_children_in(&dir)
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    drop(silent);
}
