#!/usr/bin/env bash
# Builds the Debian packages twice (revisions 1 and 2 of the same version), then
# in a throwaway Debian 12 root made by debootstrap: installs them, starts the
# server and the agent with the exact command lines of the installed systemd
# units, runs a task, upgrades every package while a long script runs (the
# script must finish and be reported, the task history must be intact),
# removes (config and data stay) and purges (they go). Needs root and
# deb.debian.org. Prints how long each step took.
#
#   bash scripts/package-test.sh            # what scripts/test.sh runs
#   MEND_PKG_ROOT=/var/tmp/root bash ...    # reuse a debootstrapped root (kept)
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)
[[ $(id -u) -eq 0 ]] || { echo "package-test: needs root (debootstrap, chroot)" >&2; exit 1; }
T0=$SECONDS
# A Debian 12 root to install the packages into, and their checker.
for p in debootstrap lintian; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done
step() { printf '\n== [%4ss] %s\n' "$((SECONDS - T0))" "$*"; }
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }

WORK=$(mktemp -d /var/tmp/mend-pkgtest.XXXXXX)
ROOT=${MEND_PKG_ROOT:-$WORK/root}
KEEP_ROOT=${MEND_PKG_ROOT:+1}
PIDS=()
# The server and the agent run in a network namespace of their own, so the
# test's port 10090 meets nothing else on the machine.
NETNS=mend-pkgtest-$$
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  ip netns delete "$NETNS" 2>/dev/null || true
  for m in dev/pts dev proc; do umount -l "$ROOT/$m" 2>/dev/null || true; done
  [[ -n $KEEP_ROOT ]] || rm -rf "$ROOT"
  rm -rf "$WORK"
}
trap cleanup EXIT

