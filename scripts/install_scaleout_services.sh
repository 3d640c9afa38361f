#!/usr/bin/env bash
# Install the PostgreSQL and Redis servers the scale-out test runs (Debian
# packages). Idempotent: does nothing when both are there. Installing needs root
# and apt-get; without them, or when the install fails, it says so and exits 0:
# the scale-out test is then skipped with the reason. Under CI=true, where that
# evidence must run, it exits 1 instead (and the test would fail too).
# The test starts its own servers on loopback; none is left running here.
set -uo pipefail

# The services are missing and cannot be installed: a skip, but a failure in CI.
give_up() {
    if [[ "${CI:-}" == "true" ]]; then
        echo "install_scaleout_services: CI=true: the scale-out test must run" >&2
        exit 1
    fi
    exit 0
}

have_postgres() { command -v initdb >/dev/null || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; }
have_redis() { command -v redis-server >/dev/null; }

if have_postgres && have_redis; then
    exit 0
fi
if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    echo "install_scaleout_services: PostgreSQL or Redis missing and cannot install them (needs root and apt-get);" \
         "the scale-out test will be skipped" >&2
    give_up
fi

packages=()
have_postgres || packages+=(postgresql)
have_redis || packages+=(redis-server)
echo "install_scaleout_services: installing ${packages[*]}"
# Keep the packages from starting system-wide services: the test runs its own.
policy=/usr/sbin/policy-rc.d
if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt_install() { apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null; }
if apt_install || { apt-get update -qq && apt_install; }; then
    echo "install_scaleout_services: done"
else
    echo "install_scaleout_services: could not install ${packages[*]}; the scale-out test will be skipped" >&2
    give_up
fi
exit 0
