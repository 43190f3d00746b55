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
cd "$BUILD"
# Every store and engine test runs on SQLite and on PostgreSQL: with-postgres.sh
# starts a throwaway cluster for the run (and fails the run if it cannot).
exec bash "$ROOT/scripts/with-postgres.sh" ctest --output-on-failure -j "$(nproc)" --timeout 600
