"""The .qrt reader against values the converter is known to write."""

import unittest

import numpy as np

import common  # noqa: F401  (sets sys.path)
from qrt_train.qrt_file import read_qrt, unpack_bits


def pack_bits(values, bits):
    """converter/quantize/quant_math.cc pack_bits, in Python."""
    out = bytearray((len(values) * bits + 7) // 8)
    bit = 0
    for v in values:
        u = int(v) & ((1 << bits) - 1)
        for k in range(bits):
            if u & (1 << k):
                out[bit // 8] |= 1 << (bit % 8)
            bit += 1
    return bytes(out)


class QrtFileTest(unittest.TestCase):
    def test_unpack_bits_inverts_the_converters_packing(self):
        rng = np.random.default_rng(1)
        for bits in range(4, 8):
            q = (1 << (bits - 1)) - 1
            v = rng.integers(-q, q + 1, size=37).astype(np.int8)
            np.testing.assert_array_equal(unpack_bits(pack_bits(v, bits), bits, len(v)), v)

    def test_bundled_model_names_and_values(self):
        for mode, bits in (("w8a8", 8), ("w6a8", 6)):
            qm = read_qrt(f"{common.E2E}/fashion_mnist_{mode}.qrt")
            self.assertEqual(qm.settings["weight_bits"], bits)
            acts = qm.activation_quant()
            # The input: MinMax over the calibration pixels; 0 and 255 both occur, so
            # the range is [(0 - mean) / std, (1 - mean) / std] in fp32 and S8 scale = max / 127.
            v = (np.float32(255) / np.float32(255) - np.float32(0.2860)) / np.float32(0.3530)
            self.assertEqual(acts["input"], {"dtype": "S8", "scale": float(v / np.float32(127)),
                                             "zero_point": 0, "bits": 8, "signed": True})
            # After a fused ReLU: U8; a conv feeding a residual Add writes F32 (no entry).
            self.assertEqual(acts["/Relu_output_0"]["dtype"], "U8")
            self.assertNotIn("/block1/conv2/conv2.1/BatchNormalization_output_0", acts)
            weights = qm.weight_quant()
            self.assertEqual(len(weights), 9)
            stem = weights["stem.0.weight"]
            self.assertEqual((stem["node"], stem["bits"], stem["bn_folded"], stem["tensor"]),
                             ("/stem/stem.0/Conv", bits, True, "stem.0.weight_bnfold"))
            self.assertEqual(len(stem["scales"]), 16)
            self.assertFalse(weights["fc.weight"]["bn_folded"])
            for op in qm.ops:
                if op.type not in ("CONV_2D", "FULLY_CONNECTED"):
                    continue
                x, w, b = (qm.tensors[i] for i in op.inputs)
                qmax = (1 << (bits - 1)) - 1
                self.assertLessEqual(int(np.abs(w.data).max()), qmax, op.name)
                self.assertEqual(w.data.dtype, np.int8)
                self.assertEqual(list(w.data.shape), w.shape)
                # Bias scale = the fp32 product input scale * weight scale (quant_math / add_bias).
                np.testing.assert_array_equal(b.scale, (np.float32(x.scale[0]) * w.scale).astype(np.float32))
                self.assertEqual(b.data.dtype, np.int32)
                if op.type == "CONV_2D":
                    self.assertEqual(op.options["accumulator"], "INT16" if bits == 6 else "INT32")
                    if bits == 6:
                        self.assertGreaterEqual(op.options["int16_chunk"], 1)

    def test_not_a_qrt_file(self):
        with self.assertRaisesRegex(ValueError, "not a .qrt file"):
            read_qrt(common.FASHION_ONNX)


if __name__ == "__main__":
    unittest.main()
