"""BN folding during training (network.QLinear) and the folded export."""

import os
import sys
import tempfile
import unittest

import numpy as np
import onnx
import torch
import torch.nn as nn

import common
from qrt_train.data import to_input
from qrt_train.export import export_folded_onnx
from qrt_train.network import QatNet
from qrt_train.qrt_file import read_qrt

sys.path.insert(0, os.path.join(common.ROOT, "scripts"))
import train_common  # noqa: E402  (run_onnx_numpy: the float64 numpy ONNX executor)


def fashion_net(init="qrt"):
    qm = read_qrt(f"{common.E2E}/fashion_mnist_w6a8.qrt")
    return qm, QatNet(qm, onnx.load(common.FASHION_ONNX), init=init)


class BnFoldTest(unittest.TestCase):
    def test_folded_conv_equals_conv_then_bn(self):
        # A trained-looking conv + BN: the folded layer in float mode equals
        # nn.Conv2d followed by nn.BatchNorm2d in eval mode.
        _, net = fashion_net()
        layer = next(m for op, m in net.linear_layers() if m.has_bn and m.stride == (1, 1))
        torch.manual_seed(3)
        with torch.no_grad():
            for p in (layer.weight, layer.bn_weight, layer.bn_bias):
                p.add_(0.05 * torch.randn_like(p))
            layer.bn_mean.add_(0.1 * torch.randn_like(layer.bn_mean))
            layer.bn_var.mul_(1.5)
        o, i, kh, kw = layer.weight.shape
        conv = nn.Conv2d(i, o, (kh, kw), layer.stride, kh // 2, bias=False)
        bn = nn.BatchNorm2d(o, eps=layer.bn_eps).eval()
        with torch.no_grad():
            conv.weight.copy_(layer.weight)
            bn.weight.copy_(layer.bn_weight)
            bn.bias.copy_(layer.bn_bias)
            bn.running_mean.copy_(layer.bn_mean)
            bn.running_var.copy_(layer.bn_var)
            x = torch.randn(4, i, 9, 9)
            layer.activation = "NONE"
            got, want = layer(x, "float"), bn(conv(x))
        self.assertLess(float((got - want).abs().max()), 1e-5)

    def test_gradients_reach_unfolded_parameters_and_stats_stay(self):
        qm, net = fashion_net()
        net.train()
        mean_before = {k: v.clone() for k, v in net.state_dict().items() if "bn_mean" in k or "bn_var" in k}
        x = to_input(common.first8_pixels(), qm.preprocess)
        loss = nn.functional.cross_entropy(net(x, mode="fake"), torch.arange(8) % 10)
        loss.backward()
        for op, layer in net.linear_layers():
            names = ["weight"] + (["bn_weight", "bn_bias"] if layer.has_bn else ["bias"])
            for n in names:
                g = getattr(layer, n).grad
                self.assertIsNotNone(g, f"{op.name}.{n}")
                self.assertGreater(float(g.abs().sum()), 0.0, f"{op.name}.{n}")
        opt = torch.optim.SGD(net.parameters(), lr=1e-3)
        opt.step()
        for k, v in net.state_dict().items():
            if k in mean_before:
                self.assertTrue(torch.equal(v, mean_before[k]), k)

    def test_init_from_qrt_gives_the_qrt_codes(self):
        qm, net = fashion_net()
        for op, layer in net.linear_layers():
            wq, bq = layer.codes(exact=True)
            codes = qm.tensors[op.inputs[1]].data
            if layer.is_conv:
                codes = codes.transpose(0, 3, 1, 2)
            np.testing.assert_array_equal(wq.detach().numpy(), codes, op.name)
            np.testing.assert_array_equal(bq.detach().numpy(), qm.tensors[op.inputs[2]].data, op.name)

    def test_float_mode_matches_the_onnx_model(self):
        # init "onnx": the float network is the ONNX model (BN folded in torch).
        qm, net = fashion_net(init="onnx")
        x = to_input(common.first8_pixels()[:2], qm.preprocess)
        with torch.no_grad():
            got = net(x, mode="float").double().numpy()
        want = train_common.run_onnx_numpy(onnx.load(common.FASHION_ONNX), x.numpy())
        self.assertLess(float(np.abs(got - want).max()), 1e-4)

    def test_folded_export_runs_like_float_mode(self):
        qm, net = fashion_net()
        with torch.no_grad():
            for p in net.parameters():
                p.add_(0.01 * torch.randn_like(p))
        x = to_input(common.first8_pixels()[:2], qm.preprocess)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "folded.onnx")
            m = export_folded_onnx(net, onnx.load(common.FASHION_ONNX), path)
            ops = [n.op_type for n in m.graph.node]
            self.assertNotIn("BatchNormalization", ops)
            names = {t.name for t in m.graph.initializer}
            self.assertIn("stem.0.weight_bnfold", names)
            self.assertIn("/stem/stem.0/Conv_bias_bnfold", names)
            got = train_common.run_onnx_numpy(onnx.load(path), x.numpy())
        with torch.no_grad():
            want = net(x, mode="float").double().numpy()
        self.assertLess(float(np.abs(got - want).max()), 1e-4)


if __name__ == "__main__":
    unittest.main()
