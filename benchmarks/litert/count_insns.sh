#!/usr/bin/env bash
# Guest instructions per inference under qemu-aarch64, LiteRT (XNNPACK, one
# thread) and qrt side by side, the same way benchmarks/count_model_insns.sh
# counts qrt: (count(N+1 runs) - count(1 run)) / N, so loading, delegate
# creation / weight packing and (for LiteRT) Python's start cancel out. The
# LiteRT figure includes the Python call around invoke() (a few thousand
# instructions).
#   benchmarks/litert/count_insns.sh CPU MODEL.tflite MODEL.qrt [N=5]
# CPU: cortex-a53, or max (run as max,sme=off: see README.md). Needs
# benchmarks/litert/setup_qemu.sh, and qrt-bench for arm64 in
# build/h-litert-arm64 (toolchains/aarch64-linux-gnu.cmake).
set -euo pipefail
cpu=$1 tfl=$2 qrt=$3 n=${4:-5}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
shared=${QRT_SHARED:-$top/../shared}
L=$top/build/litert-arm64
plugin=$L/libinsncount.so
[ -f "$plugin" ] || gcc -shared -fPIC -O2 "$shared/tools/qemu-insncount/insncount.c" -o "$plugin"
opts=$cpu
[ "$cpu" = max ] && opts=max,sme=off
log=$(mktemp)
litert() {
  QEMU_CPU=$cpu QEMU_CPUOPTS=$opts QEMU_EXTRA="-plugin $plugin -d plugin -D $log" \
    "$L/py.sh" "$top/benchmarks/litert/litert_run.py" bench "$tfl" --iterations "$1" --warmup 0 \
    > /dev/null 2>&1
  sed -n 's/.*insns_total=\([0-9]*\).*/\1/p' "$log"
}
a=$(litert 1)
b=$(litert $((n + 1)))
echo "$cpu $(basename "$tfl") litert-xnnpack $(( (b - a) / n ))"
qrt_count() {
  qemu-aarch64 -cpu "$opts" -L /usr/aarch64-linux-gnu \
    -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:$top/.deps/arm64-sysroot/usr/lib/aarch64-linux-gnu \
    -plugin "$plugin" -d plugin -D "$log" \
    "$top/build/h-litert-arm64/benchmarks/qrt-bench" "$qrt" --threads 1 \
    --warmup 0 --iterations "$1" > /dev/null
  sed -n 's/.*insns_total=\([0-9]*\).*/\1/p' "$log"
}
a=$(qrt_count 1)
b=$(qrt_count $((n + 1)))
echo "$cpu $(basename "$qrt") qrt $(( (b - a) / n ))"
rm -f "$log"
