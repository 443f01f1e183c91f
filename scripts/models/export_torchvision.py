#!/usr/bin/python3
"""Exports torchvision classification architectures to ONNX for tests and benchmarks (issue 12).

The model zoo the converter is measured on: the architectures people deploy
(MobileNetV3, ShuffleNetV2, MnasNet, EfficientNet, RegNet, GoogLeNet,
DenseNet, SqueezeNet, ResNet, MobileNetV2, AlexNet, VGG), as torchvision
builds them, exported the way a user would.

NO DOWNLOAD, RANDOM WEIGHTS. The machines have no torchvision weights, so
every model is torchvision's own random initialization under a fixed seed
(--seed). Two things make its activations realistic anyway:
1. BatchNorm statistics re-estimated on real images: every BatchNorm layer
   gets reset_running_stats() and momentum=None (cumulative average), the
   model runs in train mode, without gradient, over --images ImageNet-sample
   images (ImageNet preprocessing, below), then momentum goes back to its
   value and the model to eval mode. Dropout and stochastic depth run in
   train mode during this pass, as they do when torchvision trains.
2. The classifier standardized (--classifier standardize, the default):
   a random classifier on positive features (after ReLU and global pooling)
   gives logits dominated by one image-independent component, so nearly every
   image has the same top-1 class and a logit SQNR measures that constant.
   After step 1 the classifier's outputs are recorded on the same images
   (eval mode) and its weight and bias rescaled per class so each logit has
   mean 0 and standard deviation --logit-std (default 4) over those images:
   W_k <- W_k * s_k, b_k <- (b_k - mean_k) * s_k, s_k = logit_std / std_k.
   The classifier is the last Linear or Conv2d with num_classes outputs
   (SqueezeNet: its final 1x1 conv, before ReLU and pooling).
   Printed per model: distinct top-1 classes and the share of the logits'
   energy that is the common component, before and after.
   --classifier none keeps torchvision's init.
3. Recorded, not changed: the float model's own sensitivity, its logit SQNR
   when the input is rounded to an 8-bit grid (uniform noise of one step
   max|x|/127, --noise-images images): what the int8 model's input
   quantization alone costs. Random-weight networks amplify noise layer
   after layer, so this is the ceiling the int8 logit SQNR can be read against.
Their ImageNet top-1 is chance level; what they are for is the
float-vs-int8 agreement and SQNR, and timings.

Images: ../shared/data/imagenet-sample (1000 images, one per class, short
side 256; $QRT_SHARED or --data). BN images are drawn (seed --seed) from
the EVEN lines of labels.txt (0-based line index even), the half
scripts/accuracy/models_table.py calibrates on; the odd half is its
evaluation set, so evaluation images are never seen here.
Preprocessing = the converter's `--resize-short S --crop RxR --mean
0.485,0.456,0.406 --std 0.229,0.224,0.225 --channel-order RGB`, with R =
--resolution and S = round(R * 256 / 224) (256 for 224): resize the short
side to S (PIL bilinear), centre crop R, (x/255 - mean)/std, RGB, NCHW.

Export: eval mode, `torch.onnx.export` at --opset (default 13), input
`input` [1,3,R,R], output `logits` [1,1000],
training=TrainingMode.PRESERVE and do_constant_folding=False (the project's
convention: BatchNormalization stays as separate inference-mode nodes, and
shape subgraphs such as ShuffleNet's Shape->Gather->Unsqueeze->Concat->Reshape
stay in the graph as an unfolded export has them); --fold exports with
torch's defaults instead (training=EVAL, do_constant_folding=True: BN
fused into Conv by torch, constant shape chains folded). onnx.checker and
ONNX shape inference run on every file. Eval mode drops Dropout.

Architecture choices: googlenet is GoogLeNet(aux_logits=False,
transform_input=False, init_weights=True): the auxiliary heads are unused at
inference (torchvision drops them when it loads weights) and
transform_input=False is torchvision's default without weights.
`googlenet_ti` is the same with transform_input=True (what torchvision sets
with its pretrained weights: per-channel Slice/Mul/Add/Concat on the
input), not in the default list. Any other torchvision classification
builder name is accepted by --arch (built with weights=None).

Outputs in --out (default build/models/torchvision), per model, NAME =
<arch>_op<opset>[_r<R>][_fold]:
  NAME.onnx  the model
  NAME.json  arch, opset, resolution, seed, images, the qrt-convert
             preprocessing flags, op counts, params, sha256, timings
Progress per model goes to stderr; the last stdout line per model is
`exported NAME.onnx`. Errors name the model and exit 1 (no partial .onnx
left behind: files are written to NAME.onnx.tmp and renamed).

Determinism: the same command on the same software (torch 1.13, torchvision
0.14 from Debian) gives the same bytes: seeded init and image draw, one
torch thread (--threads 1) so the BN sums are in a fixed order. Another
thread count can change the last bits of the BN statistics.

Example (a few minutes for all on one core):
    /usr/bin/python3 scripts/models/export_torchvision.py
    /usr/bin/python3 scripts/models/export_torchvision.py --arch resnet18 --arch googlenet --opset 9
"""

