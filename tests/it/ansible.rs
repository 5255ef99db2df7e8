//! The Ansible collection (`contrib/ansible`, module `lsm.lsm.lsm_node`)
//! driven by real `ansible-playbook`: the ansible-core that
//! `scripts/ansible-env.sh` pins and installs from PyPI, the collection on
//! `ANSIBLE_COLLECTIONS_PATH`, a play on localhost with `connection: local`,
//! and a signer on the double's image (`signer_kit`). Each play registers
//! the module's result and writes it to a file (a task that runs in check
//! mode too), so the tests read exactly what a playbook would.
//!
//! These tests fail, never skip, when ansible-core cannot be installed; the
//! Docker ones skip only with `LSM_SKIP_DOCKER_TESTS=1` and no engine.

use crate::signer_kit::{Run, Signer};
use crate::test_hosts::{Host, TestHosts};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The venv's bin directory, made (or found cached) once per test process.
fn ansible_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let root = crate::support::workspace_root();
        let out = std::process::Command::new(root.join("scripts/ansible-env.sh"))
            .env("CARGO_TARGET_DIR", crate::support::target_dir())
            .output()
            .expect("run scripts/ansible-env.sh");
        assert!(
            out.status.success(),
            "scripts/ansible-env.sh could not install ansible-core (the Ansible tests need it):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    })
}

/// A play of one `lsm.lsm.lsm_node` task.
struct Play<'a> {
    /// Where the playbook, its config, temp dirs and results go.
    dir: PathBuf,
    /// The module's parameters beyond binary_path and state_dir, as YAML
    /// lines (`manifest: ...`).
    params: Vec<String>,
    /// Extra task keywords (`check_mode: true`).
    task: Vec<String>,
    /// ansible-playbook flags (`--check`, `--diff`).
    flags: Vec<&'a str>,
    /// Without it the task's failure fails the play (exit 2); with it the
    /// result is recorded whatever it is.
    record: bool,
    state_dir: PathBuf,
    /// Over ssh to a test host instead of `connection: local`.
    over_ssh: Option<SshTarget>,
}

/// Where a play over ssh goes: ansible-playbook runs in the test hosts'
/// controller namespace and reaches the host with the hosts' ssh config.
struct SshTarget {
    ns: String,
    ip: std::net::Ipv4Addr,
    ssh_config: PathBuf,
}

/// What one ansible-playbook run printed, and the task's result.
struct Played {
    run: Run,
    result: Value,
}

impl Played {
    fn changed(&self) -> bool {
        self.result["changed"].as_bool().expect("changed is a bool")
    }
    fn failed(&self) -> bool {
        self.result["failed"].as_bool().unwrap_or(false)
    }
    fn msg(&self) -> &str {
        self.result["msg"].as_str().unwrap_or_default()
    }
    fn addresses(&self) -> Vec<String> {
        self.result["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .map(|a| {
                format!(
                    "{} {}",
                    a["action"].as_str().unwrap(),
                    a["address"].as_str().unwrap()
                )
            })
            .collect()
    }
}

