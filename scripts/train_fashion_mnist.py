#!/usr/bin/python3
"""Trains qrt's bundled example model on Fashion-MNIST and exports it to ONNX.

The network is a tiny ResNet, chosen to exercise what the converter and
runtime must handle in real CNNs -- BatchNormalization to fold, residual Adds
(identity and projection shortcuts), strided convs, GlobalAveragePool,
Flatten and a final Linear (Gemm) -- while staying small enough to train on
one CPU core in a few minutes:

    input [1,1,28,28]
    stem:   conv3x3 s2 1->16, BN, ReLU                      -> 16x14x14
    block1: conv3x3-BN-ReLU-conv3x3-BN + identity, Add, ReLU  (16 ch)
    block2: same                                              (16 ch)
    stage2: conv3x3 s2 16->32-BN-ReLU-conv3x3-BN
            + shortcut conv1x1 s2 16->32-BN, Add, ReLU      -> 32x7x7
    head:   GlobalAveragePool, Flatten, Linear 32->10        -> logits [1,10]

Usage (Debian's python3 with python3-torch, python3-onnx, dataset-fashion-mnist):
    /usr/bin/python3 scripts/train_fashion_mnist.py --out examples/fashion_mnist

It writes DIR/model.onnx, DIR/labels.txt, DIR/README.md (architecture, size,
the command and its time, and the float top-1 on the full t10k test set) and
DIR/reference_logits.txt (float logits of the first test images, for checking
an executor of the ONNX file) and two test images as PGM/PPM files. Deterministic: fixed seeds, one thread.
"""

import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_common as tc  # noqa: E402

MEAN, STD = 0.2860, 0.3530
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
REFERENCE_IMAGES = 16


def conv_bn(cin, cout, k, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout))


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN plus a shortcut (identity, or a 1x1 conv +
    BN when the shape changes), then Add and ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv_bn(cin, cout, 3, stride)
        self.conv2 = conv_bn(cout, cout, 3, 1)
        self.shortcut = conv_bn(cin, cout, 1, stride) if (stride != 1 or cin != cout) else None

    def forward(self, x):
        y = self.conv2(torch.relu(self.conv1(x)))
        s = x if self.shortcut is None else self.shortcut(x)
        return torch.relu(y + s)


class FashionNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(1, 16, 3, 2)
        self.block1 = BasicBlock(16, 16, 1)
        self.block2 = BasicBlock(16, 16, 1)
        self.stage2 = BasicBlock(16, 32, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)  # exports as GlobalAveragePool
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        x = self.stage2(self.block2(self.block1(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="examples/fashion_mnist", help="output folder")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist",
                   help="folder with {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1, help="peak (one-cycle) SGD learning rate")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (1 is fastest on a shared 2-core machine)")
    return p.parse_args()


def load_raw(data_dir, split):
    images = tc.read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"))
    labels = tc.read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"))
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{data_dir}/{split}: {images.shape[0]} images but {labels.shape[0]} labels")
    return images, labels


def load(data_dir, split):
    images, labels = load_raw(data_dir, split)
    return tc.normalize(images, MEAN, STD), torch.from_numpy(labels.astype(np.int64))


def write_samples(out_dir, images, labels):
    """Two t10k images as files for trying qrt-classify: image 0 as a binary
    PGM (gray) and image 1 as a binary PPM (gray copied to R, G and B, which
    a gray decoder maps back to the same values)."""
    names = []
    for i, ext in ((0, "pgm"), (1, "ppm")):
        slug = "".join(ch if ch.isalnum() else "_" for ch in LABELS[labels[i]].lower())
        name = f"t10k_{i}_{slug}.{ext}"
        h, w = images[i].shape
        pixels = images[i] if ext == "pgm" else np.repeat(images[i][:, :, None], 3, axis=2)
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(f"{'P5' if ext == 'pgm' else 'P6'}\n{w} {h}\n255\n".encode())
            f.write(np.ascontiguousarray(pixels).tobytes())
        names.append(f"`{name}` ({LABELS[labels[i]]})")
    return names


def train(model, x, y, args):
    gen = torch.Generator().manual_seed(args.seed)
    steps_per_epoch = (len(x) + args.batch - 1) // args.batch
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9,
                          nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs,
                                                steps_per_epoch=steps_per_epoch, pct_start=0.25)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        model.train()
        t0 = time.time()
        perm = torch.randperm(len(x), generator=gen)
        total_loss, correct = 0.0, 0
        for i in range(0, len(x), args.batch):
            idx = perm[i:i + args.batch]
            xb = tc.random_crop_flip(x[idx], 2, gen)
            out = model(xb)
            loss = loss_fn(out, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total_loss += float(loss) * len(idx)
            correct += int((out.argmax(1) == y[idx]).sum())
        yield epoch, total_loss / len(x), correct / len(x), time.time() - t0


def write_readme(path, info):
    with open(path, "w") as f:
        f.write(f"""# Fashion-MNIST example model

`model.onnx` is qrt's bundled default model: a tiny ResNet trained on
Fashion-MNIST by `scripts/train_fashion_mnist.py`, which wrote this file too.
`labels.txt` holds the 10 class names in output order; {info['samples']}
are the first two t10k test images, to try `qrt-classify` on.

## Input and output
- `input`: float32 NCHW `[1, 1, 28, 28]`, one GRAY channel. Pixels x in
  [0, 255] become `(x / 255 - {MEAN:.4f}) / {STD:.4f}` (Fashion-MNIST mean and std).
- `logits`: float32 `[1, 10]`, unnormalized class scores (no Softmax).

## Architecture
ONNX opset 13, BatchNormalization kept as separate nodes (not folded), in
inference mode (running statistics).

    stem:   Conv 3x3 s2 1->16, BN, Relu                       28x28 -> 14x14
    block1: Conv 3x3 16->16, BN, Relu, Conv 3x3 16->16, BN, Add(identity), Relu
    block2: same as block1
    stage2: Conv 3x3 s2 16->32, BN, Relu, Conv 3x3 32->32, BN,
            Add(shortcut: Conv 1x1 s2 16->32, BN), Relu       14x14 -> 7x7
    head:   GlobalAveragePool, Flatten, Gemm 32->10

ONNX nodes: {info['ops']}.{info['identity_note']}

- Parameters: {info['params']:,} (trainable; BN running statistics not counted)
- MACs per image: {info['macs']:,} (Conv and Gemm only)
- `model.onnx`: {info['onnx_bytes']:,} bytes

## Training
    {info['command']}

{info['epochs']} epochs, SGD (Nesterov momentum 0.9, weight decay 5e-4, batch
{info['batch']}) with a one-cycle learning rate peaking at {info['lr']}; random
crop (2-pixel padding) and horizontal flip; seed {info['seed']}; torch
{torch.__version__}, {info['threads']} thread(s). Took {info['train_s']:.0f} s
of training ({info['total_s']:.0f} s in all) on the shared 2-core build machine.

Per epoch (train loss, train top-1 with augmentation, test top-1):
{info['log']}

## Accuracy
**Float top-1 on the full t10k test set (10,000 images), PyTorch, eval mode:
{info['acc'] * 100:.2f}%** ({info['correct']} / 10000).

This is the number that an exact float executor of `model.onnx` (the
converter's float reference) must reproduce. `reference_logits.txt` gives
the float logits of the first {REFERENCE_IMAGES} t10k images (one image per
line: index, label, then the 10 logits) for a closer check.
""")


def main():
    args = parse_args()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    start = time.time()

    x_train, y_train = load(args.data, "train")
    test_images, test_labels = load_raw(args.data, "t10k")
    x_test = tc.normalize(test_images, MEAN, STD)
    y_test = torch.from_numpy(test_labels.astype(np.int64))
    model = FashionNet()
    params = tc.count_params(model)
    macs = tc.count_macs(model, (1, 1, 28, 28))
    print(f"FashionNet: {params} parameters, {macs} MACs/image; "
          f"{len(x_train)} train, {len(x_test)} test images", flush=True)

    log = []
    t_train = time.time()
    for epoch, loss, train_acc, secs in train(model, x_train, y_train, args):
        test_acc = tc.evaluate(model, x_test, y_test)
        line = (f"epoch {epoch + 1}/{args.epochs}: loss {loss:.4f} train {train_acc * 100:.2f}% "
                f"test {test_acc * 100:.2f}% ({secs:.0f} s)")
        print(line, flush=True)
        log.append("    " + line)
    train_s = time.time() - t_train

    model.eval()
    acc = tc.evaluate(model, x_test, y_test)
    onnx_path = os.path.join(args.out, "model.onnx")
    m = tc.export_onnx_keep_bn(model, (1, 1, 28, 28), onnx_path)
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    with open(os.path.join(args.out, "labels.txt"), "w") as f:
        f.write("\n".join(LABELS) + "\n")
    with torch.no_grad():
        ref = model(x_test[:REFERENCE_IMAGES])
    with open(os.path.join(args.out, "reference_logits.txt"), "w") as f:
        for i in range(REFERENCE_IMAGES):
            f.write(f"{i} {int(y_test[i])} " + " ".join(f"{v:.6f}" for v in ref[i].tolist()) + "\n")

    samples = write_samples(args.out, test_images, test_labels)
    identity_note = ("" if "Identity" not in ops else
                     "\nThe Identity node is torch's export sharing two initializers with equal"
                     "\nvalues: the biases of the two BNs that feed stage2's Add get identical"
                     "\ngradients and stay equal. An importer must resolve it.")
    info = dict(samples=" and ".join(samples), identity_note=identity_note,
                params=params, macs=macs, acc=acc, correct=round(acc * len(x_test)),
                ops=", ".join(f"{k} x{v}" for k, v in sorted(ops.items())),
                onnx_bytes=os.path.getsize(onnx_path), epochs=args.epochs, batch=args.batch,
                lr=args.lr, seed=args.seed, threads=args.threads, train_s=train_s,
                total_s=time.time() - start, log="\n".join(log),
                command="/usr/bin/python3 " + " ".join(
                    [os.path.relpath(__file__)] + sys.argv[1:]))
    write_readme(os.path.join(args.out, "README.md"), info)
    print(f"float top-1 on t10k: {acc * 100:.2f}%; wrote {onnx_path}", flush=True)


if __name__ == "__main__":
    main()
