#!/usr/bin/env bash
# qrt next to LiteRT (ai-edge-litert, TFLite + XNNPACK) on the host: the
# same integer model as .qrt and as TFLite int8, outputs compared, then
# latency, one thread, alternating runs. benchmarks/litert/README.md.
#
#   benchmarks/litert/run.sh [ROUNDS=5] [ITERATIONS=200]
#
# Needs PyPI (the venv), ../shared (or QRT_SHARED) for MobileNetV1. Not in CI.
# Run from anywhere; everything it writes is under build/ (ignored):
#   build/venv-litert      the venv (system site packages: PIL, numpy ABI-free)
#   build/h-litert         qrt-convert, qrt-bench, qrt_e2e_reference
#   build/litert-work      models, pixels, references, logs
# Timed runs use `chrt -f 50` when root (other jobs share the cores).
set -euo pipefail
rounds=${1:-5} iters=${2:-200}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
shared=${QRT_SHARED:-$top/../shared}
venv=build/venv-litert B=build/h-litert W=build/litert-work
mkdir -p "$W"

if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
"$venv/bin/pip" install -q ai-edge-litert==2.3.0 numpy==2.4.6 flatbuffers==25.12.19 \
  ml_dtypes==0.7.0 backports.strenum==1.2.8 tqdm==4.70.1
P=$venv/bin/python

if [ ! -x "$B/benchmarks/qrt-bench" ] || [ ! -x "$B/tests/e2e/qrt_e2e_reference" ]; then
  cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$B" -j2 --target qrt-convert qrt-bench qrt_e2e_reference
fi

rt=()
if [ "$(id -u)" = 0 ] && command -v chrt > /dev/null; then rt=(chrt -f 50); fi

# Pixels: ImageNet sample (every 50th image for the comparison, another
# 32 for calibrating float-output convs), Fashion-MNIST train images for
# the Fashion model's calibration.
if [ -d "$shared/data/imagenet-sample" ]; then
  [ -f "$W/imagenet_sample20.u8" ] || "$P" benchmarks/litert/imagenet_pixels.py \
    "$shared/data/imagenet-sample" "$W/imagenet_sample20.u8" --start 0 --step 50 --count 20
  [ -f "$W/imagenet_calib32.u8" ] || "$P" benchmarks/litert/imagenet_pixels.py \
    "$shared/data/imagenet-sample" "$W/imagenet_calib32.u8" --start 25 --step 31 --count 32
fi
if [ ! -f "$W/fmnist_train200.u8" ]; then
  "$P" -c "import gzip; open('$W/fmnist_train200.u8','wb').write(gzip.open('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz').read()[16:16+200*784])"
fi

# name, .qrt, reference (made here unless it exists), calibration pixels
models=()
models+=("fashion_mnist_w8a8 tests/e2e/data/fashion_mnist_w8a8.qrt tests/e2e/data/fashion_mnist_w8a8.ref $W/fmnist_train200.u8")
if [ -f "$shared/models/imagenet/mobilenet_v1_0.25_224.onnx" ]; then
  if [ ! -f "$W/mobilenet_v1_0.25_224.qrt" ]; then
    "$B/converter/driver/qrt-convert" "$shared/models/imagenet/mobilenet_v1_0.25_224.onnx" \
      -o "$W/mobilenet_v1_0.25_224.qrt" --calib-images "$shared/data/imagenet-sample" \
      --num-images 32 --resize-short 256 --crop 224x224 --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5 \
      --channel-order RGB > "$W/mobilenet_v1_0.25_224.convert.log"
  fi
  models+=("mobilenet_v1_0.25_224 $W/mobilenet_v1_0.25_224.qrt $W/mobilenet_v1_0.25_224.ref $W/imagenet_calib32.u8")
fi
for m in mobilenet_v2_1.0_w8a8 resnet50_w8a8; do
  [ -f "build/bench-models/$m.qrt" ] && models+=("$m build/bench-models/$m.qrt $W/$m.ref $W/imagenet_calib32.u8")
done

summary=$W/summary.txt
: > "$summary"
for entry in "${models[@]}"; do
  read -r name qrt ref calib <<< "$entry"
  echo "== $name" | tee -a "$summary"
  if [ ! -f "$ref" ]; then
    "$B/tests/e2e/qrt_e2e_reference" "$qrt" "$ref" file imagenet_sample20.u8 20
  fi
  "$P" benchmarks/litert/qrt_to_tflite.py "$qrt" -o "$W/$name.tflite" --calib "$calib" 2>&1 |
    tee -a "$summary"
  "$P" benchmarks/litert/litert_run.py check "$W/$name.tflite" "$ref" --qrt "$qrt" 2>&1 |
    grep -v '^INFO' | tee -a "$summary"
  n=$iters w=20   # big models (> 2 MB): a tenth of the runs
  if [ "$(stat -c %s "$qrt")" -gt 2000000 ]; then n=$(( iters / 10 > 10 ? iters / 10 : 10 )) w=3; fi
  for r in $(seq "$rounds"); do
    q=$("${rt[@]}" "$B/benchmarks/qrt-bench" "$qrt" --threads 1 --iterations "$n" --warmup "$w" |
      sed -n 's/latency median \([0-9.]*\) ms.*/\1/p')
    l=$("${rt[@]}" "$P" benchmarks/litert/litert_run.py bench "$W/$name.tflite" \
      --iterations "$n" --warmup "$w" 2>/dev/null | sed -n 's/latency median \([0-9.]*\) ms.*/\1/p')
    echo "round $r ($n runs): qrt $q ms, litert-xnnpack $l ms" | tee -a "$summary"
  done
done
echo "summary: $summary"
