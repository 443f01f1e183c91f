"""QatNet against the runtime, bit for bit.

1. The committed e2e references (tests/e2e/data: the bundled Fashion-MNIST
   model W8A8 and W6A8 as qrt-convert writes it by default, gptq + bias
   correction, run by libqrt's reference kernels with fp32 adds): QatNet in
   "exact" mode gives the same float32 logits, every bit, on the 8 images.
   "fake" mode (fp32 convolutions of the integer codes, the training
   forward pass) does too on this model: every partial sum of its
   accumulators is below 2^24 (at most 288 * 127 * 255 in magnitude).
2. Fresh conversions by the host qrt-convert ($QRT_CONVERT) run by
   qrt_e2e_reference ($QRT_E2E_REFERENCE), both set by CMake: W4A8 (the
   default weights: gptq + bias correction), and W5A6 with --quantize-adds
   (int8 residual adds) and minmax weights. Without the two programs the
   test is skipped, and fails under CI=true.
"""

import os
import subprocess
import tempfile
import unittest

import numpy as np
import onnx
import torch

import common
from qrt_train.data import to_input
from qrt_train.network import QatNet
from qrt_train.qrt_file import read_qrt


def run_net(qrt_path, mode):
    qm = read_qrt(qrt_path)
    net = QatNet(qm, onnx.load(common.FASHION_ONNX))
    with torch.no_grad():
        y = net(to_input(common.first8_pixels(), qm.preprocess), mode=mode)
    return np.ascontiguousarray(y.numpy().astype(np.float32)).view(np.uint32)


class ExactTest(unittest.TestCase):
    def check(self, qrt_path, ref_path, modes=("exact", "fake")):
        want = common.read_ref(ref_path)
        for mode in modes:
            got = run_net(qrt_path, mode)
            bad = np.argwhere(got != want)
            self.assertEqual(len(bad), 0, f"{os.path.basename(qrt_path)} {mode}: {len(bad)} of {want.size} "
                             f"logits differ from the runtime, first at (image, output) {bad[:1].tolist()}")

    def test_committed_references(self):
        for mode in ("w8a8", "w6a8"):
            self.check(f"{common.E2E}/fashion_mnist_{mode}.qrt", f"{common.E2E}/fashion_mnist_{mode}.ref")

    def test_float_mode_is_not_the_runtime(self):
        # The comparison can fail: the unquantized network differs.
        want = common.read_ref(f"{common.E2E}/fashion_mnist_w8a8.ref")
        self.assertTrue((run_net(f"{common.E2E}/fashion_mnist_w8a8.qrt", "float") != want).any())

    def test_fresh_conversions(self):
        convert, reference = os.environ.get("QRT_CONVERT"), os.environ.get("QRT_E2E_REFERENCE")
        if not (convert and reference and os.path.exists(convert) and os.path.exists(reference)):
            if common.ci():
                self.fail("QRT_CONVERT / QRT_E2E_REFERENCE not set or missing under CI=true")
            self.skipTest("QRT_CONVERT / QRT_E2E_REFERENCE not set (run through ctest)")
        data = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
        if not os.path.exists(data):
            if common.ci():
                self.fail(f"{data} missing under CI=true (Debian package dataset-fashion-mnist)")
            self.skipTest(f"{data} missing")
        cases = {"w4a8": ["--weight-bits", "4"],
                 "w5a6_int8_adds_minmax": ["--weight-bits", "5", "--activation-bits", "6", "--quantize-adds",
                                           "--weights", "minmax", "--bias-correction", "off"]}
        with tempfile.TemporaryDirectory() as tmp:
            os.symlink(common.FIRST8, os.path.join(tmp, "first8.u8"))
            for name, flags in cases.items():
                qrt = os.path.join(tmp, name + ".qrt")
                ref = os.path.join(tmp, name + ".ref")
                subprocess.run([convert, common.FASHION_ONNX, "-o", qrt, "--calib-fashion-mnist", data,
                                "--num-images", "100", "--mean", "0.2860", "--std", "0.3530", "-q"] + flags,
                               check=True)
                subprocess.run([reference, qrt, ref, "file", "first8.u8", "8"], check=True,
                               stdout=subprocess.DEVNULL)
                with self.subTest(name):
                    self.check(qrt, ref)


if __name__ == "__main__":
    unittest.main()