step "build packages (revision 1 and 2)"
MEND_DIST_DIR="$WORK/v1" MEND_PACKAGE_RELEASE=1 bash scripts/build-packages.sh
MEND_DIST_DIR="$WORK/v2" MEND_PACKAGE_RELEASE=2 bash scripts/build-packages.sh
VERSION=$(sed -n 's/^project(mend VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)

step "package contents and metadata"
for deb in "$WORK"/v1/*.deb; do
  name=$(dpkg-deb -f "$deb" Package)
  [[ $(dpkg-deb -f "$deb" Version) == "$VERSION-1" ]] || fail "$name: version $(dpkg-deb -f "$deb" Version)"
  depends=$(dpkg-deb -f "$deb" Depends)
  [[ $depends == *libc6* ]] || fail "$name: Depends lacks libc6: $depends"
  echo "$name $(dpkg-deb -f "$deb" Version): Depends: $depends"
done
contents() { dpkg-deb -c "$WORK"/v1/"$1"_*.deb | awk '{print $6}'; }
for f in ./usr/bin/mend-server ./lib/systemd/system/mend-server.service ./etc/mend/server.toml \
         ./usr/share/doc/mend-server/copyright ./usr/share/doc/mend-server/examples/alertmanager.yml \
         ./usr/share/doc/mend-server/examples/rules.yaml; do
  contents mend-server | grep -qx "$f" || fail "mend-server lacks $f"
done
for f in ./usr/bin/mend-agent ./lib/systemd/system/mend-agent.service ./etc/mend/agent.toml; do
  contents mend-agent | grep -qx "$f" || fail "mend-agent lacks $f"
done
contents mendctl | grep -qx ./usr/share/bash-completion/completions/mendctl || fail "mendctl lacks its completion"
dpkg-deb --info "$WORK"/v1/mend-server_*.deb conffiles | grep -qx /etc/mend/server.toml || fail "server.toml is not a conffile"
dpkg-deb --info "$WORK"/v1/mend-agent_*.deb conffiles | grep -qx /etc/mend/agent.toml || fail "agent.toml is not a conffile"
if command -v lintian >/dev/null; then
  # Errors fail the test; the warnings left are explained in docs/packaging.md.
  lintian --fail-on error --suppress-tags-from-file "$SRC/packaging/lintian-accepted" "$WORK"/v1/*.deb || fail "lintian errors"
fi

step "Debian 12 root (debootstrap minbase)"
if [[ ! -x $ROOT/usr/bin/apt-get ]]; then
  debootstrap --variant=minbase bookworm "$ROOT" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log"; fail "debootstrap"; }
fi
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
# No services start inside the root (there is no systemd there either).
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"; chmod +x "$ROOT/usr/sbin/policy-rc.d"
in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }
in_net() { ip netns exec "$NETNS" "$@"; }

step "install revision 1 (apt resolves Depends from Debian's archive)"
rm -rf "$ROOT/tmp/debs"; mkdir -p "$ROOT/tmp/debs"; cp "$WORK"/v1/*.deb "$WORK"/v2/*.deb "$ROOT/tmp/debs/"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  /tmp/debs/mend-server_"$VERSION"-1_*.deb /tmp/debs/mend-agent_"$VERSION"-1_*.deb /tmp/debs/mendctl_"$VERSION"-1_*.deb \
  >"$WORK/install.log" 2>&1 || { tail -30 "$WORK/install.log"; fail "install"; }
in_root getent passwd mend >/dev/null || fail "no mend system user"
[[ $(stat -c '%U %a' "$ROOT/var/lib/mend") == "mend 700" ]] || fail "/var/lib/mend: $(stat -c '%U %a' "$ROOT/var/lib/mend")"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify --root="$ROOT" mend-server.service mend-agent.service || fail "systemd-analyze verify"
fi
in_root mend-server --check-config --config /etc/mend/server.toml || fail "the packaged server.toml does not check"

# The operator's edits (as a user would make them after install), kept by upgrades.
bash "$SRC/packaging/test/configure-root.sh" "$ROOT"

# What systemd would run: the unit's ExecStart, as its User, in its WorkingDirectory.
unit_key() { sed -n "s/^$2=//p" "$ROOT/lib/systemd/system/$1.service" | head -1; }
start_unit() {
  local unit=$1 user cmd dir
  user=$(unit_key "$unit" User); cmd=$(unit_key "$unit" ExecStart); dir=$(unit_key "$unit" WorkingDirectory)
  in_net chroot --userspec="$user:$user" "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$dir" \
    sh -c "cd '$dir' && exec $cmd" >>"$WORK/$unit.log" 2>&1 &
  echo $!
}
# KillMode=process: SIGTERM to the main process only (scripts keep running).
stop_unit() { kill -TERM "$1"; for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; fail "pid $1 did not stop"; }
ctl() { in_net chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root mendctl --server http://127.0.0.1:10090 "$@"; }
wait_ping() { for _ in $(seq 300); do ctl agents >/dev/null 2>&1 && return 0; sleep 0.1; done; cat "$WORK/mend-server.log"; fail "server does not answer"; }
wait_agent() { for _ in $(seq 300); do ctl agents 2>/dev/null | grep -q pkg-host && return 0; sleep 0.1; done; cat "$WORK/mend-agent.log"; fail "agent not connected"; }

step "start server and agent with the units' command lines; run a task"
ip netns add "$NETNS"
in_net ip link set lo up
SERVER=$(start_unit mend-server); PIDS+=("$SERVER")
wait_ping
AGENT=$(start_unit mend-agent); PIDS+=("$AGENT")
wait_agent
echo 'echo first-task-ok' | ctl run --hosts pkg-host - | tail -3
ctl task show 1 --output | grep -q first-task-ok || fail "first task output"

step "upgrade to revision 2 while a script runs"
printf 'sleep 8\necho survived-upgrade\n' | ctl run --no-wait --timeout 120 --hosts pkg-host - >"$WORK/run2.out"
TASK2=$(grep -oE '[0-9]+' "$WORK/run2.out" | head -1)
for _ in $(seq 100); do ctl task show "$TASK2" | grep -q running && break; sleep 0.1; done
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Options::=--force-confold \
  /tmp/debs/mend-server_"$VERSION"-2_*.deb /tmp/debs/mend-agent_"$VERSION"-2_*.deb /tmp/debs/mendctl_"$VERSION"-2_*.deb \
  >"$WORK/upgrade.log" 2>&1 || { tail -30 "$WORK/upgrade.log"; fail "upgrade"; }
[[ $(in_root dpkg-query -W -f='${Version}' mend-agent) == "$VERSION-2" ]] || fail "agent not upgraded"
# What the packages' postinst asks systemd for on upgrade: restart both units.
stop_unit "$AGENT"; AGENT=$(start_unit mend-agent); PIDS+=("$AGENT")
stop_unit "$SERVER"; SERVER=$(start_unit mend-server); PIDS+=("$SERVER")
wait_ping
for _ in $(seq 300); do ctl task show "$TASK2" | grep -qE 'success|failed|timeout|lost' && break; sleep 0.1; done
ctl task show "$TASK2" --output | tee "$WORK/task2.txt" | tail -5
grep -q success "$WORK/task2.txt" || fail "the script running across the upgrade did not succeed"
grep -q survived-upgrade "$WORK/task2.txt" || fail "its output was not reported"
ctl task show 1 --output | grep -q first-task-ok || fail "task history lost in the upgrade"
grep -q 'local edit kept' "$ROOT/etc/mend/server.toml" || fail "the upgrade lost the local edit of server.toml"
stop_unit "$AGENT"; stop_unit "$SERVER"

step "remove keeps configuration and data; purge removes them"
in_root dpkg --remove mend-server mend-agent mendctl >/dev/null
[[ ! -e $ROOT/usr/bin/mend-server ]] || fail "remove left the binary"
[[ -e $ROOT/etc/mend/server.toml && -e $ROOT/var/lib/mend ]] || fail "remove dropped config or data"
in_root dpkg --purge mend-server mend-agent mendctl >/dev/null
for p in /etc/mend /var/lib/mend /var/lib/mend-agent; do [[ ! -e $ROOT$p ]] || fail "purge left $p"; done

step "done: packages build, install, run, upgrade under a running script, remove and purge"