impl<'a> Play<'a> {
    /// A play on `s`'s manifest (`manifest: <s.manifest>`).
    fn on(s: &Signer) -> Play<'a> {
        Play::in_dir(s.path("ansible"), s.path("state"))
            .param(&format!("manifest: {}", s.manifest.display()))
    }

    fn in_dir(dir: PathBuf, state_dir: PathBuf) -> Play<'a> {
        Play {
            dir,
            params: Vec::new(),
            task: Vec::new(),
            flags: Vec::new(),
            record: true,
            state_dir,
            over_ssh: None,
        }
    }

    /// Runs the play over ssh to `host` (see tests/it/test_hosts.rs).
    fn over_ssh(mut self, hosts: &crate::test_hosts::TestHosts, host: &Host) -> Self {
        self.over_ssh = Some(SshTarget {
            ns: hosts.namespace().to_string(),
            ip: host.ip,
            ssh_config: hosts.ssh_config(),
        });
        self
    }

    fn param(mut self, line: &str) -> Self {
        self.params.push(line.to_string());
        self
    }
    fn task(mut self, line: &str) -> Self {
        self.task.push(line.to_string());
        self
    }
    fn flag(mut self, flag: &'a str) -> Self {
        self.flags.push(flag);
        self
    }
    fn strict(mut self) -> Self {
        self.record = false;
        self
    }

    /// Runs ansible-playbook; the result is `Value::Null` for a strict play.
    fn run(&self) -> Played {
        std::fs::create_dir_all(&self.dir).expect("play dir");
        let collections = self.dir.join("collections");
        let ns = collections.join("ansible_collections/lsm");
        std::fs::create_dir_all(&ns).expect("collections dir");
        let link = ns.join("lsm");
        if !link.exists() {
            std::os::unix::fs::symlink(
                crate::support::workspace_root().join("contrib/ansible"),
                &link,
            )
            .expect("link the collection");
        }
        std::fs::write(self.dir.join("ansible.cfg"), "[defaults]\n").expect("ansible.cfg");
        let out = self.dir.join("result.json");
        let _ = std::fs::remove_file(&out);

        let indent = |lines: &[String], n: usize| {
            lines
                .iter()
                .map(|l| format!("{}{l}\n", " ".repeat(n)))
                .collect::<String>()
        };
        let connection = if self.over_ssh.is_some() {
            "hosts: signer_host"
        } else {
            "hosts: localhost\n  connection: local"
        };
        let mut play = format!(
            "- {connection}\n  gather_facts: false\n  vars:\n    \
             ansible_python_interpreter: \"{{{{ ansible_playbook_python }}}}\"\n  tasks:\n    \
             - name: lsm_node\n      lsm.lsm.lsm_node:\n        binary_path: {lsm}\n        \
             state_dir: {state}\n{params}{task}",
            lsm = assert_cmd::cargo::cargo_bin("lsm").display(),
            state = self.state_dir.display(),
            params = indent(&self.params, 8),
            task = indent(&self.task, 6),
        );
        if self.record {
            play.push_str(&format!(
                "      register: result\n      ignore_errors: true\n    \
                 - name: record the result\n      ansible.builtin.copy:\n        \
                 content: \"{{{{ result | to_nice_json }}}}\"\n        dest: {}\n      \
                 check_mode: false\n      diff: false\n      changed_when: false\n",
                out.display()
            ));
        }
        let playbook = self.dir.join("play.yml");
        std::fs::write(&playbook, play).expect("write the playbook");

        let mut cmd = match &self.over_ssh {
            None => {
                let mut cmd = std::process::Command::new(ansible_bin().join("ansible-playbook"));
                cmd.args(["-i", "localhost,"]);
                cmd
            }
            Some(t) => {
                let inventory = self.dir.join("inventory.ini");
                std::fs::write(
                    &inventory,
                    format!(
                        "signer_host ansible_host={} ansible_port=2222 ansible_user=root \
                         ansible_ssh_common_args='-F {}'\n",
                        t.ip,
                        t.ssh_config.display()
                    ),
                )
                .expect("inventory");
                let mut cmd = std::process::Command::new("ip");
                cmd.args(["netns", "exec", &t.ns])
                    .arg(ansible_bin().join("ansible-playbook"))
                    .arg("-i")
                    .arg(&inventory);
                cmd
            }
        };
        let o = cmd
            .current_dir(&self.dir)
            .arg("-v")
            .args(&self.flags)
            .arg(&playbook)
            .env("LC_ALL", "C.UTF-8")
            .env("ANSIBLE_CONFIG", self.dir.join("ansible.cfg"))
            .env("ANSIBLE_COLLECTIONS_PATH", &collections)
            .env("ANSIBLE_HOME", self.dir.join("home"))
            .env("ANSIBLE_LOCAL_TEMP", self.dir.join("tmp"))
            .env("ANSIBLE_REMOTE_TMP", self.dir.join("tmp"))
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_FORCE_COLOR", "0")
            // cryptography's deprecation notice about DSA, on every start.
            .env("PYTHONWARNINGS", "ignore::DeprecationWarning")
            .env_remove("DOCKER_HOST")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run ansible-playbook");
        let run = Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).to_string(),
            stderr: String::from_utf8_lossy(&o.stderr).to_string(),
        };
        let result = if self.record {
            let text = std::fs::read_to_string(&out).unwrap_or_else(|e| {
                panic!(
                    "the play recorded no result ({e}):\n--- stdout\n{}\n--- stderr\n{}",
                    run.stdout, run.stderr
                )
            });
            assert_eq!(run.code, 0, "a recording play exits 0:\n{}", run.stdout);
            serde_json::from_str(&text).expect("the result is JSON")
        } else {
            Value::Null
        };
        Played { run, result }
    }
}

