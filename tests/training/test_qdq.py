"""The QDQ bridge: QatNet -> export_qdq_onnx -> qrt-convert (QDQ import) ->
the runtime computes what QatNet's `exact` mode computes, bit for bit.

1. PTQ round trip: a .qrt's own weights exported as QDQ and converted back
   give the same weight codes, weight / activation scales, int32 biases and
   runtime logits (committed W8A8 / W6A8 files; fresh W4A8 and W5A6 with
   int8 adds by the host qrt-convert).
2. Trained: after SGD steps that change the codes, the deployed .qrt's
   logits equal `exact` (and `fake`) mode's on the 8 committed images; also
   with learned activation scales (--learn-ranges), which start at the
   .qrt's and deploy as trained.
3. Named errors (qrt-convert exit 1, no output file): an asymmetric
   activation without --qdq-asymmetric widen (and the widened conversion's
   warning), BatchNormalization after a DequantizeLinear conv, an integer
   operator reading a QuantizeLinear, a DQ scale differing from its Q's.
Needs QRT_CONVERT and QRT_E2E_REFERENCE (set by ctest); skips without them
(fails under CI=true).
"""

import os
import subprocess
import tempfile
import unittest

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

import common
from qrt_train.data import to_input
from qrt_train.export import deploy_command, export_qdq_onnx
from qrt_train.network import QatNet
from qrt_train.qrt_file import read_qrt

DATA = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def tools(test):
    convert, reference = os.environ.get("QRT_CONVERT"), os.environ.get("QRT_E2E_REFERENCE")
    if not (convert and reference and os.path.exists(convert) and os.path.exists(reference)):
        if common.ci():
            test.fail("QRT_CONVERT / QRT_E2E_REFERENCE not set or missing under CI=true")
        test.skipTest("QRT_CONVERT / QRT_E2E_REFERENCE not set (run through ctest)")
    return convert, reference


def logits_bits(net, qm, mode):
    with torch.no_grad():
        y = net(to_input(common.first8_pixels(), qm.preprocess), mode=mode)
    return np.ascontiguousarray(y.numpy().astype(np.float32)).view(np.uint32)