import argparse
import collections
import hashlib
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("QRT_SHARED") or os.path.join(ROOT, "..", "shared")
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
DEFAULT_ARCHS = [
    "mobilenet_v3_small", "mobilenet_v3_large", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0",
    "mnasnet0_5", "mnasnet1_0", "efficientnet_b0", "regnet_x_400mf", "googlenet",
    "densenet121", "squeezenet1_1", "resnet18", "resnet50", "mobilenet_v2", "alexnet", "vgg11",
]
# The Caffe2-era architectures that were also exported at opsets 7-9.
CLASSIC_ARCHS = ["alexnet", "vgg11", "squeezenet1_1", "googlenet", "resnet18", "resnet50",
                 "densenet121", "mobilenet_v2"]
PROG = "export_torchvision.py"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def die(msg):
    print(f"{PROG}: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="default architectures: " + " ".join(DEFAULT_ARCHS) +
                                "\nclassic (opset 9 rows of the models table): " + " ".join(CLASSIC_ARCHS))
    p.add_argument("--arch", action="append", default=None,
                   help="architecture (repeatable; default: the 16 of issue 12; 'classic': the classic ones)")
    p.add_argument("--opset", type=int, default=13, help="ONNX opset (default 13)")
    p.add_argument("--resolution", type=int, default=224, help="input height and width (default 224)")
    p.add_argument("--images", type=int, default=128, help="images for BN re-estimation (default 128)")
    p.add_argument("--batch", type=int, default=32, help="batch size of the BN pass (default 32)")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "models", "torchvision"),
                   help="output folder (default build/models/torchvision)")
    p.add_argument("--data", default=os.path.join(SHARED, "data", "imagenet-sample"),
                   help="ImageNet-sample folder (default $QRT_SHARED/data/imagenet-sample)")
    p.add_argument("--seed", type=int, default=1, help="weight init and image draw seed (default 1)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1: reproducible bytes)")
    p.add_argument("--classifier", choices=["standardize", "none"], default="standardize",
                   help="classifier rescaling (default standardize; see above)")
    p.add_argument("--logit-std", type=float, default=4.0,
                   help="per-class logit standard deviation after standardizing (default 4)")
    p.add_argument("--noise-images", type=int, default=32,
                   help="images for the float input-noise sensitivity (default 32; 0: off)")
    p.add_argument("--fold", action="store_true",
                   help="export with torch's defaults (BN fused, constants folded) instead")
    a = p.parse_args()
    archs = a.arch or list(DEFAULT_ARCHS)
    a.arch = []
    for n in archs:
        for x in (CLASSIC_ARCHS if n == "classic" else DEFAULT_ARCHS if n == "all" else [n]):
            if x not in a.arch:
                a.arch.append(x)
    if a.resolution < 16:
        die(f"--resolution {a.resolution}: must be at least 16")
    if a.images < 2:
        die(f"--images {a.images}: BN re-estimation needs at least 2 images")
    return a


