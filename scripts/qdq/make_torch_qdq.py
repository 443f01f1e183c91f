#!/usr/bin/python3
"""QDQ models of the bundled Fashion-MNIST model made with PyTorch's own
quantization tooling and torch.onnx.export, and PyTorch's own logits, for
tests/qdq.

  /usr/bin/python3 scripts/qdq/make_torch_qdq.py [--out tests/qdq/data]

Debian's python3-torch (1.13) and python3-onnx; the data from Debian's
dataset-fashion-mnist (--fashion-mnist DIR). The network is
scripts/train_fashion_mnist.py's FashionNet with the float weights of
examples/fashion_mnist/model.onnx (its initializers carry the torch
state_dict names); its torch.relu calls become F.relu so that FX fuses
Conv+ReLU (FX's fusion patterns know F.relu, not torch.relu). FX graph mode
quantization (torch.ao.quantization.quantize_fx), MinMax observers,
calibration on the first --calib (200) training images, BatchNormalization
folded by FX's fuser (eval mode). Two models:

  torch_fq_s8.onnx: fake quantization. prepare_qat_fx on the BN-folded
      model with FakeQuantize everywhere: activations qint8 per-tensor
      symmetric (zero point 0, quant range -128..127), weights qint8
      per-channel symmetric (axis 0). The native backend config only lists
      quint8 activations, so a copy of it also allows qint8 in and out.
      Calibration with fake quantization off, then observers off and fake
      quantization on, eval(); torch.onnx.export opset 13 of that module.
  torch_qnnpack_u8.onnx: converted model. prepare_fx + convert_fx with the
      qnnpack engine: activations quint8 per-tensor affine (MinMax), weights
      qint8 per-channel symmetric; torch.onnx.export opset 13 of the
      quantized (quantized::conv2d_relu ...) module.
(convert_to_reference_fx's reference model does not export in torch 1.13:
torch.jit's tracing fails on a torch.qscheme attribute.)

Logits: each torch module (not the ONNX file) on the first --images (1000)
t10k images, float32 [N, 10] -> <model>.logits.npy. Preprocessing
(x / 255 - 0.2860) / 0.3530 (scripts/accuracy/peer_data.py). Deterministic:
fixed images, MinMax observers, one thread.
"""
import argparse
import copy
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from torch.ao.quantization import (FakeQuantize, MinMaxObserver, PerChannelMinMaxObserver, QConfig,
                                   QConfigMapping, disable_fake_quant, disable_observer, enable_fake_quant)
from torch.ao.quantization.backend_config import DTypeConfig, get_native_backend_config
from torch.ao.quantization.quantize_fx import convert_fx, fuse_fx, prepare_fx, prepare_qat_fx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "scripts", "accuracy"))
import peer_data as pd  # noqa: E402  Fashion-MNIST loading and normalization
import train_fashion_mnist as tfm  # noqa: E402  the network's definition

MODEL = os.path.join(ROOT, "examples", "fashion_mnist", "model.onnx")


def float_net():
    """FashionNet with model.onnx's weights (its Identity shares one BN bias)."""
    m = onnx.load(MODEL)
    init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
    for n in m.graph.node:
        if n.op_type == "Identity" and n.input[0] in init:
            init[n.output[0]] = init[n.input[0]]
    net = tfm.FashionNet().eval()
    sd = net.state_dict()
    for k in sd:
        if not k.endswith("num_batches_tracked"):
            sd[k] = init[k]
    net.load_state_dict(sd)
    return net


def traced(net):
    gm = torch.fx.symbolic_trace(copy.deepcopy(net))
    for node in gm.graph.nodes:
        if node.target is torch.relu:
            node.target = F.relu
    gm.recompile()
    return gm.eval()