/// Runs the play and keeps its output for the signer's leak check.
fn play(s: &Signer, p: Play) -> Played {
    let played = p.run();
    s.record_output(&played.run.stdout);
    s.record_output(&played.run.stderr);
    s.record_output(&played.result.to_string());
    played
}

fn container_id(s: &Signer) -> Option<String> {
    s.inspect("{{.Id}}")
}

/// The manifest with `line` added under `[signer]`.
fn with_signer_key(s: &Signer, line: &str) -> String {
    s.manifest_text().replace(
        "runtime = \"docker\"\n",
        &format!("runtime = \"docker\"\n{line}\n"),
    )
}

#[test]
fn check_mode_on_a_fresh_manifest_reports_changed_and_changes_nothing() {
    let Some(s) = Signer::new("") else { return };
    // Both ways of asking for check mode: the task's keyword and --check.
    let by_task = play(&s, Play::on(&s).task("check_mode: true"));
    let by_flag = play(&s, Play::on(&s).flag("--check"));
    for p in [&by_task, &by_flag] {
        assert!(!p.failed(), "{}", p.run.stdout);
        assert!(
            p.changed(),
            "a fresh signer has everything to do: {}",
            p.run.stdout
        );
        assert_eq!(p.result["rc"], 2);
        assert_eq!(p.result["cmd"][1], "plan", "check mode runs lsm plan");
        let actions = p.addresses();
        for want in [
            "create volume.data",
            "create wallet.signer",
            "create bundle.files",
        ] {
            assert!(
                actions.iter().any(|a| a == want),
                "{want} missing: {actions:?}"
            );
        }
        assert_eq!(p.result["bundle_path"], s.bundle().display().to_string());
        assert!(
            p.result["identity_pubkey"].is_null(),
            "no wallet, no identity"
        );
        assert_eq!(p.result["status_ok"], false);
    }
    assert!(
        by_task.run.stdout.contains("changed: [localhost]"),
        "{}",
        by_task.run.stdout
    );
    // Nothing was made: no container, no volume, no secret, no bundle.
    assert!(
        container_id(&s).is_none(),
        "check mode created the container"
    );
    assert!(!s.volume_exists(), "check mode created the volume");
    assert!(!s.secrets().join("wallet-password.txt").exists());
    assert!(!s.secrets().join("seed.txt").exists());
    assert!(!s.bundle().exists());
}

