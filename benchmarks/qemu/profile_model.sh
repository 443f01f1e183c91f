#!/usr/bin/env bash
# Where a model's guest instructions go, per function, under qemu-user:
# qrt-bench (or its XNNPACK side) with 1 and with N+1 timed inferences, each
# function's count the difference divided by N (loading, packing and session
# setup cancel), sorted, with shares of the per-inference total.
#   benchmarks/qemu/profile_model.sh BUILD_ARM64 CPU MODEL [N=1] [--side qrt|xnnpack] [--top T] [qrt-bench options...]
# e.g. benchmarks/qemu/profile_model.sh build/arm64 cortex-a53 build/bench-models/mobilenet_v2_1.0_w6a8.qrt
# One thread. Needs qrt-bench in BUILD_ARM64 (with XNNPACK for --side xnnpack);
# the plugin (symprofile.c beside this script) is built into BUILD_ARM64.
# Inlined code counts under the function it was inlined into.
set -euo pipefail
build=$1 cpu=$2 model=$3
shift 3
n=1
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then n=$1; shift; fi
side=qrt top=40 extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --side) side=$2; shift 2 ;;
    --top) top=$2; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top_dir=$(cd "$here/../.." && pwd)
plugin=$build/libsymprofile.so
if [ ! -f "$plugin" ] || [ "$here/symprofile.c" -nt "$plugin" ]; then
  gcc -shared -fPIC -O2 "$here/symprofile.c" -o "$plugin"
fi
bench=$build/benchmarks/qrt-bench
[ -x "$bench" ] || { echo "profile_model.sh: $bench not found (build the qrt-bench target for aarch64)" >&2; exit 1; }
side_args=()
[ "$side" = qrt ] || side_args=(--baseline xnnpack --side "$side")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {
  qemu-aarch64 -cpu "$cpu" -L /usr/aarch64-linux-gnu \
    -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:$top_dir/.deps/arm64-sysroot/usr/lib/aarch64-linux-gnu \
    -plugin "$plugin" -d plugin -D "$tmp/$1.log" \
    "$bench" "$model" "${side_args[@]}" --warmup 0 --iterations "$1" "${extra[@]}" > /dev/null
}
run 1
run $((n + 1))
awk -v n="$n" -v top="$top" -v a="$tmp/1.log" -v b="$tmp/$((n + 1)).log" '
  FNR == 1 { next }
  FILENAME == a { c1[$2] = $1; next }
  { c2[$2] = $1 }
  END {
    for (s in c2) { d = (c2[s] - c1[s]) / n; if (d > 0) { v[s] = d; total += d } }
    m = 0
    for (s in v) names[++m] = s
    # insertion sort by count, descending
    for (i = 2; i <= m; i++) { x = names[i]; j = i - 1
      while (j > 0 && v[names[j]] < v[x]) { names[j + 1] = names[j]; j-- }
      names[j + 1] = x }
    printf "%14.0f  100.0%%  per inference (sum of the functions below)\n", total
    for (i = 1; i <= m && i <= top; i++)
      printf "%14.0f  %5.1f%%  %s\n", v[names[i]], 100 * v[names[i]] / total, names[i]
  }' "$tmp/1.log" "$tmp/$((n + 1)).log"
