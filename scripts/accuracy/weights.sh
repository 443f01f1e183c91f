#!/bin/bash
# Issue 10's table: weight quantization method x weight bits, per model.
#
#   scripts/accuracy/weights.sh [--build DIR] [--out DIR] [--bits "8 6 5 4"]
#                               [--methods "minmax"] [--models "mbv1 resnet mbv2 fmnist"]
#                               [--cifar-stride K]
#
# For every model, method and bit width: qrt-convert with --weight-bits B
# (activations 8 bits, KL 1.3, the defaults otherwise), --weights METHOD and,
# for METHOD+bc, --bias-correction on; then one qrt-eval over all of a model's
# files: top-1, float/int8 agreement, conversion seconds (OUT/<model>/*.time).
#   mbv1: MobileNetV1 0.25 ($QRT_SHARED/models/imagenet) on the ImageNet
#         sample, calibrated on the even-numbered half of labels.txt (500
#         images) and evaluated on the odd half (500): disjoint.
#   fmnist: the bundled Fashion-MNIST model (examples/fashion_mnist), calibrated
#         on the first 200 training images, evaluated on the 10,000 test
#         images (Debian's dataset-fashion-mnist).
#   resnet, mbv2: the CIFAR-10 models (models/cifar10), calibrated on 200
#         training images (the first 200 of the archive), evaluated on the
#         10,000 test images (every --cifar-stride-th; default 1).
# Output: OUT/<model>/results.json (qrt-eval --json) and OUT/table.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${QRT_SHARED:-$ROOT/../shared}
BUILD=$ROOT/build/host
OUT=
BITS="8 6 5 4"
METHODS="minmax"
MODELS="mbv1 resnet mbv2"
CSTRIDE=1
while [ $# -gt 0 ]; do
  case $1 in
    --build) BUILD=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --bits) BITS=$2; shift 2 ;;
    --methods) METHODS=$2; shift 2 ;;
    --models) MODELS=$2; shift 2 ;;
    --cifar-stride) CSTRIDE=$2; shift 2 ;;
    *) echo "weights.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$BUILD/weights}
. "$ROOT/scripts/accuracy/lib.sh"
accuracy_tools weights.sh
FMNIST=${QRT_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}  # Debian's dataset-fashion-mnist
for f in "$INET/labels.txt" "$C10/train_jpg.tar.gz" "$C10/test_jpg.tar.gz"; do
  [ -f "$f" ] || { echo "weights.sh: $f missing (set QRT_SHARED to the shared folder)" >&2; exit 1; }
done
mkdir -p "$OUT"

# The ImageNet sample split in two disjoint halves by position in labels.txt.
imagenet_half "$OUT/inet_calib" 0
imagenet_half "$OUT/inet_eval" 1

for model in $MODELS; do
  case $model in
    mbv1) onnx=$SHARED/models/imagenet/mobilenet_v1_0.25_224.onnx
          cal="--calib-images $OUT/inet_calib --num-images 0 $INET_PP"
          ev="--images $OUT/inet_eval" ;;
    resnet) onnx=$ROOT/models/cifar10/resnet_c10.onnx
          cal="--calib-cifar10 $C10/train_jpg.tar.gz --num-images 200 $C10_PP"
          ev="--cifar10 $C10/test_jpg.tar.gz --stride $CSTRIDE" ;;
    fmnist) onnx=$ROOT/examples/fashion_mnist/model.onnx
          [ -f "$FMNIST/train-images-idx3-ubyte.gz" ] ||
            { echo "weights.sh: $FMNIST missing (apt install dataset-fashion-mnist)" >&2; exit 1; }
          cal="--calib-fashion-mnist $FMNIST/train-images-idx3-ubyte.gz --num-images 200 --mean 0.2860 --std 0.3530 --channel-order GRAY"
          ev="--fashion-mnist-images $FMNIST/t10k-images-idx3-ubyte.gz --fashion-mnist-labels $FMNIST/t10k-labels-idx1-ubyte.gz" ;;
    mbv2) onnx=$ROOT/models/cifar10/mbv2_c10.onnx
          cal="--calib-cifar10 $C10/train_jpg.tar.gz --num-images 200 $C10_PP"
          ev="--cifar10 $C10/test_jpg.tar.gz --stride $CSTRIDE" ;;
    *) echo "weights.sh: unknown model $model" >&2; exit 2 ;;
  esac
  dir=$OUT/$model; mkdir -p "$dir"
  args=()
  for m in $METHODS; do
    for b in $BITS; do
      # METHOD[+bc]: --weights METHOD --bias-correction off, +bc: on
      name=${m/+/_}_w$b
      wflag=(--weights "${m%+bc}" --bias-correction off)
      [ "${m%+bc}" = "$m" ] || wflag=(--weights "${m%+bc}" --bias-correction on)
      start=$(date +%s.%N)
      "$CONVERT" "$onnx" -o "$dir/$name.qrt" $cal --weight-bits "$b" "${wflag[@]}" -q
      end=$(date +%s.%N)
      python3 -c "print(f'{$end - $start:.1f}')" > "$dir/$name.time"
      args+=(--qrt "$dir/$name.qrt")
    done
  done
  "$EVAL" --onnx "$onnx" "${args[@]}" $ev -q --json "$dir/results.json" > "$dir/results.txt"
  printf '%s\n' "${args[@]}" | grep -v '^--qrt$' > "$dir/files.txt"  # what results.json is about
done
python3 - "$OUT" $MODELS <<'PY'
import json, os, sys
out, models = sys.argv[1], sys.argv[2:]
lines = ["| model | file | top-1 | float top-1 | agreement | convert s |", "|---|---|---|---|---|---|"]
for m in models:
    r = json.load(open(os.path.join(out, m, "results.json")))
    files = open(os.path.join(out, m, "files.txt")).read().split()
    # qrt-eval writes one entry per file under "models", or a flat form for one file.
    for q in r.get("models") or [dict(r, qrt=files[0])]:
        name = os.path.basename(q["qrt"])[:-4]
        t = open(os.path.join(out, m, name + ".time")).read().strip()
        lines.append(f"| {m} | {name} | {q['int8_top1']} | {r['float_top1']} | {q['agreement']} | {t} |")
open(os.path.join(out, "table.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