class QdqTest(unittest.TestCase):
    def setUp(self):
        self.convert, self.reference = tools(self)
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        os.symlink(common.FIRST8, os.path.join(self.dir, "first8.u8"))

    def tearDown(self):
        self.tmp.cleanup()

    def run_ref(self, qrt):
        ref = os.path.join(self.dir, os.path.basename(qrt) + ".ref")
        subprocess.run([self.reference, qrt, ref, "file", "first8.u8", "8"], check=True, cwd=self.dir,
                       stdout=subprocess.DEVNULL)
        return common.read_ref(ref)

    def deploy(self, net, qm, name):
        qdq = os.path.join(self.dir, name + "_qdq.onnx")
        export_qdq_onnx(net, onnx.load(common.FASHION_ONNX), qdq)
        out = os.path.join(self.dir, name + "_deployed.qrt")
        cmd = deploy_command(qm, qdq, out)
        r = subprocess.run([self.convert] + cmd[1:], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("QDQ model: kept its scales", r.stdout)
        return out

    def check_same_quantization(self, a_path, b_path):
        a, b = read_qrt(a_path), read_qrt(b_path)
        wa, wb = a.weight_quant(), b.weight_quant()
        self.assertEqual(sorted(wa), sorted(wb))
        for name in wa:
            ta, tb = a.tensor(wa[name]["tensor"]), b.tensor(wb[name]["tensor"])
            self.assertEqual(ta.bits, tb.bits, name)
            np.testing.assert_array_equal(ta.data, tb.data, err_msg=name)
            np.testing.assert_array_equal(np.asarray(wa[name]["scales"]).view(np.uint32),
                                          np.asarray(wb[name]["scales"]).view(np.uint32), err_msg=name)
        aa, ab = a.activation_quant(), b.activation_quant()
        self.assertEqual(sorted(aa), sorted(ab))
        for name in aa:
            self.assertEqual((aa[name]["dtype"], aa[name]["bits"]), (ab[name]["dtype"], ab[name]["bits"]), name)
            self.assertEqual(np.float32(aa[name]["scale"]).view(np.uint32),
                             np.float32(ab[name]["scale"]).view(np.uint32), name)
        biases = lambda m: {t.name: t.data for t in m.tensors if t.dtype == "S32"}
        ba, bb = biases(a), biases(b)
        self.assertEqual(sorted(ba), sorted(bb))
        for name in ba:
            np.testing.assert_array_equal(ba[name], bb[name], err_msg=name)

    def roundtrip(self, qrt, name):
        qm = read_qrt(qrt)
        net = QatNet(qm, onnx.load(common.FASHION_ONNX))
        deployed = self.deploy(net, qm, name)
        self.check_same_quantization(qrt, deployed)
        want = self.run_ref(qrt)
        got = self.run_ref(deployed)
        self.assertEqual(int((got != want).sum()), 0, f"{name}: deployed logits differ from the source .qrt's")
        self.assertEqual(int((logits_bits(net, qm, "exact") != got).sum()), 0, name)

    def test_ptq_roundtrip_committed(self):
        for mode in ("w8a8", "w6a8"):
            with self.subTest(mode):
                self.roundtrip(f"{common.E2E}/fashion_mnist_{mode}.qrt", mode)

    def test_ptq_roundtrip_fresh(self):
        if not os.path.exists(DATA):
            if common.ci():
                self.fail(f"{DATA} missing under CI=true (Debian package dataset-fashion-mnist)")
            self.skipTest(f"{DATA} missing")
        cases = {"w4a8": ["--weight-bits", "4"],
                 "w5a6_int8_adds": ["--weight-bits", "5", "--activation-bits", "6", "--quantize-adds",
                                    "--weights", "minmax", "--bias-correction", "off"]}
        for name, flags in cases.items():
            qrt = os.path.join(self.dir, name + ".qrt")
            subprocess.run([self.convert, common.FASHION_ONNX, "-o", qrt, "--calib-fashion-mnist", DATA,
                            "--num-images", "100", "--mean", "0.2860", "--std", "0.3530", "-q"] + flags, check=True)
            with self.subTest(name):
                self.roundtrip(qrt, name)

    def test_trained_model_deploys_exactly(self):
        self.train_and_deploy(learn_ranges=False)

    def test_learned_ranges_deploy_exactly(self):
        # Learned activation scales start at the .qrt's (the same logits) and,
        # trained, deploy with the scales they reached.
        qm = read_qrt(f"{common.E2E}/fashion_mnist_w6a8.qrt")
        fixed = logits_bits(QatNet(qm, onnx.load(common.FASHION_ONNX)), qm, "exact")
        learned = QatNet(qm, onnx.load(common.FASHION_ONNX), learn_ranges=True)
        self.assertGreater(len(learned.scales), 5)
        self.assertEqual(int((logits_bits(learned, qm, "exact") != fixed).sum()), 0)
        net = self.train_and_deploy(learn_ranges=True)
        moved = {n: s for n, s in net.activation_scales().items()
                 if np.float32(s) != np.float32(qm.activation_quant()[n]["scale"])}
        self.assertGreater(len(moved), 3, "training moved no activation scale")

    def train_and_deploy(self, learn_ranges):
        qrt = f"{common.E2E}/fashion_mnist_w6a8.qrt"
        qm = read_qrt(qrt)
        net = QatNet(qm, onnx.load(common.FASHION_ONNX), learn_ranges=learn_ranges)
        before = [layer.codes(exact=True)[0].clone() for _, layer in net.linear_layers()]
        torch.manual_seed(0)
        scales = list(net.scales.parameters())
        others = [p for p in net.parameters() if all(p is not s for s in scales)]
        groups = [{"params": others}] + ([{"params": scales, "lr": 0.002}] if scales else [])
        opt = torch.optim.SGD(groups, lr=0.05, momentum=0.9)
        x = to_input(common.first8_pixels(), qm.preprocess)
        y = torch.tensor([9, 2, 1, 1, 6, 1, 4, 6])
        for _ in range(3):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x, mode="fake"), y).backward()
            opt.step()
            if learn_ranges:
                net.constrain_scales()
        changed = sum(int((layer.codes(exact=True)[0] != b).sum()) for (_, layer), b in zip(net.linear_layers(), before))
        self.assertGreater(changed, 100, "training did not change the weight codes; the test would prove nothing")
        deployed = self.deploy(net, qm, "trained")
        got = self.run_ref(deployed)
        for mode in ("exact", "fake"):
            bad = int((logits_bits(net, qm, mode) != got).sum())
            self.assertEqual(bad, 0, f"{mode}: {bad} of {got.size} logits differ from the deployed .qrt's")
        # and the source .qrt's differ (the comparison can fail)
        self.assertTrue((self.run_ref(os.path.join(common.E2E, "fashion_mnist_w6a8.qrt")) != got).any())
        if learn_ranges:  # the deployed .qrt carries the learned scales
            deployed_scales = read_qrt(deployed).activation_quant()
            for name, s in net.activation_scales().items():
                if name in deployed_scales:
                    self.assertEqual(np.float32(deployed_scales[name]["scale"]), np.float32(s), name)
        return net


