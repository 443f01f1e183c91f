#!/usr/bin/env python3
"""qrt_to_tflite.py: write a .qrt model as a TFLite int8 flatbuffer.

    qrt_to_tflite.py model.qrt -o model.tflite [--calib PIXELS.u8 --calib-count N]
                     [--gen-dir build/litert-gen]

The .qrt is read with Python code that `flatc --python` generates from
schema/qrt.fbs at run time (into --gen-dir, under build/). The .tflite is
written with the object API of the TFLite schema that the ai-edge-litert
wheel ships (ai_edge_litert.schema_py_generated). The same integers go in:
per-channel int8 weights, int32 biases, qrt's scales and zero points (U8
activations become TFLite int8 with zero point z - 128, exactly qrt's own
storage, docs/integer-semantics.md). benchmarks/litert/README.md has the op
mapping and what differs.

One thing qrt has that TFLite has not: a conv / FC whose int8 inputs give a
*float* output (the dequantizing epilogue before a float residual ADD or
the logits). TFLite has no int8 -> float conv, so such an op becomes an int8
conv with an int8 output followed by DEQUANTIZE. That int8 output needs a
scale, which the .qrt does not hold; this script measures it: it first
writes a float "fake-quant" twin of the graph (dequantized weights,
QUANTIZE+DEQUANTIZE wherever qrt has an int8 tensor), runs it with LiteRT on
the calibration pixels (--calib, raw u8 HWC, the model's own preprocess) and
takes min/max of those tensors. This adds one rounding qrt does not have.
"""
import argparse
import os
import subprocess
import sys

import flatbuffers
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def load_qrt_schema(gen_dir):
    """Generates the Python reader from schema/qrt.fbs into gen_dir."""
    marker = os.path.join(gen_dir, "qrt", "schema", "Model.py")
    schema = os.path.join(ROOT, "schema", "qrt.fbs")
    if (not os.path.exists(marker)
            or os.path.getmtime(marker) < os.path.getmtime(schema)):
        os.makedirs(gen_dir, exist_ok=True)
        subprocess.check_call(["flatc", "--python", "-o", gen_dir, schema])
    sys.path.insert(0, gen_dir)
    from qrt.schema.Model import Model  # noqa: E402
    from qrt.schema import OpType, DType, Activation  # noqa: E402
    from qrt.schema.Conv2DOptions import Conv2DOptions
    from qrt.schema.Pool2DOptions import Pool2DOptions
    from qrt.schema.FullyConnectedOptions import FullyConnectedOptions
    from qrt.schema.AddOptions import AddOptions
    from qrt.schema.ConcatOptions import ConcatOptions
    return dict(Model=Model, OpType=OpType.OpType, DType=DType.DType,
                Activation=Activation.Activation, Conv2DOptions=Conv2DOptions,
                Pool2DOptions=Pool2DOptions,
                FullyConnectedOptions=FullyConnectedOptions,
                AddOptions=AddOptions, ConcatOptions=ConcatOptions)


def unpack_bits(src, n, bits):
    """runtime/src/unpack.cc: two's complement, little-endian bit order."""
    src = np.frombuffer(src, np.uint8)
    total = (n * bits + 7) // 8
    pad = np.zeros(total + 2, np.uint32)
    pad[:len(src)] = src[:total]
    bit = np.arange(n, dtype=np.int64) * bits
    byte = bit // 8
    window = pad[byte] | (pad[byte + 1] << 8) | (pad[byte + 2] << 16)
    v = (window >> (bit % 8).astype(np.uint32)) & ((1 << bits) - 1)
    sign = 1 << (bits - 1)
    return ((v ^ sign).astype(np.int32) - sign).astype(np.int8)


