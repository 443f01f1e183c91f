#!/usr/bin/env python3
"""QDQ models of the bundled Fashion-MNIST model made by ONNX Runtime's
quantizer, and ONNX Runtime's own logits of them, for tests/qdq.

  build/venv-ort/bin/python scripts/qdq/make_ort_qdq.py [--out tests/qdq/data]

Needs onnxruntime (pip, in a venv made with --system-site-packages; see
docs/calibration.md) and numpy; the data from Debian's dataset-fashion-mnist
(--fashion-mnist DIR). Steps:
  1. onnxruntime.quantization.quant_pre_process on
     examples/fashion_mnist/model.onnx (ORT's recommended preparation: shape
     inference and ORT's basic graph optimizations, which fold
     BatchNormalization into Conv).
  2. quantize_static of the result, QDQ format, per-channel QInt8 weights,
     MinMax calibration on the first --calib (200) training images, twice:
       ort_qdq_s8.onnx: QInt8 activations, ActivationSymmetric=True (zero point 0)
       ort_qdq_u8.onnx: QUInt8 activations, ORT's default asymmetric ranges
  3. Each QDQ model run by ORT (CPU, one thread) on the first --images (1000)
     t10k test images: float32 logits [N, 10] -> ort_qdq_{s8,u8}.logits.npy.
Preprocessing (x / 255 - 0.2860) / 0.3530, as qrt-convert's --mean/--std and
the runtime apply it (scripts/accuracy/peer_data.py). Deterministic: fixed
images, MinMax calibration, one thread.
"""
import argparse
import os
import shutil
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "accuracy"))
import peer_data as pd  # noqa: E402  Fashion-MNIST loading and normalization, shared with the peers

MODEL = os.path.join(ROOT, "examples", "fashion_mnist", "model.onnx")


class Reader(CalibrationDataReader):
    def __init__(self, name, x):
        self.it = iter([{name: x[i:i + 1]} for i in range(len(x))])

    def get_next(self):
        return next(self.it, None)


def logits(path, x):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: x[i:i + 1]})[0] for i in range(len(x))]).astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "qdq", "data"))
    ap.add_argument("--fashion-mnist", default="/usr/share/datasets/fashion-mnist", metavar="DIR")
    ap.add_argument("--calib", type=int, default=200)
    ap.add_argument("--images", type=int, default=1000)
    a = ap.parse_args()
    d = a.fashion_mnist
    pc, _ = pd.fashion_mnist_pixels(os.path.join(d, "train-images-idx3-ubyte.gz"), limit=a.calib)
    pe, _ = pd.fashion_mnist_pixels(os.path.join(d, "t10k-images-idx3-ubyte.gz"), limit=a.images)
    xc, xe = pd.fashion_mnist_normalize(pc), pd.fashion_mnist_normalize(pe)
    os.makedirs(a.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pre = os.path.join(tmp, "pre.onnx")
        quant_pre_process(MODEL, pre)
        in_name = onnx.load(pre).graph.input[0].name
        for tag, act, extra in (("s8", QuantType.QInt8, {"ActivationSymmetric": True}),
                                ("u8", QuantType.QUInt8, {})):
            q = os.path.join(tmp, f"ort_qdq_{tag}.onnx")
            quantize_static(pre, q, Reader(in_name, xc), quant_format=QuantFormat.QDQ, per_channel=True,
                            activation_type=act, weight_type=QuantType.QInt8, extra_options=extra)
            out = os.path.join(a.out, f"ort_qdq_{tag}.onnx")
            shutil.copyfile(q, out)
            y = logits(out, xe)
            np.save(os.path.join(a.out, f"ort_qdq_{tag}.logits.npy"), y)
            print(f"wrote {out} ({os.path.getsize(out)} bytes) and its logits on {len(xe)} t10k images")
    print(f"onnxruntime {ort.__version__}, onnx {onnx.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
