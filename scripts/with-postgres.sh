#!/usr/bin/env bash
# Usage: scripts/with-postgres.sh CMD [ARGS...]
#
# Runs CMD with a throwaway PostgreSQL cluster: initdb in a temporary
# directory, a server on 127.0.0.1 on a free port with trust authentication,
# and MEND_TEST_PG_URL (postgresql://mend@127.0.0.1:PORT/postgres) exported,
# with MEND_TEST_PG_CONTROL: a script that stops or starts that server again.
# The cluster is stopped and its directory removed when CMD ends, however it
# ends. Exits with CMD's status, or 1 when PostgreSQL cannot start: tests that
# need it must fail loudly rather than skip.
#
# PostgreSQL refuses to run as root; as root the server runs as the `postgres`
# user (Debian's package creates it) and CMD still runs as root.
# MEND_PG_BIN overrides the directory of initdb/pg_ctl. The cluster runs with
# fsync off (tests need no durability across a machine crash); MEND_PG_DURABLE=1
# keeps PostgreSQL's defaults, for benchmarks whose figures must include the
# flush to disk at commit. CMD runs with stdin from
# /dev/null (it is waited for in the background so signals are handled at once).
set -euo pipefail

if (($# == 0)); then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

die() {
  echo "with-postgres: $*" >&2
  exit 1
}

bin=${MEND_PG_BIN:-}
if [[ -z $bin ]]; then
  # The newest installed major version.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
    [[ -x $d/initdb ]] && bin=$d
  done
fi
[[ -n $bin && -x $bin/initdb && -x $bin/pg_ctl ]] ||
  die "no PostgreSQL server found (install it: apt-get install postgresql, or set MEND_PG_BIN)"

as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  getent passwd postgres >/dev/null || die "running as root but there is no 'postgres' user to run the server"
  as_pg=(runuser -u postgres --)
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/mend-pg.XXXXXX")
((${#as_pg[@]})) && chown postgres "$dir"
started=0

cleanup() {
  local rc=$?
  if ((started)); then
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  exit "$rc"
}
child=0
trap cleanup EXIT
# CMD runs in the background and is waited for, so a signal to this script
# reaches the traps at once (bash defers traps while a foreground child runs);
# it is passed on to CMD before the cluster goes.
on_signal() {
  ((child)) && kill "-$1" "$child" 2>/dev/null && wait "$child" 2>/dev/null
  exit "$2"
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

# -N (no fsync during initdb): the cluster lives only as long as CMD.
durability="-c fsync=off -c full_page_writes=off"
[[ ${MEND_PG_DURABLE:-0} == 1 ]] && durability="-c fsync=on -c full_page_writes=on"
# Many test processes each open a database and a few connections at once.
server_options() { echo "-c listen_addresses=127.0.0.1 -p $1 -k $dir $durability -c max_connections=300"; }
"${as_pg[@]}" "$bin/initdb" -D "$dir/data" -U mend --auth=trust --encoding=UTF8 --no-locale -N \
  >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A port that is free now may be taken before the server binds it, so a start
# that fails is retried on another port.
for attempt in 1 2 3 4 5 6 7 8; do
  port=$((20000 + RANDOM % 40000))
  port_in_use "$port" && continue
  if "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$(server_options "$port")" \
    start >/dev/null 2>&1; then
    started=1
    break
  fi
  # Stop a half-started server before trying another port.
  "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
done
if ((!started)); then
  cat "$dir/server.log" >&2 2>/dev/null || true
  die "PostgreSQL did not start (log above)"
fi

export MEND_TEST_PG_URL="postgresql://mend@127.0.0.1:$port/postgres"
# Tests that restart PostgreSQL under running servers call this with "stop"
# (fast shutdown: connections are cut, what committed stays) or "start" (same
# port and settings).
cat >"$dir/pg-control.sh" <<CONTROL
#!/usr/bin/env bash
set -euo pipefail
case "\${1:-}" in
  stop) ${as_pg[*]} "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null ;;
  start) ${as_pg[*]} "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$(server_options "$port")" \\
    start >/dev/null ;;
  *) echo "usage: \$0 stop|start" >&2; exit 2 ;;
esac
CONTROL
chmod 755 "$dir/pg-control.sh"
export MEND_TEST_PG_CONTROL="$dir/pg-control.sh"
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir; $durability)" >&2

set +e
"$@" &
child=$!
wait "$child"
rc=$?
child=0
set -e
exit "$rc"