class QrtModel:
    """The few fields of a .qrt this script needs, as numpy / Python values."""

    def __init__(self, path, S):
        self.S = S
        self.raw = open(path, "rb").read()
        m = S["Model"].GetRootAs(self.raw, 0)
        self.m = m
        DT = S["DType"]
        self.tensors = []
        for i in range(m.TensorsLength()):
            t = m.Tensors(i)
            q = t.Quant()
            d = dict(name=t.Name().decode(), dtype=t.Dtype(),
                     shape=[int(v) for v in t.ShapeAsNumpy()], buffer=t.Buffer())
            if q is not None:
                d["scale"] = [float(q.Scale(j)) for j in range(q.ScaleLength())]
                zp = [int(q.ZeroPoint(j)) for j in range(q.ZeroPointLength())]
                d["zero_point"] = zp or [0] * len(d["scale"])
                d["axis"] = q.Axis()
                d["bits"] = q.Bits()
            if t.Buffer() != 0:
                b = m.Buffers(t.Buffer())
                data = b.DataAsNumpy().tobytes() if b.DataLength() else b""
                n = int(np.prod(d["shape"]))
                if hasattr(b, "Sparse") and b.Sparse():  # bitmap + non-zero values (schema Buffer.sparse)
                    nmap = (n + 7) // 8
                    mask = np.unpackbits(np.frombuffer(data[:nmap], np.uint8), bitorder="little")[:n].astype(bool)
                    nz = int(mask.sum())
                    vals = (unpack_bits(data[nmap:], nz, b.PackedBits()) if b.PackedBits()
                            else np.frombuffer(data[nmap:], np.int8)[:nz])
                    arr = np.zeros(n, np.int8)
                    arr[mask] = vals
                elif b.PackedBits():
                    arr = unpack_bits(data, n, b.PackedBits())
                elif d["dtype"] == DT.S8:
                    arr = np.frombuffer(data, np.int8)[:n]
                elif d["dtype"] == DT.S32:
                    arr = np.frombuffer(data, "<i4")[:n]
                elif d["dtype"] == DT.F32:
                    arr = np.frombuffer(data, "<f4")[:n]
                else:
                    raise SystemExit(f"tensor {i} {d['name']}: constant dtype {d['dtype']}")
                d["data"] = arr.reshape(d["shape"])
            self.tensors.append(d)
        self.ops = []
        names = {v: k for k, v in vars(S["OpType"]).items() if not k.startswith("_")}
        for k in range(m.OperatorsLength()):
            op = m.Operators(k)
            opts = None
            if op.Options() is not None:
                opts = op.Options()
            self.ops.append(dict(type=names[op.Type()], name=(op.Name() or b"").decode(),
                                 inputs=[op.Inputs(j) for j in range(op.InputsLength())],
                                 outputs=[op.Outputs(j) for j in range(op.OutputsLength())],
                                 options=opts))
        self.inputs = [m.Inputs(j) for j in range(m.InputsLength())]
        self.outputs = [m.Outputs(j) for j in range(m.OutputsLength())]
        pre = m.Metadata().Preprocess() if m.Metadata() else None
        self.mean = [pre.Mean(j) for j in range(pre.MeanLength())] if pre else []
        self.std = [pre.Std(j) for j in range(pre.StdLength())] if pre else []

    def opt(self, op, cls):
        t = self.S[cls]()
        t.Init(op["options"].Bytes, op["options"].Pos)
        return t

    def is_quant(self, i):
        return self.tensors[i]["dtype"] in (self.S["DType"].S8, self.S["DType"].U8)

    def preprocess(self, pixels):
        """u8 HWC pixels [count, elements] -> float input, as qrt_e2e does."""
        x = pixels.astype(np.float32) / np.float32(255.0)
        c = self.tensors[self.inputs[0]]["shape"][-1]
        ch = np.arange(x.shape[-1]) % c   # HWC: element e is channel e % c
        if self.mean:
            x = x - np.array(self.mean, np.float32)[ch % len(self.mean)]
        if self.std:
            x = x / np.array(self.std, np.float32)[ch % len(self.std)]
        return x.astype(np.float32)


def same_pads(in_size, k, stride, dilation, out_size):
    eff = (k - 1) * dilation + 1
    total = max((out_size - 1) * stride + eff - in_size, 0)
    return total // 2, total - total // 2


