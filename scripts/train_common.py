"""Shared helpers for the scripts that train qrt's bundled example models.

What lives here, and why it is shared:
- IDX reading (the MNIST/Fashion-MNIST file format: a big-endian header with
  a magic number whose last byte is the number of dimensions, the dimension
  sizes as uint32, then the raw uint8 data), so every script and test reads
  the same bytes the same way;
- the preprocessing contract: pixels x in [0, 255] become
  (x / 255 - mean) / std, exactly what qrt's Preprocess metadata records;
- evaluation (top-1 over a whole set, eval mode), MAC counting, and the ONNX
  export that keeps BatchNormalization as separate nodes (the converter folds
  BN itself; torch folds it on an eval() export unless told to PRESERVE).

Only torch, numpy and onnx from Debian are used; nothing is downloaded.
"""

import gzip
import struct

import numpy as np
import torch


def read_idx(path):
    """Returns the array stored in an IDX file (optionally .gz) as uint8."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4:
        raise ValueError(f"{path}: file too short for an IDX header ({len(data)} bytes)")
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not a uint8 IDX file (magic bytes {data[:4].hex()} at offset 0)")
    header = 4 + 4 * ndim
    dims = struct.unpack(">" + "I" * ndim, data[4:header])
    count = int(np.prod(dims))
    if len(data) - header != count:
        raise ValueError(f"{path}: header at offset 4 says {dims} = {count} bytes, "
                         f"file has {len(data) - header} after the header")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def normalize(images_u8, mean, std):
    """uint8 [N, H, W] -> float32 [N, 1, H, W]: (x / 255 - mean) / std."""
    x = torch.from_numpy(images_u8.astype(np.float32) / 255.0).unsqueeze(1)
    return (x - mean) / std


def random_crop_flip(x, pad, generator):
    """Light augmentation on a batch [N, C, H, W]: random crop of the
    zero-padded image (shift by up to `pad` pixels; the pad value is the
    normalized black pixel, i.e. the image's minimum) and random horizontal
    flip."""
    n, _, h, w = x.shape
    fill = float(x.min())
    padded = torch.nn.functional.pad(x, (pad, pad, pad, pad), value=fill)
    offsets = torch.randint(0, 2 * pad + 1, (n, 2), generator=generator)
    flips = torch.rand(n, generator=generator) < 0.5
    out = torch.empty_like(x)
    for i in range(n):
        dy, dx = int(offsets[i, 0]), int(offsets[i, 1])
        crop = padded[i, :, dy:dy + h, dx:dx + w]
        out[i] = torch.flip(crop, dims=[2]) if flips[i] else crop
    return out


@torch.no_grad()
def evaluate(model, x, y, batch=1000):
    """Top-1 accuracy (fraction) of `model` in eval mode over all of x."""
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        correct += int((model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum())
    return correct / len(x)


def count_params(model):
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def count_macs(model, input_shape):
    """Multiply-accumulates of one forward pass, from Conv2d and Linear only
    (BN, ReLU, Add and pooling are not counted)."""
    macs = [0]

    def conv_hook(m, _inp, out):
        k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        macs[0] += out.numel() * k

    def linear_hook(m, _inp, out):
        macs[0] += out.numel() * m.in_features

    hooks = []
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, torch.nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    was_training = model.training
    model.eval()
    model(torch.zeros(input_shape))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return macs[0]


def export_onnx_keep_bn(model, input_shape, path):
    """Exports `model` (eval mode) to ONNX opset 13 with BatchNormalization
    nodes kept, input `input`, output `logits`; checks the result."""
    import onnx

    model.eval()
    x = torch.zeros(input_shape)
    torch.onnx.export(model, x, path, opset_version=13,
                      training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False,
                      input_names=["input"], output_names=["logits"])
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = [n.op_type for n in m.graph.node]
    if "BatchNormalization" not in ops:
        raise RuntimeError(f"{path}: export folded BatchNormalization away (ops: {sorted(set(ops))})")
    for n in m.graph.node:
        for a in n.attribute:
            if n.op_type == "BatchNormalization" and a.name == "training_mode" and a.i != 0:
                raise RuntimeError(f"{path}: node {n.name} exported in training mode")
    return m
