"""Reading a .qrt file (schema/qrt.fbs) into plain Python objects.

The FlatBuffers Python code is generated from schema/qrt.fbs by
`flatc --python --gen-object-api` on first use, into a cache folder keyed
by the schema's hash ($QRT_TRAIN_CACHE, else $XDG_CACHE_HOME/qrt_train or
~/.cache/qrt_train); it is never committed. Needs `flatc` on PATH and the
`flatbuffers` Python module (Debian: flatbuffers-compiler,
python3-flatbuffers).

Names: activation tensors carry their ONNX tensor names (after the
converter's graph passes: a Conv followed by BatchNormalization writes the
BN's output name); a QUANTIZE inserted before a conv/FC writes
`<tensor>/quantized`, a DEQUANTIZE `<tensor>/dequantized`. Conv/FC weights
are the ONNX initializer name, plus `_bnfold` when BN was folded into them;
operators carry the ONNX node name (a QUANTIZE carries its reader's).
"""

import hashlib
import importlib
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = os.path.join(ROOT, "schema", "qrt.fbs")

DTYPES = {0: "F32", 1: "F16", 2: "S8", 3: "U8", 4: "S32"}
ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU6"}
ACCUMULATORS = {0: "INT32", 1: "INT16"}


def _cache_root():
    if os.environ.get("QRT_TRAIN_CACHE"):
        return os.environ["QRT_TRAIN_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "qrt_train")


_schema = None


def schema_module():
    """The generated package `qrt.schema` (imported once per process)."""
    global _schema
    if _schema is not None:
        return _schema
    with open(SCHEMA, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    out = os.path.join(_cache_root(), "schema-" + digest)
    if not os.path.exists(os.path.join(out, ".complete")):
        flatc = shutil.which("flatc")
        if flatc is None:
            raise RuntimeError("flatc not found on PATH (Debian package flatbuffers-compiler)")
        os.makedirs(_cache_root(), exist_ok=True)
        tmp = tempfile.mkdtemp(dir=_cache_root(), prefix="gen-")
        subprocess.run([flatc, "--python", "--gen-object-api", "-o", tmp, SCHEMA], check=True)
        open(os.path.join(tmp, ".complete"), "w").close()
        try:
            os.rename(tmp, out)
        except OSError:  # another process won the race
            shutil.rmtree(tmp, ignore_errors=True)
    if out not in sys.path:
        sys.path.insert(0, out)
    _schema = importlib.import_module("qrt.schema.Model")
    return _schema


def _s(b):
    return b.decode() if isinstance(b, bytes) else b


def decode_sparse(data, bits, count):
    """Buffer.sparse: a bitmap of ceil(count / 8) bytes (bit i, LSB first,
    set = element i non-zero), then the non-zero values (bit-packed at
    `bits`, or one int8 each when bits is 0) -> dense int8."""
    nmap = (count + 7) // 8
    mask = np.unpackbits(np.frombuffer(bytes(data[:nmap]), dtype=np.uint8), bitorder="little")[:count].astype(bool)
    nz = int(mask.sum())
    rest = bytes(data[nmap:])
    values = unpack_bits(rest, bits, nz) if bits else np.frombuffer(rest[:nz], dtype=np.int8)
    out = np.zeros(count, dtype=np.int8)
    out[mask] = values
    return out


def unpack_bits(data, bits, count):
    """Buffer.packed_bits: `count` two's complement values of `bits` bits,
    little-endian bit order -> int8."""
    stream = np.unpackbits(np.frombuffer(bytes(data), dtype=np.uint8), bitorder="little")
    v = stream[:count * bits].reshape(count, bits).astype(np.int32)
    u = (v << np.arange(bits, dtype=np.int32)).sum(axis=1)
    return np.where(u >= (1 << (bits - 1)), u - (1 << bits), u).astype(np.int8)


class QTensor:
    """One tensor: dtype ("F32", "S8", "U8", "S32", ...), NHWC shape,
    per-tensor or per-channel scale (fp32), zero point, bits, and for
    constants the values (int8 codes, int32 biases or float32)."""

    def __init__(self, index, name, dtype, shape, scale, zero_point, axis, bits, data):
        self.index, self.name, self.dtype, self.shape = index, name, dtype, shape
        self.scale, self.zero_point, self.axis, self.bits, self.data = scale, zero_point, axis, bits, data

    @property
    def quantized(self):
        return self.dtype in ("S8", "U8")

    @property
    def qmin(self):
        """The file-level code range: U8 [0, 2^b-1], S8 [-(2^(b-1)-1), 2^(b-1)-1]."""
        return 0 if self.dtype == "U8" else -((1 << (self.bits - 1)) - 1)

    @property
    def qmax(self):
        return (1 << self.bits) - 1 if self.dtype == "U8" else (1 << (self.bits - 1)) - 1

    def __repr__(self):
        return f"QTensor({self.index}, {self.name!r}, {self.dtype}, {self.shape}, bits={self.bits})"


class QOp:
    def __init__(self, type_name, name, inputs, outputs, options):
        self.type, self.name, self.inputs, self.outputs, self.options = type_name, name, inputs, outputs, options

    def __repr__(self):
        return f"QOp({self.type}, {self.name!r}, {self.inputs} -> {self.outputs})"


def _snake(key):
    return "".join("_" + c.lower() if c.isupper() else c for c in key)


class QrtModel:
    def __init__(self, path):
        mod = schema_module()
        with open(path, "rb") as f:
            buf = f.read()
        if buf[4:8] != b"QRT0":
            raise ValueError(f"{path}: not a .qrt file (file identifier {buf[4:8]!r} at offset 4, want b'QRT0')")
        m = mod.ModelT.InitFromObj(mod.Model.GetRootAs(buf, 0))
        from qrt.schema.OpType import OpType
        op_names = {v: k for k, v in vars(OpType).items() if not k.startswith("_")}
        self.path = path
        self.format_version = m.formatVersion
        self.tensors = []
        for i, t in enumerate(m.tensors):
            q = t.quant
            scale = np.asarray(q.scale, dtype=np.float32) if q is not None and q.scale is not None else None
            zp = (np.asarray(q.zeroPoint, dtype=np.int32) if q is not None and q.zeroPoint is not None
                  else (np.zeros(len(scale), np.int32) if scale is not None else None))
            dtype = DTYPES[t.dtype]
            shape = [int(d) for d in t.shape]
            data = None
            if t.buffer:
                b = m.buffers[t.buffer]
                raw = bytes(np.asarray(b.data, dtype=np.uint8)) if b.data is not None else b""
                count = int(np.prod(shape))
                if getattr(b, "sparse", False):
                    data = decode_sparse(raw, b.packedBits, count)
                elif b.packedBits:
                    data = unpack_bits(raw, b.packedBits, count)
                else:
                    npt = {"S8": np.int8, "U8": np.uint8, "S32": np.int32, "F32": np.float32, "F16": np.float16}[dtype]
                    data = np.frombuffer(raw, dtype=np.dtype(npt).newbyteorder("<")).astype(npt)
                data = data.reshape(shape)
            self.tensors.append(QTensor(i, _s(t.name), dtype, shape, scale, zp,
                                        q.axis if q is not None else -1, q.bits if q is not None else 0, data))
        self.ops = []
        for o in m.operators:
            opts = {}
            if o.options is not None:
                for k, v in vars(o.options).items():
                    opts[_snake(k)] = v
                if "activation" in opts:
                    opts["activation"] = ACTIVATIONS[opts["activation"]]
                if "accumulator" in opts:
                    opts["accumulator"] = ACCUMULATORS[opts["accumulator"]]
            self.ops.append(QOp(op_names[o.type], _s(o.name), [int(i) for i in o.inputs],
                                [int(i) for i in o.outputs], opts))
        self.inputs = [int(i) for i in m.inputs]
        self.outputs = [int(i) for i in m.outputs]
        md = m.metadata
        self.settings = {}
        self.preprocess = {}
        self.labels = []
        if md is not None:
            if md.settings is not None:
                self.settings = {_snake(k): _s(v) for k, v in vars(md.settings).items()}
            if md.preprocess is not None:
                p = md.preprocess
                self.preprocess = {
                    "mean": [float(x) for x in (p.mean if p.mean is not None else [])],
                    "std": [float(x) for x in (p.std if p.std is not None else [])],
                    "channel_order": _s(p.channelOrder) or "",
                    "resize_short": p.resizeShort, "crop_height": p.cropHeight, "crop_width": p.cropWidth}
            self.labels = [_s(x) for x in (md.labels or [])]

    def tensor(self, name):
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(f"{self.path}: no tensor '{name}'")

    def activation_quant(self):
        """ONNX tensor name -> {"dtype", "scale", "zero_point", "bits", "signed"}
        for every int8 activation tensor (QUANTIZE outputs under the name of
        the float tensor they quantize)."""
        out = {}
        for t in self.tensors:
            if t.quantized and t.data is None:
                name = t.name[:-len("/quantized")] if t.name.endswith("/quantized") else t.name
                out[name] = {"dtype": t.dtype, "scale": float(t.scale[0]), "zero_point": int(t.zero_point[0]),
                             "bits": int(t.bits), "signed": t.dtype == "S8"}
        return out

    def weight_quant(self):
        """ONNX weight initializer name -> {"node", "scales" (fp32 array,
        one per output channel), "bits", "bn_folded", "tensor"} for every
        conv/FC layer."""
        out = {}
        for op in self.ops:
            if op.type in ("CONV_2D", "FULLY_CONNECTED"):
                w = self.tensors[op.inputs[1]]
                folded = w.name.endswith("_bnfold")
                name = w.name[:-len("_bnfold")] if folded else w.name
                scales = w.scale if len(w.scale) > 1 else np.repeat(w.scale, w.shape[0])
                out[name] = {"node": op.name, "scales": scales, "bits": int(w.bits), "bn_folded": folded,
                             "tensor": w.name}
        return out


def read_qrt(path):
    return QrtModel(path)
