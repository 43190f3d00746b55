#!/usr/bin/env bash
# Installs everything Mend needs to build and test on Debian 12, from Debian's packages.
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-system-dev nlohmann-json3-dev libspdlog-dev libcli11-dev
  libtomlplusplus-dev libmsgpack-cxx-dev libsqlite3-dev sqlite3 libssl-dev libpq-dev postgresql
  libyaml-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  libargon2-dev  # argon2id password hashes (src/auth/password.hpp)
  procps curl
  # The heal integration test starts its own Alertmanager (on 127.0.0.1, own
  # config and storage); the packaged service is not used.
  prometheus-alertmanager
  ansible  # bench/run compares Mend with Ansible ad-hoc
)
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
