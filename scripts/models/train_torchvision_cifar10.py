#!/usr/bin/python3
"""Trains torchvision architectures briefly on CIFAR-10 and exports them to ONNX (issue 12).

Why: export_torchvision.py's models have random weights, and a random
network amplifies every rounding layer after layer (its "float ceiling":
the logit SQNR of the float model with only its input rounded to 8 bits is
4-33 dB). An int8 model cannot be judged against such a ceiling. No trained
ImageNet weights can be downloaded on these machines, so this script gives
the same architectures TRAINED weights, on the one real labelled training
set the machines have (../shared/data/cifar10): a short run, not the
paper's accuracy, but the weights of a network that has learned smooth
features, which is what the int8 agreement depends on.

Per architecture (torchvision's builder, weights=None, num_classes=10):
1. Training: --steps SGD steps (Nesterov momentum 0.9, weight decay 5e-4,
   batch --batch, one-cycle learning rate peaking at --lr, label smoothing
   0.1), random crop with 4-pixel reflect padding and horizontal flips
   (train_common.random_crop_flip_reflect), images drawn with seed --seed.
   At --resolution R != 32 (AlexNet needs 64: its third max pool has no
   input at 32) the 32x32 images are resized to RxR (bilinear) after the
   augmentation, and the converter's flags say `--resize-short R --crop RxR`.
2. BatchNorm statistics re-estimated (export_torchvision.reestimate_bn) on
   the first --bn-images training images: several architectures use BN
   momentum 0.01, whose running statistics lag far behind after a short run.
3. Float top-1 on every K-th test image (--test-images, default 2000), and the float ceiling
   (export_torchvision.input_noise_sqnr) on every 40th test image (250).
4. Export as export_torchvision does (opset --opset, BN kept, onnx.checker
   and strict shape inference), input `input` [1,3,R,R], output `logits`
   [1,10]; NAME = <arch>_c10[_r<R>].

Outputs in --out (default build/models/torchvision-c10): NAME.onnx and
NAME.json (arch, dataset "cifar10", the qrt-convert preprocessing flags,
steps, test top-1, float ceiling, sha256, timings), which
scripts/accuracy/models_table.py reads: it calibrates such a model on the
CIFAR-10 training archive and evaluates it on the test archive.

Determinism: the same command on the same software (Debian's torch 1.13,
torchvision 0.14) gives the same bytes with --threads 1 (the default).

Time on this machine (2 shared cores, one torch thread): from about 2 min
(shufflenet, mobilenet_v3_small) to 25 min (vgg11, densenet121) per
architecture at the default 600 steps; --steps and --batch are flags, and
--threads uses more cores.

Example:
    /usr/bin/python3 scripts/models/train_torchvision_cifar10.py --arch mobilenet_v3_large
    /usr/bin/python3 scripts/accuracy/models_table.py --models build/models/torchvision-c10 \\
        --out build/models/table-c10 --calib 50 --eval 200
"""

import argparse
import collections
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import export_torchvision as ex  # noqa: E402
import train_cifar10 as tc10  # noqa: E402
import train_common as tcom  # noqa: E402

PROG = "train_torchvision_cifar10.py"
MIN_RESOLUTION = {"alexnet": 64}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def die(msg):
    print(f"{PROG}: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", action="append", default=None,
                   help="torchvision architecture (repeatable; default: export_torchvision's 16)")
    p.add_argument("--steps", type=int, default=600, help="SGD steps (default 600)")
    p.add_argument("--batch", type=int, default=64, help="batch size (default 64)")
    p.add_argument("--lr", type=float, default=0.05, help="peak learning rate (default 0.05)")
    p.add_argument("--resolution", type=int, default=32,
                   help="input size (default 32; raised to 64 for alexnet)")
    p.add_argument("--test-images", type=int, default=2000,
                   help="float top-1 on every K-th test image so that this many are used (default 2000)")
    p.add_argument("--bn-images", type=int, default=2000, help="images for BN re-estimation (default 2000)")
    p.add_argument("--opset", type=int, default=13, help="ONNX opset (default 13)")
    p.add_argument("--seed", type=int, default=1, help="init and data order seed (default 1)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1: reproducible bytes)")
    p.add_argument("--data", default=os.path.join(ex.SHARED, "data", "cifar10"),
                   help="folder with train_jpg.tar.gz and test_jpg.tar.gz (default ../shared/data/cifar10)")
    p.add_argument("--cache", default=os.path.join(ROOT, "build", "cifar10-cache"),
                   help="decoded-image cache folder (default build/cifar10-cache)")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "models", "torchvision-c10"),
                   help="output folder (default build/models/torchvision-c10)")
    p.add_argument("--skip-existing", action="store_true", help="skip an architecture whose NAME.json exists")
    a = p.parse_args()
    a.arch = a.arch or list(ex.DEFAULT_ARCHS)
    for flag, v in (("--steps", a.steps), ("--batch", a.batch), ("--threads", a.threads),
                    ("--bn-images", a.bn_images), ("--test-images", a.test_images)):
        if v < 1:
            die(f"{flag} {v}: must be at least 1")
    if a.resolution < 32:
        die(f"--resolution {a.resolution}: must be at least 32 (the CIFAR-10 image size)")
    return a


def build(arch):
    import torchvision
    if arch == "googlenet":
        return torchvision.models.GoogLeNet(num_classes=10, aux_logits=False, transform_input=False,
                                            init_weights=True)
    return torchvision.models.get_model(arch, weights=None, num_classes=10)


def to_input(images_u8, res):
    import torch
    x = tc10.to_input(images_u8)
    if res != 32:
        x = torch.nn.functional.interpolate(x, size=(res, res), mode="bilinear", align_corners=False)
    return x


