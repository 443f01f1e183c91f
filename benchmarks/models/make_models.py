#!/usr/bin/python3
"""Exports the paper-scale benchmark models (MobileNetV2-1.0, ResNet50, 224x224) to ONNX.

THESE MODELS MEASURE SPEED, NOT ACCURACY. The weights are random
(torchvision's default initialization under a fixed seed; nothing is
downloaded), so their top-1 on ImageNet is meaningless (chance level). Only
the BatchNormalization running statistics are real: they are re-estimated on
ImageNet-sample images so that every layer sees activations of a realistic
scale and distribution, which is what calibration, the INT16 planning and the
kernels' timings depend on.

For each model (torchvision 0.14 `mobilenet_v2()` at width 1.0 and
`resnet50()`):
1. torch.manual_seed(--seed), then build the model: torchvision's own init
   (kaiming-normal convs, BN gamma 1 / beta 0, normal/uniform Linear).
2. BN re-estimation: every BatchNorm2d gets reset_running_stats() and
   momentum=None (cumulative average), the model runs in train mode with no
   gradient over --bn-images ImageNet-sample images (a seeded draw from the
   1000, batches of --bn-batch), then momentum goes back to 0.1 (the ONNX
   attribute; unused in inference). Dropout (MobileNetV2's classifier) comes
   after every BN, so train mode does not change the statistics.
3. Eval-mode ONNX export (train_common.export_onnx_keep_bn): opset 13, input
   `input` [1,3,224,224], output `logits` [1,1000],
   training=TrainingMode.PRESERVE, do_constant_folding=False, so BN stays as
   separate nodes in inference mode like a user's model (the converter folds
   it). Eval mode drops Dropout from the graph; adaptive_avg_pool2d(1) and
   torch.flatten export as GlobalAveragePool and Flatten. onnx.checker runs on
   the file.
4. Check: an independent float64 numpy executor of the written ONNX graph
   (no torch, no onnxruntime) against torch's eval-mode logits on
   --check-images images; fails above 1e-3 relative to max|logit|.

Preprocessing is the converter's (`--resize-short 256 --crop 224x224 --mean
0.485,0.456,0.406 --std 0.229,0.224,0.225 --channel-order RGB`): the sample
images already have short side 256, so only the centre crop (top =
(h - 224) // 2, left likewise) and (x/255 - mean) / std are applied, RGB, NCHW.

Determinism: the same bytes on the same software and thread count
(measured: torch 1.13.0 from Debian's python3-torch, torchvision 0.14,
--threads 1, seed 1). Different thread counts can change the float sums of
the BN statistics in the last bits.

Outputs in --out (default build/bench-models in the checkout):
<model>.onnx and <model>.txt (command, versions, images, params, MACs, ops,
check, times, sha256). Not committed (ResNet50 is ~100 MB): regenerate.

Example (a few minutes on one core):
    /usr/bin/python3 benchmarks/models/make_models.py
"""

import argparse
import collections
import hashlib
import os
import sys
import time

import numpy as np
import torch
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import train_common as tc  # noqa: E402

