#!/usr/bin/python3
"""Extract seeded calibration subsets of a CIFAR-10 JPEG archive into folders.

    calib_subset.py ARCHIVE OUTDIR --count 200 --seeds 1,2,3   ->  OUTDIR/seed1, OUTDIR/seed2, ...

The draw is qrt's own (converter/data/subset.cc select_subset): the image entries
of the archive sorted by path, a splitmix64 generator seeded with SEED and a
partial Fisher-Yates shuffle, the chosen indices in ascending order. So the
same seed gives the same images here, in qrt-convert and on any platform.
Each OUTDIR/seed<S> gets the files as NNNNN_<class>_<name>.jpg (NNNNN =
index in the sorted archive) and labels.txt (file<TAB>class index), which
is the order qrt-convert --calib-images reads them in. A folder whose
labels.txt already lists the same draw is left alone (cheap reruns). The
archive is read once for all seeds.
"""
import argparse
import os
import sys
import tarfile

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
M64 = (1 << 64) - 1
EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".ppm")


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & M64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def below(self, n):  # uniform in [0, n) by rejection, as dataset.cc
        limit = M64 - M64 % n
        while True:
            v = self.next()
            if v < limit:
                return v % n


def select_subset(total, count, seed):
    n = total if count == 0 else min(count, total)
    perm = list(range(total))
    rng = SplitMix64(seed)
    for i in range(n):
        j = i + rng.below(total - i)
        perm[i], perm[j] = perm[j], perm[i]
    return sorted(perm[:n])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("archive")
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seeds", required=True, help="comma-separated seeds, e.g. 1,2,3")
    a = ap.parse_args()

    # The pinned draw of tests/eval/subset_test.cc: this file and dataset.cc agree.
    assert select_subset(1000, 5, 42) == [26, 182, 338, 413, 552], "splitmix64 draw differs from converter/data/subset.cc"

    seeds = [int(x) for x in a.seeds.split(",") if x]
    with tarfile.open(a.archive) as tar:  # one sequential pass, images kept in memory (~45 MB)
        data = {}
        for m in tar:
            if m.isfile() and m.name.lower().endswith(EXTS):
                data[m.name] = tar.extractfile(m).read()
    names = sorted(data, key=lambda n: n.encode())
    if not names:
        sys.exit(f"calib_subset.py: error: {a.archive}: no image entries")
    for seed in seeds:
        rows = []
        for i in select_subset(len(names), a.count, seed):
            parts = names[i].split("/")
            cls = parts[-2] if len(parts) >= 2 else ""
            if cls not in CLASSES:
                sys.exit(f"calib_subset.py: error: {a.archive}: entry {names[i]}: "
                         f"class folder '{cls}' is not a CIFAR-10 class")
            rows.append((names[i], f"{i:05d}_{cls}_{parts[-1]}", CLASSES.index(cls)))
        out = os.path.join(a.outdir, f"seed{seed}")
        labels = "".join(f"{name}\t{c}\n" for _, name, c in rows)
        lpath = os.path.join(out, "labels.txt")
        if os.path.exists(lpath) and open(lpath).read() == labels:
            continue
        os.makedirs(out, exist_ok=True)
        for entry, name, _ in rows:
            with open(os.path.join(out, name), "wb") as f:
                f.write(data[entry])
        with open(lpath, "w") as f:  # written last: its presence means the folder is complete
            f.write(labels)

if __name__ == "__main__":
    main()