#[test]
fn apply_reports_changed_and_a_rerun_reports_not_changed() {
    let Some(s) = Signer::new("") else { return };
    let first = play(&s, Play::on(&s).param("timeout: 120"));
    assert!(!first.failed(), "{}", first.run.stdout);
    assert!(first.changed(), "{}", first.run.stdout);
    assert_eq!(first.result["rc"], 2);
    assert_eq!(first.result["cmd"][1], "apply");
    let cmd = first.result["cmd"].to_string();
    assert!(cmd.contains(r#""--timeout","120""#), "{cmd}");
    assert!(
        first
            .addresses()
            .iter()
            .any(|a| a == "create wallet.signer"),
        "the actions performed: {:?}",
        first.addresses()
    );
    // What an operator hands to the watch-only side.
    assert_eq!(
        first.result["bundle_path"],
        s.bundle().display().to_string()
    );
    assert!(s.bundle().join("bundle.json").exists());
    assert_eq!(first.result["identity_pubkey"], s.identity());
    assert_eq!(first.result["status_ok"], true, "{}", first.result);
    let conditions = first.result["conditions"].as_array().expect("conditions");
    let types: Vec<&str> = conditions
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "ContainerRunning",
            "ConfigInSync",
            "WalletState",
            "SignerRpcReady",
            "BundleInSync"
        ]
    );
    assert!(
        conditions.iter().all(|c| c["status"] == true),
        "{conditions:?}"
    );
    assert_eq!(first.result["seed_backup"]["proof"], "proven");

    let again = play(&s, Play::on(&s));
    assert!(!again.failed(), "{}", again.run.stdout);
    assert!(
        !again.changed(),
        "a second apply changed something: {}",
        again.run.stdout
    );
    assert_eq!(again.result["rc"], 0);
    assert!(
        again.run.stdout.contains("changed=0"),
        "{}",
        again.run.stdout
    );
    let check = play(&s, Play::on(&s).flag("--check"));
    assert!(
        !check.changed(),
        "check mode sees a change: {}",
        check.run.stdout
    );

    s.assert_no_secret_leaked();
}

/// The module on a host reached over ssh (a namespace host with its own
/// sshd): ansible-playbook runs where lsm is not, and the task runs lsm on
/// that host against its local engine.
#[test]
fn a_play_over_ssh_converges_a_signer_on_a_namespace_host() {
    let Some(s) = Signer::new("") else { return };
    let mut hosts = TestHosts::new();
    let host = hosts.ssh_host();
    let first = play(&s, Play::on(&s).over_ssh(&hosts, &host));
    assert!(
        !first.failed(),
        "{}\n{}",
        first.run.stdout,
        first.run.stderr
    );
    assert!(first.changed(), "{}", first.run.stdout);
    assert!(
        first.run.stdout.contains("changed: [signer_host]"),
        "{}",
        first.run.stdout
    );
    assert_eq!(first.result["identity_pubkey"], s.identity());
    assert_eq!(first.result["status_ok"], true, "{}", first.result);
    let again = play(&s, Play::on(&s).over_ssh(&hosts, &host));
    assert!(!again.changed(), "{}", again.run.stdout);
    let check = play(&s, Play::on(&s).over_ssh(&hosts, &host).flag("--check"));
    assert!(!check.changed(), "{}", check.run.stdout);
    // It really went over ssh: the host's sshd let the play's key in.
    let log = std::fs::read_to_string(hosts.sshd_log(&host)).expect("sshd log");
    assert!(log.contains("Accepted publickey for root"), "{log}");
    s.assert_no_secret_leaked();
}

#[test]
fn a_blocked_manifest_fails_the_task_with_the_blockers_text() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let id = container_id(&s);
    let other = format!("03{}", "ab".repeat(32));
    s.set_manifest(&s.manifest_text().replace(
        "[wallet]\n",
        &format!("[wallet]\nexpected_identity_pubkey = \"{other}\"\n"),
    ));

    // The task fails the play, saying why in lsm's words.
    let strict = play(&s, Play::on(&s).strict());
    assert_eq!(
        strict.run.code, 2,
        "a failed task fails the play:\n{}",
        strict.run.stdout
    );
    for want in [
        "exit 5",
        "blocked by a protection",
        "this is not the declared wallet",
        &other,
    ] {
        assert!(
            strict.run.stdout.contains(want),
            "lacks {want:?}:\n{}",
            strict.run.stdout
        );
    }
    assert!(
        strict.run.stdout.contains("failed=1"),
        "{}",
        strict.run.stdout
    );

    // The recorded result carries the hint; check mode fails the same way,
    // with the blockers as data.
    let applied = play(&s, Play::on(&s));
    assert!(applied.failed());
    assert_eq!(applied.result["rc"], 5);
    assert!(
        applied.msg().contains("this is not the declared wallet"),
        "{}",
        applied.msg()
    );
    assert!(
        applied.msg().contains("expected_identity_pubkey"),
        "the fix: {}",
        applied.msg()
    );
    let checked = play(&s, Play::on(&s).flag("--check"));
    assert!(checked.failed());
    assert!(
        checked.msg().contains("this is not the declared wallet"),
        "{}",
        checked.msg()
    );
    assert_eq!(checked.result["blockers"][0]["address"], "wallet.signer");
    assert_eq!(checked.result["blockers"][0]["code"], "identity_mismatch");
    assert_eq!(container_id(&s), id, "a blocked task changed the container");
}

