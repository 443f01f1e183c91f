#!/usr/bin/env bash
# CI step (scripts/test.sh): the host test suite under ASan + UBSan, and the
# concurrency and thread-pool tests under TSan (docs/reliability.md).
#   ASan + UBSan: cmake --preset asan (GCC, -O1, assertions on, every UBSan
#     check fatal), the whole suite but the exclusions below, each with its
#     reason. LeakSanitizer is on: a leak fails its test. The preset sets
#     QRT_BAD_INPUTS_MEMORY_MB=0: ASan reserves terabytes of address space,
#     so the bad-input runner's per-command address-space cap must be off.
#   TSan: cmake --preset tsan (target_clones off), only the runtime tests
#     that start threads: runtime_concurrency_test, runtime_threads_test.
# Usage: scripts/ci/sanitizers.sh [--asan-only|--tsan-only]
set -euo pipefail
cd "$(dirname "$0")/../.."
which=all
case "${1:-}" in
  --asan-only) which=asan ;;
  --tsan-only) which=tsan ;;
  "") ;;
  *) echo "sanitizers.sh: unknown option '$1'" >&2; exit 2 ;;
esac
jobs="${QRT_JOBS:-$(nproc)}"
launcher=()
if command -v ccache > /dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# Not detect_stack_use_after_return: GCC 12's fake stack does not keep the
# 64-byte alignment AVX-512 spills need, and converter/calib/layer_stats.cc's
# block_avx512 then faults on a CPU with AVX-512 (measured: same command,
# SEGV with it, clean without).
export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"

# Tests left out of the ASan + UBSan run, as ctest -E regexes, each with
# its reason. Nothing else is excluded.
asan_exclude=(
  # The preset leaves the torchvision model tests out
  # (QRT_TEST_TORCHVISION_MODELS=OFF): five whole-model export + convert +
  # evaluate runs, 10-20 s each in Release and several minutes each under
  # ASan; the converter and runtime code they run is covered by the
  # converter, qdq and e2e tests here. No -E entry needed.
  # The ImageNet MobileNetV1's float top-1 over 1000 images through the
  # float executor: still running after 9 min under ASan here. The same
  # binary's other cases (importing and running every shared model) do run:
  # import_models_test.
  '^import_models_imagenet_top1_test$'
)
exclude_regex=$(IFS='|'; echo "${asan_exclude[*]:-}")

failed=()
if [ "$which" != tsan ]; then
  echo "== ASan + UBSan build (cmake --preset asan)"
  start=$SECONDS
  cmake --preset asan "${launcher[@]}"
  cmake --build build/asan -j "$jobs"
  echo "== ASan + UBSan tests"
  ctest --test-dir build/asan --output-on-failure -j "$jobs" ${exclude_regex:+-E "$exclude_regex"} \
    || failed+=("ASan + UBSan tests")
  echo "== ASan + UBSan: $((SECONDS - start)) s"
fi
if [ "$which" != asan ]; then
  echo "== TSan build (cmake --preset tsan): the runtime's threaded tests"
  start=$SECONDS
  cmake --preset tsan "${launcher[@]}"
  cmake --build build/tsan -j "$jobs" --target runtime_concurrency_test runtime_threads_test
  ctest --test-dir build/tsan --output-on-failure -R '^runtime_(concurrency|threads)_test$' \
    || failed+=("TSan tests")
  echo "== TSan: $((SECONDS - start)) s"
fi
if [ "${#failed[@]}" -gt 0 ]; then
  echo "sanitizers: failed: ${failed[*]}" >&2
  exit 1
fi
