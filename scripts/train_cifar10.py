#!/usr/bin/python3
"""Trains (or fine-tunes) qrt's two CIFAR-10 models and exports them to ONNX.

The architectures live in cifar10_models.py: `--arch resnet` (ResNet-50-style
bottlenecks) and `--arch mbv2` (MobileNetV2-style inverted residuals), the
two families of the quantization method in docs/method.md. The exported
ONNX keeps BatchNormalization as separate nodes (the converter folds BN):
opset 13, input `input` [1,3,32,32], output `logits` [1,10].

Data: the CIFAR-10 JPEG archives (train_jpg.tar.gz, test_jpg.tar.gz with
<split>/<class>/NNNN.jpg), decoded once with PIL and cached as .npz.
Preprocessing: RGB, (x/255 - mean) / std with the usual CIFAR-10 mean/std.

Recipe: SGD (Nesterov momentum 0.9, weight decay 5e-4, batch 128), one-cycle
learning rate peaking at --lr, label smoothing 0.1, random crop with 4-pixel
reflect padding and horizontal flips. With --init-onnx the weights start
from a BN-unfolded ONNX model of the same architecture (e.g. the user's
models in shared/models/cifar10), so a short fine-tune with a small --lr
makes it the project's model; --epochs 0 only evaluates (and re-exports).

The float top-1 on the full 10,000-image test set is measured in PyTorch
(eval mode) and written, with the command and timings, to OUT/<arch>_c10.txt.
The exported file is checked against PyTorch with an independent numpy
executor of the ONNX graph (train_common.run_onnx_numpy) on a few images.

Example (fine-tune the shared ResNet for one epoch; ~20-30 min on one core):
    nice -n 10 /usr/bin/python3 scripts/train_cifar10.py --arch resnet \\
        --init-onnx ../shared/models/cifar10/resnet_c10.onnx \\
        --epochs 1 --lr 0.01 --out build/cifar10-models
"""

import argparse
import io
import os
import sys
import tarfile
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cifar10_models as cm  # noqa: E402
import train_common as tc  # noqa: E402

MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)
LABELS = ["airplane", "automobile", "bird", "cat", "deer",
          "dog", "frog", "horse", "ship", "truck"]
CHECK_IMAGES = 4  # test images run through the numpy ONNX executor
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The shared models and data: $QRT_SHARED, else ../shared beside the checkout.
SHARED = os.environ.get("QRT_SHARED") or os.path.join(ROOT, "..", "shared")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--arch", required=True, choices=sorted(cm.ARCHS))
    p.add_argument("--width", type=float, default=None,
                   help="width multiplier (default: resnet 1.0, mbv2 0.75, the shared models' widths)")
    p.add_argument("--init-onnx", default=None,
                   help="start from the weights of this BN-unfolded ONNX model of the same architecture")
    p.add_argument("--epochs", type=int, default=None,
                   help="training epochs (default: resnet 12, mbv2 8; 0 = evaluate and export only)")
    p.add_argument("--lr", type=float, default=0.2, help="peak one-cycle SGD learning rate")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--train-images", type=int, default=0,
                   help="use only this many (shuffled) training images per epoch (0 = all 50,000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (1 is fastest on a shared machine)")
    p.add_argument("--data", default=os.path.join(SHARED, "data", "cifar10"),
                   help="folder with train_jpg.tar.gz and test_jpg.tar.gz")
    p.add_argument("--cache", default=None,
                   help="folder for the decoded .npz cache (default: OUT/cache)")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "cifar10-models"), help="output folder")
    args = p.parse_args()
    if args.epochs is None:
        args.epochs = {"resnet": 12, "mbv2": 8}[args.arch]
    return args


def decode_split(archive, split):
    """All images of `split` in the archive, sorted by path: uint8 [N,32,32,3]
    RGB and int64 labels [N]."""
    from PIL import Image

    items = []
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if not member.isfile() or not member.name.endswith(".jpg"):
                continue
            parts = member.name.split("/")
            if len(parts) != 3 or parts[0] != split or parts[1] not in LABELS:
                raise ValueError(f"{archive}: unexpected member '{member.name}' "
                                 f"(want {split}/<class>/NNNN.jpg)")
            img = Image.open(io.BytesIO(tar.extractfile(member).read())).convert("RGB")
            if img.size != (32, 32):
                raise ValueError(f"{archive}: '{member.name}' is {img.size[0]}x{img.size[1]}, want 32x32")
            items.append((member.name, np.asarray(img, dtype=np.uint8), LABELS.index(parts[1])))
    if not items:
        raise ValueError(f"{archive}: no {split}/<class>/*.jpg images")
    items.sort(key=lambda t: t[0])
    return np.stack([t[1] for t in items]), np.array([t[2] for t in items], dtype=np.int64)


def load_split(data_dir, split, cache_dir):
    cache = os.path.join(cache_dir, f"cifar10_{split}.npz")
    if os.path.exists(cache):
        z = np.load(cache)
        return z["images"], z["labels"]
    t0 = time.time()
    images, labels = decode_split(os.path.join(data_dir, f"{split}_jpg.tar.gz"), split)
    os.makedirs(cache_dir, exist_ok=True)
    np.savez(cache + ".tmp.npz", images=images, labels=labels)
    os.replace(cache + ".tmp.npz", cache)
    print(f"decoded {len(images)} {split} images in {time.time() - t0:.0f} s -> {cache}", flush=True)
    return images, labels


def to_input(images_u8):
    """uint8 [N,32,32,3] RGB -> normalized float32 NCHW."""
    x = torch.from_numpy(images_u8).permute(0, 3, 1, 2).float().div_(255.0)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


