"""`qrt_train qat --resume`: 2 epochs in one run and 1 epoch + a resumed run
to 2 epochs give bit-identical parameters, optimizer state (SGD momentum /
Adam moments), lr schedule (the default drop at epochs / 2 = epoch 1, which
the 1-epoch run did not have), data-order / augmentation generator and
exported ONNX. A missing checkpoint or one from another .qrt / ONNX model
is a one-line error (exit 2), not a traceback from torch."""

import contextlib
import io
import os
import tempfile
import unittest

import torch

import common
from qrt_train.__main__ import main as cli

W8A8 = f"{common.E2E}/fashion_mnist_w8a8.qrt"
W6A8 = f"{common.E2E}/fashion_mnist_w6a8.qrt"
DATA = common.FASHION_DATA


def qat(out, *extra, qrt=W8A8, onnx_path=common.FASHION_ONNX):
    """Runs `qrt_train qat` in-process: (exit code, stdout, stderr)."""
    so, se = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(so), contextlib.redirect_stderr(se):
        rc = cli(["qat", "--qrt", qrt, "--onnx", onnx_path, "--dataset", "fashion-mnist", "--data", DATA,
                  "--out", out, "--train-images", "12", "--batch", "4", "--test-images", "10",
                  "--exact-images", "2", "--threads", "1", "--device", "cpu", "--log-every", "0",
                  "--lr", "0.05", *extra])
    return rc, so.getvalue(), se.getvalue()


def same(test, a, b, where):
    """Recursive bit-exact comparison of checkpoint contents."""
    if isinstance(a, torch.Tensor):
        test.assertIsInstance(b, torch.Tensor, where)
        test.assertEqual(a.dtype, b.dtype, where)
        test.assertTrue(torch.equal(a, b), where)
    elif isinstance(a, dict):
        test.assertEqual(sorted(map(str, a)), sorted(map(str, b)), where)
        for k in a:
            same(test, a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        test.assertEqual(len(a), len(b), where)
        for i, (x, y) in enumerate(zip(a, b)):
            same(test, x, y, f"{where}[{i}]")
    else:
        test.assertEqual(a, b, where)


class ResumeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        common.require_fashion_mnist()

    def check_resume(self, *extra):
        with tempfile.TemporaryDirectory() as tmp:
            one, split = os.path.join(tmp, "one"), os.path.join(tmp, "split")
            self.assertEqual(qat(one, "--epochs", "2", *extra)[0], 0)
            self.assertEqual(qat(split, "--epochs", "1", *extra)[0], 0)
            rc, out, _ = qat(split, "--epochs", "2", "--resume", *extra)
            self.assertEqual(rc, 0)
            self.assertIn("resumed after epoch 1", out)
            a = torch.load(os.path.join(one, "qat.ckpt"))
            b = torch.load(os.path.join(split, "qat.ckpt"))
            self.assertEqual(a["epoch"], 2)
            self.assertEqual(b["epoch"], 2)
            for key in ("model", "optimizer", "scheduler", "generator"):
                same(self, a[key], b[key], key)
            # the lr drop at epoch 1 (default: epochs / 2) happened in both; before the fix the
            # resumed run kept the 1-epoch run's schedule (no milestone) and trained epoch 2 at 0.05
            self.assertAlmostEqual(a["scheduler"]["_last_lr"][0], 0.05 * 0.2, places=12)
            self.assertAlmostEqual(b["optimizer"]["param_groups"][0]["lr"], 0.05 * 0.2, places=12)
            with open(os.path.join(one, "qat_folded.onnx"), "rb") as f1, \
                    open(os.path.join(split, "qat_folded.onnx"), "rb") as f2:
                self.assertEqual(f1.read(), f2.read())

    def test_resume_is_bit_identical_sgd_augment(self):
        self.check_resume()

    def test_resume_is_bit_identical_adam(self):
        self.check_resume("--optimizer", "adam", "--no-augment")

    def test_resume_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, out, err = qat(os.path.join(tmp, "none"), "--epochs", "2", "--resume")
            self.assertEqual(rc, 2, out + err)
            self.assertIn("qat.ckpt", err)
            self.assertIn("--resume", err)
            self.assertNotIn("Traceback", err)
            run = os.path.join(tmp, "run")
            self.assertEqual(qat(run, "--epochs", "1")[0], 0)
            # another .qrt (same graph, other quantization) and another ONNX model
            rc, _, err = qat(run, "--epochs", "2", "--resume", qrt=W6A8)
            self.assertEqual(rc, 2, err)
            self.assertIn("fashion_mnist_w8a8.qrt", err)
            other = os.path.join(tmp, "other.onnx")
            with open(common.FASHION_ONNX, "rb") as f:
                blob = f.read()
            with open(other, "wb") as f:  # the same bytes under another name: accepted
                f.write(blob)
            self.assertEqual(qat(run, "--epochs", "1", "--resume", onnx_path=other)[0], 0)
            # the other optimizer: its state does not fit
            rc, _, err = qat(run, "--epochs", "2", "--resume", "--optimizer", "adam")
            self.assertEqual(rc, 2, err)
            self.assertIn("--optimizer", err)


if __name__ == "__main__":
    unittest.main()
