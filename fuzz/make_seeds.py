#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora from the project's own models and small
generated files: OUT/<target>/ for every target in fuzz/CMakeLists.txt.

  /usr/bin/python3 fuzz/make_seeds.py [--qrt-convert PATH] OUT

  load_run     the committed .qrt models (tests/e2e/data); with
               --qrt-convert also every ONNX seed below converted (w8a8 and
               w6a8, random calibration tensors)
  onnx_import  small ONNX graphs built here, one per common pattern (conv +
               BN + relu + pool + gemm, residual add, concat, reshape /
               flatten, depthwise, clip, softmax, QDQ pair)
  npy          float32 / float64 / uint8 / int64 arrays, C and Fortran order
  idx          IDX images (3 dims) and labels (1 dim), as Fashion-MNIST's
  tar, cifar10 tar and tar.gz of class folders with tiny PNG / JPEG images
  image        tiny PNG, JPEG, BMP, GIF, PGM / PPM images
Needs numpy, onnx and PIL (Debian's python3-numpy, -onnx, -pil).
"""
import gzip
import io
import os
import shutil
import struct
import sys
import tarfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rng = np.random.default_rng(13)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def onnx_seeds(out):
    def init(name, shape, scale=0.1):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)

    def model(name, nodes, inits, x_shape, y_shape, opset=13):
        g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)], inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
        write(os.path.join(out, name + ".onnx"), m.SerializeToString())

    model("conv_bn_relu_pool_gemm", [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("BatchNormalization", ["c", "g", "be", "m", "v"], ["n"]),
        helper.make_node("Relu", ["n"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], transB=1)],
        [init("w", [4, 1, 3, 3]), init("b", [4]), init("g", [4], 1.0), init("be", [4]), init("m", [4]),
         numpy_helper.from_array(np.ones(4, np.float32), "v"), init("fw", [3, 16]), init("fb", [3])],
        [1, 1, 4, 4], [1, 3])
    model("residual_add_avgpool", [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["c", "x"], ["a"]),
        helper.make_node("AveragePool", ["a"], ["y"], kernel_shape=[2, 2], strides=[2, 2])],
        [init("w", [2, 2, 3, 3])], [1, 2, 4, 4], [1, 2, 2, 2])
    model("depthwise_clip_gap", [
        helper.make_node("Conv", ["x", "w"], ["c"], group=3, pads=[1, 1, 1, 1]),
        helper.make_node("Clip", ["c", "lo", "hi"], ["k"]),
        helper.make_node("GlobalAveragePool", ["k"], ["y"])],
        [init("w", [3, 1, 3, 3]), numpy_helper.from_array(np.array(0, np.float32), "lo"),
         numpy_helper.from_array(np.array(6, np.float32), "hi")], [1, 3, 5, 5], [1, 3, 1, 1])
    model("concat_reshape_gemm_softmax", [
        helper.make_node("Conv", ["x", "w"], ["c"]),
        helper.make_node("Concat", ["c", "x"], ["k"], axis=1),
        helper.make_node("Reshape", ["k", "s"], ["r"]),
        helper.make_node("Gemm", ["r", "fw"], ["g"], transB=1),
        helper.make_node("Softmax", ["g"], ["y"], axis=1)],
        [init("w", [2, 2, 1, 1]), numpy_helper.from_array(np.array([1, -1], np.int64), "s"),
         init("fw", [5, 16])],
        [1, 2, 2, 2], [1, 5])
    model("qdq_conv", [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
        helper.make_node("Conv", ["xd", "w"], ["y"])],
        [numpy_helper.from_array(np.array(0.05, np.float32), "xs"),
         numpy_helper.from_array(np.array(0, np.int8), "xz"), init("w", [2, 1, 1, 1])],
        [1, 1, 3, 3], [1, 2, 3, 3])
    model("mul_sigmoid_pad_slice", [
        helper.make_node("Sigmoid", ["x"], ["s"]),
        helper.make_node("Mul", ["x", "s"], ["m"]),
        helper.make_node("Pad", ["m", "pads"], ["p"]),
        helper.make_node("Slice", ["p", "st", "en", "ax"], ["y"])],
        [numpy_helper.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), "pads"),
         numpy_helper.from_array(np.array([1], np.int64), "st"),
         numpy_helper.from_array(np.array([5], np.int64), "en"),
         numpy_helper.from_array(np.array([2], np.int64), "ax")], [1, 1, 4, 4], [1, 1, 4, 6])


def converted_seeds(onnx_dir, out, qrt_convert):
    """Each ONNX seed converted to .qrt (w8a8 and w6a8, random calibration
    tensors): small models with more op types than the committed ones."""
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        for f in sorted(os.listdir(onnx_dir)):
            m = onnx.load(os.path.join(onnx_dir, f))
            shape = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
            calib = os.path.join(tmp, f + ".npy")
            np.save(calib, rng.standard_normal([4] + shape[1:]).astype(np.float32))
            for mode in ("w8a8", "w6a8"):
                dst = os.path.join(out, f.replace(".onnx", "_" + mode + ".qrt"))
                r = subprocess.run([qrt_convert, os.path.join(onnx_dir, f), "-o", dst, "--calib-npy", calib,
                                    "--mode", mode, "-q"], capture_output=True, text=True)
                if r.returncode != 0:
                    sys.exit(f"make_seeds: converting {f} ({mode}) failed: {r.stderr.strip()}")


def npy_seeds(out):
    arrays = {
        "f32_nchw": rng.standard_normal((2, 3, 4, 4)).astype(np.float32),
        "f32_chw": rng.standard_normal((1, 5, 5)).astype(np.float32),
        "f64": rng.standard_normal((1, 1, 3, 3)),
        "u8": rng.integers(0, 255, (2, 1, 4, 4), dtype=np.uint8),
        "i64": np.arange(12, dtype=np.int64).reshape(1, 3, 2, 2),
        "f32_fortran": np.asfortranarray(rng.standard_normal((1, 2, 3, 3)).astype(np.float32)),
        "f32_bigendian": rng.standard_normal((1, 1, 2, 2)).astype(">f4"),
        "scalar": np.array(1.5, np.float32),
    }
    for name, a in arrays.items():
        b = io.BytesIO()
        np.save(b, a)
        write(os.path.join(out, name + ".npy"), b.getvalue())


def idx_bytes(dims, data, type_code=0x08):
    return struct.pack(">BBBB", 0, 0, type_code, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + data


def idx_seeds(out):
    imgs = rng.integers(0, 255, (3, 28, 28), dtype=np.uint8)
    write(os.path.join(out, "images3.idx"), idx_bytes([3, 28, 28], imgs.tobytes()))
    write(os.path.join(out, "images2_4x4.idx"), idx_bytes([2, 4, 4], imgs[:2, :4, :4].tobytes()))
    write(os.path.join(out, "labels.idx"), idx_bytes([3], bytes([1, 7, 9])))
    ref = os.path.join(ROOT, "tests/e2e/data/fashion_mnist_t10k_first8.u8")
    with open(ref, "rb") as f:
        px = f.read()[:2 * 784]
    write(os.path.join(out, "fashion2.idx"), idx_bytes([2, 28, 28], px))


def image_bytes(fmt, mode="RGB", size=(4, 3), **save):
    a = rng.integers(0, 255, (size[1], size[0], {"RGB": 3, "RGBA": 4}.get(mode, 1)), dtype=np.uint8)
    im = Image.fromarray(a.squeeze(), mode)
    b = io.BytesIO()
    im.save(b, fmt, **save)
    return b.getvalue()


def image_seeds(out):
    for fmt, ext in [("PNG", "png"), ("JPEG", "jpg"), ("BMP", "bmp"), ("GIF", "gif"), ("PPM", "ppm")]:
        write(os.path.join(out, "rgb." + ext), image_bytes(fmt))
    write(os.path.join(out, "gray.png"), image_bytes("PNG", "L"))
    write(os.path.join(out, "gray.pgm"), image_bytes("PPM", "L"))
    write(os.path.join(out, "gray.jpg"), image_bytes("JPEG", "L", (8, 8)))
    # The decoders' other paths: progressive and 4:2:0 / 4:4:4 JPEG with
    # restart markers, RGBA, paletted and interlaced PNG.
    write(os.path.join(out, "progressive.jpg"), image_bytes("JPEG", size=(16, 16), progressive=True))
    write(os.path.join(out, "rgb420.jpg"), image_bytes("JPEG", size=(17, 9), subsampling=2))
    write(os.path.join(out, "rgb444.jpg"), image_bytes("JPEG", size=(9, 17), subsampling=0))
    write(os.path.join(out, "restart.jpg"), image_bytes("JPEG", size=(24, 16), restart_marker_blocks=1))
    write(os.path.join(out, "rgba.png"), image_bytes("PNG", "RGBA"))
    write(os.path.join(out, "interlaced.png"), image_bytes("PNG", size=(9, 7), interlace=1))
    pal = Image.fromarray(rng.integers(0, 255, (5, 6, 3), dtype=np.uint8)).convert("P")
    b = io.BytesIO()
    pal.save(b, "PNG")
    write(os.path.join(out, "palette.png"), b.getvalue())


def tar_bytes(members, gz=False):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    raw = b.getvalue()
    return gzip.compress(raw, mtime=0) if gz else raw


def tar_seeds(out, cifar):
    members = [("train/cat/0001.png", image_bytes("PNG")), ("train/dog/0002.jpg", image_bytes("JPEG", size=(8, 8))),
               ("train/ship/0003.png", image_bytes("PNG", "L"))]
    if not cifar:
        members.append(("notes/readme.txt", b"not an image\n"))
    write(os.path.join(out, "three.tar"), tar_bytes(members))
    write(os.path.join(out, "three.tar.gz"), tar_bytes(members, gz=True))
    write(os.path.join(out, "one.tar"), tar_bytes(members[:1]))


def main():
    args = sys.argv[1:]
    qrt_convert = None
    if len(args) == 3 and args[0] == "--qrt-convert":
        qrt_convert, args = args[1], args[2:]
    if len(args) != 1:
        sys.exit(__doc__)
    out = args[0]
    qrt = os.path.join(out, "load_run")
    os.makedirs(qrt, exist_ok=True)
    for name in sorted(os.listdir(os.path.join(ROOT, "tests/e2e/data"))):
        if name.endswith(".qrt"):
            shutil.copy(os.path.join(ROOT, "tests/e2e/data", name), qrt)
    onnx_seeds(os.path.join(out, "onnx_import"))
    if qrt_convert:
        converted_seeds(os.path.join(out, "onnx_import"), qrt, qrt_convert)
    npy_seeds(os.path.join(out, "npy"))
    idx_seeds(os.path.join(out, "idx"))
    image_seeds(os.path.join(out, "image"))
    tar_seeds(os.path.join(out, "tar"), cifar=False)
    tar_seeds(os.path.join(out, "cifar10"), cifar=True)
    for target in sorted(os.listdir(out)):
        print(f"{target}: {len(os.listdir(os.path.join(out, target)))} seeds")


if __name__ == "__main__":
    main()
