#!/usr/bin/env python3
"""Writes the bad-input corpus's generated inputs (deterministic).

  make_inputs.py CASES_DIR

A case directory may hold a file `inputs`, one line per generated file:
  GENERATOR FILE_NAME
This script writes FILE_NAME into that case directory with GENERATOR (one
of the functions in GENERATORS below), so the repository keeps only small
text files. Run by run_bad_inputs.py on its copy of the cases, never on the
source tree. Needs numpy and onnx (Debian's python3-onnx).
"""
import os
import struct
import sys
import tarfile
import io
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# ---------------------------------------------------------------- ONNX


def rng(seed):
    return np.random.default_rng(seed)


def tiny_graph(input_dims=(1, 3, 8, 8), opset=13, w=None, pads=(1, 1, 1, 1), outputs=("y",),
               input_name="x"):
    """x[1,3,8,8] -> Conv 3x3 (4 channels) 'conv' -> Relu 'relu' -> Flatten -> Gemm 'fc' (10) -> y."""
    c = input_dims[1] if isinstance(input_dims[1], int) else 3
    r = rng(1)
    if w is None:
        w = r.standard_normal((4, c, 3, 3)).astype(np.float32) * 0.3
    fc_w = r.standard_normal((10, 4 * 8 * 8)).astype(np.float32) * 0.05
    inits = [numpy_helper.from_array(w, "conv.weight"),
             numpy_helper.from_array(np.zeros(4, np.float32), "conv.bias"),
             numpy_helper.from_array(fc_w, "fc.weight"),
             numpy_helper.from_array(np.zeros(10, np.float32), "fc.bias")]
    nodes = [helper.make_node("Conv", [input_name, "conv.weight", "conv.bias"], ["c"], name="conv",
                              kernel_shape=[3, 3], pads=list(pads)),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("Flatten", ["r"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["y"], name="fc", transB=1)]
    x = helper.make_tensor_value_info(input_name, TensorProto.FLOAT, list(input_dims))
    outs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, [1, 10]) for o in outputs]
    g = helper.make_graph(nodes, "tiny", [x], outs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_inputs")
    m.ir_version = 7
    return m


def save(model, path):
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def onnx_tiny(path):
    save(tiny_graph(), path)


def onnx_opset99(path):
    save(tiny_graph(opset=99), path)


def onnx_duplicate_outputs(path):
    save(tiny_graph(outputs=("y", "y")), path)


def onnx_dynamic_hw(path):
    save(tiny_graph(input_dims=(1, 3, "height", "width")), path)


def onnx_dynamic_c(path):
    save(tiny_graph(input_dims=("N", "channels", 8, 8)), path)


def _bad_weight(value):
    w = rng(1).standard_normal((4, 3, 3, 3)).astype(np.float32)
    w[1, 2, 0, 1] = value
    return tiny_graph(w=w)


def onnx_nan_weight(path):
    save(_bad_weight(np.nan), path)


def onnx_inf_weight(path):
    save(_bad_weight(np.inf), path)


def onnx_huge_pads(path):
    save(tiny_graph(pads=(1 << 40, 1 << 40, 1 << 40, 1 << 40)), path)


def onnx_huge_initializer_dims(path):
    """An initializer whose dims multiply past 2^64 (wrapping to 0) with no data."""
    m = tiny_graph()
    t = m.graph.initializer[1]  # conv.bias
    del t.dims[:]
    t.dims.extend([1 << 32, 1 << 32])
    t.raw_data = b""
    save(m, path)


def _single(nodes, inits, in_dims=(1, 3, 8, 8)):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(in_dims))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    g = helper.make_graph(nodes, "hostile", [x], [y], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_inputs")
    m.ir_version = 7
    return m


def onnx_constant_of_shape_huge(path):
    """ConstantOfShape of [100000, 100000, 100000], folded at conversion."""
    s = numpy_helper.from_array(np.array([100000, 100000, 100000], np.int64), "s")
    save(_single([helper.make_node("ConstantOfShape", ["s"], ["c"], name="cos"),
                  helper.make_node("Add", ["x", "c"], ["y"], name="add")], [s]), path)


def onnx_tile_huge(path):
    r = numpy_helper.from_array(np.array([1, 1, 100000, 100000], np.int64), "r")
    save(_single([helper.make_node("Tile", ["x", "r"], ["y"], name="tile")], [r]), path)


def onnx_avgpool_kernel_0(path):
    save(_single([helper.make_node("AveragePool", ["x"], ["y"], name="pool", kernel_shape=[0, 0])], []), path)


def onnx_gather_out_of_range(path):
    i = numpy_helper.from_array(np.array([7], np.int64), "i")
    save(_single([helper.make_node("Gather", ["x", "i"], ["y"], name="gather", axis=1)], [i]), path)


def onnx_empty_input(path):
    save(_single([helper.make_node("Relu", ["x"], ["y"], name="relu")], [], in_dims=(1, 3, 0, 8)), path)


def onnx_duplicate_producer(path):
    """Two nodes writing the same tensor 'y'."""
    save(_single([helper.make_node("Relu", ["x"], ["y"], name="relu1"),
                  helper.make_node("Relu", ["x"], ["y"], name="relu2")], []), path)


def onnx_wide_conv(path):
    """x [1, 3, 4096, 4096] -> Conv 3x3 to 100 channels: a 6.7 GB float
    activation (under the 2^31-element tensor limit), for out-of-memory."""
    w = numpy_helper.from_array(np.full((100, 3, 3, 3), 0.01, np.float32), "w")
    save(_single([helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1])],
                 [w], in_dims=(1, 3, 4096, 4096)), path)


