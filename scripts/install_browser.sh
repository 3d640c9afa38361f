#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (tests/browser/).
# Idempotent: does nothing when /usr/bin/chromium is already there. Never downloads
# a browser build of its own; Playwright drives the system Chromium.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

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