def tiny_qdq(path, input_zero_point=0, bn=False, dq_scale=None, integer_reader=False, float_weights=False):
    """x -> Q/DQ -> Conv(DQ int8 weights, or float ones) [-> BN] -> Relu -> output."""
    rng = np.random.default_rng(0)
    w = rng.integers(-127, 128, size=(4, 1, 3, 3)).astype(np.int8)
    zp_type = np.uint8 if input_zero_point else np.int8
    inits = [numpy_helper.from_array(w, "w_q"), numpy_helper.from_array(np.full(4, 0.01, np.float32), "w_s"),
             numpy_helper.from_array(np.zeros(4, np.int8), "w_z"),
             numpy_helper.from_array(np.float32(0.02), "x_s"),
             numpy_helper.from_array(np.asarray(input_zero_point, zp_type), "x_z"),
             numpy_helper.from_array(np.float32(dq_scale or 0.02), "x_s2")]
    nodes = [helper.make_node("QuantizeLinear", ["x", "x_s", "x_z"], ["x_q"], name="q_in"),
             helper.make_node("DequantizeLinear", ["x_q", "x_s2", "x_z"], ["x_dq"], name="dq_in"),
             helper.make_node("DequantizeLinear", ["w_q", "w_s", "w_z"], ["w" if not float_weights else "w_dq"],
                              name="dq_w", axis=0),
             helper.make_node("Conv", ["x_dq", "w"], ["c"], name="conv", pads=[1, 1, 1, 1])]
    last = "c"
    if bn:
        for n, v in (("g", 1.5), ("b", 0.1), ("m", 0.0), ("v", 1.0)):
            inits.append(numpy_helper.from_array(np.full(4, v, np.float32), n))
        nodes.append(helper.make_node("BatchNormalization", ["c", "g", "b", "m", "v"], ["bn"], name="bn"))
        last = "bn"
    if integer_reader:
        nodes.append(helper.make_node("Identity", ["x_q"], ["x_q2"], name="reader"))
        nodes.append(helper.make_node("Concat", [last, last], ["cc"], name="cat", axis=1))
        last = "cc"
    if float_weights:  # the conv reads a float initializer; the DQ is dead
        inits.append(numpy_helper.from_array((w.astype(np.float32) * 0.01), "w"))
    nodes.append(helper.make_node("Relu", [last], ["y"], name="relu"))
    g = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 1, 8, 8])],
                          [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)], inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


class AgreementCommandTest(unittest.TestCase):
    def test_eval_agree(self):
        # qrt_train eval --agree: the two modes' top-1 and their agreement.
        test_x = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
        if not os.path.exists(test_x):
            if common.ci():
                self.fail(f"{test_x} missing under CI=true")
            self.skipTest(f"{test_x} missing")
        cmd = ["/usr/bin/python3", "-m", "qrt_train", "eval", "--qrt", f"{common.E2E}/fashion_mnist_w6a8.qrt",
               "--onnx", common.FASHION_ONNX, "--dataset", "fashion-mnist", "--test-images", "100", "--threads", "1",
               "--mode", "exact", "--agree"]
        run = lambda mode: subprocess.run(cmd + [mode], capture_output=True, text=True, check=True,
                                          cwd=os.path.join(common.ROOT, "training")).stdout
        self.assertIn("top-1 agreement exact / fake: 100.00% (100/100)", run("fake"))
        out = run("float")  # the float model is another model: the line must show it
        line = [l for l in out.splitlines() if "agreement" in l][0]
        self.assertRegex(line, r"agreement exact / float: \d+\.\d\d% \(\d+/100\)")


class QdqErrorTest(unittest.TestCase):
    def setUp(self):
        self.convert, _ = tools(self)
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def run_convert(self, name, extra=(), **kw):
        src = os.path.join(self.tmp.name, name + ".onnx")
        out = os.path.join(self.tmp.name, name + ".qrt")
        tiny_qdq(src, **kw)
        r = subprocess.run([self.convert, src, "-o", out, "--mean", "0.5", "--std", "0.5"] + list(extra),
                           capture_output=True, text=True)
        return r, out

    def assert_refused(self, r, out, *words):
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertFalse(os.path.exists(out), "a refused conversion wrote its output")
        for w in words:
            self.assertIn(w, r.stderr)

    def test_symmetric_converts(self):
        r, out = self.run_convert("ok")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("kept its scales for 1 activations, the weights of 1 layers", r.stdout)

    def test_float_weights_need_calibration(self):
        r, out = self.run_convert("float_w", float_weights=True)
        self.assert_refused(r, out, "weights are float", "node 'conv'", "calibration data")
        npy = os.path.join(self.tmp.name, "calib.npy")
        np.save(npy, np.random.default_rng(1).standard_normal((4, 1, 8, 8)).astype(np.float32))
        r, out = self.run_convert("float_w_calib", ["--calib-npy", npy, "--weights", "minmax"], float_weights=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("kept its scales for 1 activations, the weights of 0 layers", r.stdout)

    def test_asymmetric_activation(self):
        r, out = self.run_convert("asym", input_zero_point=128)
        self.assert_refused(r, out, "'x'", "zero point 128", "--qdq-asymmetric widen")
        r, out = self.run_convert("asym_widen", ["--qdq-asymmetric", "widen"], input_zero_point=128)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("asymmetric QDQ widened", r.stderr)
        self.assertTrue(os.path.exists(out))

    def test_batch_norm_after_quantized_weights(self):
        r, out = self.run_convert("bn", bn=True)
        self.assert_refused(r, out, "node 'bn'", "'w'", "Fold BN")

    def test_integer_reader(self):
        r, out = self.run_convert("reader", integer_reader=True)
        self.assert_refused(r, out, "node 'reader' (Identity)", "QDQ format")

    def test_pair_scales_differ(self):
        r, out = self.run_convert("scales", dq_scale=0.03)
        self.assert_refused(r, out, "node 'dq_in' (DequantizeLinear)", "node 'q_in' (QuantizeLinear)")


if __name__ == "__main__":
    unittest.main()