#[test]
fn diff_mode_shows_the_lnd_conf_change() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let id = container_id(&s);
    s.set_manifest(&with_signer_key(&s, "debug_level = \"debug\""));

    let check = play(&s, Play::on(&s).flag("--check").flag("--diff"));
    assert!(check.changed(), "{}", check.run.stdout);
    for want in [
        "-debuglevel=info",
        "+debuglevel=debug",
        "lnd.conf (now)",
        "container.signer: replace",
        "[disruptive]",
    ] {
        assert!(
            check.run.stdout.contains(want),
            "the diff lacks {want:?}:\n{}",
            check.run.stdout
        );
    }
    assert_eq!(container_id(&s), id, "check mode replaced the container");

    let applied = play(&s, Play::on(&s).flag("--diff"));
    assert!(applied.changed(), "{}", applied.run.stdout);
    assert!(
        applied.run.stdout.contains("+debuglevel=debug"),
        "{}",
        applied.run.stdout
    );
    assert_ne!(
        container_id(&s),
        id,
        "the lnd.conf change replaces the container"
    );
    assert_eq!(applied.result["status_ok"], true, "{}", applied.result);

    let again = play(&s, Play::on(&s).flag("--diff"));
    assert!(!again.changed(), "{}", again.run.stdout);
    assert!(
        !again.run.stdout.contains("debuglevel"),
        "{}",
        again.run.stdout
    );
    s.assert_no_secret_leaked();
}

#[test]
fn state_absent_removes_the_container_and_keeps_the_volume() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let identity = s.identity();

    let check = play(
        &s,
        Play::on(&s)
            .param("state: absent")
            .flag("--check")
            .flag("--diff"),
    );
    assert!(check.changed(), "{}", check.run.stdout);
    let cmd: Vec<&str> = check.result["cmd"]
        .as_array()
        .expect("cmd")
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let manifest = s.manifest.display().to_string();
    assert_eq!(
        cmd[1..],
        [
            "plan",
            "--json",
            "--detailed-exitcode",
            "--destroy",
            "-f",
            &manifest
        ]
    );
    assert!(
        check.run.stdout.contains("-container.signer: exists"),
        "{}",
        check.run.stdout
    );
    assert!(
        container_id(&s).is_some(),
        "check mode removed the container"
    );

    let gone = play(&s, Play::on(&s).param("state: absent"));
    assert!(!gone.failed(), "{}", gone.run.stdout);
    assert!(gone.changed(), "{}", gone.run.stdout);
    assert_eq!(gone.addresses(), ["destroy container.signer"]);
    assert!(container_id(&s).is_none(), "the container is still there");
    assert!(s.volume_exists(), "state absent removed the wallet volume");
    assert!(s.secrets().join("seed.txt").exists());
    assert_eq!(gone.result["conditions"][0]["type"], "ContainerRunning");
    assert_eq!(gone.result["conditions"][0]["status"], false);

    let again = play(&s, Play::on(&s).param("state: absent"));
    assert!(!again.changed(), "{}", again.run.stdout);
    // The kept volume brings the same wallet back.
    let back = play(&s, Play::on(&s));
    assert!(back.changed());
    assert_eq!(back.result["identity_pubkey"], identity);
}