def build(arch):
    import torchvision
    if arch in ("googlenet", "googlenet_ti"):
        return torchvision.models.GoogLeNet(aux_logits=False, transform_input=arch == "googlenet_ti",
                                            init_weights=True)
    return torchvision.models.get_model(arch, weights=None)


def image_list(data, seed, count):
    labels = os.path.join(data, "labels.txt")
    if not os.path.isfile(labels):
        die(f"'{labels}' is missing: the ImageNet sample (set QRT_SHARED or --data; see its README)")
    with open(labels) as f:
        names = [line.split("\t")[0] for line in f if line.strip()]
    even = names[0::2]  # the calibration half of models_table.py; the odd half is never used here
    if count > len(even):
        die(f"--images {count}: the calibration half of '{data}' has {len(even)} images")
    order = np.random.RandomState(seed).permutation(len(even))
    return [even[i] for i in sorted(order[:count])]


def resize_short(res):
    return int(round(res * 256 / 224))


def load_images(data, files, res):
    from PIL import Image
    import torch
    short = resize_short(res)
    out = np.empty((len(files), 3, res, res), dtype=np.float32)
    mean = np.array(MEAN, dtype=np.float32)[:, None, None]
    std = np.array(STD, dtype=np.float32)[:, None, None]
    for i, name in enumerate(files):
        path = os.path.join(data, name)
        try:
            with Image.open(path) as im:
                im = im.convert("RGB")
                w, h = im.size
                if min(w, h) != short:
                    s = short / min(w, h)
                    im = im.resize((max(short, round(w * s)), max(short, round(h * s))), Image.BILINEAR)
                a = np.asarray(im, dtype=np.float32)
        except OSError as e:
            die(f"cannot read image '{path}': {e}")
        h, w, _ = a.shape
        top, left = (h - res) // 2, (w - res) // 2
        a = a[top:top + res, left:left + res].transpose(2, 0, 1)
        out[i] = (a / 255.0 - mean) / std
    return torch.from_numpy(out)


def reestimate_bn(model, images, batch):
    import torch
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    starts = list(range(0, len(images), batch))
    if len(images) - starts[-1] == 1 and len(starts) > 1:
        starts.pop()  # no batch of one image (train-mode BN after a 1x1 pool needs two values)
    with torch.no_grad():
        for k, i in enumerate(starts):
            model(images[i:starts[k + 1] if k + 1 < len(starts) else len(images)])
    for m, mom in zip(bns, saved):
        m.momentum = mom
    model.eval()
    return len(bns)


def classifier_of(model, num_classes=1000):
    import torch
    last = None
    for name, m in model.named_modules():
        if isinstance(m, torch.nn.Linear) and m.out_features == num_classes:
            last = (name, m)
        elif isinstance(m, torch.nn.Conv2d) and m.out_channels == num_classes:
            last = (name, m)
    return last


def logit_stats(logits):
    """(distinct top-1 classes, share of the energy that is the per-class mean)."""
    z = logits.astype(np.float64)
    common = float((z.mean(0) ** 2).sum() * len(z) / max((z ** 2).sum(), 1e-300))
    return len(set(z.argmax(1).tolist())), common


def classifier_pass(model, images, batch):
    """One eval-mode pass: the model's logits [N, K] and the classifier
    layer's outputs (float64, [N, K] or [N, K, H, W]; None without one)."""
    import torch
    found = classifier_of(model)
    outs = []
    hook = found[1].register_forward_hook(lambda m, i, o: outs.append(o.detach().double())) if found else None
    with torch.no_grad():
        logits = torch.cat([model(images[i:i + batch]) for i in range(0, len(images), batch)])
    if hook:
        hook.remove()
    return found, logits.numpy(), torch.cat(outs) if found else None


