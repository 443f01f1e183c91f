"""The images the peers (ort_peer.py, mnn_peer.py) see, preprocessed as qrt's
converter and qrt-eval do. numpy and PIL only (no peer runtime imported).

Each source has a *_pixels loader (the uint8 pixels the model's
preprocessing starts from, N x H x W x C, and the labels) and a float
loader (N x C x H x W float32, normalized, and the labels):
  cifar: CIFAR-10 .tar.gz of JPEGs (class = parent folder, classes sorted),
         archive order, every stride-th, at most limit; (x/255 - mean)/std
         with qrt-convert's CIFAR-10 flags (C10_MEAN, C10_STD).
  image_dir: a folder with labels.txt (name<TAB>class): RGB, short side
         resized to 256 (PIL bilinear), centre crop 224; (x/255 - 0.5)/0.5.
  fashion_mnist: IDX images (+ labels) .gz, first limit; (x/255 - 0.2860)/0.3530.
"""
import argparse
import gzip
import io
import os
import sys
import tarfile

import numpy as np
from PIL import Image

C10_MEAN = np.array([0.4914, 0.4822, 0.4465], np.float32).reshape(3, 1, 1)
C10_STD = np.array([0.2470, 0.2435, 0.2616], np.float32).reshape(3, 1, 1)
INET_MEAN, INET_STD = 0.5, 0.5
FMNIST_MEAN, FMNIST_STD = 0.2860, 0.3530


def cifar_pixels(tar_path, limit=None, stride=1):
    out, labels = [], []
    with tarfile.open(tar_path) as tf:
        members = [m for m in tf.getmembers() if m.isfile() and m.name.endswith(".jpg")]
        classes = sorted({m.name.split("/")[-2] for m in members})
        for i, m in enumerate(members):
            if i % stride:
                continue
            im = Image.open(io.BytesIO(tf.extractfile(m).read())).convert("RGB")
            out.append(np.asarray(im, np.uint8))
            labels.append(classes.index(m.name.split("/")[-2]))
            if limit and len(out) >= limit:
                break
    return np.stack(out), np.array(labels)


def cifar_normalize(pixels):
    out = [(np.asarray(p, np.float32).transpose(2, 0, 1) / 255.0 - C10_MEAN) / C10_STD for p in pixels]
    return np.stack(out).astype(np.float32)


def cifar(tar_path, limit=None, stride=1):
    pixels, labels = cifar_pixels(tar_path, limit, stride)
    return cifar_normalize(pixels), labels


def image_dir_pixels(folder):
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(folder, "labels.txt")) if l.strip()]
    out = []
    for name, _ in rows:
        im = Image.open(os.path.join(folder, name)).convert("RGB")
        w, h = im.size
        s = 256 / min(w, h)
        if s != 1:
            im = im.resize((round(w * s), round(h * s)), Image.BILINEAR)
        w, h = im.size
        left, top = (w - 224) // 2, (h - 224) // 2
        im = im.crop((left, top, left + 224, top + 224))
        out.append(np.asarray(im, np.uint8))
    return np.stack(out), np.array([int(c) for _, c in rows])


def image_dir_normalize(pixels):
    out = [((np.asarray(p, np.float32) / 255 - INET_MEAN) / INET_STD).transpose(2, 0, 1) for p in pixels]
    return np.stack(out).astype(np.float32)


def image_dir(folder):
    pixels, labels = image_dir_pixels(folder)
    return image_dir_normalize(pixels), labels


def _idx(path, ndims):
    b = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    if b[:3] != b"\0\0\x08" or b[3] != ndims:
        raise ValueError(f"{path}: not an IDX unsigned-byte file with {ndims} dimensions")
    dims = [int.from_bytes(b[4 + 4 * d:8 + 4 * d], "big") for d in range(ndims)]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * ndims).reshape(dims)


def fashion_mnist_pixels(images_path, labels_path=None, limit=None):
    x = _idx(images_path, 3)[:limit, :, :, None]
    y = _idx(labels_path, 1)[:limit].astype(np.int64) if labels_path else None
    return x, y


def fashion_mnist_normalize(pixels):
    out = [((np.asarray(p, np.float32) / 255 - FMNIST_MEAN) / FMNIST_STD).transpose(2, 0, 1) for p in pixels]
    return np.stack(out).astype(np.float32)


def argument_parser(doc):
    """The peers' common command line: MODEL and one data source."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--cifar10")
    ap.add_argument("--images", nargs=2, metavar=("CALIB_DIR", "EVAL_DIR"))
    ap.add_argument("--fashion-mnist", metavar="DIR")
    ap.add_argument("--calib", type=int, default=200)
    ap.add_argument("--stride", type=int, default=1)
    return ap


def load(a, prog):
    """For argument_parser's arguments: calibration uint8 pixels NHWC, (mean,
    std) per channel, the normalization (pixels -> floats NCHW), eval floats
    NCHW, eval labels."""
    if a.cifar10:
        pc, _ = cifar_pixels(os.path.join(a.cifar10, "train_jpg.tar.gz"), limit=a.calib)
        xe, ye = cifar(os.path.join(a.cifar10, "test_jpg.tar.gz"), stride=a.stride)
        return pc, (C10_MEAN.ravel(), C10_STD.ravel()), cifar_normalize, xe, ye
    if a.images:
        pc, _ = image_dir_pixels(a.images[0])
        xe, ye = image_dir(a.images[1])
        return pc, ([INET_MEAN] * 3, [INET_STD] * 3), image_dir_normalize, xe, ye
    if a.fashion_mnist:
        d = a.fashion_mnist
        pc, _ = fashion_mnist_pixels(os.path.join(d, "train-images-idx3-ubyte.gz"), limit=a.calib)
        pe, ye = fashion_mnist_pixels(os.path.join(d, "t10k-images-idx3-ubyte.gz"),
                                      os.path.join(d, "t10k-labels-idx1-ubyte.gz"))
        pe, ye = pe[::a.stride], ye[::a.stride]
        return pc, ([FMNIST_MEAN], [FMNIST_STD]), fashion_mnist_normalize, fashion_mnist_normalize(pe), ye
    sys.exit(prog + ": give --cifar10 DIR, --images CALIB_DIR EVAL_DIR or --fashion-mnist DIR")
