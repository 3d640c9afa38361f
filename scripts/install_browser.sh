#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (tests/browser/), and their npm
# tools pinned in tests/browser/package-lock.json (rasa-webchat, axe-core).
# Idempotent: does nothing when /usr/bin/chromium is already there and the npm
# packages match the lock file. Never downloads a browser build of its own;
# Playwright drives the system Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=/usr/bin/chromium
NPM_DIR=tests/browser
NPM_LOG="${LOG_DIR:-var/log}/npm.log"

install_npm_tools() {
    local stamp="$NPM_DIR/node_modules/.installed-$(sha256sum "$NPM_DIR/package-lock.json" | cut -c1-16)"
    [[ -f "$stamp" ]] && return 0
    if ! command -v npm >/dev/null; then
        if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
            echo "install_browser: npm is missing (the browser tests install rasa-webchat and axe-core with it); install Node.js and npm." >&2
            return 1
        fi
        echo "install_browser: npm is missing; installing it with apt-get"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm </dev/null
    fi
    mkdir -p "$(dirname "$NPM_LOG")"
    local start=$SECONDS
    # Exactly the lock file's versions, without install scripts (none is needed).
    if ! npm ci --prefix "$NPM_DIR" --ignore-scripts --no-audit --no-fund >"$NPM_LOG" 2>&1 </dev/null; then
        echo "install_browser: npm ci in $NPM_DIR failed; the end of $NPM_LOG:" >&2
        tail -n 20 "$NPM_LOG" >&2
        return 1
    fi
    touch "$stamp"
    echo "install_browser: installed the npm tools of $NPM_DIR in $((SECONDS - start)) s"
}

install_npm_tools

if [[ -x "$CHROMIUM" ]]; then
    echo "install_browser: $CHROMIUM is already installed ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
    echo "install_browser: $CHROMIUM is missing and installing it needs root (apt-get install chromium chromium-driver)." >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "install_browser: $CHROMIUM is missing and there is no apt-get here; install Chromium at $CHROMIUM by hand." >&2
    exit 1
fi

echo "install_browser: $CHROMIUM is missing; running apt-get update"
if ! apt-get update -qq; then
    echo "install_browser: apt-get update failed; cannot install Chromium." >&2
    exit 1
fi
# Without its recommends (printing, desktop notifications...); one font so pages show text.
PACKAGES=(chromium chromium-driver fonts-dejavu-core)
echo "install_browser: installing ${PACKAGES[*]} with apt-get"
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" </dev/null; then
    echo "install_browser: apt-get install ${PACKAGES[*]} failed." >&2
    exit 1
fi
if [[ ! -x "$CHROMIUM" ]]; then
    echo "install_browser: apt-get finished but $CHROMIUM is still missing." >&2
    exit 1
fi
echo "install_browser: installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
