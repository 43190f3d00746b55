#!/usr/bin/env bash
# Checks that each ELF binary named was built hardened (cmake/hardening.cmake):
# a position-independent executable, full RELRO (GNU_RELRO and BIND_NOW), no
# executable stack, the stack protector, and glibc's fortified functions where
# the binary calls any function that has a fortified form. Prints one line per
# binary and what it lacks; exits 1 if any lacks something.
#
#   bash scripts/check-hardening.sh build-release/mend-server build-release/mend-agent
set -uo pipefail
(($# > 0)) || { echo "usage: $0 BINARY..." >&2; exit 2; }
command -v readelf >/dev/null || { echo "check-hardening: readelf not found (binutils)" >&2; exit 2; }

# Functions glibc fortifies; a binary that calls one of them unfortified was
# built without _FORTIFY_SOURCE.
fortifiable='memcpy|memmove|memset|strcpy|strncpy|strcat|strncat|sprintf|snprintf|vsprintf|vsnprintf|read|fgets|realpath|getcwd|readlink|printf|fprintf|vfprintf|poll|recv|recvfrom|stpcpy|wcscpy|mbstowcs'
status=0
for bin in "$@"; do
  if ! readelf -h "$bin" >/dev/null 2>&1; then
    echo "$bin: not an ELF file"
    status=1
    continue
  fi
  missing=()
  readelf -h "$bin" | grep -q 'Type:[[:space:]]*DYN' || missing+=("PIE")
  segments=$(readelf -lW "$bin")
  grep -q 'GNU_RELRO' <<<"$segments" || missing+=("RELRO")
  grep -E 'GNU_STACK' <<<"$segments" | grep -q 'RWE' && missing+=("non-executable stack")
  readelf -dW "$bin" | grep -qE 'BIND_NOW|FLAGS_1.*NOW' || missing+=("BIND_NOW")
  symbols=$(readelf --dyn-syms -W "$bin")
  grep -q '__stack_chk_fail' <<<"$symbols" || missing+=("stack protector")
  if ! grep -qE '__[a-z]+_chk(@|$| )' <<<"$symbols"; then
    grep -qE " ($fortifiable)(@|$)" <<<"$symbols" && missing+=("_FORTIFY_SOURCE")
  fi
  if ((${#missing[@]})); then
    echo "$bin: NOT hardened, lacks: $(IFS=,; echo "${missing[*]}" | sed 's/,/, /g')"
    status=1
  else
    echo "$bin: hardened (PIE, full RELRO, NX stack, stack protector, fortified)"
  fi
done
exit $status
