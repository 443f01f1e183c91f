#!/usr/bin/env bash
# CI step: 32-bit ARM (armhf, ARMv7-A + NEON). Cross build with
# toolchains/arm-linux-gnueabihf.cmake (Debian's g++-arm-linux-gnueabihf;
# no benchmarks: Debian has no armhf Google Benchmark to co-install) and the
# whole test suite under qemu-arm -cpu cortex-a7: kernels, runtime, e2e
# (outputs equal the host reference files bit for bit), qrt-classify.
# armhf runs the portable kernels (kernels/neon/ is A64 code):
# docs/integration.md, "32-bit ARM".
set -euo pipefail
cd "$(dirname "$0")/../.."
jobs="${QRT_JOBS:-$(nproc)}"
start=$(date +%s)
cmake -S . -B build/armhf -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake -DQRT_BUILD_BENCHMARKS=OFF
cmake --build build/armhf -j "$jobs"
# The library really is ARMv7 with NEON (the portable kernels vectorized).
attrs=$(readelf -A build/armhf/runtime/libqrt.a)
grep -q "Tag_Advanced_SIMD_arch: NEON" <<<"$attrs" \
  || { echo "armhf: libqrt.a is not built for NEON" >&2; exit 1; }
ctest --test-dir build/armhf --output-on-failure -j "$jobs"
echo "== ci/armhf.sh: $(( $(date +%s) - start )) s"
