#!/usr/bin/env python3
"""Exports torchvision classifiers to ONNX and checks qrt's import + passes +
float executor against onnxruntime on one random input (docs/onnx-import.md,
"torchvision models").

Weights are random; BatchNorm statistics are re-estimated on random inputs
in train mode so activations keep a realistic scale. Models go to --out
(never committed). Needs torch, torchvision, onnx and onnxruntime, e.g.

  python3 -m venv --system-site-packages build/venv && build/venv/bin/pip install onnxruntime
  build/venv/bin/python tests/converter/import/torchvision_float_check.py \
      --tool build/host/tests/converter/import/import_float_run --out build/torchvision

Prints per model: the node kinds after the passes, max |qrt - ort| / max
|ort| and whether the top-5 classes agree. Exit 1 if any model fails or
disagrees by more than --tol.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnxruntime as ort
import torch
import torchvision

DEFAULT = ("mobilenet_v3_small:13 mobilenet_v3_small:9 mobilenet_v3_large:11 shufflenet_v2_x0_5:13 "
           "shufflenet_v2_x0_5:9 shufflenet_v2_x1_0:11 mnasnet0_5:13 mnasnet1_0:10 efficientnet_b0:13 "
           "efficientnet_b0:9 googlenet:13 googlenet:9 densenet121:13 densenet121:9 squeezenet1_1:13 "
           "squeezenet1_1:7 regnet_x_400mf:13 resnet18:8 resnet50:13 mobilenet_v2:7 alexnet:9")


def export(name, opset, path):
    torch.manual_seed(0)
    kw = {"aux_logits": False, "init_weights": True} if name == "googlenet" else {}
    m = getattr(torchvision.models, name)(weights=None, **kw)
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.momentum = None
            mod.reset_running_stats()
    m.train()
    with torch.no_grad():
        m(torch.randn(4, 3, 224, 224))
    m.eval()
    torch.onnx.export(m, torch.randn(1, 3, 224, 224), path, opset_version=opset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True, help="import_float_run binary")
    ap.add_argument("--out", required=True, help="folder for the exported models")
    ap.add_argument("--models", default=DEFAULT, help="name:opset list")
    ap.add_argument("--tol", type=float, default=1e-4, help="max relative difference")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    x = np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32)
    xin, yout = os.path.join(a.out, "x.f32"), os.path.join(a.out, "y.f32")
    x.tofile(xin)
    bad = 0
    print("| model | opset | nodes after the passes | max abs diff / max abs | top-5 same |")
    print("|---|---|---|---|---|")
    for item in a.models.split():
        name, opset = item.split(":")
        path = os.path.join(a.out, f"{name}_op{opset}.onnx")
        if not os.path.exists(path):
            export(name, int(opset), path)
        r = subprocess.run([a.tool, path, xin, yout], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"| {name} | {opset} | FAILED: {r.stderr.strip()} | | |")
            bad += 1
            continue
        y = np.fromfile(yout, dtype=np.float32)
        s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        ref = s.run(None, {s.get_inputs()[0].name: x})[0].ravel()
        rel = float(np.abs(y - ref).max() / np.abs(ref).max())
        top5 = set(np.argsort(-y)[:5]) == set(np.argsort(-ref)[:5])
        print(f"| {name} | {opset} | {r.stdout.strip().rstrip(',')} | {rel:.1e} | {'yes' if top5 else 'NO'} |")
        bad += rel > a.tol or not top5
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