class TfliteWriter:
    def __init__(self, qm, float_mode, ranges):
        import ai_edge_litert.schema_py_generated as T
        self.T = T
        self.qm = qm
        self.float_mode = float_mode   # the calibration twin
        self.ranges = ranges or {}     # qrt tensor index -> (min, max)
        self.tensors, self.buffers, self.ops, self.codes = [], [T.BufferT()], [], {}
        self.map = {}                  # qrt tensor index -> tflite tensor index
        self.probe = {}                # qrt tensor index -> tflite index to measure

    # --- tensors -----------------------------------------------------------
    def add_tensor(self, name, shape, ttype, scale=None, zp=None, axis=0, data=None):
        T = self.T
        t = T.TensorT()
        t.name = name
        t.shape = list(shape)
        t.type = ttype
        t.buffer = 0
        if data is not None:
            b = T.BufferT()
            b.data = np.frombuffer(np.ascontiguousarray(data).tobytes(), np.uint8)
            self.buffers.append(b)
            t.buffer = len(self.buffers) - 1
        if scale is not None:
            q = T.QuantizationParametersT()
            q.scale = [float(s) for s in scale]
            q.zeroPoint = [int(z) for z in zp]
            q.quantizedDimension = axis
            t.quantization = q
        self.tensors.append(t)
        return len(self.tensors) - 1

    def act(self, i):
        """TFLite tensor for qrt activation i (int8 storage as qrt keeps it)."""
        if i in self.map:
            return self.map[i]
        t = self.qm.tensors[i]
        DT = self.qm.S["DType"]
        TT = self.T.TensorType
        if t["dtype"] == DT.F32 or self.float_mode:
            k = self.add_tensor(t["name"], t["shape"], TT.FLOAT32)
        elif t["dtype"] in (DT.S8, DT.U8):
            if len(t["scale"]) != 1:
                raise SystemExit(f"{t['name']}: per-channel activation")
            zp = t["zero_point"][0] - (128 if t["dtype"] == DT.U8 else 0)
            if t["bits"] != 8:
                print(f"note: {t['name']} has {t['bits']}-bit activations; TFLite "
                      "clamps to the int8 range instead", file=sys.stderr)
            k = self.add_tensor(t["name"], t["shape"], TT.INT8, t["scale"], [zp])
        else:
            raise SystemExit(f"{t['name']}: activation dtype {t['dtype']}")
        self.map[i] = k
        return k

    def quant_of(self, i):
        t = self.qm.tensors[i]
        zp = t["zero_point"][0] - (128 if t["dtype"] == self.qm.S["DType"].U8 else 0)
        return t["scale"][0], zp

    # --- ops ---------------------------------------------------------------
    def op(self, code, inputs, outputs, opt_type=0, opt=None):
        T = self.T
        if code not in self.codes:
            c = T.OperatorCodeT()
            c.builtinCode = code
            c.deprecatedBuiltinCode = min(code, 127)
            c.version = 1
            self.codes[code] = len(self.codes)
        o = T.OperatorT()
        o.opcodeIndex = self.codes[code]
        o.inputs = list(inputs)
        o.outputs = list(outputs)
        o.builtinOptionsType = opt_type
        o.builtinOptions = opt
        self.ops.append(o)

    def quantize(self, src, dst):
        self.op(self.T.BuiltinOperator.QUANTIZE, [src], [dst],
                self.T.BuiltinOptions.QuantizeOptions, self.T.QuantizeOptionsT())

    def dequantize(self, src, dst):
        self.op(self.T.BuiltinOperator.DEQUANTIZE, [src], [dst],
                self.T.BuiltinOptions.DequantizeOptions, self.T.DequantizeOptionsT())

    def fake_quant(self, i, src_float):
        """Float twin: the qrt int8 tensor i as QUANTIZE + DEQUANTIZE of src."""
        s, zp = self.quant_of(i)
        t = self.qm.tensors[i]
        q = self.add_tensor(t["name"] + "/fq", t["shape"], self.T.TensorType.INT8, [s], [zp])
        self.quantize(src_float, q)
        self.dequantize(q, self.act(i))

    def activation(self, a):
        A = self.qm.S["Activation"]
        AF = self.T.ActivationFunctionType
        return {A.NONE: AF.NONE, A.RELU: AF.RELU, A.RELU6: AF.RELU6}[a]

    def pad_op(self, src, pads, qrt_in, value_is_min):
        """Explicit PAD (NHWC) in front of a conv / pool; pads = t, l, b, r."""
        T = self.T
        t, l, b, r = pads
        shape = list(self.qm.tensors[qrt_in]["shape"])
        out_shape = [shape[0], shape[1] + t + b, shape[2] + l + r, shape[3]]
        paddings = self.add_tensor("pads", [4, 2], T.TensorType.INT32,
                                   data=np.array([[0, 0], [t, b], [l, r], [0, 0]], np.int32))
        src_t = self.tensors[src]
        q = src_t.quantization
        if q is not None:
            dst = self.add_tensor(src_t.name + "/pad", out_shape, src_t.type, q.scale, q.zeroPoint)
        else:
            dst = self.add_tensor(src_t.name + "/pad", out_shape, src_t.type)
        if value_is_min and q is not None and list(q.zeroPoint) == [-128]:
            value_is_min = False  # PAD's value, the zero point, is the lowest code
        if value_is_min:  # max pool: pad with the lowest code, never the max
            lowest = -128 if q is not None else -3.0e38
            cv = self.add_tensor("pad_value", [], src_t.type, q.scale if q else None,
                                 q.zeroPoint if q else None,
                                 data=np.array(lowest, np.int8 if q else np.float32))
            self.op(T.BuiltinOperator.PADV2, [src, paddings, cv], [dst],
                    T.BuiltinOptions.PadV2Options, T.PadV2OptionsT())
        else:             # conv: pad with the zero point (as if x = zx)
            self.op(T.BuiltinOperator.PAD, [src, paddings], [dst],
                    T.BuiltinOptions.PadOptions, T.PadOptionsT())
        return dst

    def padding(self, qin, qout, kh, kw, sh, sw, dh, dw, pads):
        """TFLite padding mode, and explicit pads still to apply (or None)."""
        ih, iw = self.qm.tensors[qin]["shape"][1:3]
        oh, ow = self.qm.tensors[qout]["shape"][1:3]
        if all(p == 0 for p in pads):
            return self.T.Padding.VALID, None
        pt, pb = same_pads(ih, kh, sh, dh, oh)
        pl, pr = same_pads(iw, kw, sw, dw, ow)
        if (pt, pl, pb, pr) == tuple(pads):
            return self.T.Padding.SAME, None
        return self.T.Padding.VALID, pads

    def out_for_gemm(self, qout):
        """Output of a conv / FC: int8 as qrt has it, or int8 + DEQUANTIZE for
        qrt's float-output (dequantizing) epilogue. Returns (tflite output,
        a function to call after the op is added)."""
        T = self.T
        t = self.qm.tensors[qout]
        if self.float_mode:
            if self.qm.is_quant(qout):
                tmp = self.add_tensor(t["name"] + "/f", t["shape"], T.TensorType.FLOAT32)
                return tmp, lambda: self.fake_quant(qout, tmp)
            k = self.act(qout)
            self.probe[qout] = k
            return k, lambda: None
        if self.qm.is_quant(qout):
            return self.act(qout), lambda: None
        lo, hi = self.ranges[qout]
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        scale = max(hi - lo, 1e-8) / 255.0
        zp = int(np.clip(np.round(-128 - lo / scale), -128, 127))
        q = self.add_tensor(t["name"] + "/i8", t["shape"], T.TensorType.INT8, [scale], [zp])
        return q, lambda: self.dequantize(q, self.act(qout))

    def conv(self, op):
        T, qm = self.T, self.qm
        o = qm.opt(op, "Conv2DOptions")
        xi, wi, bi = op["inputs"][:3] + [-1] * (3 - len(op["inputs"][:3]))
        w = qm.tensors[wi]
        cout, kh, kw, cin_g = w["shape"]
        cin = qm.tensors[xi]["shape"][3]
        groups = o.Groups()
        depthwise = groups > 1
        if depthwise and not (groups == cin and cin_g == 1):
            raise SystemExit(f"{op['name']}: grouped conv (groups {groups}) has no TFLite op")
        pads = (o.PadTop(), o.PadLeft(), o.PadBottom(), o.PadRight())
        mode, explicit = self.padding(xi, op["outputs"][0], kh, kw, o.StrideH(), o.StrideW(),
                                      o.DilationH(), o.DilationW(), pads)
        x = self.act(xi)
        fm = self.float_mode
        if fm:   # conv in float on dequantized weights
            sw = np.array(w["scale"], np.float32)
            wdata = (w["data"].astype(np.float32) * sw.reshape(-1, 1, 1, 1)).astype(np.float32)
        else:
            wdata = w["data"]
        if depthwise:  # OHWI [C, kh, kw, 1] -> [1, kh, kw, C], quantized dim 3
            wdata = np.transpose(wdata, (3, 1, 2, 0))
            axis = 3
        else:
            axis = 0
        if fm:
            wt = self.add_tensor(w["name"], wdata.shape, T.TensorType.FLOAT32, data=wdata)
        else:
            wt = self.add_tensor(w["name"], wdata.shape, T.TensorType.INT8, w["scale"],
                                 [0] * len(w["scale"]), axis, data=wdata)
        bt = -1
        if bi >= 0:
            b = qm.tensors[bi]
            if fm:
                bd = (b["data"].astype(np.float64) * np.array(b["scale"])).astype(np.float32)
                bt = self.add_tensor(b["name"], b["shape"], T.TensorType.FLOAT32, data=bd)
            else:
                bt = self.add_tensor(b["name"], b["shape"], T.TensorType.INT32, b["scale"],
                                     [0] * len(b["scale"]), 0, data=b["data"].astype("<i4"))
        if explicit is not None:
            x = self.pad_op(x, explicit, xi, value_is_min=False)
        y, after = self.out_for_gemm(op["outputs"][0])
        act = self.activation(o.Activation())
        if depthwise:
            opt = T.DepthwiseConv2DOptionsT()
            opt.padding, opt.strideH, opt.strideW = mode, o.StrideH(), o.StrideW()
            opt.dilationHFactor, opt.dilationWFactor = o.DilationH(), o.DilationW()
            opt.depthMultiplier = 1
            opt.fusedActivationFunction = act
            self.op(T.BuiltinOperator.DEPTHWISE_CONV_2D, [x, wt, bt], [y],
                    T.BuiltinOptions.DepthwiseConv2DOptions, opt)
        else:
            opt = T.Conv2DOptionsT()
            opt.padding, opt.strideH, opt.strideW = mode, o.StrideH(), o.StrideW()
            opt.dilationHFactor, opt.dilationWFactor = o.DilationH(), o.DilationW()
            opt.fusedActivationFunction = act
            self.op(T.BuiltinOperator.CONV_2D, [x, wt, bt], [y],
                    T.BuiltinOptions.Conv2DOptions, opt)
        after()

    def fc(self, op):
        T, qm = self.T, self.qm
        o = qm.opt(op, "FullyConnectedOptions")
        xi, wi = op["inputs"][:2]
        bi = op["inputs"][2] if len(op["inputs"]) > 2 else -1
        w = qm.tensors[wi]
        if self.float_mode:
            wd = (w["data"].astype(np.float32) * np.array(w["scale"], np.float32)[:, None])
            wt = self.add_tensor(w["name"], w["shape"], T.TensorType.FLOAT32,
                                 data=wd.astype(np.float32))
        else:
            wt = self.add_tensor(w["name"], w["shape"], T.TensorType.INT8, w["scale"],
                                 [0] * len(w["scale"]), 0, data=w["data"])
        bt = -1
        if bi >= 0:
            b = qm.tensors[bi]
            if self.float_mode:
                bd = (b["data"].astype(np.float64) * np.array(b["scale"])).astype(np.float32)
                bt = self.add_tensor(b["name"], b["shape"], T.TensorType.FLOAT32, data=bd)
            else:
                bt = self.add_tensor(b["name"], b["shape"], T.TensorType.INT32, b["scale"],
                                     [0] * len(b["scale"]), 0, data=b["data"].astype("<i4"))
        x = self.act(xi)
        y, after = self.out_for_gemm(op["outputs"][0])
        opt = T.FullyConnectedOptionsT()
        opt.fusedActivationFunction = self.activation(o.Activation())
        opt.keepNumDims = False
        self.op(T.BuiltinOperator.FULLY_CONNECTED, [x, wt, bt], [y],
                T.BuiltinOptions.FullyConnectedOptions, opt)
        after()

    def simple_out(self, op):
        """Output of an op that keeps the int8 / float type (pool, reshape...)."""
        qout = op["outputs"][0]
        return self.act(qout)

    def pool(self, op, kind):
        T, qm = self.T, self.qm
        o = qm.opt(op, "Pool2DOptions")
        xi, yi = op["inputs"][0], op["outputs"][0]
        pads = (o.PadTop(), o.PadLeft(), o.PadBottom(), o.PadRight())
        mode, explicit = self.padding(xi, yi, o.KernelH(), o.KernelW(), o.StrideH(),
                                      o.StrideW(), 1, 1, pads)
        x = self.act(xi)
        if explicit is not None:
            if kind != "max" and not o.CountIncludePad():
                raise SystemExit(f"{op['name']}: average pool with pads TFLite cannot express")
            x = self.pad_op(x, explicit, xi, value_is_min=(kind == "max"))
        elif kind == "avg" and o.CountIncludePad() and mode == T.Padding.SAME:
            raise SystemExit(f"{op['name']}: count_include_pad with padding")
        if kind == "max" and not self.float_mode and qm.is_quant(xi):
            if self.quant_of(xi) != self.quant_of(yi):
                raise SystemExit(f"{op['name']}: max pool changes quantization")
        y = self.act(yi)
        opt = T.Pool2DOptionsT()
        opt.padding, opt.strideH, opt.strideW = mode, o.StrideH(), o.StrideW()
        opt.filterHeight, opt.filterWidth = o.KernelH(), o.KernelW()
        opt.fusedActivationFunction = self.activation(o.Activation())
        code = T.BuiltinOperator.MAX_POOL_2D if kind == "max" else T.BuiltinOperator.AVERAGE_POOL_2D
        self.op(code, [x], [y], T.BuiltinOptions.Pool2DOptions, opt)

    def gap(self, op):
        T = self.T
        x = self.act(op["inputs"][0])
        y = self.act(op["outputs"][0])
        axes = self.add_tensor("axes", [2], T.TensorType.INT32, data=np.array([1, 2], np.int32))
        opt = T.ReducerOptionsT()
        opt.keepDims = len(self.qm.tensors[op["outputs"][0]]["shape"]) == 4
        self.op(T.BuiltinOperator.MEAN, [x, axes], [y], T.BuiltinOptions.ReducerOptions, opt)

    def reshape(self, op):
        T = self.T
        x = self.act(op["inputs"][0])
        y = self.act(op["outputs"][0])
        shape = self.qm.tensors[op["outputs"][0]]["shape"]
        st = self.add_tensor("shape", [len(shape)], T.TensorType.INT32,
                             data=np.array(shape, np.int32))
        opt = T.ReshapeOptionsT()
        opt.newShape = list(shape)
        self.op(T.BuiltinOperator.RESHAPE, [x, st], [y], T.BuiltinOptions.ReshapeOptions, opt)

    def convert(self):
        T, qm = self.T, self.qm
        for op in qm.ops:
            kind = op["type"]
            if kind == "QUANTIZE":
                xi, yi = op["inputs"][0], op["outputs"][0]
                if self.float_mode:
                    self.fake_quant(yi, self.act(xi))
                else:
                    self.quantize(self.act(xi), self.act(yi))
            elif kind == "DEQUANTIZE":
                if self.float_mode:
                    self.map[op["outputs"][0]] = self.act(op["inputs"][0])
                else:
                    self.dequantize(self.act(op["inputs"][0]), self.act(op["outputs"][0]))
            elif kind == "CONV_2D":
                self.conv(op)
            elif kind == "FULLY_CONNECTED":
                self.fc(op)
            elif kind == "ADD":
                a, b = (self.act(i) for i in op["inputs"][:2])
                if not self.float_mode and any(qm.is_quant(i) for i in op["inputs"][:2]):
                    print(f"note: {op['name']}: int8 ADD (--quantize-adds); TFLite "
                          "requantizes with its own fixed-point arithmetic", file=sys.stderr)
                y = self.act(op["outputs"][0])
                opt = T.AddOptionsT()
                opt.fusedActivationFunction = self.activation(qm.opt(op, "AddOptions").Activation())
                self.op(T.BuiltinOperator.ADD, [a, b], [y], T.BuiltinOptions.AddOptions, opt)
            elif kind == "MAX_POOL_2D":
                self.pool(op, "max")
            elif kind == "AVERAGE_POOL_2D":
                self.pool(op, "avg")
            elif kind == "GLOBAL_AVERAGE_POOL":
                self.gap(op)
            elif kind == "RESHAPE":
                self.reshape(op)
            elif kind == "SOFTMAX":
                x, y = self.act(op["inputs"][0]), self.act(op["outputs"][0])
                opt = T.SoftmaxOptionsT()
                opt.beta = 1.0
                self.op(T.BuiltinOperator.SOFTMAX, [x], [y], T.BuiltinOptions.SoftmaxOptions, opt)
            elif kind == "CONCAT":
                axis = qm.opt(op, "ConcatOptions").Axis()
                xs = [self.act(i) for i in op["inputs"]]
                y = self.act(op["outputs"][0])
                opt = T.ConcatenationOptionsT()
                opt.axis = axis
                self.op(T.BuiltinOperator.CONCATENATION, xs, [y],
                        T.BuiltinOptions.ConcatenationOptions, opt)
            else:
                raise SystemExit(f"op {kind} ({op['name']}) is not mapped")
        sg = T.SubGraphT()
        sg.tensors = self.tensors
        sg.inputs = [self.act(i) for i in qm.inputs]
        sg.outputs = [self.act(i) for i in qm.outputs]
        sg.operators = self.ops
        sg.name = "main"
        model = T.ModelT()
        model.version = 3
        model.subgraphs = [sg]
        model.buffers = self.buffers
        model.description = "qrt_to_tflite" + (" (float calibration twin)" if self.float_mode else "")
        model.operatorCodes = [None] * len(self.codes)
        for code, idx in self.codes.items():
            c = T.OperatorCodeT()
            c.builtinCode = code
            c.deprecatedBuiltinCode = min(code, 127)
            c.version = 1
            model.operatorCodes[idx] = c
        b = flatbuffers.Builder(1 << 20)
        b.Finish(model.Pack(b), file_identifier=b"TFL3")
        return bytes(b.Output())


