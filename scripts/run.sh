#!/usr/bin/env bash
# Builds Mend and runs its main job on the embedded default: a mend-server on
# SQLite plus one local mend-agent, until Ctrl-C. It creates the credentials
# (an API token and an agent token, in files only their owner can read, never
# on a command line), checks that both programs came up, and prints how to use
# them last. Their logs go to files in the run directory.
#
# Settings (environment):
#   MEND_HTTP           server address (default 127.0.0.1:10090; port 0 picks a free one)
#   MEND_RUN_DIR        database, credentials, logs and agent spool (default run)
#   MEND_IDENT          the agent's host name (default: this host's name)
#   MEND_RULES          a rules file for the server (mend-server --rules)
#   MEND_SERVER_ARGS    more mend-server flags, split on spaces, e.g. "--ibex-rpc :20090 --log-level debug"
#   MEND_BUILD_DIR      where to build (default build-release)
#   MEND_SKIP_BUILD=1   use the binaries already in MEND_BUILD_DIR: no apt-get, no build
#   MEND_START_TIMEOUT  seconds to wait for the server and the agent (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${MEND_BUILD_DIR:-build-release}
if [[ ${MEND_SKIP_BUILD:-0} != 1 ]]; then
  bash scripts/install-deps.sh run
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEND_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j "$(nproc)"
fi
for bin in mend-server mend-agent mendctl; do
  [[ -x $BUILD/$bin ]] || { echo "run.sh: $BUILD/$bin is missing: build first (without MEND_SKIP_BUILD)" >&2; exit 1; }
done

RUN_DIR=${MEND_RUN_DIR:-run}
HTTP=${MEND_HTTP:-127.0.0.1:10090}
IDENT=${MEND_IDENT:-$(hostname)}
WAIT_S=${MEND_START_TIMEOUT:-60}
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
chmod 700 "$RUN_DIR"

# Credentials: random, created once, kept across runs; readable by their owner only.
umask 077
new_secret() { head -c 24 /dev/urandom | base64 | tr '+/' '-_'; }
[[ -s $RUN_DIR/agent-token ]] || new_secret >"$RUN_DIR/agent-token"
[[ -s $RUN_DIR/api-token ]] || new_secret >"$RUN_DIR/api-token"
# For curl -H @FILE: the header comes from the file, not the command line.
printf 'Authorization: Bearer %s\n' "$(<"$RUN_DIR/api-token")" >"$RUN_DIR/api-auth-header"

SERVER_ARGS=(--http "$HTTP" --db "sqlite:$RUN_DIR/mend.db" --agent-token-file "$RUN_DIR/agent-token"
  --api-token-file "$RUN_DIR/api-token" --ready-file "$RUN_DIR/server.ready")
[[ -n ${MEND_RULES:-} ]] && SERVER_ARGS+=(--rules "$MEND_RULES")
# shellcheck disable=SC2206 # split on purpose: a list of flags
[[ -n ${MEND_SERVER_ARGS:-} ]] && SERVER_ARGS+=($MEND_SERVER_ARGS)

SERVER="" AGENT=""
stop_all() {
  for pid in $AGENT $SERVER; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop_all' EXIT
trap 'echo; echo "run.sh: stopping"; exit 0' INT TERM

# Prints why a program did not come up, with its last log lines, and fails.
fail() {
  local what=$1 log=$2 hint=$3
  echo "run.sh: $what" >&2
  if [[ -s $log ]]; then
    echo "--- last lines of $log" >&2
    tail -n 15 "$log" >&2
  fi
  [[ -n $hint ]] && echo "$hint" >&2
  exit 1
}

rm -f "$RUN_DIR/server.ready"
"$BUILD/mend-server" "${SERVER_ARGS[@]}" >"$RUN_DIR/server.log" 2>&1 &
SERVER=$!
for ((i = 0; i < WAIT_S * 10; i++)); do
  [[ -s $RUN_DIR/server.ready ]] && break
  kill -0 "$SERVER" 2>/dev/null || break
  sleep 0.1
done
if [[ ! -s $RUN_DIR/server.ready ]]; then
  hint=""
  if grep -q "in use" "$RUN_DIR/server.log" 2>/dev/null; then
    hint="Another program listens on $HTTP. Pick another port: MEND_HTTP=127.0.0.1:10091 bash scripts/run.sh"
  fi
  if kill -0 "$SERVER" 2>/dev/null; then
    fail "mend-server did not start listening within ${WAIT_S}s" "$RUN_DIR/server.log" "$hint"
  fi
  wait "$SERVER" && rc=0 || rc=$?
  SERVER=""
  fail "mend-server failed to start (exit status $rc)" "$RUN_DIR/server.log" "$hint"
fi
ADDR=$(head -n 1 "$RUN_DIR/server.ready")
URL="http://$ADDR"
curl -fs --max-time 5 "$URL/ping" >/dev/null || fail "mend-server does not answer $URL/ping" "$RUN_DIR/server.log" ""
echo "$SERVER" >"$RUN_DIR/server.pid"

"$BUILD/mend-agent" --server "$URL" --ident "$IDENT" --token-file "$RUN_DIR/agent-token" \
  --spool "$RUN_DIR/agent-spool" >"$RUN_DIR/agent.log" 2>&1 &
AGENT=$!
echo "$AGENT" >"$RUN_DIR/agent.pid"
connected=false
for ((i = 0; i < WAIT_S * 10; i++)); do
  kill -0 "$AGENT" 2>/dev/null || break
  agents=$(curl -fs --max-time 5 -H @"$RUN_DIR/api-auth-header" "$URL/api/v1/agents" || true)
  if [[ $agents == *"\"ident\":\"$IDENT\""* ]]; then
    connected=true
    break
  fi
  sleep 0.1
done
$connected || fail "mend-agent did not connect as \"$IDENT\"" "$RUN_DIR/agent.log" ""

CTL="$BUILD/mendctl"
cat <<MSG

Mend is running: server $URL (database $RUN_DIR/mend.db), one agent as "$IDENT".
Logs: $RUN_DIR/server.log and $RUN_DIR/agent.log.
The API needs the token in $RUN_DIR/api-token (agents use $RUN_DIR/agent-token).

Run a first task from another terminal, in $(pwd):

  export MEND_SERVER=$URL MEND_API_TOKEN_FILE=$RUN_DIR/api-token
  echo 'echo hello from \$(hostname); id -un' | $CTL run --hosts $IDENT -
  $CTL agents

or through the Ibex-compatible API:

  curl -s -H @$RUN_DIR/api-auth-header $URL/ibex/v1/tasks -d '{"title":"hello","account":"root","script":"echo hi","creator":"me","action":"start","hosts":["$IDENT"]}'

Ctrl-C stops both.
MSG

# Either program ending by itself ends the run, saying which.
wait -n "$SERVER" "$AGENT" && rc=0 || rc=$?
if ! kill -0 "$SERVER" 2>/dev/null; then
  SERVER=""
  fail "mend-server stopped (exit status $rc)" "$RUN_DIR/server.log" ""
fi
AGENT=""
fail "mend-agent stopped (exit status $rc)" "$RUN_DIR/agent.log" ""
