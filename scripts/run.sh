#!/usr/bin/env bash
# Builds Mend and runs its main job on the embedded default: a mend-server on
# SQLite plus one local mend-agent, both in the foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh run
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEND_TESTS=OFF >/dev/null
cmake --build build-release -j "$(nproc)"

RUN_DIR=${MEND_RUN_DIR:-run}
HTTP=${MEND_HTTP:-127.0.0.1:10090}
mkdir -p "$RUN_DIR"
TOKEN_FILE="$RUN_DIR/agent-token"
[[ -s $TOKEN_FILE ]] || (umask 077 && head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TOKEN_FILE")
TOKEN=$(cat "$TOKEN_FILE")
IDENT=${MEND_IDENT:-$(hostname)}

./build-release/mend-server --http "$HTTP" --db "sqlite:$RUN_DIR/mend.db" --agent-token "$TOKEN" &
SERVER=$!
trap 'kill $SERVER $AGENT 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
for _ in $(seq 50); do curl -fs "http://$HTTP/ping" >/dev/null && break; sleep 0.1; done
./build-release/mend-agent --server "http://$HTTP" --ident "$IDENT" --token "$TOKEN" --spool "$RUN_DIR/agent-spool" &
AGENT=$!

cat <<MSG

Mend is running: server http://$HTTP (database $RUN_DIR/mend.db), one agent as "$IDENT".
Run a first task from another terminal:

  echo 'echo hello from \$(hostname); id -un' | ./build-release/mendctl --server http://$HTTP run --hosts $IDENT -
  ./build-release/mendctl --server http://$HTTP agents

or through the Ibex-compatible API:

  curl -s http://$HTTP/ibex/v1/tasks -d '{"title":"hello","account":"root","script":"echo hi","creator":"me","action":"start","hosts":["$IDENT"]}'

Ctrl-C stops both.
MSG
wait
