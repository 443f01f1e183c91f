"""Unstructured magnitude pruning (method.md, "Pruning combined with
quantization": sparsify -> float fine-tune -> PTQ -> QAT, the mask kept in
every stage).

`prune_model` zeroes the smallest |w| of every Conv / Gemm / MatMul weight
initializer of a float ONNX model, as stored in the file (the repository's
models keep BatchNormalization unfolded, so these are the raw conv weights;
BN is folded later by qrt-convert or QatNet, and w' = w * gamma /
sqrt(var + eps) is 0 wherever w is 0).

- scope "layer" (default): every weight tensor gets round(s * size) zeros.
  The paper says only "zero the smallest |w|"; with BN not folded the raw
  conv weights of different layers are on different scales (BN rescales
  each output channel), so one global threshold would prune by BN scale
  rather than by importance and can empty a small layer (a depthwise conv)
  entirely. Per layer, every layer has the requested sparsity.
- scope "global": one ranking over all those weights together,
  round(s * total) zeros in all.

Ties are broken deterministically: weights are ranked by (|w|, position),
position = the tensor's row-major flat index (global: the tensors in node
order, concatenated), so equal magnitudes are pruned lowest index first and
exactly the requested count is zero. Weights that are already 0 rank first.
Pruned entries are written as +0.0.

Masks: a .npz keyed by ONNX initializer name, bool arrays in the
initializer's shape (True = kept). `attach_masks` applies them to a QatNet
(layer layout: Gemm transB = 0 / MatMul weights transposed) and keeps them:
the masked weights are zeroed, their gradients are zeroed by a hook, and
`reapply` (after every optimizer step) sets them to +0.0 again.
"""

import numpy as np
import torch
from onnx import numpy_helper

SCOPES = ("layer", "global")


def weight_initializers(model):
    """ONNX initializer names of the Conv / Gemm / MatMul weights, in node
    order, each once (Identity aliases resolved to the initializer)."""
    g = model.graph
    inits = {t.name for t in g.initializer}
    alias = {n.output[0]: n.input[0] for n in g.node if n.op_type == "Identity" and n.input[0] in inits}
    names = []
    for n in g.node:
        if n.op_type not in ("Conv", "Gemm", "MatMul") or len(n.input) < 2:
            continue
        w = alias.get(n.input[1], n.input[1])
        if w in inits and w not in names:
            names.append(w)
    return names


def _count(s, n):
    """Number of weights to prune: round(s * n), half up (n < 2^53)."""
    return int(np.floor(s * n + 0.5))


def _smallest(absw, k):
    """Bool array over a flat |w|: True for the k smallest, ties by index."""
    order = np.argsort(absw, kind="stable")
    pruned = np.zeros(absw.size, dtype=bool)
    pruned[order[:k]] = True
    return pruned


def magnitude_masks(model, sparsity, scope="layer"):
    """{initializer name: bool mask (True = kept)} for `model`."""
    if not 0.0 <= sparsity < 1.0:
        raise ValueError(f"sparsity must be in [0, 1), got {sparsity}")
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, got '{scope}'")
    arrays = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    names = weight_initializers(model)
    if not names:
        raise ValueError("no Conv/Gemm/MatMul weight initializers to prune")
    masks = {}
    if scope == "layer":
        for name in names:
            a = np.abs(arrays[name].astype(np.float64)).reshape(-1)
            masks[name] = ~_smallest(a, _count(sparsity, a.size)).reshape(arrays[name].shape)
    else:
        flat = np.concatenate([np.abs(arrays[n].astype(np.float64)).reshape(-1) for n in names])
        pruned = _smallest(flat, _count(sparsity, flat.size))
        off = 0
        for name in names:
            size = arrays[name].size
            masks[name] = ~pruned[off:off + size].reshape(arrays[name].shape)
            off += size
    return masks


def apply_to_onnx(model, masks):
    """Sets the masked weights of `model` (in place) to +0.0."""
    g = model.graph
    for i, t in enumerate(g.initializer):
        if t.name in masks:
            a = numpy_helper.to_array(t).copy()
            a[~masks[t.name]] = 0.0
            g.initializer[i].CopyFrom(numpy_helper.from_array(a, t.name))
    return model


def save_masks(path, masks):
    with open(path, "wb") as f:
        np.savez_compressed(f, **{k: v.astype(bool) for k, v in masks.items()})


def load_masks(path):
    with np.load(path) as z:
        return {k: z[k].astype(bool) for k in z.files}


def sparsity_report(masks):
    """Lines: every tensor's pruned count and the total."""
    lines, pruned, total = [], 0, 0
    for name, m in masks.items():
        p = int((~m).sum())
        lines.append(f"{name}\t{p}/{m.size}\t{100.0 * p / m.size:.2f}%")
        pruned += p
        total += m.size
    lines.append(f"total\t{pruned}/{total}\t{100.0 * pruned / max(total, 1):.2f}%")
    return lines


def prune_cmd(args):
    import onnx
    model = onnx.load(args.onnx)
    masks = magnitude_masks(model, args.sparsity, args.scope)
    apply_to_onnx(model, masks)
    onnx.save(model, args.out)
    mask_path = args.mask or (args.out[:-5] if args.out.endswith(".onnx") else args.out) + "_mask.npz"
    save_masks(mask_path, masks)
    for line in sparsity_report(masks):
        print(line)
    print(f"wrote {args.out} and {mask_path} (sparsity {args.sparsity}, scope {args.scope})")


# -- masks in training (QatNet) ------------------------------------------

def layer_mask(layer, info, mask):
    """The ONNX-layout mask of a QatNet layer's weight in the layer's layout
    ([out, in] for FC)."""
    m = np.asarray(mask, dtype=bool)
    if not layer.is_conv and (info["op"] == "MatMul" or (info["op"] == "Gemm" and not info["trans_b"])):
        m = m.T
    if tuple(m.shape) != tuple(layer.weight.shape):
        raise ValueError(f"mask of '{info['weight']}': shape {m.shape}, layer weight {tuple(layer.weight.shape)}")
    return torch.from_numpy(np.ascontiguousarray(m))


class MaskKeeper:
    """Keeps pruned weights of a QatNet at exactly 0 through training."""

    def __init__(self, net, onnx_model, masks):
        from .network import onnx_layers
        layers = onnx_layers(onnx_model)
        g = onnx_model.graph
        inits = {t.name for t in g.initializer}
        alias = {n.output[0]: n.input[0] for n in g.node if n.op_type == "Identity" and n.input[0] in inits}
        self.items = []
        used = set()
        for op, layer in net.linear_layers():
            info = layers[layer.onnx["node"]]
            name = alias.get(info["weight"], info["weight"])
            if name not in masks:
                continue
            keep = layer_mask(layer, info, masks[name]).to(layer.weight.device)
            layer.weight.register_hook(lambda grad, k=keep: grad.masked_fill(~k, 0.0))
            self.items.append((layer, keep))
            used.add(name)
        missing = sorted(set(masks) - used)
        if missing:
            raise ValueError(f"mask entries with no conv/FC layer in the .qrt: {', '.join(missing[:5])}")
        self.reapply()

    @torch.no_grad()
    def reapply(self):
        for layer, keep in self.items:
            layer.weight.masked_fill_(~keep, 0.0)

    def pruned(self):
        return sum(int((~k).sum()) for _, k in self.items), sum(k.numel() for _, k in self.items)