def calibrate(qm, pixels):
    """Min/max of qrt's float-output conv / FC tensors, from the float twin."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    w = TfliteWriter(qm, float_mode=True, ranges=None)
    blob = w.convert()
    if not w.probe:
        return {}
    it = Interpreter(model_content=blob, experimental_preserve_all_tensors=True,
                     experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    inp = it.get_input_details()[0]
    ranges = {}
    x = qm.preprocess(pixels)
    for img in x:
        it.set_tensor(inp["index"], img.reshape(inp["shape"]))
        it.invoke()
        for qi, k in w.probe.items():
            v = it.get_tensor(k)
            lo, hi = ranges.get(qi, (np.inf, -np.inf))
            ranges[qi] = (min(lo, float(v.min())), max(hi, float(v.max())))
    return ranges


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--calib", help="raw u8 HWC calibration pixels (for float-output convs)")
    ap.add_argument("--calib-count", type=int, default=0, help="images in --calib (0: all)")
    ap.add_argument("--gen-dir", default=os.path.join(ROOT, "build", "litert-gen"))
    ap.add_argument("--float-twin", help="also write the float calibration twin here")
    a = ap.parse_args()
    S = load_qrt_schema(a.gen_dir)
    qm = QrtModel(a.model, S)
    need = any(op["type"] in ("CONV_2D", "FULLY_CONNECTED") and not qm.is_quant(op["outputs"][0])
               for op in qm.ops)
    ranges = {}
    if a.float_twin:
        open(a.float_twin, "wb").write(TfliteWriter(qm, True, None).convert())
    if need:
        if not a.calib:
            raise SystemExit("the model has float-output convs: --calib pixels are needed")
        n_el = int(np.prod(qm.tensors[qm.inputs[0]]["shape"][1:]))
        px = np.fromfile(a.calib, np.uint8)
        px = px[: (len(px) // n_el) * n_el].reshape(-1, n_el)
        if a.calib_count:
            px = px[: a.calib_count]
        ranges = calibrate(qm, px)
        for qi, (lo, hi) in ranges.items():
            print(f"calibrated {qm.tensors[qi]['name']}: [{lo:.4g}, {hi:.4g}]", file=sys.stderr)
    blob = TfliteWriter(qm, False, ranges).convert()
    with open(a.output, "wb") as f:
        f.write(blob)
    print(f"wrote {a.output} ({len(blob)} bytes, {len(qm.ops)} qrt ops)", file=sys.stderr)


if __name__ == "__main__":
    main()
