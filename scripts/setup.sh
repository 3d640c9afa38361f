#!/usr/bin/env bash
# Create .venv with a Python 3.10 interpreter and install the project into it.
# Idempotent: the install is skipped while the stamp matches the dependency spec.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
EXTRAS="${SETUP_EXTRAS:-test}"

is_python310() {
    "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1
}

find_python310() {
    local candidate root
    if [[ -n "${PYTHON:-}" ]] && is_python310 "$PYTHON"; then echo "$PYTHON"; return; fi
    for candidate in python3.10 python3 python; do
        if command -v "$candidate" >/dev/null && is_python310 "$candidate"; then
            command -v "$candidate"; return
        fi
    done
    # pyenv keeps interpreters that its shims refuse to run unless selected.
    root="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
    for candidate in $(ls -d "$root"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do
        if is_python310 "$candidate"; then echo "$candidate"; return; fi
    done
    return 1
}

# The stamp is keyed to everything that decides what gets installed.
spec_hash="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"
stamp="$VENV/.installed-$spec_hash-$EXTRAS"

if [[ -x "$VENV/bin/python" ]] && is_python310 "$VENV/bin/python" && [[ -f "$stamp" ]]; then
    exit 0
fi

# pip's own output (its warnings included) goes to the log; the terminal gets one line,
# or the end of the log when the install failed.
log="${LOG_DIR:-var/log}/setup.log"
mkdir -p "$(dirname "$log")"
: >"$log"
failed() {
    echo " failed" >&2
    echo "setup: $1; the end of $log:" >&2
    tail -n 30 "$log" | sed 's/^/setup:   /' >&2
    exit 1
}

start=$SECONDS
if [[ ! -x "$VENV/bin/python" ]] || ! is_python310 "$VENV/bin/python"; then
    if ! python310="$(find_python310)"; then
        echo "setup: no Python 3.10 found (Rasa 3.6 needs 3.10)." >&2
        echo "setup: install one, e.g. 'pyenv install 3.10', or set PYTHON=/path/to/python3.10." >&2
        exit 1
    fi
    printf 'setup: creating %s with %s and installing the dependencies (about 3 minutes; log: %s) ...' "$VENV" "$python310" "$log"
    rm -rf "$VENV"
    "$python310" -m venv "$VENV" >>"$log" 2>&1 || failed "creating $VENV failed"
else
    printf 'setup: installing the dependencies into %s (log: %s) ...' "$VENV" "$log"
fi
# Only pip itself: Rasa pins setuptools and packaging, which newer wheel/setuptools break.
"$VENV/bin/python" -m pip install --disable-pip-version-check --upgrade "pip<25" >>"$log" 2>&1 \
    || failed "upgrading pip failed"
"$VENV/bin/python" -m pip install --disable-pip-version-check -e ".[$EXTRAS]" >>"$log" 2>&1 \
    || failed "installing the dependencies failed"
rm -f "$VENV"/.installed-*
touch "$stamp"
echo " done in $((SECONDS - start)) s"
