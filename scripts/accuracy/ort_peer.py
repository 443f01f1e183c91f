#!/usr/bin/env python3
"""The peer's PTQ on the same models and images as scripts/accuracy/weights.sh:
ONNX Runtime's quantize_static (per-channel QInt8 weights, QUInt8
activations, QDQ, MinMax calibration: its defaults plus per_channel), then
float and int8 top-1 and float/int8 agreement with ONNX Runtime itself.

  scripts/accuracy/ort_peer.py MODEL.onnx --cifar10 DIR [--calib N] [--stride K]
  scripts/accuracy/ort_peer.py MODEL.onnx --images CALIB_DIR EVAL_DIR
  scripts/accuracy/ort_peer.py MODEL.onnx --fashion-mnist DIR [--calib N] [--stride K]

CIFAR-10: calibration on the first N (200) images of DIR/train_jpg.tar.gz in
archive order, evaluation on DIR/test_jpg.tar.gz (every K-th), normalized as
qrt-convert's CIFAR-10 flags (mean 0.4914,0.4822,0.4465, std
0.2470,0.2435,0.2616). Image folders (labels.txt: name<TAB>class): centre
crop 224 of the 256-short-side images, (x/255 - 0.5) / 0.5, RGB (MobileNetV1
0.25). Fashion-MNIST (Debian's dataset-fashion-mnist DIR): the first N training
images calibrate, the 10,000 test images evaluate, (x/255 - 0.2860) / 0.3530.
Needs onnxruntime from pip in a venv made with
--system-site-packages (Debian's PIL), plus ml_dtypes and a pip onnx
(Debian's lacks onnx.reference); docs/calibration.md has the commands.
"""
import argparse
import os
import sys
import tempfile

import numpy as np

import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

from peer_data import cifar, fashion_mnist_normalize, fashion_mnist_pixels, image_dir  # shared with mnn_peer.py


class Reader(CalibrationDataReader):
    def __init__(self, name, x):
        self.it = iter([{name: x[i:i + 1]} for i in range(len(x))])

    def get_next(self):
        return next(self.it, None)


def top1(sess, x):
    name = sess.get_inputs()[0].name
    return np.array([int(np.argmax(sess.run(None, {name: x[i:i + 1]})[0])) for i in range(len(x))])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--cifar10")
    ap.add_argument("--images", nargs=2, metavar=("CALIB_DIR", "EVAL_DIR"))
    ap.add_argument("--fashion-mnist", metavar="DIR")
    ap.add_argument("--calib", type=int, default=200)
    ap.add_argument("--stride", type=int, default=1)
    a = ap.parse_args()
    if a.cifar10:
        xc, _ = cifar(os.path.join(a.cifar10, "train_jpg.tar.gz"), limit=a.calib)
        xe, ye = cifar(os.path.join(a.cifar10, "test_jpg.tar.gz"), stride=a.stride)
    elif a.images:
        xc, _ = image_dir(a.images[0])
        xe, ye = image_dir(a.images[1])
    elif a.fashion_mnist:
        pc, _ = fashion_mnist_pixels(os.path.join(a.fashion_mnist, "train-images-idx3-ubyte.gz"), limit=a.calib)
        pe, ye = fashion_mnist_pixels(os.path.join(a.fashion_mnist, "t10k-images-idx3-ubyte.gz"),
                                      os.path.join(a.fashion_mnist, "t10k-labels-idx1-ubyte.gz"))
        xc, xe, ye = fashion_mnist_normalize(pc), fashion_mnist_normalize(pe[::a.stride]), ye[::a.stride]
    else:
        sys.exit("ort_peer.py: give --cifar10 DIR, --images CALIB_DIR EVAL_DIR or --fashion-mnist DIR")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    fsess = ort.InferenceSession(a.model, opts, providers=["CPUExecutionProvider"])
    in_name = fsess.get_inputs()[0].name
    with tempfile.TemporaryDirectory() as d:
        q = os.path.join(d, "q.onnx")
        quantize_static(a.model, q, Reader(in_name, xc), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
        qsess = ort.InferenceSession(q, opts, providers=["CPUExecutionProvider"])
        pf, pq = top1(fsess, xe), top1(qsess, xe)
    print(f"images {len(xe)} (calibration {len(xc)})")
    print(f"onnxruntime float top-1 {100 * np.mean(pf == ye):.2f}%  int8 (quantize_static, per-channel QDQ) "
          f"top-1 {100 * np.mean(pq == ye):.2f}%  agreement {100 * np.mean(pf == pq):.2f}%")


if __name__ == "__main__":
    main()