def standardize_classifier(found, z, logit_std):
    """Rescales the classifier so each output has mean 0 and std logit_std over z's images;
    returns the per-class (mean, scale) as float64 tensors."""
    import torch
    if found is None:
        die("no classifier (Linear or Conv2d with 1000 outputs) to standardize; use --classifier none")
    name, layer = found
    z = z.transpose(0, 1).reshape(z.shape[1], -1)
    mean, std = z.mean(1), z.std(1)
    if float(std.min()) <= 0:
        die(f"classifier '{name}': a class has a constant output over the BN images; use --classifier none")
    s = logit_std / std
    with torch.no_grad():
        w = layer.weight
        w.mul_(s.to(w.dtype).reshape([-1] + [1] * (w.dim() - 1)))
        b = layer.bias if layer.bias is not None else torch.zeros(w.shape[0], dtype=w.dtype)
        nb = ((b.double() - mean) * s).to(w.dtype)
        if layer.bias is None:
            layer.bias = torch.nn.Parameter(nb)
        else:
            layer.bias.copy_(nb)
    return mean, s


def input_noise_sqnr(model, images, batch, seed):
    """The float model's own sensitivity: logit SQNR (qrt-eval's definition,
    sums over images) of the model on inputs plus uniform noise of one step
    of a symmetric 8-bit grid over the images' range (max|x| / 127), the
    noise the int8 model's input quantization alone adds, against clean
    inputs. A model that loses most of its SQNR here cannot reach it in
    int8 (random-weight networks: docs/models.md)."""
    import torch
    step = float(images.abs().max()) / 127
    g = torch.Generator().manual_seed(seed)
    noisy = images + (torch.rand(images.shape, generator=g) - 0.5) * step
    clean = eval_logits(model, images, batch).astype(np.float64)
    pert = eval_logits(model, noisy, batch).astype(np.float64)
    return float(10 * np.log10((clean ** 2).sum() / max(((clean - pert) ** 2).sum(), 1e-300)))


def eval_logits(model, images, batch):
    import torch
    with torch.no_grad():
        return torch.cat([model(images[i:i + batch]) for i in range(0, len(images), batch)]).numpy()


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export(model, path, res, opset, fold):
    import onnx
    import torch
    tmp = path + ".tmp"
    kw = {} if fold else {"training": torch.onnx.TrainingMode.PRESERVE, "do_constant_folding": False}
    try:
        torch.onnx.export(model, torch.zeros(1, 3, res, res), tmp, opset_version=opset,
                          input_names=["input"], output_names=["logits"], **kw)
        m = onnx.load(tmp)
        onnx.checker.check_model(m)
        onnx.shape_inference.infer_shapes(m, strict_mode=True)
    except Exception as e:  # torch and onnx raise many types; the first line names the problem
        if os.path.exists(tmp):
            os.remove(tmp)
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        first = first.split(" Please feel free")[0][:240]  # torch's long tail names no more
        raise RuntimeError(f"ONNX export at opset {opset} failed: {type(e).__name__}: {first}") from None
    if not fold:
        for n in m.graph.node:
            if n.op_type == "BatchNormalization":
                for a in n.attribute:
                    if a.name == "training_mode" and a.i != 0:
                        os.remove(tmp)
                        raise RuntimeError(f"node {n.name} exported in training mode")
    os.replace(tmp, path)
    return m


