#!/usr/bin/env bash
# Builds the Debian packages, then in a throwaway Debian 12 root made by
# mmdebstrap: installs them, starts the server and the agent with the exact
# command lines of the installed systemd units, runs a task, upgrades every
# package to a newer revision while a long script runs (the script must finish
# and be reported, the task history must be intact), removes (config and data
# stay) and purges (they go). Needs root and the Debian mirror this machine's
# apt uses; when that mirror cannot be reached it says so and skips (exit 0).
# Prints how long each step took.
#
#   bash scripts/package-test.sh                      # Release build (build-release/)
#   MEND_PKG_FROM_BUILD=build-asan bash scripts/...   # packages that build (scripts/test.sh)
#
# The root (minbase, as debootstrap would make it) is cached as a tarball in $MEND_PKG_CACHE (default
# <build dir>/package-test/), refreshed after a week; each run unpacks a fresh
# copy. MEND_DEBIAN_MIRROR overrides the mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)
[[ $(id -u) -eq 0 ]] || { echo "package-test: needs root (mmdebstrap, chroot, network namespace)" >&2; exit 1; }
T0=$SECONDS
step() { printf '\n== [%4ss] %s\n' "$((SECONDS - T0))" "$*"; }
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
for tool in mmdebstrap lintian ip systemd-analyze; do
  command -v "$tool" >/dev/null || fail "$tool is missing: bash scripts/install-deps.sh test"
done

# The mirror this machine installs from (Debian 12, "bookworm/main"); no network,
# no test: the packages' own checks above the root need none, but installing
# needs the archive for Depends.
MIRROR=${MEND_DEBIAN_MIRROR:-$(apt-cache policy 2>/dev/null | awk '$3 == "bookworm/main" {print $2; exit}')}
[[ -n $MIRROR ]] || fail "no bookworm/main mirror in this machine's apt sources (run apt-get update, or set MEND_DEBIAN_MIRROR)"
if ! curl -fsS --max-time 20 -o /dev/null "$MIRROR/dists/bookworm/Release"; then
  echo "package-test: SKIPPED: the Debian mirror $MIRROR is unreachable, so no Debian 12 root can be made and the packages cannot be installed"
  exit 0
fi

BUILD_DIR=${MEND_PKG_FROM_BUILD:-${MEND_BUILD_DIR:-build-release}}
CACHE=${MEND_PKG_CACHE:-$BUILD_DIR/package-test}
mkdir -p "$CACHE"; CACHE=$(realpath "$CACHE")
ROOT_TAR=$CACHE/bookworm-minbase-systemd.tar
WORK=$(mktemp -d /var/tmp/mend-pkgtest.XXXXXX)
# In memory (about 1.5 GB at most): on a disk mounted with discard, as here,
# deleting the packages and the root afterwards alone took 40 s.
mount -t tmpfs -o size=8g,mode=0700 mend-pkgtest "$WORK"
ROOT=$WORK/root
# The server and the agent run in a network namespace of their own, so the
# test's port 10090 meets nothing else on the machine.
NETNS=mend-pkgtest-$$
cleanup() {
  local rc=$?
  if ((rc != 0)); then
    for log in "$WORK"/mend-*.log; do [[ -e $log ]] && { echo "--- last lines of $log"; tail -25 "$log"; }; done
  fi
  # Everything still running inside the root: the units, supervisors, scripts.
  local proc
  for proc in /proc/[0-9]*; do
    [[ $(readlink "$proc/root" 2>/dev/null) == "$ROOT" ]] && kill -9 "${proc#/proc/}" 2>/dev/null
  done
  ip netns delete "$NETNS" 2>/dev/null || true
  for m in dev/pts dev proc; do umount -l "$ROOT/$m" 2>/dev/null || true; done
  # Never remove through a mount that is still there (the host's /dev).
  if findmnt -rno TARGET | grep -q "^$ROOT/"; then
    echo "package-test: $ROOT still has mounts; left in place" >&2
  else
    umount "$WORK" 2>/dev/null || rm -rf "$WORK"
    rmdir "$WORK" 2>/dev/null || true
  fi
  echo "package-test: $((SECONDS - T0))s in all"
}
trap cleanup EXIT

