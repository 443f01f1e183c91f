#!/usr/bin/python3
"""torchvision GoogLeNet and MobileNetV2 with random weights, as ONNX: the
networks on which KL calibration clipped single tensors into noise (issue
10; docs/calibration.md "Error guard").

  /usr/bin/python3 scripts/accuracy/random_nets.py OUT_DIR [--seed 2] [--bn-images 0]

Writes OUT_DIR/googlenet_random.onnx (torchvision 0.14 googlenet(),
aux_logits=False, init_weights=True, transform_input=False) and
OUT_DIR/mobilenet_v2_random.onnx (mobilenet_v2(), width 1.0), weights from
torch.manual_seed(seed) right before each model is built. With --bn-images
0 (default) the BN layers keep torchvision's initial statistics (mean 0,
var 1), so activations shrink layer after layer and many tensors hold a
crowd of tiny values with a few large ones: --seed 2 gives the
MobileNetV2 whose depthwise ReLU6 outputs KL clipped to half their max
(14.8 dB instead of 32.2 dB), --seed 0 the GoogLeNet whose pooled features
it clipped to 0.62 of the max. --bn-images N re-estimates the BN running
statistics on N ImageNet-sample images as benchmarks/models/make_models.py
does (its functions: a seeded draw, centre crop 224, ImageNet mean/std,
RGB; train mode, cumulative average): realistic scales, on which KL was fine
(--seed 1 --bn-images 256 gives make_models.py's mobilenet_v2_1.0 byte for
byte). Eval-mode export, opset 13, BN kept (train_common.py), input
`input` [1, 3, 224, 224], output `logits` [1, 1000]. The same torch and
thread count give the same bytes.
"""
import argparse
import os
import sys

import numpy as np
import torch
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "models"))
import train_common as tc  # noqa: E402
import make_models as mm  # noqa: E402

MODELS = {
    "googlenet_random": lambda: torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True,
                                                             transform_input=False),
    "mobilenet_v2_random": lambda: torchvision.models.mobilenet_v2(weights=None),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=2, help="weight init and image draw seed (default 2)")
    ap.add_argument("--bn-images", type=int, default=0,
                    help="images for BN re-estimation (default 0: torchvision's initial statistics)")
    ap.add_argument("--data", default=os.path.join(mm.SHARED, "data", "imagenet-sample"),
                    help="ImageNet-sample folder (default $QRT_SHARED/data/imagenet-sample)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.out_dir, exist_ok=True)
    images = None
    if a.bn_images > 0:
        files = mm.image_files(a.data)
        order = np.random.RandomState(a.seed).permutation(len(files))
        images = mm.load_images(a.data, [files[i] for i in order[:a.bn_images]])
    for name, make in MODELS.items():
        torch.manual_seed(a.seed)
        model = make()
        if images is not None:
            mm.reestimate_bn(model, images, 32)
        model.eval()
        path = os.path.join(a.out_dir, name + ".onnx")
        tc.export_onnx_keep_bn(model, (1, 3, 224, 224), path)
        print("wrote", path, mm.sha256(path))


if __name__ == "__main__":
    main()
