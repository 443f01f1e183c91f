#!/usr/bin/env python3
"""litert_run.py: run a .tflite with LiteRT next to qrt.

    litert_run.py check model.tflite qrt.ref      outputs vs a qrt_e2e_reference file
    litert_run.py bench model.tflite [--iterations N] [--warmup N] [--no-xnnpack]

check: the reference file (tests/e2e/e2e_util.h format) names the inputs
(raw u8 HWC pixels or the LCG) and holds qrt's float outputs bit for bit;
the pixels go through the model's preprocess ((x / 255 - mean) / std, read
from the .qrt given with --qrt) and LiteRT runs them. Prints the largest
absolute output difference and how often top-1 agrees.

bench: one thread, XNNPACK delegate (LiteRT's default) unless
--no-xnnpack; a fixed pseudo-random input like qrt-bench's; median and p90
of `iterations` timed invoke() calls (time.perf_counter_ns around invoke
only; the Python call costs about a microsecond of that).
"""
import argparse
import os
import struct
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def interpreter(path, xnnpack=True):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    kind = OpResolverType.AUTO if xnnpack else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    it = Interpreter(model_path=path, num_threads=1, experimental_op_resolver_type=kind)
    it.allocate_tensors()
    return it


def ops_summary(it):
    names = [d["op_name"] for d in it._get_ops_details()]
    out = {}
    for n in names:
        out[n] = out.get(n, 0) + 1
    return ", ".join(f"{k} x{v}" for k, v in out.items())


def read_reference(path):
    lines = open(path).read().split("\n")
    assert lines[0].startswith("qrt-e2e-reference")
    inp = lines[1].split()
    n_out = int(lines[2].split()[1])
    rows = [l.split() for l in lines[3:] if l.strip()]
    out = np.array([[struct.unpack("<f", struct.pack("<I", int(h, 16)))[0] for h in r]
                    for r in rows], np.float32)
    assert out.shape[1] == n_out
    if inp[1] == "file":
        f = inp[2] if os.path.isabs(inp[2]) else os.path.join(os.path.dirname(path), inp[2])
        return ("file", f, int(inp[3])), out
    return ("random", int(inp[3]), int(inp[2])), out


def pixels_for(spec, count, elements):
    if spec[0] == "file":
        px = np.fromfile(spec[1], np.uint8)[: count * elements]
        return px.reshape(count, elements)
    seed = spec[1]   # tests/e2e/e2e_util.cc MakePixels
    s = (seed * 2246822519 + 1) & 0xFFFFFFFF
    px = np.empty(count * elements, np.uint8)
    for i in range(px.size):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        px[i] = s >> 24
    return px.reshape(count, elements)


def check(a):
    from qrt_to_tflite import QrtModel, load_qrt_schema, ROOT
    qm = QrtModel(a.qrt, load_qrt_schema(a.gen_dir or os.path.join(ROOT, "build", "litert-gen")))
    spec, ref = read_reference(a.reference)
    it = interpreter(a.model, not a.no_xnnpack)
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    elements = int(np.prod(inp["shape"][1:]))
    px = pixels_for(spec, ref.shape[0], elements)
    x = qm.preprocess(px)
    got = []
    for img in x:
        it.set_tensor(inp["index"], img.reshape(inp["shape"]).astype(np.float32))
        it.invoke()
        got.append(it.get_tensor(out["index"]).reshape(-1).copy())
    got = np.array(got)
    diff = np.abs(got - ref)
    top1 = (got.argmax(1) == ref.argmax(1)).sum()
    print(f"model {a.model}")
    print(f"ops {ops_summary(it)}")
    print(f"images {len(got)}, outputs {ref.shape[1]}, output range of qrt "
          f"[{ref.min():.4g}, {ref.max():.4g}]")
    print(f"max |litert - qrt| {diff.max():.6g}, mean {diff.mean():.6g}, "
          f"bit-identical outputs {int((got == ref).sum())} of {got.size}")
    print(f"top-1 agrees on {top1} of {len(got)}")


def bench(a):
    it = interpreter(a.model, not a.no_xnnpack)
    inp = it.get_input_details()[0]
    n = int(np.prod(inp["shape"]))
    s = 12345   # qrt-bench's input
    x = np.empty(n, np.float32)
    for i in range(n):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        x[i] = np.float32(s >> 8) / np.float32(1 << 24) * 2 - 1
    it.set_tensor(inp["index"], x.reshape(inp["shape"]))
    invoke = it.invoke
    for _ in range(a.warmup):
        invoke()
    t = []
    clock = time.perf_counter_ns
    for _ in range(a.iterations):
        t0 = clock()
        invoke()
        t.append(clock() - t0)
    t.sort()
    med = t[len(t) // 2] * 1e-6
    p90 = t[min(len(t) - 1, len(t) * 9 // 10)] * 1e-6
    print(f"model {a.model}")
    print(f"litert {'xnnpack' if not a.no_xnnpack else 'builtin (no delegate)'}, threads 1, "
          f"iterations {a.iterations} (warmup {a.warmup})")
    print(f"ops {ops_summary(it)}")
    print(f"latency median {med:.3f} ms, p90 {p90:.3f} ms")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("model")
    c.add_argument("reference")
    c.add_argument("--qrt", required=True, help="the .qrt (for its preprocess)")
    c.add_argument("--gen-dir")
    c.add_argument("--no-xnnpack", action="store_true")
    b = sub.add_parser("bench")
    b.add_argument("model")
    b.add_argument("--iterations", type=int, default=200)
    b.add_argument("--warmup", type=int, default=20)
    b.add_argument("--no-xnnpack", action="store_true")
    a = ap.parse_args()
    check(a) if a.cmd == "check" else bench(a)


if __name__ == "__main__":
    main()