#[test]
fn a_saved_plan_is_applied_exactly_holds_no_secret_and_refuses_when_stale() {
    let Some(s) = Signer::new("") else { return };
    let plan = s.path("plan.json");
    let planned = |p: Play<'static>| {
        p.param("state: planned")
            .param(&format!("plan_file: {}", plan.display()))
    };
    // state: present (the default) with only plan_file: the plan names
    // its manifest.
    let saved = || {
        Play::in_dir(s.path("ansible"), s.path("state"))
            .param(&format!("plan_file: {}", plan.display()))
    };

    // Check mode writes no plan; a normal run does, changed for its changes.
    let check = play(&s, planned(Play::on(&s)).flag("--check"));
    assert!(check.changed(), "{}", check.run.stdout);
    assert!(!plan.exists(), "check mode wrote the plan");
    let made = play(&s, planned(Play::on(&s)));
    assert!(made.changed(), "{}", made.run.stdout);
    assert!(plan.exists());
    let first_plan = std::fs::read_to_string(&plan).expect("the plan");

    // Applied exactly.
    let check = play(&s, saved().flag("--check"));
    assert!(check.changed() && !check.failed(), "{}", check.run.stdout);
    let applied = play(&s, saved());
    assert!(!applied.failed(), "{}", applied.run.stdout);
    assert!(applied.changed());
    assert_eq!(applied.result["cmd"][2], plan.display().to_string());
    assert_eq!(applied.result["status_ok"], true, "{}", applied.result);

    // Now stale: check mode predicts lsm's refusal, the apply gets it.
    let check = play(&s, saved().flag("--check"));
    assert!(check.failed(), "{}", check.run.stdout);
    assert!(check.msg().contains("stale"), "{}", check.msg());
    let stale = play(&s, saved());
    assert!(stale.failed(), "{}", stale.run.stdout);
    assert_eq!(stale.result["rc"], 3);
    assert!(
        stale.msg().contains("Saved plan is stale"),
        "{}",
        stale.msg()
    );

    // Saved plans carry fingerprints, never secrets: the one made before
    // the wallet existed, and one made after, whose lnd.conf diff and
    // bundle and wallet actions name the real files.
    s.set_manifest(&with_signer_key(&s, "debug_level = \"debug\""));
    std::fs::remove_file(s.bundle().join("accounts.json")).expect("drift the bundle");
    let made = play(&s, planned(Play::on(&s)));
    assert!(made.changed(), "{}", made.run.stdout);
    let second_plan = std::fs::read_to_string(&plan).expect("the plan");
    assert!(second_plan.contains("debuglevel=debug"), "{second_plan}");
    assert!(s.secrets().join("seed.txt").exists());
    s.assert_no_secret_in("the saved plan made before apply", &first_plan);
    s.assert_no_secret_in("the saved plan made after apply", &second_plan);
    s.assert_no_secret_leaked();
}

#[test]
fn bad_input_fails_clearly_without_running_anything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = dir.path().join("signer.toml");
    std::fs::write(
        &manifest,
        "version = 1\n\n[signer]\nname = \"x\"\nnetwork = testnet\n",
    )
    .expect("write manifest");
    let at = |p: Play<'static>| p.run();
    let new = || Play::in_dir(dir.path().join("ansible"), dir.path().join("state"));

    let relative = at(new().param("manifest: signer.toml"));
    assert!(relative.failed());
    assert!(
        relative.msg().contains("must be an absolute path"),
        "{}",
        relative.msg()
    );

    let invalid = at(new().param(&format!("manifest: {}", manifest.display())));
    assert!(invalid.failed());
    assert!(
        invalid.msg().contains("lsm validate failed (exit 1"),
        "{}",
        invalid.msg()
    );
    assert!(
        invalid.msg().contains("signer.toml:5:"),
        "file:line:col: {}",
        invalid.msg()
    );
    assert_eq!(invalid.result["problems"][0]["key"], "signer.network");

    let no_plan = at(new()
        .param(&format!("manifest: {}", manifest.display()))
        .param("state: planned"));
    assert!(no_plan.failed());
    assert!(no_plan.msg().contains("plan_file"), "{}", no_plan.msg());

    let purge = at(new()
        .param(&format!("manifest: {}", manifest.display()))
        .param("purge_volume: true"));
    assert!(purge.failed());
    assert!(
        purge
            .msg()
            .contains("purge_volume applies only to state=absent"),
        "{}",
        purge.msg()
    );
}

