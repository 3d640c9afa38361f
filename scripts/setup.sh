#!/usr/bin/env bash
# Create .venv with a Python 3.10 interpreter and install exactly requirements.lock
# (versions and hashes, refreshed on purpose by scripts/lock.sh), then the project.
# uv installs it in seconds; pip does the same from the same lock if uv cannot be had.
# Idempotent: nothing is installed while the stamp matches the lock and this script.
#
#   scripts/setup.sh          set up .venv
#   scripts/setup.sh --uv     print the path of the pinned uv (installed if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
LOCK=requirements.lock
UV_VERSION=0.13.9
UV_HOME=build/uv

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

python310() {
    if ! find_python310; then
        echo "setup: no Python 3.10 found (Rasa 3.6 needs 3.10)." >&2
        echo "setup: install one, e.g. 'pyenv install 3.10', or set PYTHON=/path/to/python3.10." >&2
        exit 1
    fi
}

# uv in a small venv of its own: `uv pip sync` removes what the lock does not list.
ensure_uv() {
    if [[ -x "$UV_HOME/bin/uv" ]] && [[ "$("$UV_HOME/bin/uv" --version 2>/dev/null)" == "uv $UV_VERSION"* ]]; then
        return 0
    fi
    rm -rf "$UV_HOME"
    "$(python310)" -m venv "$UV_HOME" >>"$log" 2>&1 \
        && "$UV_HOME/bin/python" -m pip install --disable-pip-version-check "uv==$UV_VERSION" >>"$log" 2>&1
}

log="${LOG_DIR:-var/log}/setup.log"
mkdir -p "$(dirname "$log")"

if [[ "${1:-}" == "--uv" ]]; then
    ensure_uv || { echo "setup: could not install uv $UV_VERSION; see $log" >&2; exit 1; }
    echo "$UV_HOME/bin/uv"
    exit 0
fi

# The stamp is keyed to everything that decides what gets installed.
spec_hash="$(cat pyproject.toml "$LOCK" scripts/setup.sh | sha256sum | cut -c1-16)"
stamp="$VENV/.installed-$spec_hash"
if [[ -x "$VENV/bin/python" ]] && is_python310 "$VENV/bin/python" && [[ -f "$stamp" ]]; then
    exit 0
fi

# The installers' own output goes to the log; the terminal gets one line, or the end of
# the log when the install failed.
: >"$log"
failed() {
    echo " failed" >&2
    echo "setup: $1; the end of $log:" >&2
    tail -n 30 "$log" | sed 's/^/setup:   /' >&2
    exit 1
}

start=$SECONDS
interpreter="$(python310)"
printf 'setup: installing %s packages of %s into %s (log: %s) ...' "$(grep -c '==' "$LOCK")" "$LOCK" "$VENV" "$log"
if [[ ! -x "$VENV/bin/python" ]] || ! is_python310 "$VENV/bin/python"; then
    rm -rf "$VENV"
    "$interpreter" -m venv "$VENV" >>"$log" 2>&1 || failed "creating $VENV failed"
fi
rm -f "$VENV"/.installed-*
if ensure_uv; then
    uv=("$UV_HOME/bin/uv" pip)
    # Compiled now: Python may not write .pyc files at run time (PYTHONDONTWRITEBYTECODE).
    "${uv[@]}" sync --python "$VENV/bin/python" --require-hashes --compile-bytecode "$LOCK" >>"$log" 2>&1 \
        || failed "installing $LOCK failed"
    "${uv[@]}" install --python "$VENV/bin/python" --no-deps -e . >>"$log" 2>&1 \
        || failed "installing the project failed"
else
    echo "setup: uv $UV_VERSION could not be installed; pip installs the same lock (slower)" >>"$log"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --require-hashes -r "$LOCK" >>"$log" 2>&1 \
        || failed "installing $LOCK failed"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-deps -e . >>"$log" 2>&1 \
        || failed "installing the project failed"
fi
touch "$stamp"
echo " done in $((SECONDS - start)) s"
