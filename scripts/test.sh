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

  # What an app links: libqrt.a alone, configured without ONNX, protobuf or
  # test dependencies; a C program on the C API must give the host
  # reference's output bits for the first committed test image.
  echo "== runtime-only build (-DQRT_RUNTIME_ONLY=ON) and a C program linked against libqrt.a"
  cmake -S . -B build/runtime-only -DQRT_RUNTIME_ONLY=ON -DCMAKE_BUILD_TYPE=Release
  cmake --build build/runtime-only -j "$jobs"
  if grep -qiE "^(ONNX|Protobuf|Catch2|benchmark)_DIR:PATH=/" build/runtime-only/CMakeCache.txt; then
    echo "runtime-only build looked up converter or test dependencies" >&2; exit 1
  fi
  lib=$(find build/runtime-only -name libqrt.a | head -1)
  # libqrt.a carries only what a device runs: no accuracy-study code (the
  # host-only qrt_study library, eval/study/). Each entry is an extended
  # regex, matched case-insensitively against every symbol the archive
  # defines; add a line to extend the list.
  study_symbols=(
    'sat16'    # plain saturating INT16 kernels (eval/study/conv_sat16.c)
    'emulate'  # study switches (qrt_study_emulate_plain_int16)
    'study'    # anything else of qrt_study (qrt_study_*, qrt::study::)
  )
  defined=$(nm --defined-only "$lib" | awk 'NF >= 3 { print $3 }')
  [ -n "$defined" ] || { echo "runtime-only: nm lists no symbols in $lib" >&2; exit 1; }
  for pattern in "${study_symbols[@]}"; do
    if hits=$(grep -iE -- "$pattern" <<<"$defined"); then
      printf 'runtime-only: %s defines study symbols (/%s/):\n%s\n' "$lib" "$pattern" "$hits" >&2
      exit 1
    fi
  done
  echo "runtime-only: libqrt.a defines no study symbol (${study_symbols[*]})"
  cc -std=c99 -O2 -Wall -Iruntime/include tests/runtime_only/smoke.c "$lib" -lstdc++ -lm -lpthread \
     -o build/runtime-only/smoke
  got=$(build/runtime-only/smoke tests/e2e/data/fashion_mnist_w8a8.qrt tests/e2e/data/fashion_mnist_t10k_first8.u8)
  want=$(sed -n 4p tests/e2e/data/fashion_mnist_w8a8.ref)
  if [ "$got" != "$want" ]; then
    printf 'runtime-only smoke: outputs differ from the reference\n got: %s\nwant: %s\n' "$got" "$want" >&2; exit 1
  fi
  echo "runtime-only smoke: outputs equal the reference bit for bit"
fi
if [ "$which" != host ]; then
  echo "== aarch64 cross build"
  cmake -S . -B build/arm64 -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
  cmake --build build/arm64 -j "$jobs"
  echo "== aarch64 tests under qemu"
  ctest --test-dir build/arm64 --output-on-failure -j "$jobs"
fi
[ "$which" != all ] || bash scripts/ci/install.sh  # installed qrt: find_package, pkg-config, qrt_add_model (host, aarch64)
[ "$which" != all ] || bash scripts/ci/clang.sh    # clang aarch64 build + tests under qemu; Android/iOS compile checks
[ "$which" != all ] || bash scripts/ci/armhf.sh    # 32-bit ARM (armhf) build + tests under qemu-arm
[ "$which" != all ] || bash scripts/ci/sanitizers.sh  # ASan + UBSan host suite, TSan concurrency test
[ "$which" != all ] || bash scripts/ci/fuzz.sh        # short libFuzzer run of every fuzz target (~3 min)
