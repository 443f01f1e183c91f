#!/usr/bin/env bash
# qrt against XNNPACK under qemu-user, in guest instructions per inference,
# total and per layer (docs/benchmarks.md).
#
#   benchmarks/compare_xnnpack.sh BUILD_ARM64 CPU MODEL [N=10] [options]
#     --fake-cpuinfo a53|none  a53: run qemu in a mount namespace where
#                              /proc/cpuinfo says Cortex-A53 (r0p4), so
#                              XNNPACK's cpuinfo sees that core and picks its
#                              A53 kernels (default: none, the host's file)
#     --layers all|none|I,J,.. per-layer counts (default all; one qemu run per
#                              layer and runtime: use none on big models)
#     --threads T              qrt threads / XNNPACK pthreadpool size (1)
#     --float-adds auto|f32|f16  qrt's residual-add storage (default auto:
#                              fp16 on a CPU with fp16 arithmetic, as qrt
#                              ships; XNNPACK adds in fp32 either way)
#
# Every instruction the process executes is counted (qemu plugin
# $QRT_SHARED/tools/qemu-insncount, built into BUILD_ARM64/libinsncount.so),
# so helpers, epilogues, packing-free run paths and thread hand-off are in.
# Setup cancels out:
# - total: qrt-bench --baseline xnnpack --side S with N+1 and with 1 timed
#   inferences of runtime S (both runtimes are always set up and checked);
#   (count(N+1) - count(1)) / N;
# - layer I: --only-op I --iterations N runs only op I of runtime S (qrt:
#   its run function on the set-up session's tensors; XNNPACK: the operators
#   op I maps to) N times after the whole setup; minus the same process with
#   --iterations 0, divided by N.
# Prints one "total" line and one "layer" line per layer (qrt insns,
# xnnpack insns, xnnpack/qrt), plus what cpuinfo reported to XNNPACK.
set -euo pipefail
usage() { sed -n '2,20p' "$0" >&2; exit 2; }
[ $# -ge 3 ] || usage
build=$1 cpu=$2 model=$3
shift 3
n=10
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then n=$1; shift; fi
fake=none layers=all threads=1 adds=auto
while [ $# -gt 0 ]; do
  case $1 in
    --fake-cpuinfo) fake=$2; shift 2 ;;
    --layers) layers=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --float-adds) adds=$2; shift 2 ;;
    *) usage ;;
  esac
done
case $fake in a53|none) ;; *) usage ;; esac
[ "$n" -ge 1 ] || usage

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${QRT_SHARED:-$top/../shared}
bench=$build/benchmarks/qrt-bench
[ -x "$bench" ] || { echo "compare_xnnpack.sh: $bench not found (build qrt-bench in $build)" >&2; exit 1; }
plugin=$build/libinsncount.so
if [ ! -f "$plugin" ]; then
  src=$shared/tools/qemu-insncount/insncount.c
  [ -f "$src" ] || { echo "compare_xnnpack.sh: $src not found (set QRT_SHARED to the shared folder)" >&2; exit 1; }
  gcc -shared -fPIC -O2 "$src" -o "$plugin"
fi
sysroot_lib=$top/.deps/arm64-sysroot/usr/lib/aarch64-linux-gnu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A Cortex-A53 /proc/cpuinfo with one entry per CPU the host's sysfs lists
# (cpuinfo counts processors from /sys/devices/system/cpu/possible|present
# and takes each one's MIDR fields from /proc/cpuinfo).
if [ "$fake" = a53 ]; then
  if ! unshare -m true 2>/dev/null; then
    echo "compare_xnnpack.sh: --fake-cpuinfo a53 needs a mount namespace (unshare -m: root / CAP_SYS_ADMIN); not available here" >&2
    exit 1
  fi
  last=$(sed 's/.*-//' /sys/devices/system/cpu/possible)
  for i in $(seq 0 "$last"); do
    printf 'processor\t: %d\nBogoMIPS\t: 38.40\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd03\nCPU revision\t: 4\n\n' "$i"
  done > "$tmp/cpuinfo"
fi

# run OUT ARGS...: qrt-bench under qemu with the counter; prints insns_total.
run() {
  local out=$1
  shift
  local cmd=(qemu-aarch64 -cpu "$cpu" -L /usr/aarch64-linux-gnu
             -E "LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:$sysroot_lib"
             -plugin "$plugin" -d plugin -D "$tmp/log"
             "$bench" "$model" --baseline xnnpack --warmup 0 --threads "$threads" --float-adds "$adds" "$@")
  local rc=0
  if [ "$fake" = a53 ]; then
    unshare -m sh -c 'mount --bind "$0" /proc/cpuinfo && exec "$@"' "$tmp/cpuinfo" "${cmd[@]}" > "$out" 2>&1 || rc=$?
  else
    "${cmd[@]}" > "$out" 2>&1 || rc=$?
  fi
  if [ $rc -ne 0 ]; then
    echo "compare_xnnpack.sh: qrt-bench failed (rc $rc): $*" >&2
    cat "$out" >&2
    exit 1
  fi
  sed -n 's/.*insns_total=\([0-9]*\).*/\1/p' "$tmp/log"
}

declare -A total
for side in qrt xnnpack; do
  a=$(run "$tmp/one.txt" --side $side --iterations 1)
  b=$(run "$tmp/many.txt" --side $side --iterations $((n + 1)))
  total[$side]=$(( (b - a) / n ))
done
info=$(grep -m1 '^cpuinfo' "$tmp/one.txt" || echo "cpuinfo: (not printed)")
ops=$(sed -n 's/.*xnnpack [0-9]* operators for \([0-9]*\) qrt operators.*/\1/p' "$tmp/one.txt")
echo "model $(basename "$model") cpu $cpu fake-cpuinfo $fake threads $threads float-adds $adds N $n"
echo "$info"
grep -m1 '^output 0' "$tmp/one.txt" || true
grep -m1 '^per-layer check' "$tmp/one.txt" || true
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }'; }
printf 'total qrt %d xnnpack %d xnnpack/qrt %s\n' "${total[qrt]}" "${total[xnnpack]}" "$(ratio "${total[qrt]}" "${total[xnnpack]}")"

[ "$layers" = none ] && exit 0
if [ "$layers" = all ]; then list=$(seq 0 $((ops - 1))); else list=${layers//,/ }; fi
declare -A base
for side in qrt xnnpack; do base[$side]=$(run "$tmp/base.txt" --side $side --only-op 0 --iterations 0); done
printf '%-6s %4s %-20s %-28s %12s %12s %8s\n' layer op type name qrt xnnpack xnn/qrt
for i in $list; do
  declare -A c
  for side in qrt xnnpack; do
    v=$(run "$tmp/layer.txt" --side $side --only-op "$i" --iterations "$n")
    c[$side]=$(( (v - base[$side]) / n ))
  done
  what=$(sed -n "s/^only-op $i (\([A-Z_0-9]*\) '\(.*\)'): ran.*/\1 \2/p" "$tmp/layer.txt")
  printf '%-6s %4d %-20s %-28.28s %12d %12d %8s\n' layer "$i" "${what%% *}" "${what#* }" \
    "${c[qrt]}" "${c[xnnpack]}" "$(ratio "${c[qrt]}" "${c[xnnpack]}")"
done
