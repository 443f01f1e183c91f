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
# Then checks each .qrt through the runtime on the host: qrt-eval --per-layer on N images
# (default 50, spread over the classes) gives the float/int8 top-1 agreement and the SQNR of
# the model output against the float executor; a collapse (agreement or SQNR near zero)
# means a bug, the numbers themselves mean little for the random-weight models.
#
# Usage: benchmarks/models/convert.sh [--out DIR] [--build DIR] [--models a,b,...] [--verify N] [--no-convert]
#   --out DIR     where the .qrt files go and where make_models.py's ONNX files are
#                 (default build/bench-models in the checkout)
#   --build DIR   build folder with converter/driver/qrt-convert and eval/qrt-eval (default build/host)
#   --models LIST only these models (names as above)
#   --verify N    images for the qrt-eval check (default 50; 0: no check)
#   --no-convert  only the check, on the .qrt files already in DIR
#   --check-int16 also convert each model W6A8 with --no-int16 (DIR/int32/<model>_w6a8_noint16.qrt)
#                 and require the planned-INT16 W6A8 outputs to be bit-identical to it on the
#                 N images (the INT16 bound makes them exact; on random weights, where the
#                 float comparison says little, this is the sharp check). Costs one more
#                 conversion per model (ResNet50: ~6 min on a loaded 2-core host)
# QRT_SHARED: the shared models and data (default ../shared beside the checkout).
# Writes DIR/logs/<model>_<mode>.log (qrt-convert's output), DIR/convert_summary.tsv
# (model, mode, seconds, bytes, INT16 / INT32 layers), DIR/eval/<model>_<mode>.json
# (qrt-eval) and DIR/verify_summary.tsv. The summaries list only this run's models.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
out=build/bench-models
build=build/host
only=
verify=50
convert=1
check_int16=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --models) only="$2"; shift 2 ;;
    --verify) verify="$2"; shift 2 ;;
    --no-convert) convert=0; shift ;;
    --check-int16) check_int16=1; shift ;;
    -h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "convert.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
SHARED=${QRT_SHARED:-../shared}  # relative to the checkout (we cd there): no machine path in the .qrt metadata
CONVERT=$build/converter/driver/qrt-convert
EVAL=$build/eval/qrt-eval
FASHION=/usr/share/datasets/fashion-mnist

die() { echo "convert.sh: error: $*" >&2; exit 1; }
[ "$convert" = 0 ] || [ -x "$CONVERT" ] || die "$CONVERT not found: build it (cmake --build $build --target qrt-convert) or pass --build DIR"
[ "$verify" = 0 ] || [ -x "$EVAL" ] || die "$EVAL not found: build it (cmake --build $build --target qrt-eval), pass --build DIR or --verify 0"

INET_PP="--resize-short 256 --crop 224x224 --channel-order RGB"
INET_CAL="--calib-images $SHARED/data/imagenet-sample --calib-seed 1 --num-images 200"
C10_CAL="--calib-cifar10 $SHARED/data/cifar10/train_jpg.tar.gz --calib-seed 1 --num-images 200"
C10_PP="--mean 0.4914,0.4822,0.4465 --std 0.2470,0.2435,0.2616"

# Evaluation data (every K-th sample, so the N images cover the classes)
INET_EVAL="--images $SHARED/data/imagenet-sample --stride 20"
C10_EVAL="--cifar10 $SHARED/data/cifar10/test_jpg.tar.gz --stride 200"
FASHION_EVAL="--fashion-mnist-images $FASHION/t10k-images-idx3-ubyte.gz --fashion-mnist-labels $FASHION/t10k-labels-idx1-ubyte.gz --stride 200"

# name | onnx | qrt-convert flags | files that must exist | qrt-eval data
MODELS=(
  "mobilenet_v2_1.0|$out/mobilenet_v2_1.0.onnx|$INET_CAL $INET_PP --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225|$SHARED/data/imagenet-sample/labels.txt|$INET_EVAL"
  "resnet50|$out/resnet50.onnx|$INET_CAL $INET_PP --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225|$SHARED/data/imagenet-sample/labels.txt|$INET_EVAL"
  "mobilenet_v1_0.25|$SHARED/models/imagenet/mobilenet_v1_0.25_224.onnx|$INET_CAL $INET_PP --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5|$SHARED/data/imagenet-sample/labels.txt|$INET_EVAL"
  "resnet_c10|models/cifar10/resnet_c10.onnx|$C10_CAL $C10_PP|$SHARED/data/cifar10/train_jpg.tar.gz $SHARED/data/cifar10/test_jpg.tar.gz|$C10_EVAL"
  "mbv2_c10|models/cifar10/mbv2_c10.onnx|$C10_CAL $C10_PP|$SHARED/data/cifar10/train_jpg.tar.gz $SHARED/data/cifar10/test_jpg.tar.gz|$C10_EVAL"
  "fashion_mnist|examples/fashion_mnist/model.onnx|--calib-fashion-mnist $FASHION/train-images-idx3-ubyte.gz --num-images 200 --mean 0.2860 --std 0.3530 --channel-order GRAY --labels examples/fashion_mnist/labels.txt|$FASHION/train-images-idx3-ubyte.gz $FASHION/t10k-images-idx3-ubyte.gz $FASHION/t10k-labels-idx1-ubyte.gz|$FASHION_EVAL"
)

