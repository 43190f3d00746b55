#!/usr/bin/env bash
# Builds the Debian packages mend-server, mend-agent and mendctl from this tree
# into dist/ (or $MEND_DIST_DIR). The binaries are the Release build run.sh uses
# (build-release/); MEND_PACKAGE_RELEASE sets the Debian revision (default 1).
#
# MEND_PKG_FROM_BUILD=DIR packages the binaries of an existing build tree
# instead (scripts/test.sh does this with its sanitizer build, to check the
# packaging without a second full build); packages for use are the Release build.
# MEND_PACKAGE_COMPRESSION=none|gzip|xz overrides the packages' compression (xz):
# the package test uses none, since xz takes minutes on its sanitizer binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
DIST=${MEND_DIST_DIR:-dist}
RELEASE=${MEND_PACKAGE_RELEASE:-1}
if [[ -n ${MEND_PKG_FROM_BUILD:-} ]]; then
  BUILD=$MEND_PKG_FROM_BUILD
  cmake -B "$BUILD" -DMEND_PACKAGE_RELEASE="$RELEASE" >/dev/null
else
  BUILD=${MEND_BUILD_DIR:-build-release}
  bash scripts/install-deps.sh run
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEND_TESTS=OFF -DMEND_PACKAGE_RELEASE="$RELEASE" >/dev/null
fi
cmake --build "$BUILD" -j "$(nproc)" --target mend-server mend-agent mendctl mend_package_configs
# Packages for use carry hardened binaries only (cmake/hardening.cmake); a
# sanitizer build packaged for the package test is not meant to be installed.
if [[ -z ${MEND_PKG_FROM_BUILD:-} ]]; then
  bash scripts/check-hardening.sh "$BUILD/mend-server" "$BUILD/mend-agent" "$BUILD/mendctl" >&2 ||
    { echo "build-packages.sh: refusing to package binaries that are not hardened (see above)" >&2; exit 1; }
fi
mkdir -p "$DIST"
DIST=$(realpath "$DIST")
rm -rf "$DIST/cpack"
compression=()
[[ -z ${MEND_PACKAGE_COMPRESSION:-} ]] || compression=(-D CPACK_DEBIAN_COMPRESSION_TYPE="$MEND_PACKAGE_COMPRESSION")
(cd "$BUILD" && cpack -G DEB "${compression[@]}" -B "$DIST/cpack" >/dev/null)
mv -f "$DIST"/cpack/*.deb "$DIST"/
rm -rf "$DIST/cpack"
ls -1 "$DIST"/*_"$(sed -n 's/^project(mend VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)-${RELEASE}"_*.deb
