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
# The first start creates user "admin" with this password (kept only hashed in
# the database); later starts leave the user as it is.
ADMIN_FILE="$RUN_DIR/admin-password"
[[ -s $ADMIN_FILE ]] || (umask 077 && head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$ADMIN_FILE")
IDENT=${MEND_IDENT:-$(hostname)}

# TLS with Mend's own CA (made on first start, kept in the database); its
# certificate is written to $RUN_DIR/ca.pem for the agent, mendctl and curl.
CA="$RUN_DIR/ca.pem"
rm -f "$CA"
./build-release/mend-server --http "$HTTP" --db "sqlite:$RUN_DIR/mend.db" --agent-token "$TOKEN" --ca-out "$CA" \
  --auth on --admin-password-file "$ADMIN_FILE" &
SERVER=$!
trap 'kill $SERVER $AGENT 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
for _ in $(seq 50); do [[ -s $CA ]] && curl -fs --cacert "$CA" "https://$HTTP/ping" >/dev/null && break; sleep 0.1; done
./build-release/mend-agent --server "https://$HTTP" --cacert "$CA" --ident "$IDENT" --token "$TOKEN" \
  --spool "$RUN_DIR/agent-spool" &
AGENT=$!

cat <<MSG

Mend is running: server https://$HTTP (database $RUN_DIR/mend.db, CA $CA), one agent as "$IDENT".
Sign in as user admin; its password is in $ADMIN_FILE. The web console: https://$HTTP/ (your browser asks you to trust
Mend's CA, $CA, or to accept its certificate once). From another terminal:

  export MEND_SERVER=https://$HTTP MEND_CACERT=$CA MEND_BASIC_AUTH=admin:\$(cat $ADMIN_FILE)
  echo 'echo hello from \$(hostname); id -un' | ./build-release/mendctl run --hosts $IDENT -
  ./build-release/mendctl agents

or through the Ibex-compatible API:

  curl -s --cacert $CA -u "\$MEND_BASIC_AUTH" https://$HTTP/ibex/v1/tasks -d '{"title":"hello","account":"root","script":"echo hi","creator":"me","action":"start","hosts":["$IDENT"]}'

Add people with their own role: ./build-release/mendctl users add alice --role operator (reads the password).

Ctrl-C stops both.
MSG
wait
