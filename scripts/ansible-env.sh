#!/usr/bin/env bash
# Makes the Python virtualenv the Ansible tests run in (tests/ansible.rs):
# ansible-core pinned by contrib/ansible/requirements.txt, from PyPI, into
# <target>/ansible-venv (<target> is CARGO_TARGET_DIR, else ./target).
#
# Usage: scripts/ansible-env.sh     prints the venv's bin directory on stdout
#
# Cached: a venv whose stamp names the same requirements and the same Python
# is reused at once (no pip, no network). A file lock keeps parallel callers
# (scripts/test.sh, test processes) from building it twice. Progress goes to
# stderr. Fails, with the reason, when the venv cannot be made: the tests
# fail then, they never skip.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQS="$ROOT/contrib/ansible/requirements.txt"

say() { printf 'ansible-env: %s\n' "$*" >&2; }
die() { printf 'ansible-env: error: %s\n' "$*" >&2; exit 1; }

TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
[[ "$TARGET" = /* ]] || TARGET="$ROOT/$TARGET"
VENV="$TARGET/ansible-venv"
mkdir -p "$TARGET"

PYTHON="${LSM_ANSIBLE_PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found: the Ansible tests need Python 3.11 or newer"
PYVERSION="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$PYTHON is Python $PYVERSION; ansible-core in $REQS needs 3.11 or newer (set LSM_ANSIBLE_PYTHON)"

# What the venv was made from: the pins and the interpreter.
WANT="$(sha256sum "$REQS" | cut -c1-16) python=$PYVERSION $(command -v "$PYTHON")"
STAMP="$VENV/.lsm-stamp"

fresh() { [[ -x "$VENV/bin/ansible-playbook" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; }

exec 9>"$TARGET/ansible-venv.lock"
flock 9

if fresh; then
    say "ansible-core is up to date in $VENV"
else
    pin="$(grep -E '^[a-z]' "$REQS" | tr '\n' ' ')"
    say "installing $pin into $VENV (from PyPI; about a minute the first time)"
    start=$(date +%s)
    # A venv records its own path, so it is made in place; the stamp, written
    # last, is what marks it complete.
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" \
        || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input -r "$REQS" \
        || die "pip could not install $pin from PyPI (is PyPI reachable?)"
    "$VENV/bin/ansible-playbook" --version >/dev/null \
        || die "ansible-playbook does not run after the install"
    printf '%s' "$WANT" >"$STAMP"
    say "installed in $(( $(date +%s) - start )) s"
fi
echo "$VENV/bin"
