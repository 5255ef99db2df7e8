//! Whole plans as an operator reads them, one snapshot per kind of action
//! (create, update, replace, destroy, start, restart), a plan with nothing
//! to do, a blocked plan, and the JSON plan document. Made by the `lsm`
//! binary with a native signer whose lnd is the lnd double: no engine, and
//! nothing that varies between runs once the temp directory, the signer's
//! name, its ports and lnd's pid are filtered out.
//!
//! A changed rendering fails here; review it and accept it with
//! `cargo insta review` (or `INSTA_UPDATE=always`).

use crate::signer_kit::{Backend, Run, Signer, kill_9, wait_until_gone};
use crate::support;

/// A native signer whose lnd is a copy of the double at `./bin/lnd`, so
/// every path a plan names lies in the signer's temp directory.
fn signer() -> Signer {
    let mut s = Signer::native_on(Backend::Double, "");
    std::fs::create_dir(s.path("bin")).expect("mkdir bin");
    std::fs::copy(support::double_binary(), s.path("bin/lnd")).expect("copy the double");
    s.runtime_table = s
        .runtime_table
        .replace(&support::double_binary().display().to_string(), "./bin/lnd");
    s.write_manifest();
    s
}

/// What differs from run to run, replaced by placeholders.
fn settings(s: &Signer) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_omit_expression(true);
    let literal = |text: &str| regex_escape(text);
    settings.add_filter(&literal(&s.dir.path().display().to_string()), "[DIR]");
    settings.add_filter(&literal(&s.name), "[NAME]");
    settings.add_filter(&format!(r"\b{}\b", s.rpc_port), "[RPC_PORT]");
    settings.add_filter(&format!(r"\b{}\b", s.rest_port), "[REST_PORT]");
    settings.add_filter(r"\bpid \d+", "pid [PID]");
    settings.add_filter(r"\b[0-9a-f]{64}\b", "[SHA256]");
    settings
}

/// `regex::escape` for the few characters a temp path or name can hold.
fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

/// `lsm plan` with its exit code, for a snapshot.
fn plan(s: &Signer, expect: i32) -> String {
    let run = s.lsm(&["plan", "--detailed-exitcode"]).expect(expect);
    shown(&run)
}

fn shown(run: &Run) -> String {
    if run.stderr.is_empty() {
        run.stdout.clone()
    } else {
        format!("{}\n--- stderr\n{}", run.stdout, run.stderr)
    }
}

#[test]
fn a_fresh_signer_plans_to_create_everything() {
    let s = signer();
    let settings = settings(&s);
    let text = plan(&s, 2);
    let json = s.lsm(&["plan", "--json"]).expect(0).json();
    let json = serde_json::to_string_pretty(&json).expect("json");
    settings.bind(|| {
        insta::assert_snapshot!("plan_create", text);
        insta::assert_snapshot!("plan_create_json", json);
    });
}

#[test]
fn drift_and_changes_plan_update_restart_start_replace_and_destroy() {
    let mut s = signer();
    let settings = settings(&s);
    s.apply();
    let no_op = plan(&s, 0);

    // lnd.conf edited outside lsm: rewritten (~), then lnd restarted (>).
    let conf = s.secrets().join("signer-lnd.conf");
    let mut text = std::fs::read_to_string(&conf).expect("read lnd.conf");
    text.push_str("debuglevel=trace\n");
    std::fs::write(&conf, text).expect("edit lnd.conf");
    let update_restart = plan(&s, 2);
    let update_restart_json = s.lsm(&["plan", "--json"]).expect(0).json();
    let update_restart_json = serde_json::to_string_pretty(&update_restart_json).expect("json");
    s.apply();

    // lnd killed outside lsm: started again (>).
    let pid = s.lnd_pid();
    kill_9(pid);
    wait_until_gone(pid);
    let start = plan(&s, 2);
    s.apply();

    // lnd_path names another binary: lnd replaced (-/+).
    std::fs::copy(support::double_binary(), s.path("bin/lnd-other")).expect("copy");
    s.runtime_table = s.runtime_table.replace("./bin/lnd", "./bin/lnd-other");
    s.write_manifest();
    let replace = plan(&s, 2);
    s.apply();

    // destroy shows its plan (-), then refuses without a terminal.
    let destroy = shown(&s.lsm(&["destroy"]).expect(1));

    settings.bind(|| {
        insta::assert_snapshot!("plan_no_op", no_op);
        insta::assert_snapshot!("plan_update_restart", update_restart);
        insta::assert_snapshot!("plan_update_restart_json", update_restart_json);
        insta::assert_snapshot!("plan_start", start);
        insta::assert_snapshot!("plan_replace", replace);
        insta::assert_snapshot!("plan_destroy", destroy);
    });
}

#[test]
fn a_missing_lnd_binary_blocks_the_plan() {
    let mut s = signer();
    let settings = settings(&s);
    s.runtime_table = s.runtime_table.replace("./bin/lnd", "./bin/missing-lnd");
    s.write_manifest();
    let blocked = plan(&s, 5);
    settings.bind(|| insta::assert_snapshot!("plan_blocked", blocked));
}
