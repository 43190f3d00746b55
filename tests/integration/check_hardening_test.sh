#!/usr/bin/env bash
# scripts/check-hardening.sh tells a hardened binary from one that is not: it
# accepts a program built with cmake/hardening.cmake's flags and names each
# protection a program built without them lacks. (The check itself runs on the
# Release binaries in scripts/build-packages.sh and, for hardened builds, as the
# ctest binaries_hardened; this build may be a sanitizer build, so it makes its
# own two programs.)
set -euo pipefail
checker=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/prog.c" <<'C'
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) { char buf[64]; strcpy(buf, argv[0]); printf("%s %d\n", buf, argc); return 0; }
C
cc -O2 -fstack-protector-strong -fstack-clash-protection -fcf-protection -D_FORTIFY_SOURCE=2 -fPIE -pie \
  -Wl,-z,relro -Wl,-z,now "$dir/prog.c" -o "$dir/hardened"
cc -O0 -fno-stack-protector -no-pie -Wl,-z,norelro -Wl,-z,lazy "$dir/prog.c" -o "$dir/soft"

fail() { echo "FAIL: $*"; exit 1; }
out=$(bash "$checker" "$dir/hardened") || fail "a hardened program was refused: $out"
echo "$out"
if out=$(bash "$checker" "$dir/soft"); then fail "an unhardened program was accepted: $out"; fi
echo "$out"
for lack in PIE RELRO BIND_NOW "stack protector" _FORTIFY_SOURCE; do
  grep -q "$lack" <<<"$out" || fail "the report does not name the missing $lack"
done
if bash "$checker" "$checker" >/dev/null; then fail "a shell script was accepted as a hardened binary"; fi
echo "check_hardening: 3 cases passed"
