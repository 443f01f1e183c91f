#!/usr/bin/env bash
# Whole-call guest instructions of one conv layer per implementation under
# qemu-user (docs/performance.md, "Depthwise KxK and grouped convolution"):
#   benchmarks/count_conv_insns.sh BUILD_ARM64 CPU "H W C OC K STRIDE GROUPS" IMPL...
# IMPL as `qrt_kernels_insncount conv` takes it (a kernel row name, auto,
# ref, xnnpack). Prints "IMPL kernel insns insns/MAC": count(REPS 2) minus
# count(REPS 1) of the whole process, so setup and packing cancel.
# CHUNK=n in the environment passes an int16_chunk to the acc16 rows
# (default: the bound of the tool's weights, 4-bit magnitudes).
set -euo pipefail
[ $# -ge 4 ] || { sed -n '2,7p' "$0" >&2; exit 2; }
build=$1 cpu=$2 shape=$3
shift 3
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${QRT_SHARED:-$top/../shared}
plugin=$build/libinsncount.so
[ -f "$plugin" ] || gcc -shared -fPIC -O2 "$shared/tools/qemu-insncount/insncount.c" -o "$plugin"
prog=$build/benchmarks/qrt_kernels_insncount
sysroot_lib=$top/.deps/arm64-sysroot/usr/lib/aarch64-linux-gnu
log=$(mktemp) outf=$(mktemp)
trap 'rm -f "$log" "$outf"' EXIT
count() {  # IMPL REPS -> total instructions; the program's line in $outf
  qemu-aarch64 -cpu "$cpu" -L /usr/aarch64-linux-gnu \
    -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:$sysroot_lib \
    -plugin "$plugin" -d plugin -D "$log" "$prog" conv "$1" $shape "$2" ${CHUNK:-} > "$outf"
  sed -n 's/.*insns_total=\([0-9]*\).*/\1/p' "$log" | tail -1
}
for impl in "$@"; do
  one=$(count "$impl" 1)
  two=$(count "$impl" 2)
  out=$(cat "$outf")
  name=$(echo "$out" | cut -d' ' -f1)
  macs=$(echo "$out" | sed -n 's/.*MACs=\([0-9]*\).*/\1/p')
  hash=$(echo "$out" | sed -n 's/.*output_hash=\([0-9a-f]*\).*/\1/p')
  echo "$impl $name $((two - one)) $(awk -v i=$((two - one)) -v m="$macs" 'BEGIN{printf "%.3f", i/m}') $hash"
done
