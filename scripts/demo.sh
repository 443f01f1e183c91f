#!/usr/bin/env bash
# The main job, end to end on the bundled model and data:
#   setup -> build -> qrt-convert (calibrate on Fashion-MNIST train images)
#   -> qrt-eval on the 10,000 test images: float and int8 top-1, agreement, latency.
# Usage: scripts/demo.sh [--num-calib N] [--limit N]
set -euo pipefail
cd "$(dirname "$0")/.."
num_calib=200
limit=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --num-calib) num_calib="$2"; shift 2 ;;
    --limit) limit="$2"; shift 2 ;;
    *) echo "demo.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
data=/usr/share/datasets/fashion-mnist
out=build/demo
bash scripts/setup.sh
cmake -S . -B build/host -DCMAKE_BUILD_TYPE=Release
cmake --build build/host -j "$(nproc)" --target qrt-convert qrt-eval qrt-classify
mkdir -p "$out"
echo "== qrt-convert examples/fashion_mnist/model.onnx -> $out/model.qrt"
build/host/converter/driver/qrt-convert examples/fashion_mnist/model.onnx -o "$out/model.qrt" \
  --calib-fashion-mnist "$data/train-images-idx3-ubyte.gz" --num-images "$num_calib" \
  --mean 0.2860 --std 0.3530 --channel-order GRAY --labels examples/fashion_mnist/labels.txt
echo "== qrt-eval on the Fashion-MNIST test set"
build/host/eval/qrt-eval --onnx examples/fashion_mnist/model.onnx --qrt "$out/model.qrt" \
  --fashion-mnist-images "$data/t10k-images-idx3-ubyte.gz" \
  --fashion-mnist-labels "$data/t10k-labels-idx1-ubyte.gz" --limit "$limit"
echo "== the C example (examples/classify/classify.c) on two bundled images"
build/host/examples/classify/qrt-classify "$out/model.qrt" \
  examples/fashion_mnist/t10k_0_ankle_boot.pgm examples/fashion_mnist/t10k_1_pullover.ppm
