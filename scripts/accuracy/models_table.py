#!/usr/bin/python3
"""The model-coverage table of issue 12: converts and evaluates every exported model.

For each NAME.onnx in --models (default build/models/torchvision, written by
scripts/models/export_torchvision.py; its NAME.json gives the preprocessing):
1. qrt-convert at W8A8 and at W6A8 (`--weight-bits 6`), calibrated on
   --calib N images (default 50, `--calib-seed 1`) of the CALIBRATION half of
   the ImageNet sample (the even lines of labels.txt, 0-based; the half the
   exporter's BN pass drew from), with the model's preprocessing:
   `--resize-short S --crop RxR --mean 0.485,0.456,0.406 --std
   0.229,0.224,0.225 --channel-order RGB` (S = 256 at R = 224; docs/converter.md).
   A failure records the first error line qrt-convert printed.
2. qrt-eval --per-layer on --eval N images (default 100) of the EVALUATION
   half (the odd lines; every K-th so they cover the classes; never seen by
   the exporter or the calibration): the logit SQNR is the per-layer row of
   the model output `logits` (int8 runtime against the float executor,
   docs/evaluation.md), and the top-1 agreement is qrt-eval's float/int8
   `agreement`. The "float ceiling" column is the exporter's
   input_noise_logit_sqnr_db (NAME.json): the float model's logit SQNR when
   only its input is rounded to an 8-bit grid.
3. With --qemu K: bit identity of the aarch64 build against the host. The
   host reference (build/host/tests/e2e/qrt_e2e_reference: the .qrt on the
   pure reference kernels) on K evaluation images (raw HWC u8 at the model's
   crop), then the cross-built e2e_test's "model from QRT_E2E_MODEL" case
   under qemu-aarch64 on -cpu cortex-a53 and -cpu max: every kernel path
   the CPU has (default, ref, neon, neondot, i8mm), 1 thread and
   --qemu-threads (default 2), must reproduce the reference bit for bit
   (docs/runtime.md "Bigger models"). Both W8A8 and W6A8.

Models trained on CIFAR-10 (scripts/models/train_torchvision_cifar10.py;
NAME.json says "dataset": "cifar10"): calibrated on --calib images of the
CIFAR-10 training archive (`--calib-cifar10 ... --calib-seed 1`), evaluated
on every K-th image of the 10,000-image test archive (--eval of them, all
ten classes), the qemu check on test images too; same columns.

Writes the Markdown table to stdout and to --md (default OUT/models_table.md),
every number to OUT/models_table.json, logs to OUT/logs/. --render A.json
B.json prints the table of several runs (run nothing; one table per setting). Exits 0 when the
table was made (whatever converted); 1 on a setup error (missing tool, data
or model), naming it. Wall times are per model (both conversions, both
evaluations, the qemu runs).

Usage:
  /usr/bin/python3 scripts/accuracy/models_table.py [--models DIR] [--out DIR] [--build DIR]
      [--only NAME,...] [--calib N] [--eval N] [--qemu K] [--arm64-build DIR] [--timeout S]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROG = "models_table.py"
DEFAULT_FLAGS = ["--resize-short", "256", "--crop", "224x224", "--mean", "0.485,0.456,0.406",
                 "--std", "0.229,0.224,0.225", "--channel-order", "RGB"]
CIFAR10_TEST_IMAGES = 10000
MODES = [("w8a8", ["--weight-bits", "8"]), ("w6a8", ["--weight-bits", "6"])]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def die(msg):
    print(f"{PROG}: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default="build/models/torchvision", help="folder of NAME.onnx (+ NAME.json)")
    p.add_argument("--only", default="", help="comma-separated model names (file names without .onnx)")
    p.add_argument("--out", default="build/models/table", help="output folder (default build/models/table)")
    p.add_argument("--md", default=None, help="Markdown table file (default OUT/models_table.md)")
    p.add_argument("--build", default="build/host", help="host build with qrt-convert, qrt-eval")
    p.add_argument("--shared", default=os.environ.get("QRT_SHARED") or "../shared",
                   help="shared folder (default $QRT_SHARED or ../shared beside the checkout)")
    p.add_argument("--calib", type=int, default=50, help="calibration images (default 50)")
    p.add_argument("--eval", type=int, default=100, help="evaluation images (default 100)")
    p.add_argument("--qemu", type=int, default=0, metavar="K",
                   help="also check the aarch64 build under qemu on K images (default 0: off)")
    p.add_argument("--qemu-threads", type=int, default=2, help="second thread count of the qemu check")
    p.add_argument("--arm64-build", default="build/arm64", help="cross build with tests/e2e/e2e_test")
    p.add_argument("--weights", default="mse", choices=["mse", "minmax", "gptq"],
                   help="qrt-convert --weights (default mse: gptq, the converter's default, costs "
                        "minutes per large layer, e.g. VGG's 25088-input FC)")
    p.add_argument("--timeout", type=int, default=1800, help="seconds per tool run (default 1800)")
    p.add_argument("--render", nargs="+", metavar="JSON", default=None,
                   help="run nothing: print the table of these models_table.json files (rows in order)")
    return p.parse_args()


def halves(inet, out):
    """OUT/data/{calib,eval}: labels.txt and symlinks for the even / odd lines."""
    labels = os.path.join(inet, "labels.txt")
    if not os.path.isfile(labels):
        die(f"'{labels}' is missing: the ImageNet sample (set QRT_SHARED or --shared)")
    with open(labels) as f:
        rows = [line.rstrip("\n") for line in f if line.strip()]
    dirs = {}
    for part, parity in (("calib", 0), ("eval", 1)):
        d = os.path.join(out, "data", part)
        os.makedirs(d, exist_ok=True)
        keep = rows[parity::2]
        for row in keep:
            name = row.split("\t")[0]
            link = os.path.join(d, name)
            if not os.path.lexists(link):
                os.symlink(os.path.abspath(os.path.join(inet, name)), link)
        with open(os.path.join(d, "labels.txt"), "w") as f:
            f.write("\n".join(keep) + "\n")
        dirs[part] = (d, keep)
    return dirs


def run(cmd, logfile, timeout, env=None):
    t0 = time.time()
    with open(logfile, "w") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        try:
            rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=timeout,
                                env=env).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    return rc, time.time() - t0


def first_error(logfile):
    """The first line naming an error, without the tool/file prefix and the list of supported ops."""
    with open(logfile) as f:
        lines = [ln.strip() for ln in f.read().splitlines()[1:] if ln.strip()]
    line = next((ln for ln in lines if "error" in ln.lower()), lines[-1] if lines else "(no output)")
    line = re.sub(r"^[\w.-]+: error: (\S+\.(onnx|qrt): )?", "", line)
    return line.split(". Supported operators")[0]


def logits_row(j):
    layers = j.get("layers") or []
    for row in layers:
        if row.get("name") == "logits":
            return row
    return layers[-1] if layers else None


def write_pixels(files, folder, res, short, path):
    """Raw HWC u8 pixels as the converter preprocesses them (resize short side, centre crop)."""
    from PIL import Image
    import numpy as np
    with open(path, "wb") as out:
        for name in files:
            with Image.open(os.path.join(folder, name)) as im:
                im = im.convert("RGB")
                w, h = im.size
                if min(w, h) != short:
                    s = short / min(w, h)
                    im = im.resize((max(short, round(w * s)), max(short, round(h * s))), Image.BILINEAR)
                a = np.asarray(im, dtype=np.uint8)
            top, left = (a.shape[0] - res) // 2, (a.shape[1] - res) // 2
            out.write(np.ascontiguousarray(a[top:top + res, left:left + res]).tobytes())


def write_cifar10_pixels(args, indices, res, path):
    """Raw HWC u8 pixels of CIFAR-10 test images (sorted archive order, as
    qrt-eval reads them), resized to res x res (PIL bilinear) where res != 32."""
    from PIL import Image
    import numpy as np
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import train_cifar10
    images, _ = train_cifar10.load_split(os.path.join(args.shared, "data", "cifar10"), "test",
                                         os.path.join(ROOT, "build", "cifar10-cache"))
    with open(path, "wb") as out:
        for i in indices:
            a = images[i]
            if res != 32:
                a = np.asarray(Image.fromarray(a).resize((res, res), Image.BILINEAR), dtype=np.uint8)
            out.write(np.ascontiguousarray(a).tobytes())


def qemu_check(args, name, mode, qrt, meta, evaldir, evalfiles, logs):
    ref_tool = os.path.join(args.build, "tests", "e2e", "qrt_e2e_reference")
    e2e = os.path.join(args.arm64_build, "tests", "e2e", "e2e_test")
    res = meta.get("resolution", 224)
    if meta.get("dataset") == "cifar10":
        files = list(range(0, CIFAR10_TEST_IMAGES, max(1, CIFAR10_TEST_IMAGES // args.qemu)))[:args.qemu]
    else:
        step = max(1, len(evalfiles) // args.qemu)
        files = [row.split("\t")[0] for row in evalfiles[::step][:args.qemu]]
    pix = os.path.join(os.path.dirname(qrt), f"{name}_r{res}_{len(files)}.u8")
    if not os.path.exists(pix):
        if meta.get("dataset") == "cifar10":
            write_cifar10_pixels(args, files, res, pix)
        else:
            write_pixels(files, evaldir, res, int(round(res * 256 / 224)), pix)
    ref = qrt[:-4] + ".ref"
    rc, _ = run([ref_tool, qrt, ref, "file", os.path.basename(pix), str(len(files))],
                os.path.join(logs, f"{name}_{mode}_ref.log"), args.timeout)
    if rc != 0:
        return "host reference failed: " + first_error(os.path.join(logs, f"{name}_{mode}_ref.log"))
    sysroot = os.path.join(ROOT, ".deps", "arm64-sysroot", "usr", "lib", "aarch64-linux-gnu")
    env = dict(os.environ, QRT_E2E_MODEL=os.path.abspath(qrt), QRT_E2E_REFERENCE=os.path.abspath(ref),
               QRT_E2E_THREADS=str(args.qemu_threads))
    out = []
    for cpu in ("cortex-a53", "max"):
        lf = os.path.join(logs, f"{name}_{mode}_qemu_{cpu}.log")
        rc, secs = run(["qemu-aarch64", "-cpu", cpu, "-L", "/usr/aarch64-linux-gnu", "-E",
                        f"LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:{sysroot}", e2e, "model from*"],
                       lf, args.timeout, env)
        with open(lf) as f:
            text = f.read()
        m = re.search(r"(\d+) assertions? in 1 test case", text) or re.search(r"assertions:\s+(\d+)", text)
        ran = "All tests passed" in text and "not set: skipped" not in text
        if rc == 0 and ran:
            out.append(f"{cpu} ok ({len(files)} img{', ' + m.group(1) + ' assertions' if m else ''}, {secs:.0f} s)")
        else:
            out.append(f"{cpu} FAIL (rc {rc}, {os.path.basename(lf)})")
    return "; ".join(out)


def do_model(args, name, onnx, dirs, logs, qrts):
    meta_path = onnx[:-5] + ".json"
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {}
    flags = meta.get("convert_flags", DEFAULT_FLAGS)
    conv = os.path.join(args.build, "converter", "driver", "qrt-convert")
    evl = os.path.join(args.build, "eval", "qrt-eval")
    if meta.get("dataset") == "cifar10":  # train_torchvision_cifar10.py's models
        c10 = os.path.join(args.shared, "data", "cifar10")
        calib_src = ["--calib-cifar10", os.path.join(c10, "train_jpg.tar.gz")]
        eval_src = ["--cifar10", os.path.join(c10, "test_jpg.tar.gz")]
        stride = max(1, CIFAR10_TEST_IMAGES // max(1, args.eval))
    else:
        calibdir, _ = dirs["calib"]
        evaldir, evalfiles = dirs["eval"]
        calib_src, eval_src = ["--calib-images", calibdir], ["--images", evaldir]
        stride = max(1, len(evalfiles) // max(1, args.eval))
    row = {"model": name, "arch": meta.get("arch", name), "opset": meta.get("opset"),
           "dataset": meta.get("dataset", "imagenet-sample"), "float_test_top1": meta.get("float_test_top1"),
           "resolution": meta.get("resolution"), "ops": meta.get("ops"),
           "input_noise_logit_sqnr_db": meta.get("input_noise_logit_sqnr_db"), "modes": {}}
    t0 = time.time()
    for mode, mflags in MODES:
        r = row["modes"][mode] = {}
        qrt = os.path.join(qrts, f"{name}_{mode}.qrt")
        if os.path.exists(qrt):
            os.remove(qrt)
        lf = os.path.join(logs, f"{name}_{mode}_convert.log")
        log(f"   {mode}: qrt-convert ...")
        rc, secs = run([conv, onnx, "-o", qrt] + calib_src + ["--calib-seed", "1",
                        "--num-images", str(args.calib), "--weights", args.weights] + flags + mflags, lf, args.timeout)
        r["convert_s"] = round(secs, 1)
        if rc != 0 or not os.path.exists(qrt):
            r["converts"] = False
            r["error"] = first_error(lf)
            log(f"   {mode}: does not convert ({secs:.0f} s): {r['error']}")
            continue
        r["converts"] = True
        r["bytes"] = os.path.getsize(qrt)
        lf = os.path.join(logs, f"{name}_{mode}_eval.log")
        js = os.path.join(logs, f"{name}_{mode}_eval.json")
        log(f"   {mode}: converted ({secs:.0f} s), qrt-eval on {args.eval} images ...")
        rc, secs = run([evl, "--onnx", onnx, "--qrt", qrt] + eval_src + ["--stride", str(stride),
                        "--limit", str(args.eval), "--per-layer", "-q", "--json", js], lf, args.timeout)
        r["eval_s"] = round(secs, 1)
        if rc != 0:
            r["eval_error"] = first_error(lf)
            log(f"   {mode}: qrt-eval failed: {r['eval_error']}")
            continue
        j = json.load(open(js))
        lr = logits_row(j)
        r.update(images=j["images"], agreement=j["agreement"], float_top1=j["float_top1"],
                 int8_top1=j["int8_top1"], logit_tensor=lr and lr.get("name"),
                 logit_sqnr=lr and lr.get("sqnr_db"),
                 lowest=j.get("lowest_sqnr", [{}])[0] if j.get("lowest_sqnr") else None)
        log(f"   {mode}: logit SQNR {fmt_db(r['logit_sqnr'])} dB, agreement {r['agreement']:.0f}% ({secs:.0f} s)")
        if args.qemu:
            r["qemu"] = qemu_check(args, name, mode, qrt, meta, evaldir, evalfiles, logs)
            log(f"   {mode}: qemu: {r['qemu']}")
    row["wall_s"] = round(time.time() - t0, 1)
    return row


def fmt_db(v):
    return "inf" if v is None else f"{v:.1f}"


def cell(s, n=110):
    s = str(s).replace("|", "/")
    return s if len(s) <= n else s[:n - 3] + "..."


def markdown(rows, args):
    head = ["model", "opset", "converts", "float ceiling", "logit SQNR W8A8", "logit SQNR W6A8",
            "top-1 agree W8A8", "top-1 agree W6A8", "wall"]
    if args.qemu:
        head.insert(-1, "qemu a53 / max = host")
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        m8, m6 = r["modes"]["w8a8"], r["modes"]["w6a8"]
        if m8.get("converts") and m6.get("converts"):
            conv = "yes"
        elif not m8.get("converts") and not m6.get("converts") and m8.get("error") == m6.get("error"):
            conv = "no: " + cell(m8.get("error"))
        else:
            conv = "; ".join(f"{k.upper()} " + ("yes" if v.get("converts") else "no: " + cell(v.get("error"), 80))
                             for k, v in (("w8a8", m8), ("w6a8", m6)))

        def num(m, key, f):
            if not m.get("converts"):
                return "-"
            if "eval_error" in m:
                return "eval failed"
            return f(m.get(key))
        ceiling = r.get("input_noise_logit_sqnr_db")
        cells = [r["model"], str(r.get("opset") or "?"), conv, "?" if ceiling is None else f"{ceiling:.1f}",
                 num(m8, "logit_sqnr", fmt_db), num(m6, "logit_sqnr", fmt_db),
                 num(m8, "agreement", lambda v: f"{v:.0f}%"), num(m6, "agreement", lambda v: f"{v:.0f}%")]
        if args.qemu:
            q = [m.get("qemu", "-") for m in (m8, m6)]
            cells.append(cell(" / ".join(q), 160))
        cells.append(f"{r['wall_s']:.0f} s")
        out.append("| " + " | ".join(cells) + " |")
    ok = sum(1 for r in rows if all(m.get("converts") for m in r["modes"].values()))
    out.append("")
    out.append("Logit SQNR in dB against the float model (qrt-eval --per-layer, row `logits`); float ceiling: "
               "the float model's logit SQNR with only its input rounded to an 8-bit grid "
               "(export_torchvision.py, NAME.json).")
    if all(r.get("dataset") == "cifar10" for r in rows):
        data = (f"{args.calib} calibration images (CIFAR-10 training archive, seed 1), `--weights {args.weights}`, "
                f"{args.eval} evaluation images (every {CIFAR10_TEST_IMAGES // max(1, args.eval)}th of the test archive)")
    else:
        data = (f"{args.calib} calibration images (even half of imagenet-sample, seed 1), `--weights {args.weights}`, "
                f"{args.eval} evaluation images (odd half; CIFAR-10 models: the CIFAR-10 archives)")
    out.append(f"{ok} of {len(rows)} models convert at W8A8 and W6A8; {data}.")
    return "\n".join(out) + "\n"


def settings(args):
    return {"calib": args.calib, "eval": args.eval, "weights": args.weights, "qemu": args.qemu}


def render(args):
    """The table of earlier runs (e.g. a model list split over runs); one
    table per distinct setting (image counts, weights, qemu)."""
    groups = []  # [(settings, rows)] in first-seen order
    for path in args.render:
        try:
            j = json.load(open(path))
        except (OSError, ValueError) as e:
            die(f"cannot read '{path}': {e}")
        s = j.get("settings", settings(args)) if isinstance(j, dict) else settings(args)
        rows = j["rows"] if isinstance(j, dict) else j
        for r in rows:  # a run from before the exporter recorded it: the model's NAME.json now
            meta = os.path.join(args.models, r["model"] + ".json")
            if r.get("input_noise_logit_sqnr_db") is None and os.path.exists(meta):
                r["input_noise_logit_sqnr_db"] = json.load(open(meta)).get("input_noise_logit_sqnr_db")
        for g in groups:
            if g[0] == s:
                g[1].extend(rows)
                break
        else:
            groups.append((s, list(rows)))
    out = []
    for s, rows in groups:
        for k, v in s.items():
            setattr(args, k, v)
        out.append(markdown(rows, args))
    sys.stdout.write("\n".join(out))


def main():
    args = parse_args()
    if args.render:
        render(args)
        return
    os.chdir(ROOT)  # relative paths (build/, ../shared) are the checkout's
    for tool in (os.path.join(args.build, "converter", "driver", "qrt-convert"),
                 os.path.join(args.build, "eval", "qrt-eval")):
        if not os.access(tool, os.X_OK):
            die(f"{tool} is not built (cmake --build {args.build} --target qrt-convert qrt-eval)")
    if args.qemu:
        for tool in (os.path.join(args.build, "tests", "e2e", "qrt_e2e_reference"),
                     os.path.join(args.arm64_build, "tests", "e2e", "e2e_test")):
            if not os.access(tool, os.X_OK):
                die(f"--qemu: {tool} is not built (host: --target qrt_e2e_reference; "
                    f"cross build: --target e2e_test, docs/building.md)")
    if not os.path.isdir(args.models):
        die(f"'{args.models}' is missing: run /usr/bin/python3 scripts/models/export_torchvision.py")
    names = sorted(f[:-5] for f in os.listdir(args.models) if f.endswith(".onnx"))
    if args.only:
        want = [n for n in args.only.split(",") if n]
        for n in want:
            if n not in names:
                die(f"no model '{n}.onnx' in '{args.models}'")
        names = want
    if not names:
        die(f"no .onnx files in '{args.models}': run scripts/models/export_torchvision.py")
    dirs = halves(os.path.join(args.shared, "data", "imagenet-sample"), args.out)
    logs = os.path.join(args.out, "logs")
    qrts = os.path.join(args.out, "qrt")
    os.makedirs(logs, exist_ok=True)
    os.makedirs(qrts, exist_ok=True)
    rows = []
    t0 = time.time()
    for i, name in enumerate(names):
        log(f"== [{i + 1}/{len(names)}] {name}")
        rows.append(do_model(args, name, os.path.join(args.models, name + ".onnx"), dirs, logs, qrts))
        with open(os.path.join(args.out, "models_table.json"), "w") as f:
            json.dump({"settings": settings(args), "rows": rows}, f, indent=1)
    md = markdown(rows, args)
    md += f"Total wall time {time.time() - t0:.0f} s.\n"
    with open(args.md or os.path.join(args.out, "models_table.md"), "w") as f:
        f.write(md)
    sys.stdout.write(md)


if __name__ == "__main__":
    main()
