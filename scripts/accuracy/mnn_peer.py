#!/usr/bin/env python3
"""The peer's PTQ on the same models and images as scripts/accuracy/weights.sh:
MNN's offline quantizer (mnnquant) with its documented defaults, then float
and int8 top-1 and float/int8 agreement with MNN itself.

  scripts/accuracy/mnn_peer.py MODEL.onnx --cifar10 DIR [--calib N] [--stride K]
  scripts/accuracy/mnn_peer.py MODEL.onnx --images CALIB_DIR EVAL_DIR
  scripts/accuracy/mnn_peer.py MODEL.onnx --fashion-mnist DIR [--calib N] [--stride K]
  [--keep DIR]: keep the float / int8 .mnn files, the config, mnnquant's
  tensor scales (int8.mnn.json) and the PNGs

The ONNX model goes through mnnconvert (-f ONNX, defaults) to a float .mnn;
mnnquant makes the int8 .mnn from it with the config's documented defaults,
written out: feature_quantize_method KL (per-tensor symmetric activations,
zero point 0, KL thresholds over 2048 bins on every activation tensor, the
network input included: on Fashion-MNIST the input's comes out at 0.81 of
its 2.02 range), weight_quantize_method MAX_ABS (per output channel
symmetric, max|w| / 127; the .mnn holds one scale per output channel),
feature_clamp_value and weight_clamp_value 127, quant_bits 8; no skipped
ops, no winogradOpt, debug off.
Both files run with MNN's Interpreter session API (CPU backend, one thread,
precision "normal", batch 1) on the same float arrays; "float" is MNN's own
float model of the same ONNX (as ort_peer.py's float is ONNX Runtime's).

Data and preprocessing are scripts/accuracy/peer_data.py's, as ort_peer.py:
CIFAR-10: calibration on the first N (200) images of DIR/train_jpg.tar.gz in
archive order, evaluation on DIR/test_jpg.tar.gz (every K-th), (x/255 -
mean) / std with qrt-convert's CIFAR-10 flags. Image folders (labels.txt:
name<TAB>class): centre crop 224 of the 256-short-side images, (x/255 -
0.5) / 0.5, RGB (MobileNetV1 0.25; weights.sh's halves). Fashion-MNIST
(DIR with the IDX .gz files, e.g. /usr/share/datasets/fashion-mnist): the
first N (200) training images calibrate, t10k (every K-th) evaluates,
(x/255 - 0.2860) / 0.3530, GRAY (scripts/demo.sh's flags). mnnquant reads
calibration images from a folder and normalizes them itself, so the uint8
pixels the normalization starts from (after the crop) are written as PNG
files (lossless) at the model's input size: mnnquant resizes nothing, and
its mean / normal are set to 255 * mean and 1 / (255 * std), so it computes
(x - 255 mean) / (255 std), the same values to float rounding. The script
checks this on the first calibration image with MNN's ImageProcess (the one
mnnquant uses) and prints the largest difference.

mnnconvert / mnnquant are called through MNN's _tools module directly, each
with an argv list: the pip console scripts wrap the same calls but then
import a logger that sends usage logs over the network (and pip-installs a
logging SDK), which this script does not want; and the mnnquant script of
MNN 3.6.1 passes three strings to a binding that takes one argv list (it
dies with std::length_error). Setup (Debian's python3: numpy, PIL):

  python3 -m venv --system-site-packages build/venv-mnn
  build/venv-mnn/bin/pip install MNN
  build/venv-mnn/bin/python scripts/accuracy/mnn_peer.py models/cifar10/resnet_c10.onnx \\
    --cifar10 $QRT_SHARED/data/cifar10
  build/venv-mnn/bin/python scripts/accuracy/mnn_peer.py \\
    $QRT_SHARED/models/imagenet/mobilenet_v1_0.25_224.onnx \\
    --images build/host/weights/inet_calib build/host/weights/inet_eval  # weights.sh's halves
  build/venv-mnn/bin/python scripts/accuracy/mnn_peer.py examples/fashion_mnist/model.onnx \
    --fashion-mnist /usr/share/datasets/fashion-mnist   # Debian's dataset-fashion-mnist
"""
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np
from PIL import Image

import MNN
import _tools  # MNN's converter / quantizer bindings (the wheel's top-level module)

import peer_data as pd  # the loaders, shared with ort_peer.py


def write_calibration(d, pixels, mean, std):
    """The PNGs and the mnnquant config; returns the config's path and the config."""
    img_dir = os.path.join(d, "calib")
    os.makedirs(img_dir)
    for i, p in enumerate(pixels):  # mnnquant sorts the file names: archive / labels.txt order
        Image.fromarray(p[:, :, 0] if p.shape[2] == 1 else p).save(os.path.join(img_dir, f"{i:06d}.png"))
    h, w, c = pixels.shape[1:]
    cfg = {
        "format": "GRAY" if c == 1 else "RGB",
        "mean": [255.0 * float(m) for m in mean],
        "normal": [1.0 / (255.0 * float(s)) for s in std],
        "width": w, "height": h,
        "path": img_dir, "used_image_num": len(pixels),
        "feature_quantize_method": "KL", "weight_quantize_method": "MAX_ABS",
        "feature_clamp_value": 127, "weight_clamp_value": 127, "quant_bits": 8,
    }
    path = os.path.join(d, "quant.json")
    with open(path, "w") as f:
        json.dump(cfg, f, indent=1)
    return path, cfg


