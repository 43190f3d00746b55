#!/usr/bin/env bash
# Installs everything Mend needs to build and test on Debian 12, from Debian's packages.
# With --test also what only the tests need (Chromium for the console's browser tests).
set -euo pipefail
TESTS=0
[[ ${1:-} == --test ]] && TESTS=1
PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-system-dev nlohmann-json3-dev libspdlog-dev libcli11-dev
  libtomlplusplus-dev libmsgpack-cxx-dev libsqlite3-dev sqlite3 libssl-dev libpq-dev postgresql
  libyaml-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  procps curl
  # The heal integration test starts its own Alertmanager (on 127.0.0.1, own
  # config and storage); the packaged service is not used.
  prometheus-alertmanager
  ansible  # bench/run compares Mend with Ansible ad-hoc
)
# The web console is bundled with Node.js and npm (web/package-lock.json).
# Only where they are missing: a Node.js from elsewhere (NodeSource's, say)
# already brings its own npm, which Debian's npm package would conflict with.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi
# Debian's Chromium, driven by playwright-core in web/tests (Playwright's
# own browser download is not used).
((TESTS)) && PACKAGES+=(chromium)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
