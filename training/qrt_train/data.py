"""Training and test images with the .qrt's preprocessing.

Datasets: "cifar10" (the JPEG archives of $QRT_SHARED/data/cifar10, decoded
once and cached as .npz by scripts/train_cifar10.py's loader) and
"fashion-mnist" (IDX files, Debian's dataset-fashion-mnist). Pixels become
(x / 255 - mean[c]) / std[c] in fp32 in that order, exactly as the
runtime's callers (tests/e2e, qrt-eval) preprocess, with the mean and std
recorded in the .qrt's metadata.
"""

import os
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(ROOT, "scripts")
SHARED = os.environ.get("QRT_SHARED") or os.path.join(ROOT, "..", "shared")
DATASETS = ("cifar10", "fashion-mnist")
DEFAULT_DIRS = {"cifar10": os.path.join(SHARED, "data", "cifar10"),
                "fashion-mnist": "/usr/share/datasets/fashion-mnist"}


def _scripts():
    if SCRIPTS not in sys.path:
        sys.path.insert(0, SCRIPTS)


def load_split(dataset, split, data_dir=None, cache_dir=None):
    """(uint8 images NHWC, int64 labels) of `split` ("train" / "test")."""
    _scripts()
    data_dir = data_dir or DEFAULT_DIRS[dataset]
    if dataset == "cifar10":
        import train_cifar10
        return train_cifar10.load_split(data_dir, split, cache_dir or os.path.join(ROOT, "build", "qrt_train-cache"))
    if dataset == "fashion-mnist":
        import train_common
        prefix = "train" if split == "train" else "t10k"
        images = train_common.read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
        labels = train_common.read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
        return images[..., None], labels.astype(np.int64)
    raise ValueError(f"unknown dataset '{dataset}' (known: {', '.join(DATASETS)})")


def to_input(images_u8, preprocess):
    """uint8 NHWC -> float32 NCHW: v = x / 255; v -= mean[c]; v /= std[c]."""
    x = torch.from_numpy(np.array(images_u8, copy=True)).permute(0, 3, 1, 2).float() / 255.0
    c = x.shape[1]
    mean, std = preprocess.get("mean") or [0.0], preprocess.get("std") or [1.0]
    m = torch.tensor([mean[i % len(mean)] for i in range(c)], dtype=torch.float32).view(1, c, 1, 1)
    s = torch.tensor([std[i % len(std)] for i in range(c)], dtype=torch.float32).view(1, c, 1, 1)
    return (x - m) / s


def augment(x, dataset, generator):
    """Weak augmentation (method.md): random crop of the padded image and a
    horizontal flip, as the project's float models were trained
    (CIFAR-10: reflect padding 4; Fashion-MNIST: black padding 2)."""
    _scripts()
    import train_common
    if dataset == "cifar10":
        return train_common.random_crop_flip_reflect(x, 4, generator)
    return train_common.random_crop_flip(x, 2, generator)
