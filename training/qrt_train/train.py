"""The QAT loop (method.md): start from the PTQ model, fixed weight
scales, weak augmentation, lr 5e-4 dropped to 1/5 halfway, 20 epochs.
--train-mode float: the same loop as a full-precision fine-tune (pruning's
step 2). --mask: pruned weights held at exactly 0 (prune.MaskKeeper).

Progress: a line every --log-every steps and one per epoch (loss, train and
test top-1 of the fake-quant model, time). Every epoch writes OUT/qat.ckpt
(model, optimizer, scheduler, epoch, random state) atomically; --resume
continues from it. At the end: OUT/qat_folded.onnx, OUT/qat_scales.json,
OUT/qat.txt (the command, numbers and timings).
"""

import collections
import hashlib
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

from . import data as D
from .export import deploy_command, export_folded_onnx, export_onnx, export_qdq_onnx, export_scales
from .network import QatNet
from .prune import MaskKeeper, load_masks
from .qrt_file import read_qrt


class UsageError(Exception):
    """A mistake in the command (e.g. --resume without a fitting checkpoint):
    the CLI prints it as one line and exits 2, no traceback."""


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run_identity(args, mode):
    """What a checkpoint must match to be resumed: the models by content
    (another path to the same bytes is fine), the start, the optimizer
    (its state's layout), the training mode and the mask."""
    mask = getattr(args, "mask", None)
    return {"qrt": args.qrt, "onnx": args.onnx, "init": args.init,
            "qrt_sha256": file_sha256(args.qrt), "onnx_sha256": file_sha256(args.onnx),
            "optimizer": args.optimizer, "train_mode": mode,
            "mask_sha256": file_sha256(mask) if mask else None,
            "distill_sha256": file_sha256(args.distill) if getattr(args, "distill", None) else None,
            "learn_ranges": bool(getattr(args, "learn_ranges", False))}


def check_resumable(saved, current, ckpt):
    """UsageError naming the first difference between a checkpoint's run
    identity and this command's (checkpoints from before the hashes were
    stored are compared by path)."""
    flags = {"qrt": "--qrt", "onnx": "--onnx", "init": "--init", "optimizer": "--optimizer",
             "train_mode": "--train-mode", "mask_sha256": "--mask", "learn_ranges": "--learn-ranges",
             "distill_sha256": "--distill"}
    for key, flag in flags.items():
        if key in ("qrt", "onnx") and f"{key}_sha256" in saved:
            if saved[f"{key}_sha256"] != current[f"{key}_sha256"]:
                raise UsageError(f"{ckpt} was trained from {flag} {saved[key]} (sha256 "
                                 f"{saved[key + '_sha256'][:12]}), not from {current[key]} (sha256 "
                                 f"{current[key + '_sha256'][:12]}): --resume needs the same model; "
                                 f"use another --out for a new run")
        elif key in saved and saved[key] != current[key]:
            hashed = key.endswith("_sha256")
            what = f"a different {flag} file" if hashed else f"{flag} {saved[key]}"
            now = "this one" if hashed else str(current[key])
            raise UsageError(f"{ckpt} was made with {what}, not {now}: --resume needs the same "
                             f"{flag}; use another --out for a new run")


def set_lr_schedule(opt, sched, args, milestones, epoch):
    """After loading a checkpoint: the lr schedule of THIS command (--lr,
    --lr-drop, --lr-drop-epoch / --epochs), at `epoch` epochs done, exactly
    as an uninterrupted run with these flags has it. The scheduler's state
    holds the milestones of the run that wrote it (a 1-epoch run: none),
    and the optimizer's state its lr, momentum and weight decay."""
    sched.milestones = collections.Counter(milestones)
    sched.base_lrs = [args.lr for _ in opt.param_groups]
    lr = args.lr
    for m in sorted(milestones):
        if m <= epoch:
            lr = lr * args.lr_drop
    for g in opt.param_groups:
        g["lr"] = lr
    sched._last_lr = [lr for _ in opt.param_groups]


def fmt_s(s):
    return f"{int(s) // 60}m{int(s) % 60:02d}s"


def pick_device(name):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


