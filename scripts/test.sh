#!/usr/bin/env bash
# The whole test suite: host build + ctest, then the aarch64 cross build and
# its ctest under qemu-aarch64 (every test binary on -cpu cortex-a53 and -cpu max).
# Usage: scripts/test.sh [--host-only|--arm64-only]
set -euo pipefail
cd "$(dirname "$0")/.."
which=all
case "${1:-}" in
  --host-only) which=host ;;
  --arm64-only) which=arm64 ;;
  "") ;;
  *) echo "test.sh: unknown option '$1'" >&2; exit 2 ;;
esac
jobs="${QRT_JOBS:-$(nproc)}"

bash scripts/setup.sh

if [ "$which" != arm64 ]; then
  echo "== host build"
  cmake -S . -B build/host -DCMAKE_BUILD_TYPE=Release
  cmake --build build/host -j "$jobs"
  echo "== host tests"
  ctest --test-dir build/host --output-on-failure -j "$jobs"
fi
if [ "$which" != host ]; then
  echo "== aarch64 cross build"
  cmake -S . -B build/arm64 -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
  cmake --build build/arm64 -j "$jobs"
  echo "== aarch64 tests under qemu"
  ctest --test-dir build/arm64 --output-on-failure -j "$jobs"
fi
