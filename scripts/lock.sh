#!/usr/bin/env bash
# Refresh requirements.lock, the exact versions and hashes `make` installs, on purpose:
# after a change to pyproject.toml's dependencies, or to take newer releases.
#
# jax and jaxlib are left out: TensorFlow 2.12 lists them but never needs them here, and
# importing them (TensorFlow tries when they are installed) costs every server process
# seconds at start and memory.
set -euo pipefail
cd "$(dirname "$0")/.."
uv="$(scripts/setup.sh --uv)"
"$uv" pip compile pyproject.toml --extra test --python-version 3.10 --generate-hashes \
    --no-emit-package jax --no-emit-package jaxlib --quiet \
    --custom-compile-command "scripts/lock.sh" -o requirements.lock
echo "lock: requirements.lock has $(grep -c '==' requirements.lock) packages"