@torch.no_grad()
def evaluate(net, images, labels, preprocess, device, mode="fake", batch=500):
    """(correct, total, predictions) of top-1 over `images` in `mode`."""
    net.eval()
    preds = []
    for i in range(0, len(images), batch):
        x = D.to_input(images[i:i + batch], preprocess).to(device)
        preds.append(net(x, mode=mode).argmax(1).cpu())
    p = torch.cat(preds).numpy() if preds else np.zeros(0, np.int64)
    return int((p == labels[:len(p)]).sum()), len(p), p


def test_subset(x, y, n):
    """Every (len / n)-th test image, n of them (0: all). The archives are
    sorted by class, so the first n would be one or two classes."""
    if not n or n >= len(x):
        return x, y
    step = len(x) // n
    return x[::step][:n], y[::step][:n]


def build(args, device):
    import onnx
    qm = read_qrt(args.qrt)
    net = QatNet(qm, onnx.load(args.onnx), init=args.init,
                 learn_ranges=getattr(args, "learn_ranges", False)).to(device)
    return qm, net


def make_optimizer(args, net):
    params = list(net.parameters())
    if args.optimizer == "sgd":
        return torch.optim.SGD(params, lr=args.lr, momentum=args.momentum, nesterov=args.momentum > 0,
                               weight_decay=args.weight_decay)
    return torch.optim.Adam(params, lr=args.lr, weight_decay=args.weight_decay)


class DistillLoss:
    """(1 - a) * CE(student, labels) + a * T^2 * KL(softmax(teacher / T) ||
    softmax(student / T)) (Hinton et al. 2015): the float teacher's logits as
    soft targets keep the quantized student near the float function, where
    the labels alone let a short fine-tune drift."""

    def __init__(self, teacher, ce, weight, temperature):
        self.teacher, self.ce, self.a, self.t = teacher, ce, weight, temperature

    def __call__(self, out, yb, xb):
        with torch.no_grad():
            soft = torch.softmax(self.teacher(xb, mode="float") / self.t, dim=1)
        kl = nn.functional.kl_div(torch.log_softmax(out / self.t, dim=1), soft, reduction="batchmean")
        loss = self.a * self.t * self.t * kl
        if self.a < 1:
            loss = loss + (1 - self.a) * self.ce(out, yb)
        return loss


def check_distill_flags(args):
    if not getattr(args, "distill", None):
        return
    if not 0 <= args.distill_weight <= 1:
        raise UsageError(f"--distill-weight {args.distill_weight}: must be in [0, 1]")
    if not args.distill_temperature > 0:
        raise UsageError(f"--distill-temperature {args.distill_temperature}: must be > 0")
    if not os.path.isfile(args.distill):
        raise UsageError(f"--distill {args.distill}: no such file")


def make_teacher(args, qm, device):
    """The float teacher of --distill: the .qrt's graph with the teacher
    ONNX's weights (QatNet --init onnx, float mode, frozen)."""
    import onnx
    try:
        teacher = QatNet(qm, onnx.load(args.distill), init="onnx").to(device)
    except (ValueError, KeyError) as e:
        raise UsageError(f"--distill {args.distill}: does not fit the graph of {args.qrt} ({e})")
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


def train_step(net, opt, loss_fn, xb, yb, keeper=None):
    """One optimizer step in net.mode; with a MaskKeeper the pruned weights
    get zero gradients (its hook) and are set to 0 again after the step.
    loss_fn(out, labels, inputs)."""
    out = net(xb)
    loss = loss_fn(out, yb, xb)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if keeper is not None:
        keeper.reapply()
    if getattr(net, "learn_ranges", False):
        net.constrain_scales()
    return out, loss


