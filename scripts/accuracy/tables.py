#!/usr/bin/python3
"""Render the accuracy tables (Markdown) from scripts/accuracy.sh's outputs.

    tables.py OUT > OUT/tables.md

OUT/<model>/<group>.json are qrt-eval --json files of multi-model runs
(qrt_eval_multi.h: "models": [...]), <group>.csv their --per-image files,
<group>.cmd the qrt-eval command and <name>.cmd each conversion command.
Groups: bar (full test set: W8A8 guideline, W6A8 INT16 and INT32),
ablations (tables 1-5), plain16 (W6A8 with --emulate-plain-int16, no float
model: its agreement is computed here from the per-image top-1 of the
ablations run on the same images), seeds (table 6). A missing group gives a
"pending" line, never a number.
"""
import json
import math
import os
import statistics
import sys

OUT = sys.argv[1]
CIFAR = [("resnet", "ResNet-c10"), ("mbv2", "MBv2-c10")]
NOTES = open(os.path.join(OUT, "notes.txt")).read().splitlines() if os.path.exists(
    os.path.join(OUT, "notes.txt")) else []


def load(key, group):
    p = os.path.join(OUT, key, group + ".json")
    if not os.path.exists(p):
        return None
    j = json.load(open(p))
    if "models" not in j:  # single-model JSON: same numbers, other shape
        j = dict(j, models=[dict(j, qrt=j.get("qrt", ""))])
    j["by_name"] = {os.path.basename(m["qrt"])[:-4]: m for m in j["models"]}
    return j


def per_image(key, group):
    """{dataset index: (label, float_top1, [top1 per model], [hash per model])}, model names."""
    p = os.path.join(OUT, key, group + ".csv")
    if not os.path.exists(p):
        return None, []
    rows, names = {}, []
    for line in open(p):
        if line.startswith("# models:"):
            names = [os.path.basename(x.split("=", 1)[1])[:-4] for x in line.split()[2:]]
            continue
        if line.startswith("index,"):
            continue
        f = line.rstrip("\n").split(",")
        n = len(names)
        rows[int(f[0])] = (int(f[1]), int(f[2]), [int(f[3 + 2 * i]) for i in range(n)],
                           [f[4 + 2 * i] for i in range(n)])
    return rows, names


def cmd(key, name):
    p = os.path.join(OUT, key, name + ".cmd")
    return open(p).read().strip() if os.path.exists(p) else "(not run)"


def pct(x):
    return "-" if x is None else f"{x:.2f}"


def delta(a, b):
    return "-" if a is None or b is None else f"{a - b:+.2f}"


def images_of(j):
    return "pending" if j is None else f"{j['images']} images"


def row_cells(j, name):
    """float top-1, int8 top-1, delta, agreement of one .qrt in a run."""
    if j is None or name not in j["by_name"]:
        return ["pending"] * 4
    m = j["by_name"][name]
    return [pct(j["float_top1"]), pct(m["int8_top1"]), delta(m["int8_top1"], j["float_top1"]), pct(m["agreement"])]


def table(title, rows, groups, note=None):
    """rows: [(label, name)], groups: {key: json}; columns per CIFAR model."""
    out = [f"### {title}", ""]
    hdr = "| configuration |"
    sep = "|---|"
    for key, label in CIFAR:
        hdr += f" {label} float | {label} int8 | {label} Δ | {label} agree |"
        sep += "---:|---:|---:|---:|"
    out += [hdr, sep]
    for label, name in rows:
        cells = []
        for key, _ in CIFAR:
            cells += row_cells(groups.get(key), name)
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("Images: " + ", ".join(f"{lab} {images_of(groups.get(k))}" for k, lab in CIFAR) + ".")
    if note:
        out += ["", note]
    return out


def commands(key, names, group):
    """The conversion commands as one common part plus each row's own flags, then the qrt-eval command."""
    lines = ["```"]
    common = None
    for n in names:
        c = cmd(key, n)
        if " -o " not in c:
            lines.append(f"{n}: (not run)")
            continue
        head, rest = c.split(" -o ", 1)
        out_path, rest = rest.split(" ", 1)
        cut = rest.find(" --std ")
        pre, flags = (rest[:rest.index(" ", cut + 7)], rest[rest.index(" ", cut + 7):]) if cut >= 0 else ("", rest)
        flags = flags.replace(" -q", "").strip()
        if common is None:
            common = f"{head} -o {os.path.dirname(out_path)}/NAME.qrt {pre} -q"
            lines.insert(1, common)
        lines.append(f"  NAME={n}: {flags or '(defaults)'}")
    lines.append(cmd(key, group))
    lines.append("```")
    return lines


