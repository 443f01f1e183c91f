#!/usr/bin/env bash
# Converts every benchmark model with the project's qrt-convert, W8A8 and W6A8:
#   DIR/<model>_w8a8.qrt, DIR/<model>_w6a8.qrt for
#   mobilenet_v2_1.0, resnet50     DIR/<model>.onnx from make_models.py (random weights,
#                                  re-estimated BN; speed, not accuracy), ImageNet-sample calibration
#   mobilenet_v1_0.25              $QRT_SHARED/models/imagenet/mobilenet_v1_0.25_224.onnx (Keras preprocessing)
#   resnet_c10, mbv2_c10           models/cifar10/*.onnx, CIFAR-10 train archive calibration
#   fashion_mnist                  examples/fashion_mnist/model.onnx (the bundled model, as scripts/demo.sh)
# Every model calibrates on 200 images (KL, T = 1.3, the converter's default).
#
# Usage: benchmarks/models/convert.sh [--out DIR] [--build DIR] [--models a,b,...]
#   --out DIR     where the .qrt files go and where make_models.py's ONNX files are
#                 (default build/bench-models in the checkout)
#   --build DIR   build folder with converter/driver/qrt-convert (default build/host)
#   --models LIST only these models (names as above)
# QRT_SHARED: the shared models and data (default <checkout>/../shared).
# Writes DIR/logs/<model>_<mode>.log (qrt-convert's output) and DIR/convert_summary.tsv
# (model, mode, seconds, bytes, INT16 / INT32 layers).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
out=build/bench-models
build=build/host
only=
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --models) only="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "convert.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
SHARED=${QRT_SHARED:-../shared}  # relative to the checkout (we cd there): no machine path in the .qrt metadata
CONVERT=$build/converter/driver/qrt-convert
FASHION=/usr/share/datasets/fashion-mnist

die() { echo "convert.sh: error: $*" >&2; exit 1; }
[ -x "$CONVERT" ] || die "$CONVERT not found: build it (cmake --build $build --target qrt-convert) or pass --build DIR"

INET_PP="--resize-short 256 --crop 224x224 --channel-order RGB"
INET_CAL="--calib-images $SHARED/data/imagenet-sample --calib-seed 1 --num-images 200"
C10_CAL="--calib-cifar10 $SHARED/data/cifar10/train_jpg.tar.gz --calib-seed 1 --num-images 200"
C10_PP="--mean 0.4914,0.4822,0.4465 --std 0.2470,0.2435,0.2616"

# name | onnx | flags | files that must exist
MODELS=(
  "mobilenet_v2_1.0|$out/mobilenet_v2_1.0.onnx|$INET_CAL $INET_PP --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225|$SHARED/data/imagenet-sample/labels.txt"
  "resnet50|$out/resnet50.onnx|$INET_CAL $INET_PP --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225|$SHARED/data/imagenet-sample/labels.txt"
  "mobilenet_v1_0.25|$SHARED/models/imagenet/mobilenet_v1_0.25_224.onnx|$INET_CAL $INET_PP --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5|$SHARED/data/imagenet-sample/labels.txt"
  "resnet_c10|models/cifar10/resnet_c10.onnx|$C10_CAL $C10_PP|$SHARED/data/cifar10/train_jpg.tar.gz"
  "mbv2_c10|models/cifar10/mbv2_c10.onnx|$C10_CAL $C10_PP|$SHARED/data/cifar10/train_jpg.tar.gz"
  "fashion_mnist|examples/fashion_mnist/model.onnx|--calib-fashion-mnist $FASHION/train-images-idx3-ubyte.gz --num-images 200 --mean 0.2860 --std 0.3530 --channel-order GRAY --labels examples/fashion_mnist/labels.txt|$FASHION/train-images-idx3-ubyte.gz"
)

selected() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

# Check every input first, so a missing file fails before any conversion.
missing=0
for row in "${MODELS[@]}"; do
  IFS='|' read -r name onnx _flags need <<<"$row"
  selected "$name" || continue
  for f in "$onnx" $need; do
    if [ ! -e "$f" ]; then
      case "$f" in
        "$out"/*.onnx) echo "convert.sh: error: $f is missing: run /usr/bin/python3 benchmarks/models/make_models.py --out $out" >&2 ;;
        "$SHARED"/*) echo "convert.sh: error: $f is missing (shared data: set QRT_SHARED, now '$SHARED')" >&2 ;;
        "$FASHION"/*) echo "convert.sh: error: $f is missing (Debian package dataset-fashion-mnist: scripts/setup.sh)" >&2 ;;
        *) echo "convert.sh: error: $f is missing" >&2 ;;
      esac
      missing=1
    fi
  done
done
[ "$missing" = 0 ] || exit 1
if [ -n "$only" ]; then
  for n in ${only//,/ }; do
    printf '%s\n' "${MODELS[@]}" | grep -q "^$n|" || die "unknown model '$n'"
  done
fi

mkdir -p "$out/logs"
summary=$out/convert_summary.tsv
printf 'model\tmode\tseconds\tbytes\tint16_layers\tint32_layers\n' >"$summary.tmp"
for row in "${MODELS[@]}"; do
  IFS='|' read -r name onnx flags _need <<<"$row"
  selected "$name" || continue
  for mode in w8a8 w6a8; do
    qrt=$out/${name}_$mode.qrt
    log=$out/logs/${name}_$mode.log
    echo "== $name $mode: $onnx -> $qrt"
    start=$(date +%s.%N)
    # shellcheck disable=SC2086  # flags are words on purpose
    if ! "$CONVERT" "$onnx" -o "$qrt" --mode "$mode" $flags >"$log" 2>&1; then
      cat "$log" >&2
      die "qrt-convert failed on $name ($mode); log: $log"
    fi
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    acc=$(grep -o 'accumulators: [0-9]* INT16, [0-9]* INT32' "$log" || true)
    i16=$(echo "$acc" | sed -n 's/accumulators: \([0-9]*\) INT16.*/\1/p')
    i32=$(echo "$acc" | sed -n 's/.* \([0-9]*\) INT32/\1/p')
    bytes=$(stat -c %s "$qrt")
    grep -E '^(W[0-9]A[0-9]|wrote )' "$log" | sed 's/^/   /'
    grep 'warning' "$log" | sed 's/^/   /' || true
    echo "   $secs s"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$mode" "$secs" "$bytes" "${i16:-?}" "${i32:-?}" >>"$summary.tmp"
    if [ "$mode" = w6a8 ] && [ "${i16:-0}" = 0 ]; then
      die "$name w6a8 planned no INT16 layer (log: $log)"
    fi
  done
done
mv "$summary.tmp" "$summary"
echo "== summary ($summary)"
awk -F'\t' '{ printf "%-18s %-5s %8s %11s %12s %12s\n", $1, $2, $3, $4, $5, $6 }' "$summary"