def qat(args):
    check_distill_flags(args)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    device = pick_device(args.device)
    mode = getattr(args, "train_mode", "fake")
    os.makedirs(args.out, exist_ok=True)
    log_lines = ["command: /usr/bin/python3 -m qrt_train " + " ".join(sys.argv[1:])]

    def log(line):
        print(line, flush=True)
        log_lines.append(line)

    t_start = time.time()
    qm, net = build(args, device)
    pre = qm.preprocess
    train_x, train_y = D.load_split(args.dataset, "train", args.data, args.cache)
    test_x, test_y = D.load_split(args.dataset, "test", args.data, args.cache)
    test_x, test_y = test_subset(test_x, test_y, args.test_images)
    n_img = args.train_images or len(train_x)
    steps = (n_img + args.batch - 1) // args.batch
    log(f"{qm.path}: {len(net.layers)} conv/FC layers, W{qm.settings.get('weight_bits')}"
        f"A{qm.settings.get('activation_bits')} ({qm.settings.get('weight_method')}"
        f"{' + bias correction' if qm.settings.get('bias_correction') else ''}); "
        f"{n_img} train images/epoch, {len(test_x)} test images; device {device}, "
        f"{torch.get_num_threads()} threads")

    keeper = None
    if getattr(args, "mask", None):
        import onnx
        keeper = MaskKeeper(net, onnx.load(args.onnx), load_masks(args.mask))
        p_, n_ = keeper.pruned()
        log(f"mask {args.mask}: {p_}/{n_} weights ({100 * p_ / max(n_, 1):.2f}%) held at 0")
    opt = make_optimizer(args, net)
    drop_at = args.lr_drop_epoch if args.lr_drop_epoch is not None else args.epochs // 2
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[drop_at] if drop_at > 0 else [],
                                                 gamma=args.lr_drop)
    gen = torch.Generator().manual_seed(args.seed)
    ckpt = os.path.join(args.out, "qat.ckpt")
    first_epoch = 0
    ident = run_identity(args, mode)
    if args.resume:
        if not os.path.isfile(ckpt):
            raise UsageError(f"--resume: no checkpoint {ckpt} (qat writes it after every epoch into "
                             f"--out {args.out}); run without --resume to start")
        try:
            state = torch.load(ckpt, map_location=device)
        except Exception as e:
            raise UsageError(f"--resume: {ckpt} is not a readable qat checkpoint ({type(e).__name__}: {e})")
        if not isinstance(state, dict) or not {"model", "optimizer", "scheduler", "generator", "epoch",
                                               "args"} <= set(state):
            raise UsageError(f"--resume: {ckpt} is not a qat checkpoint")
        check_resumable(state["args"], ident, ckpt)
        if state["epoch"] > args.epochs:
            raise UsageError(f"--resume: {ckpt} is after epoch {state['epoch']}, beyond --epochs {args.epochs}")
        fresh = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
        try:
            net.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError) as e:
            raise UsageError(f"--resume: {ckpt} does not fit this model ({str(e).splitlines()[0]})")
        for g, f in zip(opt.param_groups, fresh):  # this command's --momentum, --weight-decay
            g.update(f)
        sched.load_state_dict(state["scheduler"])
        first_epoch = state["epoch"]
        set_lr_schedule(opt, sched, args, [drop_at] if drop_at > 0 else [], first_epoch)
        gen.set_state(state["generator"])
        if "torch_rng" in state:
            torch.set_rng_state(state["torch_rng"])
        if keeper is not None:
            keeper.reapply()
        log_lines = state["log"] + [f"resumed after epoch {first_epoch} from {ckpt}"]
        print(log_lines[-1], flush=True)
    else:
        c, n, _ = evaluate(net, test_x, test_y, pre, device, mode)
        what = ("the PTQ model as deployed" if mode == "fake" and args.init == "qrt" and keeper is None
                else f"{mode} mode, --init {args.init}{', masked' if keeper is not None else ''}")
        log(f"before training ({what}): test top-1 {100 * c / n:.2f}% ({c}/{n})")

    ce = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    loss_fn = lambda out, yb, xb: ce(out, yb)  # noqa: E731
    if getattr(args, "distill", None):
        teacher = make_teacher(args, qm, device)
        loss_fn = DistillLoss(teacher, ce, args.distill_weight, args.distill_temperature)
        c, n, _ = evaluate(teacher, test_x, test_y, pre, device, "float")
        log(f"distill from {args.distill} (weight {args.distill_weight}, T {args.distill_temperature}): "
            f"teacher float test top-1 {100 * c / n:.2f}% ({c}/{n})")
    t_train = time.time()
    for epoch in range(first_epoch, args.epochs):
        net.train()
        net.mode = mode
        t0 = time.time()
        perm = torch.randperm(len(train_x), generator=gen)[:n_img].numpy()
        loss_sum, correct, seen = 0.0, 0, 0
        for s in range(steps):
            idx = np.sort(perm[s * args.batch:(s + 1) * args.batch])
            xb = D.to_input(train_x[idx], pre)
            if args.augment:
                xb = D.augment(xb, args.dataset, gen)
            xb, yb = xb.to(device), torch.from_numpy(train_y[idx]).to(device)
            out, loss = train_step(net, opt, loss_fn, xb, yb, keeper)
            loss_sum += float(loss) * len(idx)
            correct += int((out.argmax(1) == yb).sum())
            seen += len(idx)
            if args.log_every and ((s + 1) % args.log_every == 0 or s + 1 == steps):
                el = time.time() - t0
                print(f"  epoch {epoch + 1}/{args.epochs} step {s + 1}/{steps} loss {loss_sum / seen:.4f} "
                      f"lr {sched.get_last_lr()[0]:.2e} {fmt_s(el)} (epoch ETA {fmt_s(el / (s + 1) * (steps - s - 1))})",
                      flush=True)
        sched.step()
        c, n, _ = evaluate(net, test_x, test_y, pre, device, mode)
        log(f"epoch {epoch + 1}/{args.epochs}: loss {loss_sum / seen:.4f} train {100 * correct / seen:.2f}% "
            f"test {100 * c / n:.2f}% ({c}/{n}) ({fmt_s(time.time() - t0)})")
        state = {"model": net.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                 "generator": gen.get_state(), "torch_rng": torch.get_rng_state(), "epoch": epoch + 1,
                 "log": log_lines, "args": ident}
        torch.save(state, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)
    train_s = time.time() - t_train

    net.eval()
    if args.exact_images and mode == "fake":
        k = min(args.exact_images, len(test_x))
        c_e, n_e, p_e = evaluate(net, test_x[:k], test_y[:k], pre, device, mode="exact")
        _, _, p_f = evaluate(net, test_x[:k], test_y[:k], pre, device, mode="fake")
        log(f"exact (runtime integers) on the first {k} of those test images: top-1 {100 * c_e / n_e:.2f}%, "
            f"fake-quant top-1 agrees on {int((p_e == p_f).sum())}/{k}")
    onnx_path = os.path.join(args.out, "qat_folded.onnx")
    export_folded_onnx(net, __import__("onnx").load(args.onnx), onnx_path)
    export_scales(net, os.path.join(args.out, "qat_scales.json"))
    if mode == "fake":
        qdq_path = os.path.join(args.out, "qat_qdq.onnx")
        export_qdq_onnx(net, __import__("onnx").load(args.onnx), qdq_path)
        onnx_path += ", qat_qdq.onnx"
        log("deploy: " + " ".join(deploy_command(qm, qdq_path, os.path.join(args.out, "qat.qrt"))))
    if mode == "float":
        export_onnx(net, __import__("onnx").load(args.onnx), os.path.join(args.out, "finetuned.onnx"))
        onnx_path += " and finetuned.onnx (BN kept, the ONNX model's names)"
    log(f"wrote {onnx_path} and qat_scales.json; training {fmt_s(train_s)}, total {fmt_s(time.time() - t_start)}, "
        f"torch {torch.__version__}")
    with open(os.path.join(args.out, "qat.txt"), "w") as f:
        f.write("\n".join(log_lines) + "\n")


