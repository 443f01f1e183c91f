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
import os
import tempfile

import numpy as np

import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

import peer_data as pd  # the loaders and the command line, shared with mnn_peer.py


class Reader(CalibrationDataReader):
    def __init__(self, name, x):
        self.it = iter([{name: x[i:i + 1]} for i in range(len(x))])

    def get_next(self):
        return next(self.it, None)


def top1(sess, x):
    name = sess.get_inputs()[0].name
    return np.array([int(np.argmax(sess.run(None, {name: x[i:i + 1]})[0])) for i in range(len(x))])


def main():
    a = pd.argument_parser(__doc__).parse_args()
    pc, _, normalize, xe, ye = pd.load(a, "ort_peer.py")
    xc = normalize(pc)
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