# ------------------------------------------------------------- tensors


def npy_header(descr, shape, version=1, fortran=False):
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
    pre = 10 if version == 1 else 12
    d += " " * ((64 - (pre + len(d) + 1) % 64) % 64) + "\n"
    magic = b"\x93NUMPY" + bytes([version, 0])
    size = struct.pack("<H", len(d)) if version == 1 else struct.pack("<I", len(d))
    return magic + size + d.encode("latin1")


def npy_calib(path):
    """4 valid calibration tensors [4, 3, 8, 8]."""
    np.save(path, rng(2).standard_normal((4, 3, 8, 8)).astype(np.float32), allow_pickle=False)
    if not path.endswith(".npy"):
        os.replace(path + ".npy", path)


def npy_nan(path):
    """4 calibration tensors [4, 3, 8, 8], the third with a NaN at element 5."""
    a = rng(2).standard_normal((4, 3, 8, 8)).astype(np.float32)
    a[2].flat[5] = np.nan
    with open(path, "wb") as f:
        f.write(npy_header("<f4", "(4, 3, 8, 8)") + a.tobytes())


def npy_huge_shape(path):
    """The issue's 128-byte file: shape (2^32, 2^32, 1, 1), product wraps to 0."""
    with open(path, "wb") as f:
        f.write(npy_header("<f4", "(4294967296, 4294967296, 1, 1)"))


def npy_bad_shape_text(path):
    with open(path, "wb") as f:
        f.write(npy_header("<f4", "(1, 3, eight, 8)"))


def npy_shape_overflow_digits(path):
    with open(path, "wb") as f:
        f.write(npy_header("<f4", "(1, 3, 99999999999999999999999, 8)"))


def npy_header_len_past_end(path):
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x02\x00" + struct.pack("<I", 0xFFFFFFF0) + b"{'descr'")


def npy_fortran(path):
    with open(path, "wb") as f:
        f.write(npy_header("<f4", "(1, 3, 8, 8)", fortran=True) + bytes(4 * 192))


def npy_float64(path):
    with open(path, "wb") as f:
        f.write(npy_header("<f8", "(1, 3, 8, 8)") + bytes(8 * 192))


def npy_truncated(path):
    with open(path, "wb") as f:
        f.write(npy_header("<f4", "(1, 3, 8, 8)") + bytes(4 * 100))


def npy_zero_elements(path):
    """A valid header of shape (2, 0, 5) and no data: a calibration tensor of
    nothing (fuzz finding D2: memcpy to NULL)."""
    with open(path, "wb") as f:
        f.write(npy_header("<f4", "(2, 0, 5)"))


def npy_many_elements(path):
    """A header promising 2^40 floats (4 TiB), with 16 bytes of data."""
    with open(path, "wb") as f:
        f.write(npy_header("<f4", "(1024, 1024, 1024, 1024)") + bytes(16))


# --------------------------------------------------------------- images


def png_bytes(width, height, gray=False, body=None):
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0 if gray else 2, 0, 0, 0)
    if body is None:
        row = b"\x00" + bytes(width * (1 if gray else 3))
        body = zlib.compress(row * height)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def png_huge_header(path):
    """A gray PNG whose header says 20000x20000 (decoding would need 400 MB); the
    pixel data is a few bytes: a reader that decodes before checking the
    header's size fails differently (and slowly, with real data)."""
    with open(path, "wb") as f:
        f.write(png_bytes(20000, 20000, gray=True, body=zlib.compress(b"\x00" * 64)))


def image_dir_huge_png(path):
    """A folder (path) of calibration images: one 8x8 PNG and one whose header says 20000x20000."""
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "a_small.png"), "wb") as f:
        f.write(png_bytes(8, 8))
    png_huge_header(os.path.join(path, "b_huge.png"))