def export_cmd(args):
    """qrt_train export: the QDQ model of a .qrt (PTQ) or of a checkpoint."""
    device = torch.device("cpu")
    qm, net = build(args, device)
    if args.checkpoint:
        net.load_state_dict(torch.load(args.checkpoint, map_location=device)["model"])
    net.eval()
    export_qdq_onnx(net, __import__("onnx").load(args.onnx), args.out)
    print(f"wrote {args.out}; deploy with:")
    print(" ".join(deploy_command(qm, args.out, os.path.splitext(args.out)[0] + ".qrt")))


def evaluate_cmd(args):
    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    device = pick_device(args.device)
    qm, net = build(args, device)
    if args.checkpoint:
        net.load_state_dict(torch.load(args.checkpoint, map_location=device)["model"])
    x, y = D.load_split(args.dataset, "test", args.data, args.cache)
    x, y = test_subset(x, y, args.test_images)
    t0 = time.time()
    c, n, p = evaluate(net, x, y, qm.preprocess, device, mode=args.mode)
    print(f"{args.mode}: test top-1 {100 * c / n:.2f}% ({c}/{n}) in {fmt_s(time.time() - t0)}")
    if args.agree:
        c2, _, p2 = evaluate(net, x, y, qm.preprocess, device, mode=args.agree)
        print(f"{args.agree}: test top-1 {100 * c2 / n:.2f}% ({c2}/{n}); top-1 agreement {args.mode} / "
              f"{args.agree}: {100 * float((p == p2).mean()):.2f}% ({int((p == p2).sum())}/{n})")
