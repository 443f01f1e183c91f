"""Shared by the qrt_train tests: paths, the committed e2e data, images."""

import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "training"))
E2E = os.path.join(ROOT, "tests", "e2e", "data")
FASHION_ONNX = os.path.join(ROOT, "examples", "fashion_mnist", "model.onnx")
FIRST8 = os.path.join(E2E, "fashion_mnist_t10k_first8.u8")


def first8_pixels():
    return np.fromfile(FIRST8, dtype=np.uint8).reshape(8, 28, 28, 1)


def read_ref(path):
    """tests/e2e reference file -> uint32 [images, outputs] (float bits)."""
    with open(path) as f:
        lines = f.read().split("\n")
    if lines[0] != "qrt-e2e-reference 1":
        raise ValueError(f"{path}: not a reference file")
    n = int(lines[1].split()[-1])
    return np.array([[int(h, 16) for h in l.split()] for l in lines[3:3 + n]], dtype=np.uint32)


def ci():
    return os.environ.get("CI") == "true"


FASHION_DATA = "/usr/share/datasets/fashion-mnist"


def require_fashion_mnist():
    """For setUpClass: skip without Debian's dataset-fashion-mnist, fail under CI=true."""
    import unittest
    if not os.path.exists(os.path.join(FASHION_DATA, "train-images-idx3-ubyte.gz")):
        if ci():
            raise AssertionError(f"{FASHION_DATA} missing under CI=true (Debian package dataset-fashion-mnist)")
        raise unittest.SkipTest(f"{FASHION_DATA} missing")