#[test]
fn a_held_lock_fails_the_task_with_exit_4_naming_the_holder() {
    use std::os::unix::fs::DirBuilderExt;
    let Some(s) = Signer::new("") else { return };
    // Another lsm holds this signer's lock (flock, as lsm takes it), and
    // says who it is.
    let locks = s.path("state/locks");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&locks)
        .expect("lock dir");
    let path = locks.join(format!("{}.lock", s.name));
    let lock = std::fs::File::create(&path).expect("lock file");
    lock.lock().expect("take the lock");
    let pid = std::process::id();
    std::fs::write(
        &path,
        format!("{{\"pid\":{pid},\"command\":\"apply\",\"since\":0}}"),
    )
    .expect("record the holder");

    let held = play(&s, Play::on(&s).param("lock_timeout: 1"));
    assert!(held.failed(), "{}", held.run.stdout);
    assert_eq!(held.result["rc"], 4);
    for want in [
        "exit 4, another lsm holds the signer's lock",
        &format!("is locked by pid {pid}"),
        "wait for that lsm to finish",
    ] {
        assert!(held.msg().contains(want), "lacks {want:?}: {}", held.msg());
    }
    assert!(container_id(&s).is_none(), "apply ran without the lock");
    assert!(!s.volume_exists(), "apply ran without the lock");

    // Released, the same task converges.
    drop(lock);
    let applied = play(&s, Play::on(&s).param("lock_timeout: 1"));
    assert!(!applied.failed(), "{}", applied.run.stdout);
    assert!(applied.changed());
}

/// The collection builds with ansible-galaxy, and ansible-doc reads the
/// module's documentation: every parameter the issue asks for, and the
/// return values a playbook hands on.
#[test]
fn the_collection_builds_and_documents_its_parameters_and_returns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = crate::support::workspace_root();
    let run = |args: &[&str], env: &[(&str, &Path)]| {
        let mut cmd = std::process::Command::new(ansible_bin().join(args[0]));
        cmd.args(&args[1..])
            .current_dir(dir.path())
            .env("ANSIBLE_HOME", dir.path().join("home"))
            .env("ANSIBLE_LOCAL_TEMP", dir.path().join("tmp"))
            .env("PYTHONWARNINGS", "ignore::DeprecationWarning");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let o = cmd.output().expect("run an ansible tool");
        assert!(
            o.status.success(),
            "{args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let collection = root.join("contrib/ansible");
    run(
        &[
            "ansible-galaxy",
            "collection",
            "build",
            collection.to_str().unwrap(),
            "--output-path",
            "dist",
        ],
        &[],
    );
    run(
        &[
            "ansible-galaxy",
            "collection",
            "install",
            "dist/lsm-lsm-0.1.0.tar.gz",
            "-p",
            "installed",
        ],
        &[],
    );
    let installed = dir.path().join("installed");
    let doc: Value = serde_json::from_str(&run(
        &["ansible-doc", "-t", "module", "lsm.lsm.lsm_node", "--json"],
        &[("ANSIBLE_COLLECTIONS_PATH", &installed)],
    ))
    .expect("ansible-doc prints JSON");
    let module = &doc["lsm.lsm.lsm_node"];
    let mut options: Vec<&str> = module["doc"]["options"]
        .as_object()
        .expect("options")
        .keys()
        .map(String::as_str)
        .collect();
    options.sort();
    assert_eq!(
        options,
        [
            "binary_path",
            "docker_host",
            "lock_timeout",
            "manifest",
            "plan_file",
            "purge_volume",
            "state",
            "state_dir",
            "timeout"
        ]
    );
    assert_eq!(
        module["doc"]["options"]["state"]["choices"],
        serde_json::json!(["present", "absent", "planned"])
    );
    for key in [
        "bundle_path",
        "identity_pubkey",
        "conditions",
        "actions",
        "blockers",
        "hints",
        "rc",
    ] {
        assert!(module["return"][key].is_object(), "no return value {key}");
    }
    assert_eq!(module["doc"]["attributes"]["check_mode"]["support"], "full");
    assert_eq!(module["doc"]["attributes"]["diff_mode"]["support"], "full");
}
