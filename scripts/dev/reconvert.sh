#!/usr/bin/env bash
# Converts a fixed set of models with a given qrt-convert, for checking that a
# refactor leaves every .qrt byte-identical:
#   scripts/dev/reconvert.sh QRT_CONVERT OUT_DIR
#   scripts/dev/reconvert.sh --compare DIR_A DIR_B   (cmp every file; exit 1 on a difference)
# Models: the bundled Fashion-MNIST model, the CIFAR-10 ResNet / MobileNetV2
# (models/cifar10/ and QRT_SHARED/models/cifar10/), MobileNetV1 0.25
# (QRT_SHARED/models/imagenet), each at
# W8A8 and W6A8, plus --iterative and MinMax variants on the bundled model.
# Data: Fashion-MNIST from the Debian package, CIFAR-10 and ImageNet-sample
# from QRT_SHARED (default: ../shared beside the checkout).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${1:-}" = --compare ]; then
  a=$2 b=$3 bad=0 n=0
  for f in "$a"/*.qrt; do
    n=$((n + 1))
    if cmp -s "$f" "$b/$(basename "$f")"; then echo "same    $(basename "$f")"
    else echo "DIFFERS $(basename "$f")"; bad=1; fi
  done
  [ "$n" -gt 0 ] || { echo "no .qrt files in $a" >&2; exit 1; }
  exit $bad
fi
[ $# -eq 2 ] || { sed -n 2,11p "$0" >&2; exit 2; }
convert=$1 out=$2
shared=${QRT_SHARED:-$top/../shared}
fm=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
for need in "$fm" "$shared/data/cifar10/train_jpg.tar.gz" "$shared/models/imagenet/mobilenet_v1_0.25_224.onnx"; do
  [ -e "$need" ] || { echo "reconvert.sh: missing $need (set QRT_SHARED)" >&2; exit 1; }
done
mkdir -p "$out"
run() { local name=$1; shift; echo "== $name"; "$convert" "$@" -o "$out/$name.qrt" -q; }
fmnist=(--calib-fashion-mnist "$fm" --num-images 200 --mean 0.2860 --std 0.3530 --channel-order GRAY
        --labels "$top/examples/fashion_mnist/labels.txt")
for mode in w8a8 w6a8; do
  run "fmnist_$mode" "$top/examples/fashion_mnist/model.onnx" "${fmnist[@]}" --mode $mode
done
run fmnist_w6a8_iterative "$top/examples/fashion_mnist/model.onnx" "${fmnist[@]}" --mode w6a8 --iterative
run fmnist_w8a8_minmax "$top/examples/fashion_mnist/model.onnx" "${fmnist[@]}" --calibration minmax
cifar=(--calib-cifar10 "$shared/data/cifar10/train_jpg.tar.gz" --calib-seed 1 --num-images 64
       --mean 0.4914,0.4822,0.4465 --std 0.2470,0.2435,0.2616)
for m in resnet mbv2; do  # the project's fine-tunes and the user-side models they came from
  for mode in w8a8 w6a8; do
    run "${m}_c10_$mode" "$top/models/cifar10/${m}_c10.onnx" "${cifar[@]}" --mode $mode
    run "shared_${m}_c10_$mode" "$shared/models/cifar10/${m}_c10.onnx" "${cifar[@]}" --mode $mode
  done
done
for mode in w8a8 w6a8; do
  run "mbv1_$mode" "$shared/models/imagenet/mobilenet_v1_0.25_224.onnx" --calib-images "$shared/data/imagenet-sample" \
      --num-images 32 --resize-short 256 --crop 224x224 --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5 --mode $mode
done
