#!/usr/bin/env bash
# What an operator does after installing the packages in ROOT ($1): a shared
# agent token in secret files, the agent pointed at the server, and a local
# edit that upgrades must keep. Used by scripts/package-test.sh.
set -euo pipefail
ROOT=$1
token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
install -m 0640 -o root -g "$(chroot "$ROOT" getent group mend | cut -d: -f3)" /dev/null "$ROOT/etc/mend/secrets/agent-token"
printf '%s\n' "$token" >"$ROOT/etc/mend/secrets/agent-token"
install -m 0600 /dev/null "$ROOT/etc/mend/agent-secrets/token"
printf '%s\n' "$token" >"$ROOT/etc/mend/agent-secrets/token"
cat >>"$ROOT/etc/mend/server.toml" <<'TOML'

# local edit kept
agent_token_file = "/etc/mend/secrets/agent-token"
TOML
cat >>"$ROOT/etc/mend/agent.toml" <<'TOML'

servers = ["https://127.0.0.1:10090"]
cacert = "/var/lib/mend/ca.pem"
ident = "pkg-host"
token_file = "/etc/mend/agent-secrets/token"
TOML
