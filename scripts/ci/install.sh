#!/usr/bin/env bash
# CI step: what an app's build sees of an installed qrt
# (tests/install/install_test.sh): install, move, build examples/classify
# with find_package and with pkg-config, and examples/embedded_model
# (qrt_add_model), on the host and for aarch64 under qemu-aarch64.
# Reuses build/host and build/arm64 when scripts/test.sh built them before;
# else configures them and builds only what is installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
jobs="${QRT_JOBS:-$(nproc)}"
start=$(date +%s)
[ -f build/host/CMakeCache.txt ] || cmake -S . -B build/host -DCMAKE_BUILD_TYPE=Release
cmake --build build/host -j "$jobs" --target qrt qrt-convert qrt-eval qrt-bench
[ -f build/arm64/CMakeCache.txt ] || cmake -S . -B build/arm64 -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
cmake --build build/arm64 -j "$jobs" --target qrt qrt-bench
QRT_JOBS="$jobs" bash tests/install/install_test.sh build/host build/arm64
echo "== ci/install.sh: $(( $(date +%s) - start )) s"