def train(model, images, labels, args, res):
    import torch
    gen = torch.Generator().manual_seed(args.seed)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.25)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    model.train()
    t0, loss_sum, seen = time.time(), 0.0, 0
    for step in range(args.steps):
        idx = torch.randint(0, len(images), (args.batch,), generator=gen).numpy()
        x = tcom.random_crop_flip_reflect(tc10.to_input(images[idx]), 4, gen)
        if res != 32:
            x = torch.nn.functional.interpolate(x, size=(res, res), mode="bilinear", align_corners=False)
        loss = loss_fn(model(x), torch.from_numpy(labels[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        loss_sum += float(loss) * len(idx)
        seen += len(idx)
        if (step + 1) % 50 == 0 or step + 1 == args.steps:
            el = time.time() - t0
            log(f"   step {step + 1}/{args.steps} loss {loss_sum / seen:.4f} elapsed {el:.0f} s "
                f"ETA {el / (step + 1) * (args.steps - step - 1):.0f} s")
            loss_sum, seen = 0.0, 0
    return time.time() - t0


def evaluate(model, images, labels, res, batch=250):
    import torch
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), batch):
            out = model(to_input(images[i:i + batch], res))
            correct += int((out.argmax(1) == torch.from_numpy(labels[i:i + batch])).sum())
    return correct / len(images)


def do_model(arch, args, train_set, test_set):
    import torch
    import torchvision
    res = max(args.resolution, MIN_RESOLUTION.get(arch, 32))
    name = f"{arch}_c10" + (f"_r{res}" if res != 32 else "")
    if args.skip_existing and os.path.exists(os.path.join(args.out, name + ".json")):
        log(f"== {name}: exists, skipped")
        return
    t0 = time.time()
    log(f"== {name}: training {arch} for {args.steps} steps of {args.batch} at {res}x{res} (seed {args.seed})")
    torch.manual_seed(args.seed)
    model = build(arch)
    params = sum(p.numel() for p in model.parameters())
    train_s = train(model, *train_set, args, res)
    nbn = ex.reestimate_bn(model, to_input(train_set[0][:args.bn_images], res), 100)
    stride = max(1, len(test_set[0]) // args.test_images)
    top1 = evaluate(model, test_set[0][::stride], test_set[1][::stride], res)
    n_test = len(test_set[0][::stride])
    ceiling = ex.input_noise_sqnr(model, to_input(test_set[0][::40], res), 50, args.seed)
    log(f"   trained in {train_s:.0f} s; {nbn} BN layers re-estimated on {args.bn_images} images; "
        f"float test top-1 {100 * top1:.2f}% ({n_test} images); float ceiling {ceiling:.1f} dB")
    path = os.path.join(args.out, name + ".onnx")
    try:
        proto = ex.export(model, path, res, args.opset, False)
    except RuntimeError as e:
        raise RuntimeError(f"{name}: {e}") from None
    ops = collections.Counter(n.op_type for n in proto.graph.node)
    pp = ["--mean", ",".join(map(str, tc10.MEAN)), "--std", ",".join(map(str, tc10.STD)), "--channel-order", "RGB"]
    if res != 32:
        pp = ["--resize-short", str(res), "--crop", f"{res}x{res}"] + pp
    meta = {
        "name": name, "arch": arch, "dataset": "cifar10", "opset": args.opset, "resolution": res,
        "export": "training=PRESERVE, do_constant_folding=False", "seed": args.seed,
        "threads": torch.get_num_threads(), "steps": args.steps, "batch": args.batch, "lr": args.lr,
        "bn_images": args.bn_images, "convert_flags": pp, "float_test_top1": round(top1, 4), "test_images": n_test,
        "input_noise_logit_sqnr_db": round(ceiling, 2), "params": params,
        "ops": dict(sorted(ops.items())), "bytes": os.path.getsize(path), "sha256": ex.sha256(path),
        "train_seconds": round(train_s, 1), "seconds": round(time.time() - t0, 1),
        "torch": torch.__version__, "torchvision": torchvision.__version__,
    }
    tmp = os.path.join(args.out, name + ".json.tmp")
    with open(tmp, "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    os.replace(tmp, os.path.join(args.out, name + ".json"))
    log(f"   exported {path} ({os.path.getsize(path):,} B), total {time.time() - t0:.0f} s")
    print(f"exported {path}", flush=True)


def main():
    args = parse_args()
    try:
        import torch
        import torchvision
    except ImportError as e:
        die(f"torch/torchvision missing ({e}); use /usr/bin/python3 (Debian's python3-torch)")
    torch.set_num_threads(args.threads)
    known = set(torchvision.models.list_models(module=torchvision.models))
    for a in args.arch:
        if a not in known:
            die(f"unknown architecture '{a}' (torchvision classification models: {', '.join(sorted(known))})")
    for split in ("train", "test"):
        if not os.path.isfile(os.path.join(args.data, f"{split}_jpg.tar.gz")):
            die(f"'{os.path.join(args.data, split + '_jpg.tar.gz')}' is missing (set QRT_SHARED or --data)")
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    train_set = tc10.load_split(args.data, "train", args.cache)
    test_set = tc10.load_split(args.data, "test", args.cache)
    failed = []
    for arch in args.arch:
        try:
            do_model(arch, args, train_set, test_set)
        except RuntimeError as e:
            log(f"{PROG}: error: {e}")
            failed.append(arch)
    log(f"{PROG}: {len(args.arch) - len(failed)} of {len(args.arch)} done in {time.time() - t0:.0f} s"
        + (f"; failed: {', '.join(failed)}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
