#!/usr/bin/env bash
# Installs what Mend needs on Debian 12, from Debian's packages.
#
#   bash scripts/install-deps.sh run    build and run Mend (what scripts/run.sh calls)
#   bash scripts/install-deps.sh test   also everything the tests and benchmarks use
#                                       (what scripts/test.sh calls; the default)
#
# To add a package, append it to the list of the part that needs it.
set -euo pipefail

# Building and running: a compiler, the libraries Mend links, curl for run.sh,
# help2man for the packages' man pages (made from each program's --help).
RUN_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-system-dev nlohmann-json3-dev libspdlog-dev libcli11-dev
  libtomlplusplus-dev libmsgpack-cxx-dev libsqlite3-dev sqlite3 libssl-dev libpq-dev
  libyaml-cpp-dev
  libargon2-dev  # argon2id password hashes (src/auth/password.hpp)
  libmimalloc-dev  # mend-server's allocator (cmake/allocator.cmake)
  procps curl help2man
)
# Testing on top: unit-test libraries, the servers the integration tests start
# themselves (PostgreSQL through scripts/with-postgres.sh, Alertmanager on
# 127.0.0.1 with its own config; the packaged services are never used), and
# what bench/run compares Mend with; for scripts/package-test.sh, a Debian 12
# root to install the packages into (mmdebstrap), their checker (lintian), a
# network namespace (iproute2) and `systemd-analyze verify` (systemd).
TEST_PACKAGES=(
  libgtest-dev libgmock-dev python3
  postgresql
  prometheus-alertmanager
  ansible
  mmdebstrap lintian iproute2 systemd
)
# Services these packages would start on install: the tests start their own,
# so none is left running or enabled behind the user's back.
TEST_SERVICES=(postgresql prometheus-alertmanager)

# The web console is bundled with Node.js and npm (web/package-lock.json):
# only where they are missing, since a Node.js from elsewhere (NodeSource's)
# brings its own npm, which Debian's npm package would conflict with.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  RUN_PACKAGES+=(nodejs npm)
fi
# The console's browser tests drive Debian's Chromium with playwright-core
# (Playwright's own browser download is not used).
TEST_PACKAGES+=(chromium)

part=${1:-test}
case $part in
  run) packages=("${RUN_PACKAGES[@]}"); services=() ;;
  test) packages=("${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"); services=("${TEST_SERVICES[@]}") ;;
  *) echo "usage: $0 [run|test]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root, or install sudo, to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
# policy-rc.d answering 101 tells Debian's maintainer scripts not to start
# services during this install. One that already exists (Docker images have
# one) is left alone.
POLICY=/usr/sbin/policy-rc.d
own_policy=false
if [[ ! -e $POLICY ]]; then
  printf '#!/bin/sh\n# mend install-deps.sh: no service starts during its apt-get install\nexit 101\n' |
    $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  own_policy=true
fi
cleanup() { if $own_policy; then $SUDO rm -f "$POLICY"; fi; }
trap cleanup EXIT
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"

# Under systemd, the install also enabled the units to start at boot: disable
# the ones this run installed (never a service that was there before).
if [[ -d /run/systemd/system ]]; then
  for svc in "${services[@]}"; do
    for p in "${missing[@]}"; do
      if [[ $p == "$svc" ]]; then
        $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
        echo "install-deps: $svc installed for the tests; its service is stopped and disabled" >&2
      fi
    done
  done
fi