def image_dir_valid(path):
    os.makedirs(path, exist_ok=True)
    for i in range(3):
        with open(os.path.join(path, "img%d.png" % i), "wb") as f:
            f.write(png_bytes(8, 8))


def image_dir_empty(path):
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "notes.txt"), "w") as f:
        f.write("no images here\n")


def image_dir_corrupt(path):
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "bad.png"), "wb") as f:
        f.write(png_bytes(8, 8)[:40])


def cifar_tar_huge_png(path):
    """A CIFAR-10 style .tar.gz with one image whose header says 20000x20000."""
    data = png_bytes(20000, 20000, gray=True, body=zlib.compress(b"\x00" * 64))
    with tarfile.open(path, "w:gz", format=tarfile.USTAR_FORMAT) as tf:
        info = tarfile.TarInfo("test/cat/0001.png")
        info.size = len(data)
        info.mtime = 0
        tf.addfile(info, io.BytesIO(data))


def tar_huge_size(path):
    """A tar header whose size field says 2^40 bytes (base-256), nothing after it."""
    h = bytearray(512)
    name = b"test/cat/0001.png"
    h[0:len(name)] = name
    h[100:108] = b"0000644\x00"
    h[124] = 0x80
    h[124 + 6] = 0x01  # 2^40
    h[156] = ord("0")
    h[257:263] = b"ustar\x00"
    h[148:156] = b" " * 8
    h[148:156] = (b"%06o\x00 " % sum(h))
    with open(path, "wb") as f:
        f.write(bytes(h))


def tar_size_past_end(path):
    """A tar header whose size field says 3 GiB (octal), nothing after it: the
    reader must not allocate 3 GiB before finding the archive's end."""
    h = bytearray(512)
    name = b"test/cat/0001.png"
    h[0:len(name)] = name
    h[100:108] = b"0000644\x00"
    h[124:136] = b"%011o\x00" % (3 << 30)
    h[156] = ord("0")
    h[257:263] = b"ustar\x00"
    h[148:156] = b" " * 8
    h[148:156] = (b"%06o\x00 " % sum(h))
    with open(path, "wb") as f:
        f.write(bytes(h))


def image_dir_label_overflow(path):
    """A folder with labels.txt whose class index overflows an int."""
    image_dir_valid(path)
    with open(os.path.join(path, "labels.txt"), "w") as f:
        f.write("img0.png\t99999999999999999999\n")


def onnx_no_outputs(path):
    m = tiny_graph()
    del m.graph.output[:]
    save(m, path)


# ----------------------------------------------------------------- IDX


def idx_huge_dims(path):
    """IDX images whose dims (2^28 x 2^28 x 2^28) overflow 64 bits when multiplied."""
    with open(path, "wb") as f:
        f.write(b"\x00\x00\x08\x03" + struct.pack(">III", 1 << 28, 1 << 28, 1 << 28))


def idx_images(path):
    """8 valid 28x28 Fashion-MNIST style images (raw IDX)."""
    with open(path, "wb") as f:
        f.write(b"\x00\x00\x08\x03" + struct.pack(">III", 8, 28, 28) + bytes(rng(3).integers(0, 255, 8 * 784,
                                                                                         dtype=np.uint8)))


def idx_images_gz(path):
    """8 valid 28x28 images, gzip-compressed (6,288 bytes inflated)."""
    import gzip
    raw = b"\x00\x00\x08\x03" + struct.pack(">III", 8, 28, 28) + bytes(8 * 784)
    with open(path, "wb") as f:
        f.write(gzip.compress(raw, mtime=0))


def idx_labels(path):
    with open(path, "wb") as f:
        f.write(b"\x00\x00\x08\x01" + struct.pack(">I", 8) + bytes(range(8)))


GENERATORS = {name: fn for name, fn in globals().items()
              if callable(fn) and name.split("_")[0] in ("onnx", "npy", "png", "image", "cifar", "tar", "idx")}


def main():
    cases = sys.argv[1]
    for name in sorted(os.listdir(cases)):
        spec = os.path.join(cases, name, "inputs")
        if not os.path.exists(spec):
            continue
        with open(spec, encoding="utf-8") as f:
            for line_no, line in enumerate(f, 1):
                parts = line.split()
                if not parts or parts[0].startswith("#"):
                    continue
                if len(parts) != 2 or parts[0] not in GENERATORS:
                    sys.exit(f"{spec}:{line_no}: expected 'GENERATOR FILE_NAME' with GENERATOR one of "
                             + ", ".join(sorted(GENERATORS)))
                GENERATORS[parts[0]](os.path.join(cases, name, parts[1]))


if __name__ == "__main__":
    main()
