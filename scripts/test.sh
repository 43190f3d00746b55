#!/usr/bin/env bash
# Builds Mend with AddressSanitizer and UndefinedBehaviorSanitizer and runs every test,
# with a throwaway PostgreSQL for the PostgreSQL half of the store and engine tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
bash scripts/install-deps.sh test
BUILD=${BUILD_DIR:-build-asan}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMEND_SANITIZE=ON >/dev/null
cmake --build "$BUILD" -j "$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# The Debian packages, made from this build's binaries (no second build), installed,
# run, upgraded under a running script and purged in a throwaway Debian 12 root
# (scripts/package-test.sh; about 5 minutes). It needs root; it skips, saying
# so, only when the Debian mirror is unreachable. MEND_PACKAGE_TEST=0 leaves it
# out of a local run. It runs before ctest so that ctest's summary closes the output.
package_status=0
if [[ ${MEND_PACKAGE_TEST:-1} == 0 ]]; then
  echo "test.sh: package test left out (MEND_PACKAGE_TEST=0)"
else
  as_root=()
  [[ $(id -u) -eq 0 ]] || as_root=(sudo --preserve-env=MEND_PKG_FROM_BUILD)
  MEND_PKG_FROM_BUILD="$BUILD" "${as_root[@]}" bash scripts/package-test.sh || package_status=$?
fi

cd "$BUILD"
# Every store and engine test runs on SQLite and on PostgreSQL: with-postgres.sh
# starts a throwaway cluster for the run (and fails the run if it cannot).
ctest_status=0
bash "$ROOT/scripts/with-postgres.sh" ctest --output-on-failure -j "$(nproc)" --timeout 600 || ctest_status=$?
((package_status == 0)) || echo "test.sh: FAILED: scripts/package-test.sh (exit $package_status; its output is above ctest's)"
((package_status == 0 && ctest_status == 0))
