"""QatNet: a .qrt's operator list run in torch, with trainable float
parameters from the ONNX model it was converted from.

The structure (which tensors are int8 and which float, where QUANTIZE and
DEQUANTIZE sit, every scale, bit width, fused activation and padding) is
read from the .qrt, so the network is the deployed one by construction.
The conv/FC weights, biases and BatchNormalization parameters come from the
ONNX file by node name (the .qrt keeps the ONNX node names).

Three modes (`QatNet.mode`, or `forward(x, mode=...)`):
- "float": no quantization; the float network with BN folded (equals the
  ONNX model in eval mode up to fp32 rounding);
- "fake":  quantization-aware training: fixed per-channel weight scales,
  the .qrt's activation scales, the runtime's rounding and clamping, conv
  accumulators computed by an fp32 convolution of the integer codes
  (exact while every partial sum stays below 2^24 and the backend sums
  exactly), straight-through gradients;
- "exact": evaluation: the same with the accumulators in float64 (exact
  integers), so every int8 tensor and every float output equals the
  runtime's (tests/training: bit for bit on the committed e2e references).

BN folding during training (docs/training.md): the forward pass uses
    w' = w * gamma / sqrt(var + eps),  b' = beta + (b - mean) * gamma / sqrt(var + eps)
quantized with the .qrt's fixed per-channel scales of the folded weights;
w, b, gamma and beta are trainable (gradients flow back unfolded); the
running mean and variance are frozen at the values the PTQ model was
folded with (no batch statistics), so training and evaluation forward
passes are the same function.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import fakequant as fq

MODES = ("float", "fake", "exact")


def onnx_layers(model_proto):
    """ONNX node name -> parameters of every Conv / Gemm / MatMul node:
    {"op", "weight" (name), "bias" (name or None), "values": {name: array},
    "bn": None or {"node", "scale", "bias", "mean", "var" (names), "eps"},
    Gemm "trans_b"/"alpha"/"beta"}. Initializers behind Identity nodes are
    resolved (torch's export shares equal tensors that way)."""
    from onnx import helper, numpy_helper

    g = model_proto.graph
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    for n in g.node:
        if n.op_type == "Identity" and n.input[0] in inits:
            inits[n.output[0]] = inits[n.input[0]]
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    out = {}
    for n in g.node:
        if n.op_type not in ("Conv", "Gemm", "MatMul"):
            continue
        a = {p.name: helper.get_attribute_value(p) for p in n.attribute}
        info = {"op": n.op_type, "node": n, "weight": n.input[1],
                "bias": n.input[2] if len(n.input) > 2 and n.input[2] else None, "bn": None, "inits": inits}
        if n.op_type == "Gemm":
            if a.get("transA", 0):
                raise ValueError(f"Gemm '{n.name}': transA = 1 is not supported")
            info.update(trans_b=bool(a.get("transB", 0)), alpha=float(a.get("alpha", 1.0)),
                        beta=float(a.get("beta", 1.0)))
        users = consumers.get(n.output[0], [])
        if n.op_type == "Conv" and len(users) == 1 and users[0].op_type == "BatchNormalization":
            bn = users[0]
            ba = {p.name: helper.get_attribute_value(p) for p in bn.attribute}
            info["bn"] = {"node": bn, "scale": bn.input[1], "bias": bn.input[2], "mean": bn.input[3],
                          "var": bn.input[4], "eps": float(ba.get("epsilon", 1e-5))}
        out[n.name] = info
    return out


def _t(a):
    return torch.from_numpy(np.array(a, dtype=np.float32))


class QLinear(nn.Module):
    """One CONV_2D or FULLY_CONNECTED op of the .qrt with its trainable
    ONNX parameters (and BN, folded in the forward pass)."""

    def __init__(self, qm, op, info, init, fc_input_hw=None):
        super().__init__()
        self.name = op.name
        self.is_conv = op.type == "CONV_2D"
        x, wt, y = qm.tensors[op.inputs[0]], qm.tensors[op.inputs[1]], qm.tensors[op.outputs[0]]
        bt = qm.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
        inits = info["inits"]
        o = wt.shape[0]
        self.activation = op.options.get("activation", "NONE")
        self.bits = int(wt.bits)
        # ONNX-side float parameters, in ONNX's layout ([out, in] for FC).
        if self.is_conv:
            w = np.array(inits[info["weight"]], dtype=np.float32)
            self.stride = (op.options["stride_h"], op.options["stride_w"])
            self.dilation = (op.options["dilation_h"], op.options["dilation_w"])
            self.pads = (op.options["pad_left"], op.options["pad_right"], op.options["pad_top"],
                         op.options["pad_bottom"])
            self.groups = op.options["groups"]
            codes = np.transpose(wt.data, (0, 3, 1, 2)).astype(np.float64)  # OHWI -> OIHW
        else:
            b_ = np.array(inits[info["weight"]], dtype=np.float32)
            if info["op"] == "Gemm":
                w = (b_ if info["trans_b"] else b_.T) * np.float32(info["alpha"])
            else:
                w = b_.T
            codes = wt.data.astype(np.float64)
            if fc_input_hw is not None:  # the .qrt's columns are in HWC order: back to ONNX's CHW
                h, wd = fc_input_hw
                c = codes.shape[1] // (h * wd)
                codes = codes.reshape(o, h, wd, c).transpose(0, 3, 1, 2).reshape(o, -1)
        if tuple(w.shape) != tuple(codes.shape):
            raise ValueError(f"{op.name}: ONNX weight '{info['weight']}' has shape {w.shape}, "
                             f"the .qrt's {wt.name} {tuple(codes.shape)}")
        bias = None
        if info["bias"] is not None:
            bias = np.array(inits[info["bias"]], dtype=np.float32).reshape(-1)
            if info["op"] == "Gemm":
                bias = np.broadcast_to(bias * np.float32(info["beta"]), (o,)).copy()
        bn = info["bn"]
        if bn is not None:
            self.bn_eps = bn["eps"]
            gamma = np.array(inits[bn["scale"]], dtype=np.float32)
            beta = np.array(inits[bn["bias"]], dtype=np.float32)
            self.register_buffer("bn_mean", _t(inits[bn["mean"]]))
            self.register_buffer("bn_var", _t(inits[bn["var"]]))
        # Fixed quantization constants (fp32, as the runtime computes them).
        sx = fq.f32(x.scale[0])
        sw = np.asarray(wt.scale if len(wt.scale) == o else np.repeat(wt.scale, o), dtype=np.float32)
        self.register_buffer("w_scale", torch.from_numpy(sw.copy()))
        bias_scale = (sx * sw).astype(np.float32)
        self.register_buffer("bias_scale", torch.from_numpy(bias_scale))
        self.out_float = y.dtype == "F32"
        self.x_index, self.y_index = op.inputs[0], op.outputs[0]
        self.y_quant = None if self.out_float else (y.dtype, int(y.bits))
        # Learned activation scales (QatNet learn_ranges): zero-argument
        # callables giving the current fp32 input / output scale; None: the
        # .qrt's fixed scales in the buffers below.
        self.sx_fn = self.sy_fn = None
        if self.out_float:
            self.register_buffer("out_mult", torch.from_numpy(bias_scale.copy()))
            self.lo = self.hi = None
        else:
            self.register_buffer("out_mult", torch.from_numpy((bias_scale / fq.f32(y.scale[0])).astype(np.float32)))
            self.lo, self.hi = fq.activation_range(y.dtype, y.bits, y.scale[0], self.activation)
        self.has_bias = bias is not None or bn is not None or bt is not None

        if init == "qrt":
            # Start from the deployed PTQ model: latent parameters that fold
            # to codes * scale (the .qrt's rounding, GPTQ's included) and to
            # its int32 biases (bias correction included).
            target_w = codes * sw.astype(np.float64).reshape(-1, *([1] * (codes.ndim - 1)))
            bq = bt.data.astype(np.float64) if bt is not None else np.zeros(o)
            target_b = bq * bias_scale.astype(np.float64)
            if bn is not None:
                factor = gamma.astype(np.float64) / np.sqrt(self._var64(inits, bn) + bn["eps"])
                fs = factor.reshape(-1, *([1] * (codes.ndim - 1)))
                w = np.where(fs != 0, target_w / np.where(fs != 0, fs, 1), w).astype(np.float32)
                conv_b = bias.astype(np.float64) if bias is not None else 0.0
                beta = (target_b - (conv_b - np.asarray(inits[bn["mean"]], np.float64)) * factor).astype(np.float32)
            else:
                w = target_w.astype(np.float32)
                if bt is not None:
                    bias = target_b.astype(np.float32)
        self.weight = nn.Parameter(torch.from_numpy(np.ascontiguousarray(w)))
        self.bias = nn.Parameter(torch.from_numpy(bias)) if bias is not None else None
        if bn is not None:
            self.bn_weight = nn.Parameter(torch.from_numpy(gamma))
            self.bn_bias = nn.Parameter(torch.from_numpy(beta))
        self.has_bn = bn is not None
        self.onnx = {"node": info["node"].name, "weight": info["weight"], "bias": info["bias"],
                     "bn": bn["node"].name if bn is not None else None}

    @staticmethod
    def _var64(inits, bn):
        return np.asarray(inits[bn["var"]], np.float64)

    def folded(self):
        """(w', b') in fp32: BN folded into the conv (b' None without bias)."""
        if not self.has_bn:
            return self.weight, self.bias
        factor = self.bn_weight / torch.sqrt(self.bn_var + self.bn_eps)
        w = self.weight * factor.view(-1, *([1] * (self.weight.dim() - 1)))
        b = self.bn_bias - self.bn_mean * factor
        if self.bias is not None:
            b = b + self.bias * factor
        return w, b

    def current_bias_scale(self):
        """fp32 sx * sw[c] with the current input scale."""
        return self.bias_scale if self.sx_fn is None else self.sx_fn() * self.w_scale

    def requant(self):
        """(multiplier per channel, lo, hi) of the epilogue with the current scales."""
        if self.sx_fn is None:
            return self.out_mult, self.lo, self.hi
        bs = self.current_bias_scale()
        if self.out_float:
            return bs, None, None
        sy = self.sy_fn()
        lo, hi = fq.activation_range(self.y_quant[0], self.y_quant[1], float(sy.detach()), self.activation)
        return bs / sy, lo, hi

    def codes(self, exact=False):
        """(weight codes, bias codes or None) as float tensors."""
        w, b = self.folded()
        wq = fq.quantize_weights(w, self.w_scale, self.bits)
        bq = None
        if b is not None:
            lim = float(2 ** 31 - 1)
            bs = self.current_bias_scale()
            bq = (torch.clamp(torch.round(b.double() / bs.double()), -lim, lim) if exact
                  else torch.clamp(fq.round_ste(b / bs), -lim, lim))
        return wq, bq

    def _linear(self, x, w, b):
        if not self.is_conv:
            return F.linear(x, w, b)
        pl, pr, pt, pb = self.pads
        if pl == pr and pt == pb:
            return F.conv2d(x, w, b, self.stride, (pt, pl), self.dilation, self.groups)
        return F.conv2d(F.pad(x, (pl, pr, pt, pb)), w, b, self.stride, 0, self.dilation, self.groups)

    def forward(self, x, mode):
        if mode == "float":
            w, b = self.folded()
            return fq.float_activation(self._linear(x, w, b), self.activation)
        exact = mode == "exact"
        wq, bq = self.codes(exact)
        if exact:
            acc = self._linear(x.double(), wq.double(), None if bq is None else bq.double())
        else:
            acc = self._linear(x, wq, bq)
        acc32 = fq.to_f32(acc)
        shape = (1, -1, 1, 1) if self.is_conv else (1, -1)
        mult, lo, hi = self.requant()
        if self.out_float:
            return fq.float_activation(acc32 * mult.view(shape), self.activation)
        return fq.requantize(acc32, mult.view(shape), lo, hi)


def _nchw_axis(axis, rank):
    if rank != 4:
        return axis
    return {0: 0, 1: 2, 2: 3, 3: 1}[axis]


class QatNet(nn.Module):
    """The .qrt model `qm` (qrt_file.QrtModel) with the ONNX model's
    parameters. init "qrt": start exactly from the .qrt's weights and biases
    (the PTQ model as deployed); "onnx": from the float ONNX weights."""

    def __init__(self, qm, onnx_model, init="qrt", learn_ranges=False):
        super().__init__()
        if init not in ("qrt", "onnx"):
            raise ValueError(f"init must be 'qrt' or 'onnx', got '{init}'")
        if len(qm.inputs) != 1 or len(qm.outputs) != 1:
            raise ValueError(f"{qm.path}: one input and one output supported")
        self.qm = qm
        self.mode = "fake"
        layers = onnx_layers(onnx_model)
        self.layers = nn.ModuleDict()
        producer = {}
        for i, op in enumerate(qm.ops):
            for t in op.outputs:
                producer[t] = op
            if op.type not in ("CONV_2D", "FULLY_CONNECTED"):
                continue
            if op.name not in layers:
                raise ValueError(f"{qm.path}: operator '{op.name}' ({op.type}) has no Conv/Gemm/MatMul node "
                                 f"of that name in the ONNX model")
            hw = None
            if op.type == "FULLY_CONNECTED":
                p = producer.get(op.inputs[0])
                if p is not None and p.type == "RESHAPE":
                    s = qm.tensors[p.inputs[0]].shape
                    if len(s) == 4 and s[1] * s[2] > 1:
                        hw = (s[1], s[2])
            self.layers[f"op{i}"] = QLinear(qm, op, layers[op.name], init, hw)
        # Activation scales: fixed (the .qrt's), or learned (learn_ranges):
        # one fp32 parameter s per scale group (LSQ). MaxPool and Reshape outputs
        # share their input's scale (lowering inherits it), everything else
        # has its own. The forward pass computes every constant from s in
        # fp32 as the runtime does at load, so `exact` stays the runtime's
        # integers for the current scales (export_qdq_onnx writes them).
        self.learn_ranges = learn_ranges
        self.scale_group = {}
        for op in qm.ops:
            for k in op.outputs:
                t = qm.tensors[k]
                if not (t.quantized and t.data is None):
                    continue
                x = op.inputs[0] if op.inputs else -1
                if op.type in ("MAX_POOL_2D", "RESHAPE") and x >= 0 and qm.tensors[x].quantized:
                    self.scale_group[k] = self.scale_group.get(x, x)
                else:
                    self.scale_group[k] = k
        self.scales = nn.ParameterDict()
        if learn_ranges:
            for k, g in sorted(self.scale_group.items()):
                if str(g) in self.scales:
                    continue
                t = qm.tensors[g]
                p = nn.Parameter(torch.tensor(np.float32(t.scale[0])))  # starts at the .qrt's scale exactly
                # LSQ's gradient scale 1 / sqrt(elements per image * qmax): the
                # scale's gradient sums over every element of the tensor.
                factor = 1.0 / float(np.sqrt(max(1, int(np.prod(t.shape[1:]))) * t.qmax))
                p.register_hook(lambda g, f=factor: g * f)
                self.scales[str(g)] = p
            for _, layer in self.linear_layers():
                layer.sx_fn = (lambda k=layer.x_index: self.scale(k))
                if not layer.out_float:
                    layer.sy_fn = (lambda k=layer.y_index: self.scale(k))

    def linear_layers(self):
        return [(self.qm.ops[int(k[2:])], m) for k, m in self.layers.items()]

    def scale(self, k):
        """The current fp32 scale of int8 tensor k: a 0-dim parameter
        (learned) or, fixed, the .qrt's as a numpy float32."""
        if self.learn_ranges:
            return self.scales[str(self.scale_group[k])]
        return fq.f32(self.qm.tensors[k].scale[0])

    def constrain_scales(self):
        """After an optimizer step: a learned scale stays >= 1/64 of its
        .qrt value (a scale <= 0 would be no quantization at all)."""
        with torch.no_grad():
            for g, p in self.scales.items():
                p.clamp_(min=float(np.float32(self.qm.tensors[int(g)].scale[0])) / 64)

    def activation_scales(self):
        """ONNX tensor name -> current scale (float), like QrtModel.activation_quant."""
        out = {}
        for k in self.scale_group:
            name = self.qm.tensors[k].name
            name = name[:-len("/quantized")] if name.endswith("/quantized") else name
            out[name] = float(self.scale(k))
        return out

    def _f(self, k):
        """scale(k) usable in arithmetic with tensors (python float when fixed)."""
        s = self.scale(k)
        return s if torch.is_tensor(s) else float(s)

    def forward(self, x, mode=None):
        mode = mode or self.mode
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got '{mode}'")
        T = self.qm.tensors
        v = [None] * len(T)
        v[self.qm.inputs[0]] = x
        q = mode != "float"
        for i, op in enumerate(self.qm.ops):
            ins = [v[k] if k >= 0 else None for k in op.inputs]
            y_t = T[op.outputs[0]]
            act = op.options.get("activation", "NONE")
            if op.type in ("CONV_2D", "FULLY_CONNECTED"):
                y = self.layers[f"op{i}"](ins[0], mode)
            elif op.type == "QUANTIZE":
                if not q:
                    y = ins[0]
                elif self.learn_ranges:  # q = round(clamp(x * (1.0f / s))), 1/s in fp32
                    y = fq.round_ste(torch.clamp(ins[0] * (1.0 / self.scale(op.outputs[0])),
                                                 float(y_t.qmin), float(y_t.qmax)))
                else:
                    y = fq.quantize(ins[0], y_t.scale[0], y_t.qmin, y_t.qmax)
            elif op.type == "DEQUANTIZE":
                y = ins[0] * self._f(op.inputs[0]) if q else ins[0]
            elif op.type == "ADD":
                y = self._add(op, ins, y_t, act, q)
            elif op.type == "MAX_POOL_2D":
                y = self._maxpool(op, ins[0], y_t, act, q)
            elif op.type == "AVERAGE_POOL_2D":
                y = self._avgpool(op, ins[0], T[op.inputs[0]], y_t, act, q, mode == "exact")
            elif op.type == "GLOBAL_AVERAGE_POOL":
                y = self._global_avgpool(op, ins[0], T[op.inputs[0]], y_t, q, mode == "exact")
            elif op.type == "RESHAPE":
                y = ins[0].reshape(ins[0].shape[0], -1) if len(y_t.shape) == 2 else ins[0].reshape(
                    ins[0].shape[0], y_t.shape[3], y_t.shape[1], y_t.shape[2])
            elif op.type == "CONCAT":
                y = self._concat(op, ins, y_t, q)
            elif op.type == "SOFTMAX":
                y = torch.softmax(ins[0], dim=-1 if ins[0].dim() != 4 else 1)
            else:
                raise ValueError(f"operator '{op.name}': {op.type} is not supported by qrt_train")
            v[op.outputs[0]] = y
        return v[self.qm.outputs[0]]

    # -- ops other than conv/FC ------------------------------------------
    def _add(self, op, ins, y_t, act, q):
        a_t, b_t = (self.qm.tensors[k] for k in op.inputs)
        if not q or y_t.dtype == "F32":
            return fq.float_activation(ins[0] + ins[1], act)
        # --quantize-adds ablation: both inputs requantized to the output scale.
        ka, kb, ky = op.inputs[0], op.inputs[1], op.outputs[0]
        if self.learn_ranges:
            sy = self.scale(ky)
            ma, mb = self.scale(ka) / sy, self.scale(kb) / sy
            lo, hi = fq.activation_range(y_t.dtype, y_t.bits, float(sy.detach()), act)
        else:
            sy = fq.f32(y_t.scale[0])
            ma, mb = float(fq.f32(a_t.scale[0]) / sy), float(fq.f32(b_t.scale[0]) / sy)
            lo, hi = fq.activation_range(y_t.dtype, y_t.bits, y_t.scale[0], act)
        return fq.round_ste(torch.clamp(ins[0] * ma + ins[1] * mb, float(lo), float(hi)))

    def _pool_args(self, op):
        o = op.options
        return (o["kernel_h"], o["kernel_w"]), (o["stride_h"], o["stride_w"]), (
            o["pad_left"], o["pad_right"], o["pad_top"], o["pad_bottom"])

    def _maxpool(self, op, x, y_t, act, q):
        k, s, pads = self._pool_args(op)
        y = F.max_pool2d(F.pad(x, pads, value=float("-inf")), k, s)
        if q and y_t.quantized:
            return torch.clamp(y, float(y_t.qmin), float(y_t.qmax))
        return fq.float_activation(y, act)

    def _avgpool(self, op, x, x_t, y_t, act, q, exact):
        k, s, pads = self._pool_args(op)
        ones = torch.ones_like(x[:1, :1])
        if op.options.get("count_include_pad"):
            n = torch.full_like(F.avg_pool2d(F.pad(ones, pads), k, s, divisor_override=1), float(k[0] * k[1]))
        else:
            n = F.avg_pool2d(F.pad(ones, pads), k, s, divisor_override=1)
        if q and y_t.quantized:
            xs = x.double() if exact else x
            total = fq.to_f32(F.avg_pool2d(F.pad(xs, pads), k, s, divisor_override=1))
            sx, sy = self.scale(op.inputs[0]), self.scale(op.outputs[0])
            mult = sx / (sy * n.float())  # fp32: sx / (sy * (float)n)
            lo, hi = fq.activation_range(y_t.dtype, y_t.bits, float(sy), act)
            return fq.requantize(total, mult, lo, hi)
        # fp32 sum in window order, then / n (not bit-exact in "fake"/"float")
        total = F.avg_pool2d(F.pad(x, pads), k, s, divisor_override=1)
        return fq.float_activation(total / n, act)

    def _global_avgpool(self, op, x, x_t, y_t, q, exact):
        nb, c, h, w = x.shape
        if q and y_t.quantized:
            total = fq.to_f32((x.double() if exact else x).sum(dim=(2, 3)))
            sx, sy = self.scale(op.inputs[0]), self.scale(op.outputs[0])
            if self.learn_ranges:
                mult = sx / (sy * float(np.float32(h * w)))
            else:
                mult = float(sx / (sy * fq.f32(h * w)))
            lo, hi = fq.activation_range(y_t.dtype, y_t.bits, float(sy), "NONE")
            y = fq.requantize(total, mult, lo, hi)
        elif exact:
            flat = x.reshape(nb, c, h * w)
            total = flat[:, :, 0]
            for i in range(1, h * w):  # fp32 sum in index order, as the reference kernel
                total = total + flat[:, :, i]
            y = total / float(h * w)
        else:
            y = x.mean(dim=(2, 3))
        return y.reshape(nb, c, 1, 1) if len(y_t.shape) == 4 else y

    def _concat(self, op, ins, y_t, q):
        axis = _nchw_axis(op.options["axis"], len(y_t.shape))
        if not q or not y_t.quantized:
            return torch.cat(ins, dim=axis)
        parts = []
        sy = self.scale(op.outputs[0])
        for k, xi in zip(op.inputs, ins):
            sk = self.scale(k)
            if float(sk) == float(sy):
                parts.append(xi)
            else:
                m = sk / sy if self.learn_ranges else float(sk / sy)
                parts.append(torch.clamp(fq.round_ste(xi * m), float(y_t.qmin), float(y_t.qmax)))
        return torch.cat(parts, dim=axis)
