"""`qrt_train qat --distill`: the loss is (1 - a) * CE + a * T^2 * KL(teacher
|| student) computed from the float teacher's logits; a student equal to its
teacher has zero distillation loss; the teacher stays frozen; bad flags are
one-line errors (exit 2); --resume refuses a checkpoint trained with another
teacher."""

import tempfile
import unittest

import onnx
import torch
import torch.nn as nn

import common
from qrt_train.data import to_input
from qrt_train.network import QatNet
from qrt_train.qrt_file import read_qrt
from qrt_train.train import DistillLoss
from test_resume import W8A8, qat


class DistillTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.qm = read_qrt(W8A8)
        self.teacher = QatNet(self.qm, onnx.load(common.FASHION_ONNX), init="onnx").eval()
        self.student = QatNet(self.qm, onnx.load(common.FASHION_ONNX)).eval()
        self.x = to_input(common.first8_pixels(), self.qm.preprocess)
        self.y = torch.arange(8) % 10

    def test_loss_formula(self):
        ce = nn.CrossEntropyLoss()
        out = self.student(self.x, mode="fake")
        t_logits = self.teacher(self.x, mode="float")
        for a, t in ((1.0, 1.0), (0.5, 2.0), (0.0, 4.0)):
            loss = DistillLoss(self.teacher, ce, a, t)(out, self.y, self.x)
            p = torch.softmax(t_logits / t, 1)
            kl = (p * (torch.log(p) - torch.log_softmax(out / t, 1))).sum(1).mean()
            want = a * t * t * kl + (1 - a) * ce(out, self.y)
            self.assertTrue(torch.allclose(loss, want, rtol=1e-5, atol=1e-7), (a, t, float(loss), float(want)))

    def test_student_equal_to_teacher_has_zero_loss_and_teacher_gets_no_gradient(self):
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        out = self.teacher(self.x, mode="float").detach().requires_grad_(True)
        loss = DistillLoss(self.teacher, nn.CrossEntropyLoss(), 1.0, 1.0)(out, self.y, self.x)
        self.assertLess(abs(float(loss)), 1e-6)
        loss.backward()
        self.assertTrue(all(p.grad is None for p in self.teacher.parameters()))


class DistillCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        common.require_fashion_mnist()

    def test_runs_logs_teacher_and_checks_flags(self):
        with tempfile.TemporaryDirectory() as d:
            rc, so, se = qat(f"{d}/a", "--epochs", "1", "--distill", common.FASHION_ONNX)
            self.assertEqual(rc, 0, se)
            self.assertIn("distill from", so)
            self.assertIn("teacher float test top-1", so)
            rc, _, se = qat(f"{d}/b", "--epochs", "1", "--distill", common.FASHION_ONNX, "--distill-weight", "1.5")
            self.assertEqual(rc, 2)
            self.assertIn("--distill-weight 1.5: must be in [0, 1]", se)
            rc, _, se = qat(f"{d}/c", "--epochs", "1", "--distill", f"{d}/missing.onnx")
            self.assertEqual(rc, 2)
            self.assertIn("missing.onnx: no such file", se)
            # --resume with another teacher (or none) is refused.
            rc, _, se = qat(f"{d}/a", "--epochs", "2", "--resume")
            self.assertEqual(rc, 2)
            self.assertIn("--distill", se)


if __name__ == "__main__":
    unittest.main()
