#!/usr/bin/env bash
# Regenerates tests/e2e/data: the Fashion-MNIST models (host qrt-convert, the
# flags of scripts/demo.sh) and their reference outputs (QRT_KERNEL_PATH=ref),
# with float adds F32 (*.ref) and F16 (*_f16.ref).
# Usage: tests/e2e/regenerate.sh [host build dir, default build-int]
# Only rerun when the converter's output is meant to change; then commit the
# new .qrt and .ref files together.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-int}
data=/usr/share/datasets/fashion-mnist
out=tests/e2e/data
cmake --build "$build" -j2 --target qrt-convert qrt_e2e_reference
for mode in w8a8 w6a8; do
  "$build"/converter/driver/qrt-convert examples/fashion_mnist/model.onnx -o "$out/fashion_mnist_$mode.qrt" \
    --calib-fashion-mnist "$data/train-images-idx3-ubyte.gz" --num-images 200 \
    --mean 0.2860 --std 0.3530 --channel-order GRAY --labels examples/fashion_mnist/labels.txt \
    --mode "$mode" -q
  "$build"/tests/e2e/qrt_e2e_reference "$out/fashion_mnist_$mode.qrt" "$out/fashion_mnist_$mode.ref" \
    file fashion_mnist_t10k_first8.u8 8
  # The same with fp16 residual adds (session float_adds F16).
  QRT_E2E_FLOAT_ADDS=f16 "$build"/tests/e2e/qrt_e2e_reference "$out/fashion_mnist_$mode.qrt" \
    "$out/fashion_mnist_${mode}_f16.ref" file fashion_mnist_t10k_first8.u8 8
done
