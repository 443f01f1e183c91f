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


def random_crop_flip_reflect(x, pad, generator):
    """CIFAR-style augmentation on a batch [N, C, H, W]: random crop of the
    reflect-padded image (shift by up to `pad` pixels) and random horizontal
    flip, vectorized with gather indices."""
    n, c, h, w = x.shape
    padded = torch.nn.functional.pad(x, (pad, pad, pad, pad), mode="reflect")
    offsets = torch.randint(0, 2 * pad + 1, (n, 2), generator=generator)
    flips = torch.rand(n, generator=generator) < 0.5
    rows = offsets[:, 0:1] + torch.arange(h)                      # [N, H]
    cols = offsets[:, 1:2] + torch.arange(w)                      # [N, W]
    cols = torch.where(flips[:, None], cols.flip(1), cols)
    out = padded.gather(2, rows[:, None, :, None].expand(n, c, h, w + 2 * pad))
    return out.gather(3, cols[:, None, None, :].expand(n, c, h, w))


def _conv_numpy(x, w, b, a):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    g = a.get("group", 1)
    sh, sw = a.get("strides", [1, 1])
    dh, dw = a.get("dilations", [1, 1])
    pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, m, oh, ow))
    mg = m // g
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
            if g == c == m and cg == 1:  # depthwise
                out += patch * w[None, :, 0, i, j, None, None]
            else:
                for gi in range(g):
                    ps = patch[:, gi * cg:(gi + 1) * cg]
                    out[:, gi * mg:(gi + 1) * mg] += np.tensordot(
                        w[gi * mg:(gi + 1) * mg, :, i, j], ps, axes=([1], [1])).transpose(1, 0, 2, 3)
    return out if b is None else out + b[None, :, None, None]


def _maxpool_numpy(x, a):
    kh, kw = a["kernel_shape"]
    sh, sw = a.get("strides", [1, 1])
    pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
    if a.get("ceil_mode", 0) or a.get("dilations", [1, 1]) != [1, 1]:
        raise ValueError("numpy MaxPool: ceil_mode/dilations not supported")
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=-np.inf)
    oh = (h + pt + pb - kh) // sh + 1
    ow = (w + pl + pr - kw) // sw + 1
    out = np.full((n, c, oh, ow), -np.inf)
    for i in range(kh):
        for j in range(kw):
            out = np.maximum(out, xp[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw])
    return out


def run_onnx_numpy(model_proto, x):
    """Float64 numpy run of the ops the project's exports use (Conv with
    groups and dilations, BatchNormalization (inference), Relu, Clip, Add,
    MaxPool, GlobalAveragePool, Flatten, Gemm, Identity, Constant): an
    independent check of an exported graph and its weights against PyTorch.
    `x` is the value of the single graph input; returns the first graph
    output. Used by train_cifar10.py and benchmarks/models/make_models.py."""
    from onnx import helper, numpy_helper
    env = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model_proto.graph.initializer}
    inputs = [i.name for i in model_proto.graph.input if i.name not in env]
    env[inputs[0]] = np.asarray(x, dtype=np.float64)
    for node in model_proto.graph.node:
        a = {p.name: helper.get_attribute_value(p) for p in node.attribute}
        v = [env[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Conv":
            out = _conv_numpy(v[0], v[1], v[2] if len(v) > 2 else None, a)
        elif op == "BatchNormalization":
            scale, bias, mean, var = (t[None, :, None, None] for t in v[1:5])
            out = (v[0] - mean) / np.sqrt(var + a.get("epsilon", 1e-5)) * scale + bias
        elif op == "Relu":
            out = np.maximum(v[0], 0)
        elif op == "Clip":
            lo = v[1] if len(v) > 1 and v[1] is not None else -np.inf
            hi = v[2] if len(v) > 2 and v[2] is not None else np.inf
            out = np.clip(v[0], lo, hi)
        elif op == "Add":
            out = v[0] + v[1]
        elif op == "MaxPool":
            out = _maxpool_numpy(v[0], a)
        elif op == "GlobalAveragePool":
            out = v[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Flatten":
            out = v[0].reshape(v[0].shape[0], -1)
        elif op == "Gemm":
            bm = v[1].T if a.get("transB", 0) else v[1]
            out = a.get("alpha", 1.0) * (v[0] @ bm) + a.get("beta", 1.0) * (v[2] if len(v) > 2 else 0)
        elif op == "Identity":
            out = v[0]
        elif op == "Constant":
            out = numpy_helper.to_array(a["value"]).astype(np.float64)
        else:
            raise ValueError(f"run_onnx_numpy: node '{node.name}' has unsupported op {op}")
        env[node.output[0]] = out
    return env[model_proto.graph.output[0].name]
    for gi in range(g):
        xs = xp[:, gi * cg:(gi + 1) * cg]
        ws = w[gi * mg:(gi + 1) * mg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]       # [N, cg, oh, ow]
                out[:, gi * mg:(gi + 1) * mg] += np.einsum("nchw,mc->nmhw", patch, ws[:, :, i, j])
    return out if b is None else out + b[None, :, None, None]
