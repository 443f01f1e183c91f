#!/usr/bin/env bash
# CI step: clang (what the Android NDK and Xcode use).
#   1. aarch64 cross build with clang (no benchmarks, for time: they build
#      and pass with clang too, 38/38 tests with them when last checked) (toolchains/aarch64-linux-gnu-clang.cmake:
#      Debian's clang, --target=aarch64-linux-gnu, the GCC cross toolchain's
#      headers, libraries and linker) and its whole test suite under
#      qemu-aarch64 -cpu max (ctest -L max: every test binary once; on max
#      every kernel, NEON, dotprod, i8mm and fp16, runs and is compared with
#      the reference; the cortex-a53 runs, which check the dispatch's
#      fallbacks, are left to the GCC build in scripts/test.sh, to save
#      time: both labels took 190 s, max alone about 110 s);
#   2. only with QRT_CI_CLANG_HOST=1 (off in CI, about 8 minutes more):
#      host build with clang of the runtime, kernels and their tests (no
#      converter) and ctest;
#   3. compile checks for Android and iOS (toolchains/check-clang-target.cmake;
#      no NDK or Xcode here, see that file for what stands in): libqrt.a for
#      aarch64-linux-android21 and armv7a-linux-androideabi21, the kernels
#      (NEON ones included) for arm64-apple-ios13. Compiled, not linked or run.
set -euo pipefail
cd "$(dirname "$0")/../.."
jobs="${QRT_JOBS:-$(nproc)}"
start=$(date +%s)
t() { echo "== ci/clang.sh: $1 ($(( $(date +%s) - start )) s)"; }

t "aarch64 with clang"
# -Werror=ignored-optimization-argument: a GCC-only optimization flag passed
# to clang (kernels/CMakeLists.txt gives -fno-schedule-insns to GCC only).
cmake -S . -B build/arm64-clang -DCMAKE_BUILD_TYPE=Release -DQRT_BUILD_BENCHMARKS=OFF \
      -DCMAKE_C_FLAGS=-Werror=ignored-optimization-argument \
      -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu-clang.cmake
cmake --build build/arm64-clang -j "$jobs"
grep -q 'CMAKE_C_COMPILER_ID "Clang"' build/arm64-clang/CMakeFiles/*/CMakeCCompiler.cmake \
  || { echo "clang.sh: build/arm64-clang is not a clang build" >&2; exit 1; }
ctest --test-dir build/arm64-clang --output-on-failure -j "$jobs" -L max

if [ "${QRT_CI_CLANG_HOST:-0}" = 1 ]; then
  t "host with clang (runtime, kernels, tests)"
  CC=clang CXX=clang++ cmake -S . -B build/host-clang -DCMAKE_BUILD_TYPE=Release \
        -DQRT_BUILD_CONVERTER=OFF -DQRT_BUILD_BENCHMARKS=OFF
  cmake --build build/host-clang -j "$jobs"
  ctest --test-dir build/host-clang --output-on-failure -j "$jobs"
fi

for check in aarch64-linux-android21:qrt armv7a-linux-androideabi21:qrt arm64-apple-ios13:qrt_kernels; do
  triple=${check%%:*} target=${check##*:}
  t "compile check: $target for $triple"
  cmake -S . -B "build/check-$triple" -DCMAKE_BUILD_TYPE=Release -DQRT_RUNTIME_ONLY=ON \
        -DCMAKE_TOOLCHAIN_FILE=toolchains/check-clang-target.cmake -DQRT_CHECK_TARGET="$triple" > /dev/null
  cmake --build "build/check-$triple" -j "$jobs" --target "$target"
done
t "done"
