//! The CI pipeline examples under `examples/ci/`, run for real: every
//! `run:` step of `github-actions.yml` is executed with bash, as a runner
//! would (`bash -e`, the workflow's `env`, `GITHUB_STEP_SUMMARY`), against
//! a signer on the double's image, so each lsm command in it must be a
//! valid invocation that does what the comments promise. GitHub's own parts
//! are stood in for: `actions/checkout` writes the manifest into a fresh
//! workspace, `actions/upload-artifact` copies into a directory, and a fake
//! `gh` on PATH serves that directory to the step that downloads the
//! reviewed plan. Any other action fails the test, so the example cannot
//! grow a step this test does not run.
//!
//! The YAML is read with PyYAML from the pinned ansible-core venv
//! (`scripts/ansible-env.sh`): the test fails, never skips, without it.

use crate::signer_kit::{Run, Signer};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A workflow file as JSON (PyYAML reads `on:` as the boolean true; it is
/// put back under "on").
fn load_workflow(file: &Path) -> Value {
    let root = crate::support::workspace_root();
    let env = std::process::Command::new(root.join("scripts/ansible-env.sh"))
        .env("CARGO_TARGET_DIR", crate::support::target_dir())
        .output()
        .expect("run scripts/ansible-env.sh");
    assert!(
        env.status.success(),
        "scripts/ansible-env.sh failed (PyYAML comes with it):\n{}",
        String::from_utf8_lossy(&env.stderr)
    );
    let bin = PathBuf::from(String::from_utf8_lossy(&env.stdout).trim());
    let out = std::process::Command::new(bin.join("python"))
        .args([
            "-c",
            "import json, sys, yaml\n\
             doc = yaml.safe_load(open(sys.argv[1]))\n\
             doc['on'] = doc.pop(True)\n\
             print(json.dumps(doc))",
        ])
        .arg(file)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{} is not valid YAML:\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Stands in for GitHub's CLI: the three calls the apply job makes, with
/// the artifact store a directory.
const FAKE_GH: &str = r#"#!/usr/bin/env bash
set -euo pipefail
case "$1 ${2:-}" in
  "api "*) echo "$FAKE_GH_HEAD_SHA" ;;
  "run list") echo "4242" ;;
  "run download")
    name="" dir="."
    while [ $# -gt 0 ]; do
      case "$1" in --name) name="$2"; shift ;; --dir) dir="$2"; shift ;; esac
      shift
    done
    [ -d "$FAKE_GH_ARTIFACTS/$name" ] || { echo "no artifact $name" >&2; exit 1; }
    mkdir -p "$dir" && cp -R "$FAKE_GH_ARTIFACTS/$name/." "$dir/" ;;
  *) echo "fake gh: unexpected call: $*" >&2; exit 64 ;;
esac
"#;

/// One workflow, run on the test's "runner" against one signer.
struct Runner<'a> {
    doc: Value,
    s: &'a Signer,
    /// The manifest as the repository holds it (absolute secrets and
    /// bundle paths, outside the workspace, as the example says).
    manifest: String,
    artifacts: PathBuf,
    bin: PathBuf,
    runs: usize,
}

/// What one job did: each step's name and run, up to the first failure.
struct JobRun {
    steps: Vec<(String, Run)>,
    summary: String,
    workspace: PathBuf,
}

impl JobRun {
    fn ok(&self) -> bool {
        self.steps.iter().all(|(_, r)| r.code == 0)
    }
    fn step(&self, name: &str) -> &Run {
        &self
            .steps
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no step {name:?} ran: {:?}", self.names()))
            .1
    }
    fn names(&self) -> Vec<&str> {
        self.steps.iter().map(|(n, _)| n.as_str()).collect()
    }
    fn output(&self) -> String {
        let mut all = self.summary.clone();
        for (name, r) in &self.steps {
            all.push_str(&format!(
                "\n--- {name} (exit {})\n{}{}",
                r.code, r.stdout, r.stderr
            ));
        }
        all
    }
}

impl<'a> Runner<'a> {
    fn new(file: &str, s: &'a Signer) -> Runner<'a> {
        let doc = load_workflow(&crate::support::workspace_root().join(file));
        let manifest = s
            .manifest_text()
            .replace(
                "secrets_dir = \"./secrets\"",
                &format!("secrets_dir = \"{}\"", s.secrets().display()),
            )
            .replace(
                "path = \"./out/credentials-bundle\"",
                &format!("path = \"{}\"", s.bundle().display()),
            );
        assert!(!manifest.contains("\"./"), "{manifest}");
        let bin = s.path("ci-bin");
        std::fs::create_dir_all(&bin).expect("bin dir");
        let gh = bin.join("gh");
        std::fs::write(&gh, FAKE_GH).expect("fake gh");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).expect("chmod gh");
        Runner {
            doc,
            s,
            manifest,
            artifacts: s.path("ci-artifacts"),
            bin,
            runs: 0,
        }
    }