# The shared models and data: $QRT_SHARED, else ../shared beside the checkout.
SHARED = os.environ.get("QRT_SHARED") or os.path.join(ROOT, "..", "shared")
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
CROP = 224
MODELS = {
    "mobilenet_v2_1.0": lambda: torchvision.models.mobilenet_v2(weights=None, width_mult=1.0),
    "resnet50": lambda: torchvision.models.resnet50(weights=None),
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(ROOT, "build", "bench-models"),
                   help="output folder (default: build/bench-models in the checkout)")
    p.add_argument("--models", default=",".join(MODELS),
                   help="comma-separated subset of " + ",".join(MODELS))
    p.add_argument("--data", default=os.path.join(SHARED, "data", "imagenet-sample"),
                   help="ImageNet-sample folder (default $QRT_SHARED/data/imagenet-sample)")
    p.add_argument("--bn-images", type=int, default=256, help="images for BN re-estimation (default 256)")
    p.add_argument("--bn-batch", type=int, default=32, help="batch size for BN re-estimation (default 32)")
    p.add_argument("--check-images", type=int, default=2, help="images for the numpy check (default 2)")
    p.add_argument("--seed", type=int, default=1, help="weight init and image draw seed (default 1)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    return p.parse_args()


def log(msg):
    print(msg, flush=True)


def image_files(data):
    if not os.path.isdir(data):
        sys.exit(f"make_models.py: error: ImageNet-sample folder '{data}' is missing "
                 "(set QRT_SHARED or --data)")
    files = sorted(f for f in os.listdir(data) if f.lower().endswith((".jpeg", ".jpg")))
    if not files:
        sys.exit(f"make_models.py: error: no .JPEG images in '{data}'")
    return files


def load_images(data, files):
    """Centre crop 224 (after the converter's resize-short 256, which the data
    already has) and (x/255 - mean)/std, RGB, as float32 NCHW."""
    from PIL import Image
    out = np.empty((len(files), 3, CROP, CROP), dtype=np.float32)
    mean = np.array(MEAN, dtype=np.float32)[:, None, None]
    std = np.array(STD, dtype=np.float32)[:, None, None]
    for i, f in enumerate(files):
        with Image.open(os.path.join(data, f)) as im:
            im = im.convert("RGB")
            if min(im.size) != 256:  # resize-short 256, as the converter would
                w, h = im.size
                s = 256 / min(w, h)
                im = im.resize((round(w * s), round(h * s)), Image.BILINEAR)
            a = np.asarray(im, dtype=np.float32)
        h, w, _ = a.shape
        top, left = (h - CROP) // 2, (w - CROP) // 2
        a = a[top:top + CROP, left:left + CROP].transpose(2, 0, 1)
        out[i] = (a / 255.0 - mean) / std
    return torch.from_numpy(out)


@torch.no_grad()
def reestimate_bn(model, images, batch):
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average over all batches
    model.train()
    for i in range(0, len(images), batch):
        model(images[i:i + batch])
        log(f"  BN re-estimation: {min(i + batch, len(images))}/{len(images)} images")
    for m in bns:
        m.momentum = 0.1
    model.eval()
    return len(bns)


# ---- independent float64 numpy executor of the exported graph -------------

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def make_model(name, args, bn_images, check_images, check_files):
    t0 = time.time()
    lines = []

    def note(msg):
        log(msg)
        lines.append(msg)

    note(f"== {name}")
    torch.manual_seed(args.seed)
    model = MODELS[name]()
    model.eval()
    params = tc.count_params(model)
    macs = tc.count_macs(model, (1, 3, CROP, CROP))
    note(f"params {params:,}, MACs/image {macs:,} (Conv2d + Linear)")

    t1 = time.time()
    nbn = reestimate_bn(model, bn_images, args.bn_batch)
    t_bn = time.time() - t1
    note(f"BN re-estimation: {nbn} BatchNorm2d layers, {len(bn_images)} images, batch {args.bn_batch}, {t_bn:.1f} s")

    with torch.no_grad():
        ref = model(check_images).numpy()
    note(f"torch logits on {len(check_files)} check images: std {ref.std():.4g}, max|logit| "
         f"{np.abs(ref).max():.4g}, top-1 {ref.argmax(1).tolist()} (random weights: meaningless)")

    path = os.path.join(args.out, name + ".onnx")
    t1 = time.time()
    proto = tc.export_onnx_keep_bn(model, (1, 3, CROP, CROP), path)
    ops = collections.Counter(n.op_type for n in proto.graph.node)
    note(f"export: {path}, {os.path.getsize(path):,} B, onnx.checker OK, {time.time() - t1:.1f} s")
    note("ops: " + ", ".join(f"{k} {v}" for k, v in sorted(ops.items(), key=lambda kv: -kv[1])))
    note(f"input {[i.name for i in proto.graph.input][0]}, output {proto.graph.output[0].name}")

    t1 = time.time()
    worst = 0.0
    for k in range(len(check_files)):
        out = tc.run_onnx_numpy(proto, check_images[k:k + 1].numpy())
        worst = max(worst, float(np.abs(out - ref[k:k + 1]).max()))
    rel = worst / max(float(np.abs(ref).max()), 1e-30)
    note(f"numpy float64 executor vs torch on {len(check_files)} images: max|diff| {worst:.3g} "
         f"(relative to max|logit| {rel:.3g}), {time.time() - t1:.1f} s")
    if rel > 1e-3:
        sys.exit(f"make_models.py: error: {name}: the exported ONNX differs from torch ({rel:.3g} > 1e-3)")

    digest = sha256(path)
    note(f"sha256 {digest}")
    note(f"total {time.time() - t0:.1f} s")
    with open(os.path.join(args.out, name + ".txt"), "w") as f:
        f.write(HEADER + "\n".join(lines) + "\n")


def main():
    global HEADER
    args = parse_args()
    names = [n for n in args.models.split(",") if n]
    for n in names:
        if n not in MODELS:
            sys.exit(f"make_models.py: error: unknown model '{n}' (choices: {', '.join(MODELS)})")
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    HEADER = (f"command: {' '.join([os.path.basename(sys.argv[0])] + sys.argv[1:])}\n"
              f"torch {torch.__version__}, torchvision {torchvision.__version__}, numpy {np.__version__}, "
              f"threads {torch.get_num_threads()}, seed {args.seed}\n"
              "random weights: these models measure speed, not accuracy\n")
    log(HEADER.rstrip())

    files = image_files(args.data)
    rng = np.random.RandomState(args.seed)
    order = rng.permutation(len(files))
    if args.bn_images + args.check_images > len(files):
        sys.exit(f"make_models.py: error: {args.bn_images} + {args.check_images} images requested, "
                 f"'{args.data}' has {len(files)}")
    bn_files = [files[i] for i in order[:args.bn_images]]
    check_files = [files[i] for i in order[args.bn_images:args.bn_images + args.check_images]]
    bn_images = load_images(args.data, bn_files)
    check_images = load_images(args.data, check_files)
    HEADER += (f"BN images: {len(bn_files)} of {len(files)} from {args.data} (seeded permutation, first "
               f"{bn_files[0]}); check images: {', '.join(check_files)}\n")
    log(f"loaded {len(bn_files)} BN + {len(check_files)} check images in {time.time() - t0:.1f} s")

    for n in names:
        make_model(n, args, bn_images, check_images, check_files)
    log(f"done in {time.time() - t0:.1f} s: {args.out}")


if __name__ == "__main__":
    main()
