#!/usr/bin/env bash
# Guest instructions per inference of a .qrt under qemu-user, one kernel
# path: runs qrt-bench with 1 and with N+1 timed inferences (no warmup) and
# prints (count(N+1) - count(1)) / N, so loading, packing and session
# creation cancel out. Each inference is set_input_f32 + run (+ reading the
# per-op profile, a few hundred instructions).
#   benchmarks/count_model_insns.sh BUILD_ARM64 CPU MODEL PATH [N=10]
# e.g. benchmarks/count_model_insns.sh build-arm64-int max tests/e2e/data/fashion_mnist_w8a8.qrt neondot
# Needs qrt-bench in BUILD_ARM64 and the plugin from
# $QRT_SHARED/tools/qemu-insncount (built into BUILD_ARM64/libinsncount.so);
# QRT_SHARED is the shared folder, by default ../shared beside the checkout.
set -euo pipefail
build=$1 cpu=$2 model=$3 path=$4 n=${5:-10}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${QRT_SHARED:-$top/../shared}
plugin=$build/libinsncount.so
if [ ! -f "$plugin" ]; then
  src=$shared/tools/qemu-insncount/insncount.c
  [ -f "$src" ] || { echo "count_model_insns.sh: $src not found (set QRT_SHARED to the shared folder)" >&2; exit 1; }
  gcc -shared -fPIC -O2 "$src" -o "$plugin"
fi
log=$(mktemp)
count() {
  qemu-aarch64 -cpu "$cpu" -L /usr/aarch64-linux-gnu \
    -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:$PWD/.deps/arm64-sysroot/usr/lib/aarch64-linux-gnu \
    -plugin "$plugin" -d plugin -D "$log" \
    "$build/benchmarks/qrt-bench" "$model" --path "$path" --warmup 0 --iterations "$1" > /dev/null
  sed -n 's/.*insns_total=\([0-9]*\).*/\1/p' "$log"
}
a=$(count 1)
b=$(count $((n + 1)))
rm -f "$log"
echo "$cpu $(basename "$model") $path $(( (b - a) / n ))"