def backend_config_with_qint8():
    bc = get_native_backend_config()
    for pattern_config in bc.configs.values():
        extra = [DTypeConfig(input_dtype=torch.qint8, output_dtype=torch.qint8,
                             weight_dtype=dc.weight_dtype, bias_dtype=dc.bias_dtype)
                 for dc in pattern_config.dtype_configs
                 if dc.input_dtype == torch.quint8 and dc.output_dtype == torch.quint8 and not dc.is_dynamic]
        for dc in extra:
            pattern_config.add_dtype_config(dc)
    return bc


def fake_quant_model(net, xc):
    bc = backend_config_with_qint8()
    qc = QConfig(
        activation=FakeQuantize.with_args(observer=MinMaxObserver, quant_min=-128, quant_max=127,
                                          dtype=torch.qint8, qscheme=torch.per_tensor_symmetric),
        weight=FakeQuantize.with_args(observer=PerChannelMinMaxObserver, quant_min=-128, quant_max=127,
                                      dtype=torch.qint8, qscheme=torch.per_channel_symmetric, ch_axis=0))
    fused = fuse_fx(traced(net), backend_config=bc)  # eval: BN folded into Conv, Conv+ReLU fused
    p = prepare_qat_fx(fused.train(), QConfigMapping().set_global(qc), example_inputs=(xc[:1],), backend_config=bc)
    p.apply(disable_fake_quant)
    with torch.no_grad():
        for i in range(len(xc)):
            p(xc[i:i + 1])
    p.apply(enable_fake_quant)
    p.apply(disable_observer)
    return p.eval()


def qnnpack_model(net, xc):
    torch.backends.quantized.engine = "qnnpack"
    qc = QConfig(activation=MinMaxObserver.with_args(dtype=torch.quint8, qscheme=torch.per_tensor_affine),
                 weight=PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric))
    p = prepare_fx(traced(net), QConfigMapping().set_global(qc), example_inputs=(xc[:1],))
    with torch.no_grad():
        for i in range(len(xc)):
            p(xc[i:i + 1])
    return convert_fx(p)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "qdq", "data"))
    ap.add_argument("--fashion-mnist", default="/usr/share/datasets/fashion-mnist", metavar="DIR")
    ap.add_argument("--calib", type=int, default=200)
    ap.add_argument("--images", type=int, default=1000)
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)
    d = a.fashion_mnist
    pc, _ = pd.fashion_mnist_pixels(os.path.join(d, "train-images-idx3-ubyte.gz"), limit=a.calib)
    pe, ye = pd.fashion_mnist_pixels(os.path.join(d, "t10k-images-idx3-ubyte.gz"),
                                     os.path.join(d, "t10k-labels-idx1-ubyte.gz"), limit=a.images)
    xc = torch.from_numpy(pd.fashion_mnist_normalize(pc))
    xe = torch.from_numpy(pd.fashion_mnist_normalize(pe))
    net = float_net()
    with torch.no_grad():
        yf = net(xe)
    os.makedirs(a.out, exist_ok=True)
    for name, make in (("torch_fq_s8", fake_quant_model), ("torch_qnnpack_u8", qnnpack_model)):
        q = make(net, xc)
        with torch.no_grad():
            y = torch.cat([q(xe[i:i + 1]) for i in range(len(xe))]).numpy().astype(np.float32)
        out = os.path.join(a.out, name + ".onnx")
        torch.onnx.export(q, xc[:1], out, opset_version=13, input_names=["input"], output_names=["logits"])
        np.save(os.path.join(a.out, name + ".logits.npy"), y)
        print(f"wrote {out} ({os.path.getsize(out)} bytes); torch on {len(xe)} t10k images: top-1 "
              f"{100 * np.mean(y.argmax(1) == ye):.1f}% (float {100 * np.mean(yf.numpy().argmax(1) == ye):.1f}%), "
              f"agreement with float {100 * np.mean(y.argmax(1) == yf.numpy().argmax(1)):.1f}%")
    print(f"torch {torch.__version__}, onnx {onnx.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
