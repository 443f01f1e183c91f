#!/bin/bash
# qrt-convert --accuracy-budget on MobileNetV1 0.25 and ResNet-c10
# (docs/calibration.md, "Mixed precision by budget").
#
#   scripts/accuracy/budget.sh [--build DIR] [--out DIR] [--models "mbv1 resnet"]
#
# Every row: one qrt-convert (timed; its printed choice kept in
# OUT/<model>/<name>.log), then one qrt-eval of all of a model's files on
# held-out data.
#   mbv1: MobileNetV1 0.25 ($QRT_SHARED/models/imagenet), calibrated on the
#         even-numbered half of the ImageNet sample's labels.txt (500 images),
#         evaluated on the odd half (500), as scripts/accuracy/weights.sh.
#         W8, W6, W4 without a budget; W6 with budgets 0.88, 0.90; W4 with
#         0.85, 0.90.
#   resnet: ResNet-c10 (models/cifar10), calibrated on 200 training images
#         (the first 200 of the archive, one class, as weights.sh; and 200
#         drawn with --calib-seed 1), evaluated on every 10th test image
#         (1,000). W8, W4 without a budget; W4 with 0.99.
# Output: OUT/table.md (model, file, 8-bit layers, calibration-set
# agreement, held-out agreement and top-1, seconds, bytes).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${QRT_SHARED:-$ROOT/../shared}
BUILD=$ROOT/build/host
OUT=
MODELS="mbv1 resnet"
while [ $# -gt 0 ]; do
  case $1 in
    --build) BUILD=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --models) MODELS=$2; shift 2 ;;
    *) echo "budget.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$BUILD/budget}
. "$ROOT/scripts/accuracy/lib.sh"
accuracy_tools budget.sh
mkdir -p "$OUT"

for model in $MODELS; do
  case $model in
    mbv1) imagenet_half "$OUT/inet_calib" 0
          imagenet_half "$OUT/inet_eval" 1
          onnx=$SHARED/models/imagenet/mobilenet_v1_0.25_224.onnx
          cal="--calib-images $OUT/inet_calib --num-images 0 $INET_PP"
          ev="--images $OUT/inet_eval"
          rows=("w8:--weight-bits 8" "w6:--mode w6a8" "w6_b88:--mode w6a8 --accuracy-budget 0.88"
                "w6_b90:--mode w6a8 --accuracy-budget 0.90" "w4:--weight-bits 4"
                "w4_b85:--weight-bits 4 --accuracy-budget 0.85" "w4_b90:--weight-bits 4 --accuracy-budget 0.90") ;;
    resnet) onnx=$ROOT/models/cifar10/resnet_c10.onnx
          cal="--calib-cifar10 $C10/train_jpg.tar.gz --num-images 200 $C10_PP"
          ev="--cifar10 $C10/test_jpg.tar.gz --stride 10"
          rows=("w8:--weight-bits 8" "w4:--weight-bits 4" "w4_b99:--weight-bits 4 --accuracy-budget 0.99"
                "w4_seed1:--weight-bits 4 --calib-seed 1"
                "w4_seed1_b99:--weight-bits 4 --calib-seed 1 --accuracy-budget 0.99") ;;
    *) echo "budget.sh: unknown model $model" >&2; exit 2 ;;
  esac
  dir=$OUT/$model; mkdir -p "$dir"
  args=()
  for row in "${rows[@]}"; do
    name=${row%%:*}
    start=$(date +%s.%N)
    # A budget that is not met is an error (no file): the row says so.
    if "$CONVERT" "$onnx" -o "$dir/$name.qrt" $cal ${row#*:} > "$dir/$name.log" 2>&1; then
      args+=(--qrt "$dir/$name.qrt")
    else
      rm -f "$dir/$name.qrt"
    fi
    end=$(date +%s.%N)
    python3 -c "print(f'{$end - $start:.1f}')" > "$dir/$name.time"
  done
  "$EVAL" --onnx "$onnx" "${args[@]}" $ev -q --json "$dir/results.json" > "$dir/results.txt"
done
python3 - "$OUT" $MODELS <<'PY'
import json, os, re, sys
out, models = sys.argv[1], sys.argv[2:]
lines = ["| model | file | 8-bit layers | calibration agreement | held-out agreement | top-1 (float) | convert s | bytes |",
         "|---|---|---|---|---|---|---|---|"]
for model in models:
    d = os.path.join(out, model)
    res = json.load(open(os.path.join(d, "results.json")))
    if "models" in res:
        by_file = {os.path.basename(m["qrt"]): m for m in res["models"]}
    else:  # one file evaluated: the flat form
        by_file = {f: res for f in os.listdir(d) if f.endswith(".qrt")}
    for log in sorted(f for f in os.listdir(d) if f.endswith(".log")):
        name = log[:-4]
        text = open(os.path.join(d, log)).read()
        secs = open(os.path.join(d, name + ".time")).read().strip()
        m = re.search(r"agreement ([0-9.]+) on \d+ calibration samples with (\d+) of (\d+) layers", text)
        layers, cal = (f"{m.group(2)} of {m.group(3)}", f"{100 * float(m.group(1)):.1f} %") if m else ("-", "-")
        if "not met" in text:
            reach = re.search(r"reaches ([0-9.]+)", text).group(1)
            lines.append(f"| {model} | {name} | all | not met ({100 * float(reach):.1f} % at W8) | - | - | {secs} | - |")
            continue
        r = by_file.get(name + ".qrt")
        if r is None:
            continue
        size = os.path.getsize(os.path.join(d, name + ".qrt"))
        lines.append(f"| {model} | {name} | {layers} | {cal} | {r['agreement']:.1f} % | {r['int8_top1']:.1f} % "
                     f"({res['float_top1']:.1f}) | {secs} | {size:,} |")
open(os.path.join(out, "table.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
