#!/usr/bin/env python3
"""Where MobileNetV1 0.25 loses accuracy under quantization (docs/accuracy.md).

A float simulation in PyTorch of the ONNX model (Conv + BatchNormalization
folded exactly, Clip, GlobalAveragePool, Flatten, Softmax: the ops of
mobilenet_v1_0.25_224.onnx), with the method's quantizers applied one kind
at a time: per-output-channel MinMax weights (round half to even, as the
converter) and/or U8 activations on [0, 6] after every ReLU6 (scale 6/255,
what KL and MinMax both pick on this model). It compares each variant with
the float model: SQNR of the logits and top-1 agreement. Then it quantizes
the weights of ONE conv at a time to rank the layers by how much they hurt
on their own.

  scripts/accuracy/mbv1_sensitivity.py MODEL.onnx IMAGE_DIR [--images N] [--bits B]

Needs Debian's python3-torch, python3-onnx and python3-pil
(`scripts/setup.sh --with-python`). Preprocessing as the model's README: resize the short side to 256
(bilinear), centre crop 224, (x/255 - 0.5) / 0.5, RGB.
"""
import argparse
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from PIL import Image


def attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            if a.ints:
                return list(a.ints)
            return a.i if a.type == onnx.AttributeProto.INT else a.f
    return default


class Simulator:
    def __init__(self, path):
        self.model = onnx.load(path)
        self.init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy())
                     for i in self.model.graph.initializer}
        self.nodes = list(self.model.graph.node)
        self.convs = [n.name for n in self.nodes if n.op_type == "Conv"]

    def folded(self, conv, bn):
        w = self.init[conv.input[1]]
        g, b, mu, var = (self.init[k] for k in bn.input[1:5])
        s = g / torch.sqrt(var + attr(bn, "epsilon", 1e-5))
        return w * s.reshape(-1, 1, 1, 1), b - mu * s

    @staticmethod
    def quantize_weights(w, bits):  # per output channel, symmetric MinMax
        qmax = 2 ** (bits - 1) - 1
        scale = w.abs().reshape(w.shape[0], -1).max(1).values / qmax
        scale = torch.where(scale > 0, scale, torch.ones_like(scale)).reshape(-1, 1, 1, 1)
        return torch.round(w / scale) * scale

    @staticmethod
    def quantize_u8(x, hi=6.0):
        step = hi / 255
        return torch.clamp(torch.round(x / step), 0, 255) * step

    def run(self, x, weight_bits=None, quantize_acts=False, only=None):
        env = {self.model.graph.input[0].name: x}
        i = 0
        while i < len(self.nodes):
            n = self.nodes[i]
            t = n.op_type
            if t == "Conv":
                bn = self.nodes[i + 1] if i + 1 < len(self.nodes) else None
                if bn is not None and bn.op_type == "BatchNormalization" and bn.input[0] == n.output[0]:
                    w, b = self.folded(n, bn)
                    out = bn.output[0]
                    i += 2
                else:
                    w = self.init[n.input[1]]
                    b = self.init[n.input[2]] if len(n.input) > 2 and n.input[2] else None
                    out = n.output[0]
                    i += 1
                if weight_bits and (only is None or n.name in only):
                    w = self.quantize_weights(w, weight_bits)
                p = attr(n, "pads", [0, 0, 0, 0])
                xin = F.pad(env[n.input[0]], (p[1], p[3], p[0], p[2]))
                env[out] = F.conv2d(xin, w, b, stride=attr(n, "strides", [1, 1]),
                                    groups=attr(n, "group", 1))
                continue
            args = [env[k] if k in env else self.init.get(k) for k in n.input]
            if t == "Clip":
                y = torch.clamp(args[0], float(args[1]), float(args[2]))
                if quantize_acts:
                    y = self.quantize_u8(y, float(args[2]))
            elif t == "Relu":
                y = F.relu(args[0])
            elif t == "GlobalAveragePool":
                y = args[0].mean((2, 3), keepdim=True)
            elif t == "Flatten":
                y = args[0].flatten(1)
            elif t == "Softmax":  # the logits are compared (same argmax)
                env["logits"] = args[0]
                y = F.softmax(args[0], -1)
            else:
                sys.exit(f"mbv1_sensitivity.py: error: node {n.name}: op {t} is not simulated")
            env[n.output[0]] = y
            i += 1
        return env.get("logits", env[self.model.graph.output[0].name])


def load_images(folder, count):
    names = sorted(f for f in os.listdir(folder) if f.lower().endswith((".jpeg", ".jpg", ".png")))
    if not names:
        sys.exit(f"mbv1_sensitivity.py: error: no images in {folder}")
    out = []
    for name in names[:count]:
        im = Image.open(os.path.join(folder, name)).convert("RGB")
        w, h = im.size
        s = 256 / min(w, h)
        im = im.resize((round(w * s), round(h * s)), Image.BILINEAR)
        w, h = im.size
        left, top = (w - 224) // 2, (h - 224) // 2
        im = im.crop((left, top, left + 224, top + 224))
        out.append(((np.asarray(im, np.float32) / 255 - 0.5) / 0.5).transpose(2, 0, 1))
    return torch.from_numpy(np.stack(out))


def sqnr(ref, got):
    return 10 * torch.log10((ref ** 2).sum() / ((ref - got) ** 2).sum()).item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("images")
    ap.add_argument("--images-count", "--images", dest="count", type=int, default=64)
    ap.add_argument("--bits", type=int, default=8, help="weight bits of the per-layer ranking")
    a = ap.parse_args()
    sim = Simulator(a.model)
    x = load_images(a.images, a.count)
    with torch.no_grad():
        ref = sim.run(x)
        print(f"{x.shape[0]} images; each row against the float model")
        print("| quantized | logits SQNR dB | top-1 agreement |\n|---|---:|---:|")
        for label, kw in [("U8 activations only", dict(quantize_acts=True)),
                          ("8-bit weights only", dict(weight_bits=8)),
                          ("6-bit weights only", dict(weight_bits=6)),
                          ("W8A8", dict(weight_bits=8, quantize_acts=True)),
                          ("W6A8", dict(weight_bits=6, quantize_acts=True))]:
            got = sim.run(x, **kw)
            agree = (got.argmax(1) == ref.argmax(1)).float().mean().item()
            print(f"| {label} | {sqnr(ref, got):.1f} | {100 * agree:.1f}% |")
        rows = []
        for name in sim.convs:
            got = sim.run(x, weight_bits=a.bits, only={name})
            rows.append((sqnr(ref, got), (got.argmax(1) == ref.argmax(1)).float().mean().item(), name))
        rows.sort()
        print(f"\nOne conv at a time with {a.bits}-bit weights, worst first:")
        print("| conv | logits SQNR dB | top-1 agreement |\n|---|---:|---:|")
        for s, agree, name in rows[:8]:
            print(f"| `{name}` | {s:.1f} | {100 * agree:.1f}% |")


if __name__ == "__main__":
    main()