def main():
    out = []
    bar = {k: load(k, "bar") for k, _ in CIFAR}
    abl = {k: load(k, "ablations") for k, _ in CIFAR}
    seeds = {k: load(k, "seeds") for k, _ in CIFAR}
    mbv1 = load("mbv1", "bar")

    out += ["## Setup", ""]
    out += [f"- {n}" for n in NOTES]
    out += [""]

    # ---- the bar
    out += ["## The bar (full test set)", "",
            "| model | float top-1 | W8A8 guideline (KL T=1.3) | Δ | agree | W6A8 planned INT16 | Δ | agree "
            "| W6A8 INT32 | INT16 outputs bit-identical to INT32 | verdict |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for key, label in CIFAR:
        j = bar[key]
        if j is None:
            out.append(f"| {label} | pending |||||||||| pending |")
            continue
        g, i16, i32 = j["by_name"]["kl13"], j["by_name"]["w6a8"], j["by_name"]["w6a8_i32"]
        f = j["float_top1"]
        # w6a8_i32 is model 0 of the run: identity is counted against it.
        ident = i16["outputs_identical_to_first"]
        ok8 = f - g["int8_top1"] <= 0.1 + 1e-9
        ok6 = f - i16["int8_top1"] <= 0.3 + 1e-9 and ident == j["images"]
        verdict = ("W8A8 " + ("meets" if ok8 else "MISSES") + " <= 0.1; W6A8 " +
                   ("meets" if ok6 else "MISSES") + " <= 0.3 and identity")
        out.append(f"| {label} | {pct(f)} | {pct(g['int8_top1'])} | {delta(g['int8_top1'], f)} | "
                   f"{pct(g['agreement'])} | {pct(i16['int8_top1'])} | {delta(i16['int8_top1'], f)} | "
                   f"{pct(i16['agreement'])} | {pct(i32['int8_top1'])} | {ident} / {j['images']} | {verdict} |")
    out.append("")
    if mbv1:
        out += ["MobileNetV1 0.25 on the 1000 ImageNet-sample images (training-like images: agreement is the "
                "metric; calibrated on 200 of the same images):", "",
                "| configuration | float top-1 | int8 top-1 | Δ | agreement | outputs bit-identical to W6A8 INT32 |",
                "|---|---:|---:|---:|---:|---:|"]
        for label, name in [("W8A8 KL T=1.3 (guideline)", "kl13"), ("W8A8 KL T=1.0", "kl10"),
                            ("W8A8 MinMax", "minmax"), ("W6A8 planned INT16", "w6a8"), ("W6A8 INT32", "w6a8_i32"),
                            ("W6A8, depthwise convs at 8 bits (mixed)", "w6a8_dw8")]:
            m = mbv1["by_name"].get(name)
            if m is None:
                continue
            out.append(f"| {label} | {pct(mbv1['float_top1'])} | {pct(m['int8_top1'])} | "
                       f"{delta(m['int8_top1'], mbv1['float_top1'])} | {pct(m['agreement'])} | "
                       f"{m['outputs_identical_to_first']} / {mbv1['images']} |")
        out.append("")
    out += ["Commands (ResNet; MBv2 and MobileNetV1 the same with their model and folder):", ""]
    out += commands("resnet", ["kl13", "w6a8", "w6a8_i32"], "bar")
    if mbv1:
        out += commands("mbv1", ["kl13", "w6a8", "w6a8_i32", "kl10", "minmax", "w6a8_dw8"], "bar")
    out.append("")

    # ---- tables 1-5 (ablations run)
    out += ["## Ablations", ""]
    out += table("Table 1: KL tolerance T and MinMax (W8A8, per-channel weights, unsigned activations, float adds)",
                 [("KL T=1.0 (plain KL)", "kl10"), ("KL T=1.1", "kl11"), ("KL T=1.2", "kl12"),
                  ("KL T=1.3 (guideline)", "kl13"), ("KL T=1.5", "kl15"), ("KL T=2.0", "kl20"),
                  ("MinMax", "minmax")], abl)
    out += [""] + commands("resnet", ["kl10", "kl11", "kl12", "kl13", "kl15", "kl20", "minmax"], "ablations") + [""]
    out += table("Table 2: weight scales per channel vs per tensor at 8, 7, 6 bits (A8, KL T=1.3)",
                 [("W8 per-channel", "kl13"), ("W8 per-tensor", "pt8"), ("W7 per-channel", "pc7"),
                  ("W7 per-tensor", "pt7"), ("W6 per-channel", "w6a8"), ("W6 per-tensor", "pt6")], abl)
    out += [""] + commands("resnet", ["pt8", "pc7", "pt7", "w6a8", "pt6"], "ablations") + [""]
    out += table("Table 3: unsigned (U8 after ReLU/ReLU6) vs signed activations (W8A8, KL T=1.3)",
                 [("unsigned after ReLU (guideline)", "kl13"), ("signed everywhere", "signed")], abl)
    out += [""] + commands("resnet", ["signed"], "ablations") + [""]
    out += table("Table 4: float vs quantized residual adds (W8A8, KL T=1.3)",
                 [("float adds (guideline)", "kl13"), ("int8 adds", "qadds")], abl)
    out += [""] + commands("resnet", ["qadds"], "ablations") + [""]

    # ---- table 5: accumulators
    out += ["### Table 5: W6A8 accumulators: INT32, planned INT16, plain saturating INT16", "",
            "| model | images | float | INT32 | planned INT16 | INT16 = INT32 bit for bit | plain INT16 | "
            "plain agree | plain = INT32 top-1 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, label in CIFAR + [("mbv1", "MBv1 (ImageNet-sample)")]:
        base = abl.get(key) if key != "mbv1" else mbv1
        if base is None:
            out.append(f"| {label} | pending |||||||| ")
            continue
        i32, i16 = base["by_name"]["w6a8_i32"], base["by_name"]["w6a8"]
        rows, names = per_image(key, "ablations" if key != "mbv1" else "bar")
        prow, pnames = per_image(key, "plain16")
        ident = "-"
        plain_top1 = plain_agree = plain_same = "pending"
        if rows is not None:
            a, b = names.index("w6a8_i32"), names.index("w6a8")
            ident = f"{sum(r[3][a] == r[3][b] for r in rows.values())} / {len(rows)}"
            if prow is not None:
                if set(prow) != set(rows):
                    sys.exit(f"tables.py: {key}: plain16 and the reference run evaluated different images")
                lab = [r for i, r in prow.items() if r[0] >= 0]
                plain_top1 = pct(100.0 * sum(r[2][0] == r[0] for r in lab) / len(lab)) if lab else "-"
                plain_agree = pct(100.0 * sum(prow[i][2][0] == rows[i][1] for i in rows) / len(rows))
                plain_same = pct(100.0 * sum(prow[i][2][0] == rows[i][2][a] for i in rows) / len(rows))
        out.append(f"| {label} | {base['images']} | {pct(base['float_top1'])} | {pct(i32['int8_top1'])} | "
                   f"{pct(i16['int8_top1'])} | {ident} | {plain_top1} | {plain_agree} | {plain_same} |")
    out += ["", "Plain INT16: `qrt-eval --emulate-plain-int16` (every INT16 layer accumulates the whole dot "
            "product in one saturating int16, docs/accumulation.md); its agreement and top-1 come from the "
            "per-image CSVs (the emulation run skips the float model)."]
    out += [""] + commands("resnet", ["w6a8", "w6a8_i32"], "plain16") + [""]

    # ---- table 6: seeds
    out += ["### Table 6: guideline vs plain KL vs MinMax over 8 calibration subsets (200 train images, seeds 1..8)",
            "", "| method | " + " | ".join(f"{lab} int8 top-1 mean ± sd | {lab} min..max | {lab} agree mean ± sd"
                                          for _, lab in CIFAR) + " |",
            "|---|" + "---:|---:|---:|" * len(CIFAR)]
    for label, base in [("KL T=1.3 (guideline)", "kl13"), ("KL T=1.0 (plain KL)", "kl10"), ("MinMax", "minmax")]:
        cells = []
        for key, _ in CIFAR:
            j = seeds.get(key)
            names = [base] + [f"{base}_s{s}" for s in range(2, 9)]
            if j is None or any(n not in j["by_name"] for n in names):
                cells += ["pending"] * 3
                continue
            t = [j["by_name"][n]["int8_top1"] for n in names]
            a = [j["by_name"][n]["agreement"] for n in names]
            cells += [f"{statistics.mean(t):.2f} ± {statistics.stdev(t):.2f}", f"{min(t):.2f}..{max(t):.2f}",
                      f"{statistics.mean(a):.2f} ± {statistics.stdev(a):.2f}"]
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("Float top-1 on these images: " + ", ".join(
        f"{lab} {pct(seeds[k]['float_top1'])} ({seeds[k]['images']} images)" if seeds.get(k) else f"{lab} pending"
        for k, lab in CIFAR) + ". Sample standard deviation over the 8 seeds.")
    out += ["", "```", cmd("resnet", "kl13_s2"), cmd("resnet", "kl10_s2"), cmd("resnet", "minmax_s2"),
            "(seeds 3..8 the same with calib/seed<N>; seed 1 = the kl13, kl10, minmax rows above)",
            cmd("resnet", "seeds"), "```", ""]
    print("\n".join(out))


if __name__ == "__main__":
    main()