def do_model(arch, args, images, files):
    import torch
    import torchvision
    t0 = time.time()
    name = f"{arch}_op{args.opset}" + (f"_r{args.resolution}" if args.resolution != 224 else "") + \
        ("_fold" if args.fold else "")
    log(f"== {name}: building {arch} (seed {args.seed})")
    torch.manual_seed(args.seed)
    model = build(arch)
    model.eval()
    params = sum(p.numel() for p in model.parameters())
    t1 = time.time()
    nbn = reestimate_bn(model, images, args.batch)
    t_bn = time.time() - t1
    log(f"   BN re-estimation: {nbn} BatchNorm layers, {len(images)} images, {t_bn:.1f} s")
    found, logits, z = classifier_pass(model, images, args.batch)
    before = logit_stats(logits)
    log(f"   logits (torchvision init): {before[0]} distinct top-1 classes over {len(images)} images, "
        f"common component {100 * before[1]:.1f}% of the energy")
    info = {"classifier": args.classifier}
    if args.classifier == "standardize":
        mean, s = standardize_classifier(found, z, args.logit_std)
        if z.dim() == 2 and np.allclose(z.numpy(), logits, rtol=1e-5, atol=1e-5 * np.abs(logits).max()):
            after = logit_stats(((z - mean) * s).numpy())  # the classifier's output is the logits
        else:  # e.g. SqueezeNet: ReLU and pooling after the classifier conv
            after = logit_stats(eval_logits(model, images, args.batch))
        log(f"   classifier '{found[0]}' standardized (logit std {args.logit_std}): {after[0]} distinct top-1 "
            f"classes, common component {100 * after[1]:.1f}%")
        info.update(layer=found[0], logit_std=args.logit_std, distinct_top1_after=after[0],
                    common_energy_after=round(after[1], 6))
    info.update(distinct_top1_before=before[0], common_energy_before=round(before[1], 6))
    if args.noise_images:
        db = input_noise_sqnr(model, images[:args.noise_images], args.batch, args.seed)
        log(f"   float model, input rounded to an 8-bit grid: logit SQNR {db:.1f} dB "
            f"({min(args.noise_images, len(images))} images)")
        info.update(input_noise_logit_sqnr_db=round(db, 2))
    path = os.path.join(args.out, name + ".onnx")
    t1 = time.time()
    try:
        proto = export(model, path, args.resolution, args.opset, args.fold)
    except RuntimeError as e:
        raise RuntimeError(f"{name}: {e}") from None
    ops = collections.Counter(n.op_type for n in proto.graph.node)
    digest = sha256(path)
    log(f"   exported {path}: {os.path.getsize(path):,} B, {time.time() - t1:.1f} s, onnx.checker OK")
    log("   ops: " + ", ".join(f"{k} {v}" for k, v in sorted(ops.items(), key=lambda kv: (-kv[1], kv[0]))))
    short = resize_short(args.resolution)
    meta = {
        "name": name, "arch": arch, "opset": args.opset, "resolution": args.resolution,
        "export": "torch defaults (training=EVAL, do_constant_folding=True)" if args.fold else
                  "training=PRESERVE, do_constant_folding=False",
        "seed": args.seed, "threads": torch.get_num_threads(), "bn_images": len(files),
        "bn_first_images": files[:3],
        "convert_flags": ["--resize-short", str(short), "--crop", f"{args.resolution}x{args.resolution}",
                          "--mean", ",".join(map(str, MEAN)), "--std", ",".join(map(str, STD)),
                          "--channel-order", "RGB"],
        "params": params, "ops": dict(sorted(ops.items())), "bytes": os.path.getsize(path),
        "sha256": digest, "seconds": round(time.time() - t0, 1), "bn_seconds": round(t_bn, 1),
        "torch": torch.__version__, "torchvision": torchvision.__version__, **info,
    }
    with open(os.path.join(args.out, name + ".json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    log(f"   sha256 {digest[:16]}..., total {time.time() - t0:.1f} s")
    print(f"exported {path}", flush=True)


def main():
    args = parse_args()
    try:
        import torch
    except ImportError as e:
        die(f"torch is missing ({e}); use /usr/bin/python3 (Debian's python3-torch)")
    torch.set_num_threads(args.threads)
    import torchvision
    known = set(torchvision.models.list_models(module=torchvision.models)) | {"googlenet_ti"}
    for a in args.arch:  # every name is checked before the long work starts
        if a not in known:
            die(f"unknown architecture '{a}' (torchvision classification models: {', '.join(sorted(known))})")
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    files = image_list(args.data, args.seed, args.images)
    images = load_images(args.data, files, args.resolution)
    log(f"{PROG}: {len(args.arch)} architectures, opset {args.opset}, resolution {args.resolution}, "
        f"{len(files)} BN images from {args.data} ({time.time() - t0:.1f} s to load), out {args.out}")
    failed = []
    for arch in args.arch:
        try:
            do_model(arch, args, images, files)
        except RuntimeError as e:
            log(f"{PROG}: error: {e}")
            failed.append(arch)
    log(f"{PROG}: {len(args.arch) - len(failed)} of {len(args.arch)} exported in {time.time() - t0:.1f} s"
        + (f"; failed: {', '.join(failed)}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
