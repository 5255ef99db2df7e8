#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) the lsm authors. MIT License (see the repository's Cargo.toml).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: lsm_node
short_description: Keep an lnd remote signer exactly as its signer.toml declares, with lsm
description:
  - Runs C(lsm) (the lnd remote-signer manager) on the target host to plan, apply or destroy
    the signer that a C(signer.toml) manifest declares.
  - Check mode runs C(lsm plan --json --detailed-exitcode) (for O(state=absent),
    C(lsm plan --destroy)), which is read-only by construction. A normal run runs
    C(lsm apply --auto-approve --json --detailed-exitcode), C(lsm destroy --auto-approve --json
    --detailed-exitcode) or C(lsm plan -o PLAN_FILE).
  - C(changed) comes from lsm's exit code 2 (changes planned, made or removed), never from
    reading its text, and is the same in check mode as in the run it predicts.
  - Exit codes 1 (error), 3 (stale saved plan), 4 (another lsm holds the signer's lock) and
    5 (blocked by a protection) fail the task with lsm's own error, blockers and hints.
  - After O(state=present) or O(state=absent) the module runs C(lsm status --json) and returns
    the signer's identity pubkey and status conditions.
  - No secret ever reaches the result or a log. The module never reads the secrets directory,
    passes no secret on a command line, and returns only fields of lsm's JSON documents, in
    which secrets are fingerprints (lnd.conf's C(bitcoind.rpcpass) included). lsm's raw output
    is returned only when it printed no JSON at all (a crash), as C(stderr).
  - "It avoids the known bugs of M(community.general.terraform): see the notes."
version_added: "0.1.0"
author:
  - lsm authors
requirements:
  - C(lsm) on the target host (O(binary_path) or C(PATH)), with the features below
    (C(plan --destroy), C(destroy --detailed-exitcode)).
  - For Docker signers, a Docker engine that lsm reaches (O(docker_host), or the local socket).
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - Shows lnd.conf as a before/after file diff, and each planned (check mode) or applied
        action as a before/after of its resource, from lsm's JSON.
  platform:
    platforms: posix
options:
  manifest:
    description:
      - Absolute path of the signer's manifest (C(signer.toml)) on the target host. lsm reads a
        C(versions.env) beside it, and resolves the manifest's relative paths against its
        directory.
      - Required for O(state=absent) and O(state=planned). With O(state=present) and
        O(plan_file), it may be left out; lsm then loads the manifest the plan recorded.
      - Relative paths are refused (where the module runs, the working directory is not yours).
    type: path
  state:
    description:
      - V(present) converges the signer (C(lsm apply)).
      - V(absent) removes its container, or stops a native lnd (C(lsm destroy)); the wallet
        volume, the secrets and the bundle are kept unless O(purge_volume).
      - V(planned) saves a plan to O(plan_file) (C(lsm plan -o)) for a later O(state=present)
        with the same O(plan_file); C(changed) is true when the plan has changes.
    type: str
    choices: [present, absent, planned]
    default: present
  plan_file:
    description:
      - Absolute path of a saved plan (lsm's JSON plan document; it holds no secret).
      - With O(state=planned), where the plan is written (not in check mode).
      - With O(state=present), a plan saved earlier, applied exactly (C(lsm apply PLAN_FILE)).
        lsm refuses a plan that no longer matches the signer or the manifest (exit 3); the task
        fails, and says so. Check mode predicts that refusal.
    type: path
  timeout:
    description:
      - Seconds C(lsm apply) waits for lnd to come up and become ready (C(--timeout)).
        lsm's default is 180.
    type: int
  lock_timeout:
    description:
      - Seconds lsm waits for another lsm that holds this signer's lock (C(--lock-timeout)),
        for apply and destroy. lsm's default is 3. When it expires the task fails (exit 4),
        naming the holder.
    type: int
  purge_volume:
    description:
      - With O(state=absent), also remove the wallet volume (Docker only;
        C(lsm destroy --purge-volume)). lsm does it only when the volume holds no wallet, or
        when a restore rehearsal from seed.txt proves the backup restores this very wallet;
        otherwise the task fails (exit 5) and nothing is removed.
    type: bool
    default: false
  binary_path:
    description:
      - Path of the C(lsm) binary on the target host. By default C(lsm) is looked up in C(PATH).
    type: path
  docker_host:
    description:
      - The Docker engine lsm talks to, as C(DOCKER_HOST) (C(unix://), C(tcp://), C(https://),
        C(ssh://)). A manifest's C([docker] host) takes precedence. By default lsm uses the
        host's C(DOCKER_HOST), else the local socket.
    type: str
  state_dir:
    description:
      - lsm's state directory (C(LSM_STATE_DIR)) holding its locks and native mode's pidfiles.
        Every run against one signer must use the same one; a native lnd recorded under another
        state directory looks foreign and blocks. By default C(~/.local/state/lsm) of the
        remote user.
    type: path
notes:
  - The module needs no secret and takes none. The signer's seed and wallet password stay in
    the manifest's C([wallet] secrets_dir) on the target host; back seed.txt up offline.
  - lsm never prompts here. Its standard input is a pipe, never a terminal, even over an ssh
    connection with a pseudo-terminal.
  - Run one task per signer per host at a time; a second lsm on the same signer waits
    O(lock_timeout), then fails.
  - "Avoided terraform-module bug, C(changed) read from text (community.general#561, wrong for
    multiples of ten resources): here C(changed) is lsm's exit code 2, in every mode."
  - "Avoided: C(changed) wrong in check mode (community.general#807, ansible/ansible#60002):
    check mode runs the same plan the apply would and reads the same exit code."
  - "Avoided: O(state=planned) never reporting C(changed) (community.general#4673): it is
    true when the saved plan has changes."
  - "Avoided: no destroy plan, so no check or diff mode for O(state=absent)
    (community.general#3700, #7958): check mode runs the read-only C(lsm plan --destroy)."
  - "Avoided: a temporary plan file left in /tmp on every run (community.general#5893): a
    plan is written only to O(plan_file), only with O(state=planned), never in check mode."
  - "Avoided: a relative O(plan_file) resolved against two different directories
    (ansible/ansible#43405): relative paths are refused."
  - "Avoided: secrets passed as C(-var) on the command line, visible in the result's
    C(command) and in C(ps) (ansible-collections/cloud.terraform#170): lsm takes none."
  - "Reported against terraform's module: task-level C(check_mode: true) not honoured
    (community.general#7422). This module's tests run check mode both ways, C(--check) and
    task-level C(check_mode: true)."
  - "Beyond terraform's module: check mode with a saved O(plan_file) predicts lsm's
    refusal of a stale plan (exit 3), from the two fields the plan schema documents
    (C(manifest_hash), C(observed_digest))."
  - lsm's README (section "Ansible") documents the commands, exit codes and JSON documents
    this module reads.
"""

EXAMPLES = r"""
- name: Converge the signer (check mode previews it; --diff shows lnd.conf)
  lsm.lsm.lsm_node:
    manifest: /etc/lsm/signer.toml
  register: signer

- name: Hand the bundle path and identity to the watch-only side
  ansible.builtin.debug:
    msg: "{{ signer.identity_pubkey }} exports {{ signer.bundle_path }}"

- name: Refuse a wallet other than the declared one (blocks with exit 5 otherwise)
  lsm.lsm.lsm_node:
    manifest: /etc/lsm/signer.toml
    timeout: 300
    lock_timeout: 30

- name: Save a plan for review
  lsm.lsm.lsm_node:
    manifest: /etc/lsm/signer.toml
    state: planned
    plan_file: /var/lib/lsm/plan.json

- name: Apply exactly the reviewed plan (fails if it went stale)
  lsm.lsm.lsm_node:
    state: present
    plan_file: /var/lib/lsm/plan.json

- name: Remove the container, keep the wallet volume, secrets and bundle
  lsm.lsm.lsm_node:
    manifest: /etc/lsm/signer.toml
    state: absent

- name: Against a remote engine, with lsm outside PATH
  lsm.lsm.lsm_node:
    manifest: /srv/signers/a/signer.toml
    binary_path: /opt/lsm/bin/lsm
    docker_host: ssh://deploy@signer-host
"""

RETURN = r"""
rc:
  description: lsm's exit code for the main command (0 nothing to do, 2 changes).
  returned: always
  type: int
  sample: 2
cmd:
  description: The main lsm command that ran (it holds paths only, never a secret).
  returned: always
  type: list
  elements: str
  sample: [/usr/local/bin/lsm, apply, --auto-approve, --json, --detailed-exitcode, -f, /etc/lsm/signer.toml]
signer:
  description: The signer's name (C([signer] name)).
  returned: when the manifest is valid
  type: str
  sample: litd-signer
manifest:
  description: The manifest lsm used.
  returned: when the manifest is known
  type: str
plan_file:
  description: The saved plan written (O(state=planned)) or applied.
  returned: when O(plan_file) is set
  type: str
bundle_path:
  description: The credentials bundle directory the watch-only node imports (C([bundle] path)).
  returned: when the manifest is valid
  type: str
  sample: /root/.lnget/signer/credentials-bundle
bundle_archive:
  description: The same bundle as one base64 tar.gz file, when C([bundle] archive) is true.
  returned: when the manifest is valid and the archive is enabled
  type: str
  sample: /root/.lnget/signer/credentials-bundle.tar.gz.b64
secrets_dir:
  description: Where seed.txt and wallet-password.txt live on the target host (a path only).
  returned: when the manifest is valid
  type: str
identity_pubkey:
  description: The wallet's identity pubkey, as lnd reports it (C(lsm status)).
  returned: after present or absent, when lnd answers
  type: str
  sample: 02c0145f0dce27bc076cfe7b24df37c6f3e7ad9816bd25870f750a31bfe0e31d3b
status_ok:
  description: True when every status condition holds and nothing warns (C(lsm status) exit 0).
  returned: after present or absent
  type: bool
conditions:
  description:
    - The status conditions ContainerRunning (native ProcessRunning), ConfigInSync, WalletState,
      SignerRpcReady and BundleInSync, each with C(status), C(reason) and C(message).
  returned: after present or absent
  type: list
  elements: dict
  sample: [{type: ContainerRunning, status: true, reason: Running, message: container litd-signer is running}]
seed_backup:
  description: Whether seed.txt is proven to be this wallet's backup, and the last restore
    rehearsal (C(proof), C(detail), C(last_rehearsal), C(last_rehearsal_of_current_seed)).
  returned: after present or absent
  type: dict
actions:
  description:
    - In check mode and O(state=planned), the actions the plan lists; after apply or destroy,
      the actions performed. Each has C(address), C(action), C(reason), C(disruptive),
      C(drift), C(replace_paths) and C(details) (secrets only as fingerprints).
  returned: always
  type: list
  elements: dict
summary:
  description: The plan's counts (C(add), C(change), C(replace), C(destroy)).
  returned: when lsm printed a plan document
  type: dict
blockers:
  description: The protections that block the plan (C(code), C(address), C(reason), C(fix)); match on C(code), the prose may be reworded.
  returned: when a protection blocks it (the task fails)
  type: list
  elements: dict
hints:
  description: lsm's hints for fixing the failure.
  returned: on failure
  type: list
  elements: str
problems:
  description: Located manifest problems (C(file), C(line), C(column), C(key), C(message), C(help)).
  returned: when the manifest is invalid (the task fails)
  type: list
  elements: dict
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

# lsm's exit codes (README "Exit codes").
OK = 0
ERROR = 1
CHANGES = 2
STALE = 3
LOCKED = 4
BLOCKED = 5
WHY = {
    ERROR: "error",
    STALE: "the saved plan is stale",
    LOCKED: "another lsm holds the signer's lock",
    BLOCKED: "blocked by a protection",
}


class Lsm(object):
    """Runs lsm and reads its JSON documents."""

    def __init__(self, module, binary):
        self.module = module
        self.binary = binary
        env = {"NO_COLOR": "1"}
        if module.params["docker_host"]:
            env["DOCKER_HOST"] = module.params["docker_host"]
        if module.params["state_dir"]:
            env["LSM_STATE_DIR"] = module.params["state_dir"]
        self.env = env

    def run(self, args, cwd=None):
        """(rc, documents, stderr, argv) of `lsm ARGS`."""
        argv = [self.binary] + args
        # stdin is a pipe, never a terminal (an ssh connection may give the
        # module a pty): lsm then never prompts, so it never waits on one.
        rc, out, err = self.module.run_command(
            argv, cwd=cwd, environ_update=self.env, data="\n", binary_data=True,
            check_rc=False)
        return rc, documents(out), err, argv


def documents(text):
    """Every JSON document lsm printed (destroy prints its plan, then a
    failure document when it fails)."""
    decoder = json.JSONDecoder()
    docs, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return docs
        try:
            doc, i = decoder.raw_decode(text, i)
        except ValueError:
            return docs
        if isinstance(doc, dict):
            docs.append(doc)


def failure_doc(docs):
    for d in docs:
        if d.get("ok") is False:
            return d
    return None


def plan_doc(docs):
    for d in docs:
        if "format_version" in d and "actions" in d and "observed_digest" in d:
            return d
    return None


def fail(module, result, rc, docs, err, what):
    """Fails the task with lsm's error, blockers and hints."""
    failure = failure_doc(docs) or {}
    plan = plan_doc(docs) or {}
    blockers = plan.get("blockers") or []
    hints = list(failure.get("hints") or [])
    parts = []
    if failure.get("error"):
        parts.append(failure["error"])
    elif blockers:
        parts.append("a protection blocks this plan: " + "; ".join(
            "%s: %s" % (b.get("address"), b.get("reason")) for b in blockers))
        hints = [b.get("fix") for b in blockers if b.get("fix")] + hints
    problems = failure.get("problems") or next(
        (d["problems"] for d in docs if d.get("problems")), [])
    for p in problems:
        parts.append("%s:%s:%s: %s (%s)" % (
            p.get("file"), p.get("line"), p.get("column"), p.get("message"), p.get("help")))
    if not parts:
        # No JSON at all: lsm crashed or is not lsm. Its stderr is all we have.
        parts.append("lsm printed no JSON")
        result["stderr"] = err
    msg = "%s failed (exit %d, %s): %s" % (what, rc, WHY.get(rc, "unexpected exit code"),
                                           " ".join(parts))
    if hints:
        msg += " Fix: " + "; ".join(h.rstrip(".") for h in hints) + "."
    if blockers:
        result["blockers"] = blockers
    if problems:
        result["problems"] = problems
    result["hints"] = hints
    result["rc"] = rc
    module.fail_json(msg=msg, **result)


def action_diffs(actions):
    """Ansible's before/after diffs: lnd.conf as a file, each action as its
    resource before and after (details are already redacted by lsm)."""
    diffs = []
    for a in actions:
        address, kind = a.get("address", "?"), a.get("action", "?")
        before, after = [], []
        for d in a.get("details") or []:
            t = d.get("type")
            if t == "change":
                before.append("  %s: %s" % (d.get("field"), d.get("from")))
                after.append("  %s: %s" % (d.get("field"), d.get("to")))
            elif t == "note":
                after.append("  # %s" % d.get("text"))
            elif t in ("file_diff", "file_unread"):
                old = d.get("old") if t == "file_diff" else None
                diffs.append({
                    "before": text_block(old or ""),
                    "after": text_block(d.get("new") or ""),
                    "before_header": "%s (%s)" % (
                        d.get("path"),
                        "now" if old is not None else
                        "unknown now: %s" % (d.get("why") or "absent")),
                    "after_header": "%s (as %s)" % (d.get("path"), address),
                })
        flags = [f for f, on in (("disruptive", a.get("disruptive")),
                                 ("changed outside lsm", a.get("drift"))) if on]
        head_after = "%s: %s: %s%s" % (address, kind, a.get("reason", ""),
                                       " [%s]" % ", ".join(flags) if flags else "")
        if kind == "create":
            b, af = [], [head_after] + after
        elif kind == "destroy":
            b, af = ["%s: exists" % address] + before, []
        else:
            b, af = ["%s: as it is" % address] + before, [head_after] + after
        diffs.append({
            "before": text_block("\n".join(b)),
            "after": text_block("\n".join(af)),
            "before_header": "%s (before)" % address,
            "after_header": "%s (after %s%s)" % (
                address, kind, ": " + a.get("reason", "") if kind == "destroy" else ""),
        })
    return diffs


def text_block(s):
    return s if not s or s.endswith("\n") else s + "\n"


def require_absolute(module, name):
    path = module.params[name]
    if path is not None and not os.path.isabs(path):
        module.fail_json(msg="%s must be an absolute path on the target host, not %r "
                             "(the module's working directory is not the playbook's)"
                             % (name, path))
    return path


def read_saved_plan(module, path):
    try:
        with open(path) as f:
            return json.load(f)
    except (IOError, OSError, ValueError) as e:
        module.fail_json(msg="cannot read the saved plan %s: %s" % (path, e))


def validate(module, lsm, manifest, result):
    """`lsm validate --json`: fails early on a bad manifest, with every
    located problem, and gives the resolved paths the result returns."""
    rc, docs, err, _ = lsm.run(["validate", "--json", "-f", manifest])
    doc = docs[0] if docs else {}
    if rc != OK or not doc.get("valid"):
        fail(module, result, rc if rc != OK else ERROR, docs, err, "lsm validate")
    resolved = doc.get("resolved") or {}
    bundle = resolved.get("bundle") or {}
    result["signer"] = (resolved.get("signer") or {}).get("name")
    if bundle.get("path"):
        result["bundle_path"] = bundle["path"]
        if bundle.get("archive"):
            result["bundle_archive"] = bundle["path"].rstrip("/") + ".tar.gz.b64"
    result["secrets_dir"] = (resolved.get("wallet") or {}).get("secrets_dir")


def add_status(module, lsm, manifest, result):
    """`lsm status --json` after the run: identity, conditions, seed proof.
    Returns its warnings. A failing status does not fail a run that did its
    work; it warns."""
    rc, docs, err, _ = lsm.run(["status", "--json", "-f", manifest])
    doc = docs[0] if docs and rc in (OK, CHANGES) else None
    if doc is None:
        error = (failure_doc(docs) or {}).get("error") or err.strip()
        return ["lsm status failed (exit %d): %s" % (rc, error)]
    result["status_ok"] = bool(doc.get("ok"))
    result["conditions"] = doc.get("conditions") or []
    result["seed_backup"] = doc.get("seed_backup")
    if doc.get("identity_pubkey"):
        result["identity_pubkey"] = doc["identity_pubkey"]
    return list(doc.get("warnings") or [])


def check_saved_plan_fresh(module, saved, fresh, result):
    """What `lsm apply PLAN` would refuse (exit 3), from the two fields the
    plan schema documents as its staleness check."""
    why = None
    if saved.get("manifest_hash") != fresh.get("manifest_hash"):
        why = "the manifest (or its versions.env) changed since the plan was made"
    elif saved.get("observed_digest") != fresh.get("observed_digest"):
        why = "the signer changed since the plan was made"
    if why:
        result["rc"] = STALE
        module.fail_json(
            msg="lsm apply would refuse the saved plan (exit 3, the saved plan is stale): %s. "
                "Fix: make a new plan (state: planned), review it, and apply that." % why,
            **result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            manifest=dict(type="path"),
            state=dict(type="str", default="present", choices=["present", "absent", "planned"]),
            plan_file=dict(type="path"),
            timeout=dict(type="int"),
            lock_timeout=dict(type="int"),
            purge_volume=dict(type="bool", default=False),
            binary_path=dict(type="path"),
            docker_host=dict(type="str"),
            state_dir=dict(type="path"),
        ),
        required_if=[
            ("state", "planned", ["manifest", "plan_file"]),
            ("state", "absent", ["manifest"]),
            ("state", "present", ["manifest", "plan_file"], True),
        ],
        supports_check_mode=True,
    )
    p = module.params
    state = p["state"]
    manifest = require_absolute(module, "manifest")
    plan_file = require_absolute(module, "plan_file")
    if p["purge_volume"] and state != "absent":
        module.fail_json(msg="purge_volume applies only to state=absent")
    for name in ("timeout", "lock_timeout"):
        if p[name] is not None and p[name] < 0:
            module.fail_json(msg="%s must be 0 or more seconds" % name)

    binary = p["binary_path"] or module.get_bin_path("lsm", required=True)
    lsm = Lsm(module, binary)
    result = dict(changed=False, actions=[])

    saved = None
    if state == "present" and plan_file:
        saved = read_saved_plan(module, plan_file)
        result["plan_file"] = plan_file
        manifest = manifest or saved.get("manifest_path")
        if not manifest:
            module.fail_json(msg="the saved plan %s names no manifest (made by an older lsm); "
                                 "set manifest" % plan_file, **result)
    elif state == "planned":
        result["plan_file"] = plan_file
    result["manifest"] = manifest
    cwd = os.path.dirname(manifest)

    validate(module, lsm, manifest, result)

    lock = ["--lock-timeout", str(p["lock_timeout"])] if p["lock_timeout"] is not None else []
    purge = ["--purge-volume"] if p["purge_volume"] else []
    if module.check_mode:
        args = ["plan", "--json", "--detailed-exitcode"]
        if state == "absent":
            args += ["--destroy"] + purge
        what = "lsm plan"
    elif state == "present":
        timeout = ["--timeout", str(p["timeout"])] if p["timeout"] is not None else []
        args = (["apply", plan_file] if saved is not None else ["apply", "--auto-approve"])
        args += ["--json", "--detailed-exitcode"] + timeout + lock
        what = "lsm apply"
    elif state == "absent":
        args = ["destroy", "--auto-approve", "--json", "--detailed-exitcode"] + purge + lock
        what = "lsm destroy"
    else:
        args = ["plan", "--json", "--detailed-exitcode", "-o", plan_file]
        what = "lsm plan"

    rc, docs, err, argv = lsm.run(args + ["-f", manifest], cwd=cwd)
    result["cmd"] = argv
    result["rc"] = rc
    if rc not in (OK, CHANGES):
        fail(module, result, rc, docs, err, what)
    result["changed"] = rc == CHANGES

    plan = plan_doc(docs)
    if plan is not None:
        if saved is not None and module.check_mode:
            check_saved_plan_fresh(module, saved, plan, result)
        result["summary"] = plan.get("summary")
        result["actions"] = plan.get("actions") or []
    elif docs:
        # apply: {"changed", "converged", "applied", "bundle", "secrets_dir"}
        result["actions"] = docs[0].get("applied") or []
    if module._diff:
        result["diff"] = action_diffs(result["actions"])

    warnings = list((plan or {}).get("warnings") or [])
    if state in ("present", "absent"):
        warnings += add_status(module, lsm, manifest, result)
    for w in sorted(set(warnings), key=warnings.index):
        module.warn(w)
    # Ansible takes a non-zero `rc` for a failure unless `failed` says otherwise.
    module.exit_json(failed=False, **result)


if __name__ == "__main__":
    main()
