"""qrt_train command line: /usr/bin/python3 -m qrt_train {qat,eval,inspect,prune} ...
(run from training/, or with training/ on PYTHONPATH). training/README.md."""

import argparse
import sys

from . import data as D


def common(p, need_onnx=True):
    p.add_argument("--qrt", required=True, help="the PTQ model from qrt-convert (fixed scales, starting point)")
    p.add_argument("--onnx", required=need_onnx, help="the float ONNX model the .qrt was converted from")
    p.add_argument("--dataset", choices=D.DATASETS, default="cifar10")
    p.add_argument("--data", default=None, help="dataset folder (default: ../shared/data/cifar10, "
                   "/usr/share/datasets/fashion-mnist)")
    p.add_argument("--cache", default=None, help="decoded-image cache folder (default build/qrt_train-cache)")
    p.add_argument("--init", choices=("qrt", "onnx"), default="qrt",
                   help="start from the .qrt's weights and biases (default) or the ONNX float weights")
    p.add_argument("--test-images", type=int, default=0, help="N test images, every (10000 / N)-th (0 = all)")
    p.add_argument("--threads", type=int, default=0, help="torch threads (default: every core)")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:1 ...")
    p.add_argument("--learn-ranges", action="store_true",
                   help="learn the activation scales too (one log-scale parameter per int8 tensor, LSQ-style "
                        "gradients through the fake quantization); default: the .qrt's scales stay fixed. "
                        "eval/export of a checkpoint trained with it need it too")


def main(argv=None):
    p = argparse.ArgumentParser(prog="qrt_train", description="quantization-aware training for qrt")
    sub = p.add_subparsers(dest="cmd", required=True)

    q = sub.add_parser("qat", help="QAT from a .qrt (PTQ) and its ONNX model")
    common(q)
    q.add_argument("--out", required=True, help="output folder (checkpoint, ONNX, scales, log)")
    q.add_argument("--epochs", type=int, default=20)
    q.add_argument("--batch", type=int, default=128)
    q.add_argument("--lr", type=float, default=5e-4)
    q.add_argument("--lr-drop", type=float, default=0.2, help="lr factor at --lr-drop-epoch (paper: 1/5)")
    q.add_argument("--lr-drop-epoch", type=int, default=None, help="default: epochs / 2 (paper: 10 of 20)")
    q.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
    q.add_argument("--momentum", type=float, default=0.9)
    q.add_argument("--weight-decay", type=float, default=0.0)
    q.add_argument("--no-augment", dest="augment", action="store_false", help="no random crop / flip")
    q.add_argument("--label-smoothing", type=float, default=0.0,
                   help="cross-entropy label smoothing; use the float model's own (the project's CIFAR-10 models "
                        "were trained with 0.1, scripts/train_cifar10.py)")
    q.add_argument("--distill", default=None, metavar="ONNX",
                   help="knowledge distillation: a float ONNX teacher with the same graph (usually the float "
                        "model itself; for a pruned model, the unpruned one); its logits are the soft targets")
    q.add_argument("--distill-weight", type=float, default=1.0,
                   help="with --distill: loss = (1 - a) * cross-entropy + a * T^2 * KL(teacher || student), a in [0, 1]")
    q.add_argument("--distill-temperature", type=float, default=1.0, help="with --distill: T > 0")
    q.add_argument("--train-images", type=int, default=0, help="random N training images per epoch (0 = all)")
    q.add_argument("--exact-images", type=int, default=500,
                   help="at the end, evaluate the first N test images with the runtime's integers too")
    q.add_argument("--log-every", type=int, default=50, help="progress line every N steps (0: per epoch only)")
    q.add_argument("--seed", type=int, default=1)
    q.add_argument("--resume", action="store_true", help="continue from OUT/qat.ckpt")
    q.add_argument("--mask", default=None,
                   help="a mask .npz from `prune` (ONNX initializer name -> kept): the pruned weights "
                        "get zero gradients and are set to 0 after every optimizer step")
    q.add_argument("--train-mode", choices=("fake", "float"), default="fake",
                   help="fake: QAT (default); float: full-precision fine-tune (the .qrt gives only the "
                        "graph; use --init onnx), also writes OUT/finetuned.onnx with BN kept")

    e = sub.add_parser("eval", help="top-1 of a .qrt's QatNet (exact = the runtime's integers)")
    common(e)
    e.add_argument("--mode", choices=("exact", "fake", "float"), default="exact")
    e.add_argument("--checkpoint", default=None, help="a qat.ckpt to load the trained parameters from")
    e.add_argument("--agree", choices=("exact", "fake", "float"), default=None,
                   help="also evaluate in this mode and print the top-1 agreement of the two (e.g. --mode exact "
                        "--agree fake: the deployed integers against the fake-quant model)")

    x = sub.add_parser("export", help="the QDQ ONNX model (fixed scales) of a .qrt or of a QAT checkpoint, "
                       "for qrt-convert")
    common(x)
    x.add_argument("--checkpoint", default=None, help="a qat.ckpt (default: the .qrt's own PTQ weights)")
    x.add_argument("-o", "--out", required=True, help="the QDQ .onnx file to write")

    r = sub.add_parser("prune", help="unstructured magnitude pruning of a float ONNX model's Conv/Gemm weights")
    r.add_argument("onnx", help="the float ONNX model")
    r.add_argument("--sparsity", type=float, required=True, help="fraction of weights set to 0, 0 <= s < 1")
    r.add_argument("--scope", choices=("layer", "global"), default="layer",
                   help="layer: every weight tensor gets the sparsity (default); global: one |w| "
                        "threshold over all of them")
    r.add_argument("-o", "--out", required=True, help="the pruned ONNX model")
    r.add_argument("--mask", default=None, help="mask .npz (default: OUT without .onnx + _mask.npz)")

    i = sub.add_parser("inspect", help="print a .qrt's activation and weight quantization by ONNX name")
    i.add_argument("qrt")

    args = p.parse_args(argv)
    if args.cmd == "prune":
        from .prune import prune_cmd
        prune_cmd(args)
        return 0
    if args.cmd == "inspect":
        from .qrt_file import read_qrt
        qm = read_qrt(args.qrt)
        print(f"# {args.qrt}: settings {qm.settings}")
        print("# activations: ONNX tensor, dtype, bits, scale")
        for name, a in qm.activation_quant().items():
            print(f"{name}\t{a['dtype']}\t{a['bits']}\t{a['scale']:.9g}")
        print("# weights: ONNX initializer, node, bits, BN folded, per-channel scales (first 4)")
        for name, w in qm.weight_quant().items():
            print(f"{name}\t{w['node']}\t{w['bits']}\t{w['bn_folded']}\t"
                  + " ".join(f"{s:.6g}" for s in w["scales"][:4]))
        return 0
    from . import train
    try:
        if args.cmd == "qat":
            train.qat(args)
        elif args.cmd == "export":
            train.export_cmd(args)
        else:
            train.evaluate_cmd(args)
    except train.UsageError as e:
        print(f"qrt_train {args.cmd}: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
