#!/usr/bin/env python3
"""imagenet_pixels.py: raw u8 HWC pixels from the shared ImageNet sample.

    imagenet_pixels.py SAMPLE_DIR OUT.u8 --start S --step K --count N [--size 224]

Sorted *.JPEG, every K-th from S, N of them; resize the short side to 256
(bilinear, PIL) and centre-crop 224, as docs/runtime.md does with
torchvision. Used for the comparison images and, from another offset, the
calibration images of qrt_to_tflite.py.
"""
import argparse
import os

import numpy as np
from PIL import Image

ap = argparse.ArgumentParser()
ap.add_argument("sample_dir")
ap.add_argument("out")
ap.add_argument("--start", type=int, default=0)
ap.add_argument("--step", type=int, default=50)
ap.add_argument("--count", type=int, default=20)
ap.add_argument("--size", type=int, default=224)
ap.add_argument("--short", type=int, default=256)
a = ap.parse_args()
fs = sorted(f for f in os.listdir(a.sample_dir) if f.endswith(".JPEG"))[a.start::a.step][:a.count]
with open(a.out, "wb") as out:
    for f in fs:
        im = Image.open(os.path.join(a.sample_dir, f)).convert("RGB")
        w, h = im.size
        r = a.short / min(w, h)
        im = im.resize((max(a.size, round(w * r)), max(a.size, round(h * r))), Image.BILINEAR)
        w, h = im.size
        l, t = (w - a.size) // 2, (h - a.size) // 2
        im = im.crop((l, t, l + a.size, t + a.size))
        out.write(np.asarray(im, np.uint8).tobytes())
print(f"wrote {a.out}: {len(fs)} images")