step "build packages"
# Uncompressed: xz over the sanitizer build's binaries alone takes minutes.
export MEND_PACKAGE_COMPRESSION=${MEND_PACKAGE_COMPRESSION-none}
MEND_DIST_DIR="$WORK/v1" MEND_PACKAGE_RELEASE=1 bash scripts/build-packages.sh >/dev/null
ARCH=$(dpkg --print-architecture)
VERSION=$(sed -n 's/^project(mend VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
# The newer build to upgrade to: the same files at revision 2. (dpkg-shlibdeps
# over the sanitizer binaries makes a second cpack run cost a minute; what the
# upgrade tests is dpkg's and the maintainer scripts' handling of a newer
# version, which this is.)
mkdir -p "$WORK/v2"
for deb in "$WORK"/v1/*.deb; do
  tree=$WORK/repack
  dpkg-deb -R "$deb" "$tree"
  sed -i "s/^Version: .*/Version: $VERSION-2/" "$tree/DEBIAN/control"
  dpkg-deb -Znone -b "$tree" "$WORK/v2/" >/dev/null
  rm -rf "$tree"
done

step "package contents and metadata"
for deb in "$WORK"/v1/*.deb; do
  name=$(dpkg-deb -f "$deb" Package)
  [[ $(dpkg-deb -f "$deb" Version) == "$VERSION-1" ]] || fail "$name: version $(dpkg-deb -f "$deb" Version)"
  depends=$(dpkg-deb -f "$deb" Depends)
  [[ $depends == *libc6* ]] || fail "$name: Depends lacks libc6: $depends"
  echo "$name $(dpkg-deb -f "$deb" Version): Depends: $depends"
done
[[ $(dpkg-deb -f "$WORK"/v2/mend-agent_*.deb Version) == "$VERSION-2" ]] || fail "revision 2 not made"
contents() { dpkg-deb -c "$WORK"/v1/"$1"_*.deb | awk '{print $6}'; }
for f in ./usr/bin/mend-server ./lib/systemd/system/mend-server.service ./etc/mend/server.toml \
         ./usr/share/man/man1/mend-server.1.gz ./usr/share/doc/mend-server/copyright \
         ./usr/share/doc/mend-server/examples/alertmanager.yml ./usr/share/doc/mend-server/examples/rules.yaml; do
  contents mend-server | grep -qx "$f" || fail "mend-server lacks $f"
done
for f in ./usr/bin/mend-agent ./lib/systemd/system/mend-agent.service ./etc/mend/agent.toml \
         ./usr/share/man/man1/mend-agent.1.gz; do
  contents mend-agent | grep -qx "$f" || fail "mend-agent lacks $f"
done
for f in ./usr/bin/mendctl ./usr/share/bash-completion/completions/mendctl ./usr/share/man/man1/mendctl.1.gz; do
  contents mendctl | grep -qx "$f" || fail "mendctl lacks $f"
done
dpkg-deb --info "$WORK"/v1/mend-server_*.deb conffiles | grep -qx /etc/mend/server.toml || fail "server.toml is not a conffile"
dpkg-deb --info "$WORK"/v1/mend-agent_*.deb conffiles | grep -qx /etc/mend/agent.toml || fail "agent.toml is not a conffile"
# lintian takes a minute: it runs while the root is made. Any warning or error
# fails the test, but for the tags packaging/lintian-accepted explains (and the
# missing compression this test asks for itself).
uncompressed=()
[[ $MEND_PACKAGE_COMPRESSION != none ]] || uncompressed=(--suppress-tags uses-no-compression-for-data-tarball)
lintian --allow-root --fail-on error,warning --suppress-tags-from-file "$SRC/packaging/lintian-accepted" "${uncompressed[@]}" \
  "$WORK"/v1/*.deb >"$WORK/lintian.txt" 2>&1 &
LINTIAN=$!

step "Debian 12 root (mmdebstrap minbase + systemd from $MIRROR)"
find "$ROOT_TAR" -mtime +7 -delete 2>/dev/null || true
if [[ -s $ROOT_TAR ]]; then
  echo "(from the cache $ROOT_TAR)"
else
  # mmdebstrap rather than debootstrap: the same minbase root from the same
  # archive, in half the time (apt downloads in parallel, one dpkg run). Unsafe
  # I/O (no fsync per file) is right for a root that lives minutes; it stays
  # on in the root for the installs below. systemd is there as on any Debian
  # host (not running: its units, deb-systemd-helper, and what
  # systemd-analyze verify checks the units against).
  mmdebstrap --variant=minbase --include=systemd --mode=root --dpkgopt=force-unsafe-io bookworm "$CACHE/new.tar" "$MIRROR" \
    >"$WORK/mmdebstrap.log" 2>&1 || { tail -20 "$WORK/mmdebstrap.log"; fail "mmdebstrap"; }
  mv "$CACHE/new.tar" "$ROOT_TAR"
fi
mkdir "$ROOT" && tar -C "$ROOT" -xf "$ROOT_TAR"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
# No services start inside the root (there is no systemd there either).
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"; chmod +x "$ROOT/usr/sbin/policy-rc.d"
wait "$LINTIAN" || { cat "$WORK/lintian.txt"; fail "lintian (fix the package, or accept the tag with its reason in packaging/lintian-accepted)"; }
grep -v '^running with root' "$WORK/lintian.txt" || true
# The packages of revision $1 as paths inside the root.
debs() { local p; for p in mend-server mend-agent mendctl; do printf '/tmp/debs/%s_%s-%s_%s.deb ' "$p" "$VERSION" "$1" "$ARCH"; done; }
in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }
in_net() { ip netns exec "$NETNS" "$@"; }

step "install revision 1 (apt resolves Depends from Debian's archive)"
mkdir -p "$ROOT/tmp/debs"; cp -l "$WORK"/v1/*.deb "$WORK"/v2/*.deb "$ROOT/tmp/debs/"
in_root apt-get update -qq >/dev/null
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  $(debs 1) \
  >"$WORK/install.log" 2>&1 || { tail -30 "$WORK/install.log"; fail "install"; }
in_root getent passwd mend >/dev/null || fail "no mend system user"
owner=$(in_root stat -c '%U %a' /var/lib/mend)
[[ $owner == "mend 700" ]] || fail "/var/lib/mend: $owner"
systemd-analyze verify --root="$ROOT" mend-server.service mend-agent.service || fail "systemd-analyze verify"
# Enabled at boot, as systemctl would see it (deb-systemd-helper's links).
enabled() { [[ -L $ROOT/etc/systemd/system/multi-user.target.wants/$1.service ]]; }
for u in mend-server mend-agent; do enabled "$u" || fail "$u.service is not enabled after install"; done
in_root mend-server --check-config --config /etc/mend/server.toml || fail "the packaged server.toml does not check"

# The operator's edits (as a user would make them after install), kept by upgrades.
bash "$SRC/packaging/test/configure-root.sh" "$ROOT"

# What systemd would run: the unit's ExecStart, as its User, in its WorkingDirectory.
unit_key() { sed -n "s/^$2=//p" "$ROOT/lib/systemd/system/$1.service" | head -1; }
start_unit() {
  local unit=$1 user cmd dir
  user=$(unit_key "$unit" User); cmd=$(unit_key "$unit" ExecStart); dir=$(unit_key "$unit" WorkingDirectory)
  # Not through in_net: a function in the background is a subshell, and $! would
  # be its pid, not the service's.
  ip netns exec "$NETNS" chroot --userspec="$user:$user" "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$dir" \
    sh -c "cd '$dir' && exec $cmd" >>"$WORK/$unit.log" 2>&1 &
  echo $!
}
# KillMode=process: SIGTERM to the main process only (scripts keep running).
# A unit that exited by itself (what Restart= would hide) fails the test.
stop_unit() {
  kill -TERM "$2" 2>/dev/null || fail "$1 (pid $2) exited by itself"
  for _ in $(seq 100); do kill -0 "$2" 2>/dev/null || return 0; sleep 0.1; done
  fail "$1 (pid $2) did not stop on SIGTERM"
}
ctl() { in_net chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root mendctl --server https://127.0.0.1:10090 --cacert /var/lib/mend/ca.pem "$@"; }
wait_ping() { for _ in $(seq 300); do ctl agents >/dev/null 2>&1 && return 0; sleep 0.1; done; cat "$WORK/mend-server.log"; fail "server does not answer"; }
wait_agent() { for _ in $(seq 300); do ctl agents 2>/dev/null | grep -q pkg-host && return 0; sleep 0.1; done; cat "$WORK/mend-agent.log"; fail "agent not connected"; }

step "start server and agent with the units' command lines; run a task"
ip netns add "$NETNS"
in_net ip link set lo up
SERVER=$(start_unit mend-server)
wait_ping
AGENT=$(start_unit mend-agent)
wait_agent
echo 'echo first-task-ok' | ctl run --hosts pkg-host - | tail -3
ctl task show 1 --output | grep -q first-task-ok || fail "first task output"

step "upgrade to revision 2 while a script runs"
# The script runs until the test says the upgrade and both restarts are over,
# so it is certainly running across them however long the upgrade takes.
printf 'while [ ! -e /tmp/upgrade-done ]; do sleep 0.2; done\necho survived-upgrade\n' |
  ctl run --no-wait --timeout 600 --hosts pkg-host - >"$WORK/run2.out"
TASK2=$(grep -oE '[0-9]+' "$WORK/run2.out" | head -1)
# The host's row (the progress line above it counts running hosts too).
running() { ctl task show "$TASK2" | grep -qE '^pkg-host +running'; }
for _ in $(seq 100); do running && break; sleep 0.1; done
running || fail "task $TASK2 is not running: $(ctl task show "$TASK2")"
echo "task $TASK2 is running; apt-get install of revision 2"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Options::=--force-confold \
  $(debs 2) \
  >"$WORK/upgrade.log" 2>&1 || { tail -30 "$WORK/upgrade.log"; fail "upgrade"; }
for p in mend-server mend-agent mendctl; do
  [[ $(in_root dpkg-query -W -f='${Version}' "$p") == "$VERSION-2" ]] || fail "$p not upgraded"
done
for u in mend-server mend-agent; do enabled "$u" || fail "$u.service is no longer enabled after the upgrade"; done
# What the packages' postinst asks systemd for on upgrade: restart both units
# (the server first, so the new agent's first connection attempt finds it).
echo "[$((SECONDS - T0))s] upgraded; restarting the server, then the agent"
stop_unit mend-server "$SERVER"; SERVER=$(start_unit mend-server)
wait_ping
stop_unit mend-agent "$AGENT"; AGENT=$(start_unit mend-agent)
wait_agent
echo "[$((SECONDS - T0))s] both restarted"
running || fail "task $TASK2 is no longer running after the restarts: $(ctl task show "$TASK2")"
touch "$ROOT/tmp/upgrade-done"
# The new agent reconnects (with its backoff) and reports the adopted script.
deadline=$((SECONDS + 60))
while running && ((SECONDS < deadline)); do sleep 0.2; done
ctl task show "$TASK2" --output | tee "$WORK/task2.txt" | tail -5
grep -q success "$WORK/task2.txt" || fail "the script running across the upgrade did not succeed"
grep -q survived-upgrade "$WORK/task2.txt" || fail "its output was not reported"
grep -q "adopted its running supervisor" "$WORK/mend-agent.log" ||
  fail "the upgraded agent did not adopt the running script"
ctl task show 1 --output | grep -q first-task-ok || fail "task history lost in the upgrade"
grep -q 'local edit kept' "$ROOT/etc/mend/server.toml" || fail "the upgrade lost the local edit of server.toml"
stop_unit mend-agent "$AGENT"; stop_unit mend-server "$SERVER"

step "remove keeps configuration and data; purge removes them"
in_root dpkg --remove mend-server mend-agent mendctl >/dev/null
[[ ! -e $ROOT/usr/bin/mend-server ]] || fail "remove left the binary"
for f in /etc/mend/server.toml /etc/mend/agent.toml /etc/mend/secrets/agent-token /etc/mend/agent-secrets/token \
         /var/lib/mend/mend.db /var/lib/mend-agent; do
  [[ -e $ROOT$f ]] || fail "remove dropped $f"
done
# mendctl has no conffiles: remove took all of it.
[[ $(in_root dpkg-query -W -f='${db:Status-Status}' mendctl) == not-installed ]] || fail "mendctl is not fully removed"
in_root dpkg --purge mend-server mend-agent >/dev/null
for p in /etc/mend /var/lib/mend /var/lib/mend-agent; do [[ ! -e $ROOT$p ]] || fail "purge left $p"; done
leftover=$(find "$ROOT/etc/systemd" "$ROOT/var/lib/systemd" -name 'mend-*' 2>/dev/null)
[[ -z $leftover ]] || fail "purge left systemd state: $leftover"

step "done: packages build, install, run, upgrade under a running script, remove and purge"
