#!/usr/bin/python3
"""Writes the PIL fixtures of image_decode_test (run from anywhere; the
files are committed, so this runs only to regenerate them):
  rgb420.jpg   20x12 RGB JPEG, quality 85, 4:2:0 chroma subsampling
  gray.jpg     20x12 one-component (grayscale) JPEG
  rgba.png     20x12 RGBA PNG
  <name>.rgb   PIL's decode: Image.open(f).convert("RGB") bytes
  <name>.l     PIL's decode: Image.open(f).convert("L") bytes
PIL decodes JPEG with libjpeg (islow IDCT, fancy upsampling) and converts
RGB to L with L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16."""

import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))

rng = np.random.default_rng(7)
y, x = np.mgrid[0:12, 0:20]
rgb = np.stack([x * 12, y * 20, (x + y) * 8], -1) + rng.integers(0, 40, (12, 20, 3))
rgb = np.clip(rgb, 0, 255).astype(np.uint8)
alpha = rng.integers(0, 256, (12, 20, 1)).astype(np.uint8)

Image.fromarray(rgb).save(os.path.join(HERE, "rgb420.jpg"), quality=85, subsampling=2)
Image.fromarray(rgb).convert("L").save(os.path.join(HERE, "gray.jpg"), quality=90)
Image.fromarray(np.concatenate([rgb, alpha], -1), "RGBA").save(os.path.join(HERE, "rgba.png"))
for name in ("rgb420.jpg", "gray.jpg", "rgba.png"):
    base = os.path.join(HERE, name)
    with Image.open(base) as im:
        open(base + ".rgb", "wb").write(np.asarray(im.convert("RGB"), np.uint8).tobytes())
    with Image.open(base) as im:
        open(base + ".l", "wb").write(np.asarray(im.convert("L"), np.uint8).tobytes())
