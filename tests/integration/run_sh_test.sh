#!/usr/bin/env bash
# scripts/run.sh as a newcomer meets it, on binaries already built (argument:
# the build directory): it fails loudly with a hint when its port is taken,
# and when it says "Mend is running" a first task runs with the credentials it
# printed, no secret is on a command line, and Ctrl-C stops everything.
set -euo pipefail
BIN=$(cd "${1:?usage: run_sh_test.sh BUILD_DIR}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d /tmp/mend-run-sh-XXXXXX)
RUNSH_PID=""
cleanup() {
  [[ -n $RUNSH_PID ]] && kill "$RUNSH_PID" 2>/dev/null && wait "$RUNSH_PID" 2>/dev/null
  [[ -n ${HOLDER:-} ]] && kill "$HOLDER" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
failed=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failed=1; fi
}
# wait_for_banner OUT: until run.sh ($RUNSH_PID) printed its last banner line
# to OUT or exited, for two minutes at most.
wait_for_banner() {
  for _ in $(seq 1200); do
    grep -q "Ctrl-C stops both" "$1" 2>/dev/null && return 0
    kill -0 "$RUNSH_PID" 2>/dev/null || return 0
    sleep 0.1
  done
}
export MEND_SKIP_BUILD=1 MEND_BUILD_DIR=$BIN MEND_IDENT=run-sh-host MEND_START_TIMEOUT=120

# 1. The port is taken: non-zero exit, the server's reason, the hint, no banner.
python3 - "$TMP/port" <<'PY' &
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(600)
PY
HOLDER=$!
for _ in $(seq 100); do [[ -s $TMP/port ]] && break; sleep 0.1; done
PORT=$(cat "$TMP/port")
rc=0
MEND_RUN_DIR=$TMP/busy MEND_HTTP=127.0.0.1:$PORT bash "$ROOT/scripts/run.sh" >"$TMP/busy.out" 2>&1 || rc=$?
check "a taken port exits non-zero (got $rc)" test "$rc" -ne 0
check "it says the server failed" grep -q "mend-server failed to start" "$TMP/busy.out"
check "it shows the server's reason" grep -q "in use" "$TMP/busy.out"
check "it gives the hint to set the port" grep -q "MEND_HTTP=" "$TMP/busy.out"
check "it does not claim Mend is running" bash -c "! grep -q 'Mend is running' '$TMP/busy.out'"
# [s]pool: the pattern does not match pgrep's own command line.
check "no agent was left running" bash -c "! pgrep -f -- '--[s]pool $TMP/busy/agent-spool' >/dev/null"
kill "$HOLDER"; HOLDER=""
[[ $failed -eq 0 ]] || cat "$TMP/busy.out"

# 2. A free port: the banner comes last, its commands work, secrets stay in files.
MEND_RUN_DIR=$TMP/ok MEND_HTTP=127.0.0.1:0 bash "$ROOT/scripts/run.sh" >"$TMP/ok.out" 2>&1 &
RUNSH_PID=$!
wait_for_banner "$TMP/ok.out"
check "the banner is printed" grep -q "Mend is running" "$TMP/ok.out"
check "the instructions are the last lines" bash -c "tail -n 1 '$TMP/ok.out' | grep -q 'Ctrl-C stops both'"
check "the API token file is 0600" test "$(stat -c %a "$TMP/ok/api-token")" = 600
check "the agent token file is 0600" test "$(stat -c %a "$TMP/ok/agent-token")" = 600
check "the admin password file is 0600" test "$(stat -c %a "$TMP/ok/admin-password")" = 600
check "the server speaks https" grep -q "export MEND_SERVER=https://" "$TMP/ok.out"
SERVER_PID=$(cat "$TMP/ok/server.pid")
AGENT_PID=$(cat "$TMP/ok/agent.pid")
check "no token on the server's command line" bash -c "! tr '\0' ' ' </proc/$SERVER_PID/cmdline | grep -qF -- '$(cat "$TMP/ok/api-token")'"
check "no token on the agent's command line" bash -c "! tr '\0' ' ' </proc/$AGENT_PID/cmdline | grep -qF -- '$(cat "$TMP/ok/agent-token")'"
# The first task, exactly as the banner says (its export line, then mendctl).
EXPORT_LINE=$(grep -m1 "export MEND_SERVER=" "$TMP/ok.out")
TASK_OUT=$(cd "$ROOT" && eval "$EXPORT_LINE" && echo 'echo hello from run.sh' | "$BIN/mendctl" run --hosts run-sh-host --timeout 60 - 2>&1) && rc=0 || rc=$?
check "the first task succeeds (exit $rc)" test "$rc" -eq 0
check "its output is shown" grep -q "hello from run.sh" <<<"$TASK_OUT"
ANON=$(curl -s --cacert "$TMP/ok/ca.pem" -o /dev/null -w '%{http_code}' "$(sed -n 's/.*MEND_SERVER=\([^ ]*\).*/\1/p' <<<"$EXPORT_LINE")/ibex/v1/tasks")
check "the API refuses a call without the token (got $ANON)" test "$ANON" = 401
[[ $failed -eq 0 ]] || { cat "$TMP/ok.out"; echo "$TASK_OUT"; }

# 3. The server dies: run.sh says so and exits non-zero, stopping the agent.
kill -9 "$SERVER_PID"
rc=0
for _ in $(seq 300); do kill -0 "$RUNSH_PID" 2>/dev/null || break; sleep 0.1; done
wait "$RUNSH_PID" || rc=$?
RUNSH_PID=""
check "a dead server ends run.sh non-zero (got $rc)" test "$rc" -ne 0
check "it says the server stopped" grep -q "mend-server stopped" "$TMP/ok.out"
for _ in $(seq 100); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.1; done
check "the agent is stopped too" bash -c "! kill -0 $AGENT_PID 2>/dev/null"
[[ $failed -eq 0 ]] || cat "$TMP/ok.out"

# 4. Again on the same directory (the credentials are kept), then Ctrl-C: exit 0, nothing left running.
TOKEN_BEFORE=$(cat "$TMP/ok/api-token")
# A background job of a script starts with SIGINT ignored, and bash cannot
# trap a signal ignored on entry: restore the default, as a terminal has it.
MEND_RUN_DIR=$TMP/ok MEND_HTTP=127.0.0.1:0 python3 -c \
  'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp("bash", ["bash", sys.argv[1]])' \
  "$ROOT/scripts/run.sh" >"$TMP/again.out" 2>&1 &
RUNSH_PID=$!
wait_for_banner "$TMP/again.out"
check "a second run starts" grep -q "Mend is running" "$TMP/again.out"
check "it keeps the credentials" test "$(cat "$TMP/ok/api-token")" = "$TOKEN_BEFORE"
SERVER_PID=$(cat "$TMP/ok/server.pid")
AGENT_PID=$(cat "$TMP/ok/agent.pid")
kill -INT "$RUNSH_PID"
rc=0
wait "$RUNSH_PID" || rc=$?
RUNSH_PID=""
check "Ctrl-C ends run.sh with status 0 (got $rc)" test "$rc" -eq 0
check "the server is stopped" bash -c "! kill -0 $SERVER_PID 2>/dev/null"
check "the agent is stopped" bash -c "! kill -0 $AGENT_PID 2>/dev/null"
[[ $failed -eq 0 ]] || cat "$TMP/again.out"
exit $failed