    fn env(&self, key: &str) -> String {
        self.doc["env"][key]
            .as_str()
            .unwrap_or_else(|| panic!("the workflow sets no env {key}"))
            .to_string()
    }

    /// Runs `job`'s steps in a fresh workspace, stopping at the first
    /// failing one, as a runner does.
    fn run(&mut self, job: &str) -> JobRun {
        self.runs += 1;
        let workspace = self.s.path(&format!("ci-{job}-{}", self.runs));
        std::fs::create_dir_all(&workspace).expect("workspace");
        let summary = workspace.join("step-summary.md");
        let lsm_dir = assert_cmd::cargo::cargo_bin("lsm")
            .parent()
            .expect("lsm's directory")
            .to_path_buf();
        let path = format!(
            "{}:{}:{}",
            self.bin.display(),
            lsm_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let steps = self.doc["jobs"][job]["steps"]
            .as_array()
            .unwrap_or_else(|| panic!("job {job} has steps"))
            .clone();
        let mut ran = Vec::new();
        for step in &steps {
            let name = step["name"]
                .as_str()
                .or(step["uses"].as_str())
                .unwrap_or("?")
                .to_string();
            let run = if let Some(uses) = step["uses"].as_str() {
                self.action(uses, &step["with"], &workspace)
            } else {
                let script = step["run"].as_str().expect("a step runs or uses");
                let file = workspace.join(format!(".step-{}.sh", ran.len()));
                std::fs::write(&file, script).expect("write the step");
                let mut cmd = std::process::Command::new("bash");
                cmd.args(["--noprofile", "--norc", "-e"])
                    .arg(&file)
                    .current_dir(&workspace)
                    .env_remove("DOCKER_HOST")
                    .env("PATH", &path)
                    .env("LSM_STATE_DIR", self.s.path("state"))
                    .env("GITHUB_STEP_SUMMARY", &summary)
                    .env("GITHUB_WORKSPACE", &workspace)
                    .env("GITHUB_REPOSITORY", "example/signers")
                    .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
                    .env("GITHUB_WORKFLOW", "lsm")
                    .env(
                        "FAKE_GH_HEAD_SHA",
                        "89abcdef0123456789abcdef0123456789abcdef",
                    )
                    .env("FAKE_GH_ARTIFACTS", &self.artifacts)
                    .stdin(std::process::Stdio::null());
                for scope in [
                    &self.doc["env"],
                    &self.doc["jobs"][job]["env"],
                    &step["env"],
                ] {
                    for (k, v) in scope.as_object().into_iter().flatten() {
                        let v = v.as_str().unwrap_or_default();
                        // Expressions (`${{ github.token }}`) are GitHub's.
                        let v = if v.contains("${{") { "fake-token" } else { v };
                        cmd.env(k, v);
                    }
                }
                let o = cmd.output().expect("run bash");
                Run {
                    code: o.status.code().unwrap_or(-1),
                    stdout: String::from_utf8_lossy(&o.stdout).to_string(),
                    stderr: String::from_utf8_lossy(&o.stderr).to_string(),
                }
            };
            let failed = run.code != 0;
            ran.push((name, run));
            if failed {
                break;
            }
        }
        let job_run = JobRun {
            steps: ran,
            summary: std::fs::read_to_string(&summary).unwrap_or_default(),
            workspace,
        };
        self.s.record_output(&job_run.output());
        job_run
    }

    /// GitHub's actions the example uses, played locally.
    fn action(&self, uses: &str, with: &Value, workspace: &Path) -> Run {
        let ok = |stdout: String| Run {
            code: 0,
            stdout,
            stderr: String::new(),
        };
        match uses.split('@').next().unwrap_or_default() {
            "actions/checkout" => {
                let manifest = workspace.join(self.env("MANIFEST"));
                std::fs::create_dir_all(manifest.parent().expect("manifest dir")).expect("mkdir");
                std::fs::write(&manifest, &self.manifest).expect("check out the manifest");
                ok(format!("checked out {}", manifest.display()))
            }
            "actions/upload-artifact" => {
                let name = with["name"].as_str().expect("artifact name");
                let file = workspace.join(with["path"].as_str().expect("artifact path"));
                if !file.is_file() {
                    return Run {
                        code: 1,
                        stdout: String::new(),
                        stderr: format!("no file {}", file.display()),
                    };
                }
                let dir = self.artifacts.join(name);
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir).expect("artifact dir");
                std::fs::copy(&file, dir.join(file.file_name().expect("file name")))
                    .expect("upload");
                ok(format!("uploaded {name}"))
            }
            other => panic!("the CI example uses {other}, which this test does not play"),
        }
    }
}

