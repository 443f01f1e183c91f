#!/usr/bin/env bash
# CI step (scripts/test.sh): a short, bounded libFuzzer run of every fuzz
# target (fuzz/, docs/reliability.md), built with clang + ASan + UBSan
# (cmake --preset fuzz), starting from the seed corpora (fuzz/make_seeds.py)
# and the regression corpus (fuzz/regressions/<target>/). A crash,
# sanitizer report, timeout or out-of-memory is printed with its input left
# in build/fuzz/artifacts/<target>/ (minimize it, fix, and add it to
# fuzz/regressions/<target>/). It fails the step with QRT_FUZZ_STRICT=1;
# by default (CI) a new exploration finding is reported without failing,
# because each run explores new inputs and the open findings listed in
# docs/reliability.md (fuzz/open/) would make CI fail at random. What CI
# always enforces: every fixed input (fuzz/regressions/) is refused cleanly
# by ctest's fuzz_regress_* tests in every build, sanitizer builds included.
# Seconds per target: QRT_FUZZ_SECONDS_LOADER (default 60) for load_run,
# QRT_FUZZ_SECONDS (default 20) for each other target: about 3 minutes.
# Long runs: docs/reliability.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "$0")/../.."
jobs="${QRT_JOBS:-$(nproc)}"
loader_seconds="${QRT_FUZZ_SECONDS_LOADER:-60}"
seconds="${QRT_FUZZ_SECONDS:-20}"
python="${QRT_PYTHON:-/usr/bin/python3}"
launcher=()
if command -v ccache > /dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
targets=(load_run onnx_import npy idx tar cifar10 image)

echo "== fuzz build (cmake --preset fuzz: clang, ASan + UBSan, libFuzzer)"
cmake --preset fuzz "${launcher[@]}"
cmake --build build/fuzz -j "$jobs" --target "${targets[@]/#/fuzz_}"
rm -rf build/fuzz/seeds build/fuzz/corpus build/fuzz/artifacts
seed_args=()
qrt_convert=build/host/converter/driver/qrt-convert   # scripts/test.sh built it: more .qrt seeds
[ -x "$qrt_convert" ] && seed_args=(--qrt-convert "$qrt_convert")
"$python" fuzz/make_seeds.py "${seed_args[@]}" build/fuzz/seeds

export ASAN_OPTIONS="detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()
for t in "${targets[@]}"; do
  secs=$seconds
  [ "$t" = load_run ] && secs=$loader_seconds
  mkdir -p "build/fuzz/corpus/$t" "build/fuzz/artifacts/$t"
  echo "== fuzz_$t: ${secs} s"
  if ! build/fuzz/fuzz/fuzz_$t -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
       -malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix="build/fuzz/artifacts/$t/" \
       "build/fuzz/corpus/$t" "build/fuzz/seeds/$t" "fuzz/regressions/$t" \
       > "build/fuzz/fuzz_$t.log" 2>&1; then
    failed+=("$t")
    grep -E "ERROR|runtime error|SUMMARY|Test unit written" "build/fuzz/fuzz_$t.log" >&2 || true
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build/fuzz/fuzz_$t.log" || true
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]} (logs build/fuzz/fuzz_<target>.log, inputs build/fuzz/artifacts/)" >&2
  if [ "${QRT_FUZZ_STRICT:-0}" = 1 ]; then exit 1; fi
  echo "fuzz: reported, not failing (QRT_FUZZ_STRICT=1 fails on them); open findings: docs/reliability.md" >&2
  exit 0
fi
echo "fuzz: no finding in ${targets[*]}"