def check_calibration_input(cfg, first_png, expected):
    """Largest |MNN ImageProcess(PNG) - peer_data's float input| on one image."""
    rgba = np.ascontiguousarray(np.asarray(Image.open(first_png).convert("RGBA")))
    h, w = rgba.shape[:2]
    gray = cfg["format"] == "GRAY"
    pad = lambda v: tuple(list(v) + [0.0] * (4 - len(v)))
    proc = MNN.CVImageProcess({"sourceFormat": MNN.CV_ImageFormat_RGBA,
                               "destFormat": MNN.CV_ImageFormat_GRAY if gray else MNN.CV_ImageFormat_RGB,
                               "mean": pad(cfg["mean"]), "normal": pad(cfg["normal"]),
                               "filterType": MNN.CV_Filter_BILINEAL})
    shape = expected.shape
    t = MNN.Tensor(shape, MNN.Halide_Type_Float, np.zeros(shape, np.float32), MNN.Tensor_DimensionType_Caffe)
    proc.convert(rgba, w, h, 0, t)
    return float(np.abs(np.array(t.getNumpyData()).reshape(shape) - expected).max())


class Runner:
    """One MNN session, CPU, one thread, batch 1."""

    def __init__(self, path, shape):
        self.net = MNN.Interpreter(path)
        self.sess = self.net.createSession({"backend": "CPU", "numThread": 1, "precision": "normal"})
        self.inp = self.net.getSessionInput(self.sess)
        if tuple(self.inp.getShape()) != tuple(shape):
            self.net.resizeTensor(self.inp, tuple(shape))
            self.net.resizeSession(self.sess)
        self.shape = tuple(shape)

    def top1(self, x):
        out = []
        for i in range(len(x)):
            t = MNN.Tensor(self.shape, MNN.Halide_Type_Float, np.ascontiguousarray(x[i:i + 1]),
                           MNN.Tensor_DimensionType_Caffe)
            self.inp.copyFrom(t)
            self.net.runSession(self.sess)
            o = self.net.getSessionOutput(self.sess)
            host = MNN.Tensor(o.getShape(), MNN.Halide_Type_Float, np.zeros(o.getShape(), np.float32),
                              MNN.Tensor_DimensionType_Caffe)
            o.copyToHostTensor(host)
            out.append(int(np.argmax(np.array(host.getNumpyData()))))
        return np.array(out)


def main():
    ap = pd.argument_parser(__doc__)
    ap.add_argument("--keep", metavar="DIR", help="copy the .mnn files, config and PNGs here")
    a = ap.parse_args()
    pc, (mean, std), normalize, xe, ye = pd.load(a, "mnn_peer.py")
    with tempfile.TemporaryDirectory() as d:
        fmnn, qmnn = os.path.join(d, "float.mnn"), os.path.join(d, "int8.mnn")
        cfg_path, cfg = write_calibration(d, pc, mean, std)
        diff = check_calibration_input(cfg, os.path.join(d, "calib", "000000.png"), normalize(pc[:1]))
        t0 = time.time()
        if not _tools.mnnconvert(["mnnconvert", "-f", "ONNX", "--modelFile", a.model, "--MNNModel", fmnn,
                                  "--bizCode", "qrt"]) or not os.path.exists(fmnn):
            sys.exit("mnn_peer.py: mnnconvert failed")
        # argv as quantized.out's: the binding takes one list
        if not _tools.mnnquant(["mnnquant", fmnn, qmnn, cfg_path]) or not os.path.exists(qmnn):
            sys.exit("mnn_peer.py: mnnquant failed")
        t1 = time.time()
        shape = (1,) + xe.shape[1:]
        pf = Runner(fmnn, shape).top1(xe)
        t2 = time.time()
        pq = Runner(qmnn, shape).top1(xe)
        t3 = time.time()
        if a.keep:
            os.makedirs(a.keep, exist_ok=True)
            for name in ("float.mnn", "int8.mnn", "int8.mnn.json", "quant.json", "calib"):
                src, dst = os.path.join(d, name), os.path.join(a.keep, name)
                if os.path.isdir(src):
                    shutil.copytree(src, dst, dirs_exist_ok=True)
                else:
                    shutil.copy(src, dst)
    print(f"MNN {MNN.version()}; images {len(xe)} (calibration {len(pc)}); calibration input as MNN reads it: "
          f"max |difference| {diff:.2g}")
    print(f"seconds: convert + quantize {t1 - t0:.1f}, float eval {t2 - t1:.1f}, int8 eval {t3 - t2:.1f}")
    print(f"MNN float top-1 {100 * np.mean(pf == ye):.2f}%  int8 (mnnquant KL / MAX_ABS per-channel) "
          f"top-1 {100 * np.mean(pq == ye):.2f}%  agreement {100 * np.mean(pf == pq):.2f}%")


if __name__ == "__main__":
    main()