@torch.no_grad()
def evaluate(model, images, labels, batch=500):
    """(correct, total) of top-1 over the whole set, eval mode."""
    model.eval()
    correct = 0
    for i in range(0, len(images), batch):
        out = model(to_input(images[i:i + batch]))
        correct += int((out.argmax(1) == torch.from_numpy(labels[i:i + batch])).sum())
    return correct, len(images)


def fmt_s(s):
    return f"{int(s) // 60}m{int(s) % 60:02d}s"


def train(model, images, labels, args, log):
    gen = torch.Generator().manual_seed(args.seed)
    n_img = args.train_images or len(images)
    steps = (n_img + args.batch - 1) // args.batch
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9,
                          nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs,
                                                steps_per_epoch=steps, pct_start=0.25)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    t_start, total_steps = time.time(), steps * args.epochs
    for epoch in range(args.epochs):
        model.train()
        t0 = time.time()
        perm = torch.randperm(len(images), generator=gen)[:n_img].numpy()
        loss_sum, correct = 0.0, 0
        for s in range(steps):
            idx = perm[s * args.batch:(s + 1) * args.batch]
            xb = tc.random_crop_flip_reflect(to_input(images[idx]), 4, gen)
            yb = torch.from_numpy(labels[idx])
            out = model(xb)
            loss = loss_fn(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(idx)
            correct += int((out.argmax(1) == yb).sum())
            done = epoch * steps + s + 1
            if (s + 1) % 25 == 0 or s + 1 == steps:
                el = time.time() - t_start
                print(f"  epoch {epoch + 1}/{args.epochs} step {s + 1}/{steps} "
                      f"loss {loss_sum / ((s * args.batch) + len(idx)):.4f} "
                      f"lr {sched.get_last_lr()[0]:.4f} elapsed {fmt_s(el)} "
                      f"ETA {fmt_s(el / done * (total_steps - done))} (training only)", flush=True)
        secs = time.time() - t0
        c, n = evaluate(model, *args.test)
        line = (f"epoch {epoch + 1}/{args.epochs}: loss {loss_sum / n_img:.4f} "
                f"train {100 * correct / n_img:.2f}% test {100 * c / n:.2f}% ({fmt_s(secs)})")
        print(line, flush=True)
        log.append(line)


def check_export(model, onnx_model, images):
    """Max |torch - numpy ONNX executor| over the logits of a few images."""
    x = to_input(images)
    model.eval()
    with torch.no_grad():
        ref = model(x).double().numpy()
    diff = 0.0
    for i in range(len(x)):
        got = tc.run_onnx_numpy(onnx_model, x[i:i + 1].numpy())
        diff = max(diff, float(np.abs(got - ref[i:i + 1]).max()))
    return diff


def main():
    args = parse_args()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    start = time.time()
    command = "nice -n 10 /usr/bin/python3 " + " ".join([os.path.relpath(__file__)] + sys.argv[1:])

    cache = args.cache or os.path.join(args.out, "cache")
    train_images, train_labels = load_split(args.data, "train", cache)
    test_images, test_labels = load_split(args.data, "test", cache)
    args.test = (test_images, test_labels)

    model = cm.build(args.arch, args.width)
    params, macs = tc.count_params(model), tc.count_macs(model, (1, 3, 32, 32))
    print(f"{args.arch}: {params} parameters, {macs} MACs/image; "
          f"{len(train_images)} train, {len(test_images)} test images", flush=True)
    log = []
    if args.init_onnx:
        n = cm.load_onnx_weights(model, args.init_onnx)
        line = f"loaded {n} tensors from {args.init_onnx}"
        if args.epochs > 0:  # with --epochs 0 the final evaluation gives this number
            c, total = evaluate(model, test_images, test_labels)
            line += f": test top-1 {100 * c / total:.2f}% ({c}/{total})"
        print(line, flush=True)
        log.append(line)

    t_train = time.time()
    if args.epochs > 0:
        train(model, train_images, train_labels, args, log)
    train_s = time.time() - t_train

    correct, total = evaluate(model, test_images, test_labels)
    acc = 100 * correct / total
    onnx_path = os.path.join(args.out, f"{args.arch}_c10.onnx")
    m = tc.export_onnx_keep_bn(model, (1, 3, 32, 32), onnx_path)
    diff = check_export(model, m, test_images[:CHECK_IMAGES])
    if diff > 1e-3:
        raise RuntimeError(f"{onnx_path}: numpy ONNX executor differs from PyTorch by {diff:g} "
                           f"on the first {CHECK_IMAGES} test images")
    ops = {}
    for node in m.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    with open(os.path.join(args.out, "labels.txt"), "w") as f:
        f.write("\n".join(LABELS) + "\n")
    summary = [f"# {args.arch}_c10.onnx", f"command: {command}",
               f"parameters: {params}; MACs/image: {macs}",
               f"ops: {', '.join(f'{k} x{v}' for k, v in sorted(ops.items()))}",
               *log,
               f"float test top-1 (PyTorch, eval, 10,000 images): {acc:.2f}% ({correct}/{total})",
               f"numpy ONNX executor vs PyTorch, first {CHECK_IMAGES} test images: max |diff| {diff:.2e}",
               f"training {fmt_s(train_s)}, total {fmt_s(time.time() - start)}, "
               f"torch {torch.__version__}, {args.threads} thread(s)"]
    with open(os.path.join(args.out, f"{args.arch}_c10.txt"), "w") as f:
        f.write("\n".join(summary) + "\n")
    print("\n".join(summary[1:]), flush=True)
    print(f"wrote {onnx_path}", flush=True)


if __name__ == "__main__":
    main()