#[test]
fn github_actions_example_plans_on_pull_requests_and_applies_the_reviewed_plan() {
    let Some(s) = Signer::new("") else { return };
    let mut ci = Runner::new("examples/ci/github-actions.yml", &s);

    // Which job runs when: plan on this repository's pull requests, apply
    // on a push to main; never the other way round.
    assert!(ci.doc["on"]["pull_request"].is_object(), "{}", ci.doc);
    assert_eq!(ci.doc["on"]["push"]["branches"][0], "main");
    let cond = |job: &str| {
        ci.doc["jobs"][job]["if"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(cond("plan").contains("github.event_name == 'pull_request'"));
    assert!(cond("plan").contains("head.repo.full_name == github.repository"));
    assert!(cond("apply").contains("github.event_name == 'push'"));
    assert!(cond("apply").contains("refs/heads/main"));

    // A pull request on a fresh signer: validate, plan (exit 2 is not a
    // failure), the rendered plan as the job summary, the plan uploaded.
    // Nothing is created.
    let pr = ci.run("plan");
    assert!(pr.ok(), "{}", pr.output());
    assert_eq!(
        pr.names(),
        [
            "actions/checkout@v4",
            "lsm validate",
            "lsm plan",
            "Keep the reviewed plan for the merge"
        ]
    );
    assert!(
        pr.summary.contains("Changes: merging this pull request"),
        "{}",
        pr.summary
    );
    assert!(pr.summary.contains("+ wallet.signer"), "{}", pr.summary);
    assert!(pr.summary.contains("Plan: "), "{}", pr.summary);
    let saved = ci.artifacts.join("lsm-plan/plan.json");
    let plan_text = std::fs::read_to_string(&saved).expect("the uploaded plan");
    assert!(
        s.inspect("{{.Id}}").is_none(),
        "the plan job created the container"
    );
    assert!(!s.volume_exists(), "the plan job created the volume");

    // The merge: the apply job fetches that plan and applies exactly it.
    let merge = ci.run("apply");
    assert!(merge.ok(), "{}", merge.output());
    assert!(merge.workspace.join("reviewed/plan.json").is_file());
    assert!(
        merge
            .step("lsm apply the reviewed plan")
            .stdout
            .contains("Apply complete"),
        "{}",
        merge.output()
    );
    assert!(merge.summary.contains("(exit 0)"), "{}", merge.summary);
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);

    // The same plan again is stale: nothing is applied, the job fails
    // with exit 3 and says why.
    let container = s.inspect("{{.Id}}");
    let again = ci.run("apply");
    assert!(!again.ok());
    let step = again.step("lsm apply the reviewed plan");
    assert_eq!(step.code, 3, "{}", again.output());
    assert!(
        step.stdout.contains("::error title=lsm: stale plan::"),
        "{}",
        again.output()
    );
    assert_eq!(
        s.inspect("{{.Id}}"),
        container,
        "a stale plan changed the signer"
    );

    // The next pull request: no changes, exit 0, said so in the summary.
    let pr = ci.run("plan");
    assert!(pr.ok(), "{}", pr.output());
    assert!(pr.summary.contains("No changes"), "{}", pr.summary);

    // A protection blocks the plan: the plan job fails (exit 5) and its
    // summary says so.
    let other = format!("03{}", "ab".repeat(32));
    ci.manifest = ci.manifest.replace(
        "[wallet]\n",
        &format!("[wallet]\nexpected_identity_pubkey = \"{other}\"\n"),
    );
    let blocked = ci.run("plan");
    assert_eq!(blocked.step("lsm plan").code, 5, "{}", blocked.output());
    assert!(
        blocked.summary.contains("**Blocked**"),
        "{}",
        blocked.summary
    );
    assert!(
        blocked.summary.contains("this is not the declared wallet"),
        "{}",
        blocked.summary
    );

    // Saved plans carry no secrets (the example says so): the one made
    // before the wallet existed and one made after.
    s.assert_no_secret_in("the plan artifact made before apply", &plan_text);
    let after = std::fs::read_to_string(&saved).expect("the latest plan");
    s.assert_no_secret_in("the plan artifact made after apply", &after);
    s.assert_no_secret_leaked();
}
