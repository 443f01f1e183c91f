#!/usr/bin/env python3
"""The peer's PTQ on the same models and images as scripts/accuracy/weights.sh:
ONNX Runtime's quantize_static (per-channel QInt8 weights, QUInt8
activations, QDQ, MinMax calibration: its defaults plus per_channel), then
float and int8 top-1 and float/int8 agreement with ONNX Runtime itself.

  scripts/accuracy/ort_peer.py MODEL.onnx --cifar10 DIR [--calib N] [--stride K]
  scripts/accuracy/ort_peer.py MODEL.onnx --images CALIB_DIR EVAL_DIR

CIFAR-10: calibration on the first N (200) images of DIR/train_jpg.tar.gz in
archive order, evaluation on DIR/test_jpg.tar.gz (every K-th), normalized as
qrt-convert's CIFAR-10 flags (mean 0.4914,0.4822,0.4465, std
0.2470,0.2435,0.2616). Image folders (labels.txt: name<TAB>class): centre
crop 224 of the 256-short-side images, (x/255 - 0.5) / 0.5, RGB (MobileNetV1
0.25). Needs onnxruntime from pip in a venv made with
--system-site-packages (Debian's PIL), plus ml_dtypes and a pip onnx
(Debian's lacks onnx.reference); docs/calibration.md has the commands.
"""
import argparse
import io
import os
import sys
import tarfile
import tempfile

import numpy as np
from PIL import Image

import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

C10_MEAN = np.array([0.4914, 0.4822, 0.4465], np.float32).reshape(3, 1, 1)
C10_STD = np.array([0.2470, 0.2435, 0.2616], np.float32).reshape(3, 1, 1)


def cifar(tar_path, limit=None, stride=1):
    classes = None
    out, labels = [], []
    with tarfile.open(tar_path) as tf:
        members = [m for m in tf.getmembers() if m.isfile() and m.name.endswith(".jpg")]
        if classes is None:
            classes = sorted({m.name.split("/")[-2] for m in members})
        for i, m in enumerate(members):
            if i % stride:
                continue
            im = Image.open(io.BytesIO(tf.extractfile(m).read())).convert("RGB")
            x = np.asarray(im, np.float32).transpose(2, 0, 1) / 255.0
            out.append((x - C10_MEAN) / C10_STD)
            labels.append(classes.index(m.name.split("/")[-2]))
            if limit and len(out) >= limit:
                break
    return np.stack(out).astype(np.float32), np.array(labels)


def image_dir(folder):
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(folder, "labels.txt")) if l.strip()]
    out = []
    for name, _ in rows:
        im = Image.open(os.path.join(folder, name)).convert("RGB")
        w, h = im.size
        s = 256 / min(w, h)
        if s != 1:
            im = im.resize((round(w * s), round(h * s)), Image.BILINEAR)
        w, h = im.size
        left, top = (w - 224) // 2, (h - 224) // 2
        im = im.crop((left, top, left + 224, top + 224))
        out.append(((np.asarray(im, np.float32) / 255 - 0.5) / 0.5).transpose(2, 0, 1))
    return np.stack(out).astype(np.float32), np.array([int(c) for _, c in rows])


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
    ap.add_argument("--calib", type=int, default=200)
    ap.add_argument("--stride", type=int, default=1)
    a = ap.parse_args()
    if a.cifar10:
        xc, _ = cifar(os.path.join(a.cifar10, "train_jpg.tar.gz"), limit=a.calib)
        xe, ye = cifar(os.path.join(a.cifar10, "test_jpg.tar.gz"), stride=a.stride)
    elif a.images:
        xc, _ = image_dir(a.images[0])
        xe, ye = image_dir(a.images[1])
    else:
        sys.exit("ort_peer.py: give --cifar10 DIR or --images CALIB_DIR EVAL_DIR")
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