selected() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

# Check every input first, so a missing file fails before any conversion.
missing=0
for row in "${MODELS[@]}"; do
  IFS='|' read -r name onnx _flags need _eval <<<"$row"
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

mkdir -p "$out/logs" "$out/eval"
if [ "$convert" = 1 ]; then
summary=$out/convert_summary.tsv
printf 'model\tmode\tseconds\tbytes\tint16_layers\tint32_layers\n' >"$summary.tmp"
for row in "${MODELS[@]}"; do
  IFS='|' read -r name onnx flags _need _eval <<<"$row"
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
fi

[ "$verify" != 0 ] || exit 0
vsum=$out/verify_summary.tsv
printf 'model\tmode\timages\tfloat_top1\tint8_top1\tagreement\toutput\toutput_sqnr_db\tlowest_sqnr_db\tlowest_tensor\tseconds\n' >"$vsum.tmp"
for row in "${MODELS[@]}"; do
  IFS="|" read -r name onnx flags _need evaldata <<<"$row"
  selected "$name" || continue
  for mode in w8a8 w6a8; do
    qrt=$out/${name}_$mode.qrt
    json=$out/eval/${name}_$mode.json
    [ -f "$qrt" ] || die "$qrt is missing (run without --no-convert)"
    echo "== qrt-eval $name $mode ($verify images)"
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$EVAL" --onnx "$onnx" --qrt "$qrt" $evaldata --limit "$verify" --per-layer -q --json "$json" \
      >"$out/logs/${name}_${mode}_eval.log" 2>&1 || { cat "$out/logs/${name}_${mode}_eval.log" >&2; die "qrt-eval failed on $qrt"; }
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    /usr/bin/python3 - "$json" "$name" "$mode" "$secs" >>"$vsum.tmp" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
out = j["layers"][-1]  # the model output (F32), compared with the float executor's
low = min(j["layers"], key=lambda l: l["sqnr_db"] if l["sqnr_db"] is not None else 1e9)
f = lambda v: "inf" if v is None else f"{v:.2f}"
print("\t".join([sys.argv[2], sys.argv[3], str(j["images"]), f(j["float_top1"]), f(j["int8_top1"]),
                 f(j["agreement"]), out["name"], f(out["sqnr_db"]), f(low["sqnr_db"]), low["name"], sys.argv[4]]))
PY
    if [ "$check_int16" = 1 ] && [ "$mode" = w6a8 ]; then
      twin=$out/int32/${name}_w6a8_noint16.qrt
      mkdir -p "$out/int32"
      if [ "$convert" = 1 ] || [ ! -f "$twin" ]; then
        echo "   converting the INT32 twin: $twin"
        # shellcheck disable=SC2086
        "$CONVERT" "$onnx" -o "$twin" --mode w6a8 --no-int16 -q $flags \
          || die "qrt-convert --no-int16 failed on $name"
      fi
      # shellcheck disable=SC2086
      "$EVAL" --onnx "$onnx" --qrt "$twin" --qrt "$qrt" $evaldata --limit "$verify" --no-float -q \
        --json "$out/eval/${name}_w6a8_int16_vs_int32.json" >"$out/logs/${name}_w6a8_int16_eval.log" 2>&1 \
        || { cat "$out/logs/${name}_w6a8_int16_eval.log" >&2; die "qrt-eval failed on $twin"; }
      same=$(/usr/bin/python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(j["models"][1]["outputs_identical_to_first"], j["images"])' \
        "$out/eval/${name}_w6a8_int16_vs_int32.json")
      echo "   W6A8 INT16 vs INT32 (--no-int16): outputs bit-identical on ${same% *} of ${same#* } images"
      [ "${same% *}" = "${same#* }" ] || die "$name: W6A8 INT16 outputs differ from INT32"
    fi
    tail -n 1 "$vsum.tmp" | awk -F'\t' '{ printf "   agreement %s%%, %s SQNR %s dB, lowest %s dB (%s), %s s\n", $6, $7, $8, $9, $10, $11 }'
  done
done
mv "$vsum.tmp" "$vsum"
echo "== check ($vsum)"
awk -F'\t' '{ printf "%-18s %-5s %6s %10s %9s %9s %14s %14s\n", $1, $2, $3, $4, $5, $6, $8, $9 }' "$vsum"
