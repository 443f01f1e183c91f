#!/usr/bin/python3
"""What sparse weight storage would save in a .qrt (issue 11: "store sparse
weights compactly in the file if it saves space (measure)").

For each .qrt given: the conv/FC weight bytes as stored today (8-bit bytes,
or bit-packed below 8 bits), the zeros among them, and the same weights in
a bitmap encoding (1 bit per weight saying non-zero, then the non-zero
codes packed at the layer's bits), per file and in total; plus the whole
file deflated (zlib level 9, what an APK or a download compresses).

    /usr/bin/python3 scripts/accuracy/sparse_size.py build/prune7/s*/ptq.qrt
"""

import argparse
import os
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "training"))
from qrt_train.qrt_file import read_qrt  # noqa: E402


def weights_of(qm):
    for op in qm.ops:
        if op.type in ("CONV_2D", "FULLY_CONNECTED"):
            yield qm.tensors[op.inputs[1]]


def measure(path):
    qm = read_qrt(path)
    dense = bitmap = n = zeros = 0
    for t in weights_of(qm):
        v = np.asarray(t.data).reshape(-1)
        k = v.size
        nz = int(np.count_nonzero(v))
        dense += (k * t.bits + 7) // 8
        bitmap += (k + 7) // 8 + (nz * t.bits + 7) // 8
        n += k
        zeros += k - nz
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        deflated = len(zlib.compress(f.read(), 9))
    return {"file": size, "weights": n, "zeros": zeros, "dense": dense, "bitmap": bitmap, "deflated": deflated}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("qrt", nargs="+")
    args = p.parse_args()
    print("| .qrt | weights | zeros | weight bytes (dense) | bitmap encoding | file | file with bitmap weights | "
          "file deflated |")
    print("|---|---|---|---|---|---|---|---|")
    for path in args.qrt:
        m = measure(path)
        with_bitmap = m["file"] - m["dense"] + m["bitmap"]
        print(f"| {path} | {m['weights']} | {100 * m['zeros'] / m['weights']:.1f} % | {m['dense']} | "
              f"{m['bitmap']} ({100 * (m['bitmap'] / m['dense'] - 1):+.1f} %) | {m['file']} | "
              f"{with_bitmap} ({100 * (with_bitmap / m['file'] - 1):+.1f} %) | "
              f"{m['deflated']} ({100 * (m['deflated'] / m['file'] - 1):+.1f} %) |")


if __name__ == "__main__":
    main()
