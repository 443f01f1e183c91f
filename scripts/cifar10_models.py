"""The two CIFAR-10 architectures behind qrt's accuracy tables, and loading
their weights from a BN-unfolded ONNX file.

Both follow the paper's two families (docs/method.md) at CIFAR scale: a
stride-1 stem at 32x32 and fewer stages than the ImageNet originals.

ResNetC10 (ResNet-50-style bottlenecks, expansion 4), at width 1.0:

    features.0:   Conv 3x3 3->32, BN, ReLU                          32x32
    features.1-2: bottleneck mid 16, out 64  (first: projection)    32x32
    features.3-4: bottleneck mid 32, out 128 (first: stride 2)      16x16
    features.5-6: bottleneck mid 64, out 256 (first: stride 2)       8x8
    pool, fc:     GlobalAveragePool, Flatten, Linear 256->10

  bottleneck: body = Conv1x1-BN-ReLU, Conv3x3(stride)-BN-ReLU, Conv1x1-BN;
  short = Conv1x1(stride)-BN when the shape changes, else identity;
  out = ReLU(body(x) + short(x)).

MobileNetV2C10 (inverted residuals, ReLU6, linear bottlenecks), at width 0.75:

    features.0:     Conv 3x3 3->24, BN, ReLU6                       32x32
    features.1:     t=1: dw3x3-BN-ReLU6, Conv1x1 24->16-BN
    features.2-3:   t=6, out 16                                     32x32
    features.4-6:   t=6, out 24, first stride 2                     16x16
    features.7-9:   t=6, out 48, first stride 2                      8x8
    features.10-11: t=6, out 72                                      8x8
    features.12-13: t=6, out 120, first stride 2                     4x4
    features.14:    Conv1x1 120->512, BN, ReLU6
    pool, fc:       GlobalAveragePool, Flatten, Linear 512->10

  block (t=6): body = Conv1x1 expand-BN-ReLU6, dw3x3(stride)-BN-ReLU6,
  Conv1x1 project-BN (linear); out = x + body(x) when stride 1 and the
  channel count is kept.

The module names are the ONNX initializer names of the user's models in
shared/models/cifar10 (torch names its exported parameters after the module
path), so `load_onnx_weights` fills a model by name and checks that every
tensor is used exactly once with the right shape.
"""

import numpy as np
import torch
import torch.nn as nn

# (expansion t, base channels c, blocks n, first stride s); scaled by width.
MBV2_STAGES = [(1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 3, 2),
               (6, 96, 2, 1), (6, 160, 2, 2)]
RESNET_STAGES = [(16, 2, 1), (32, 2, 2), (64, 2, 2)]  # (mid channels, blocks, stride)
RESNET_EXPANSION = 4


def round8(c):
    """Channel count rounded to the nearest multiple of 8 (at least 8)."""
    return max(8, int(c + 4) // 8 * 8)


def global_avg_pool(x):
    """Exports as GlobalAveragePool; functional (no module) so the node names
    match the shared models' graphs."""
    return torch.nn.functional.adaptive_avg_pool2d(x, 1)


def conv_bn(cin, cout, k, stride=1, groups=1, act=None):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
              nn.BatchNorm2d(cout)]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


class Bottleneck(nn.Module):
    def __init__(self, cin, mid, stride):
        super().__init__()
        cout = mid * RESNET_EXPANSION
        self.body = nn.Sequential(conv_bn(cin, mid, 1, act=nn.ReLU),
                                  conv_bn(mid, mid, 3, stride, act=nn.ReLU),
                                  conv_bn(mid, cout, 1))
        self.short = conv_bn(cin, cout, 1, stride) if (stride != 1 or cin != cout) else None

    def forward(self, x):
        y = self.body(x)  # body before shortcut: the node order of the shared ONNX
        return torch.relu(y + (x if self.short is None else self.short(x)))


class ResNetC10(nn.Module):
    def __init__(self, width=1.0, num_classes=10):
        super().__init__()
        stem = int(round(32 * width))
        layers = [conv_bn(3, stem, 3, act=nn.ReLU)]
        cin = stem
        for mid, n, stride in RESNET_STAGES:
            mid = int(round(mid * width))
            for i in range(n):
                layers.append(Bottleneck(cin, mid, stride if i == 0 else 1))
                cin = mid * RESNET_EXPANSION
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(global_avg_pool(self.features(x)), 1))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        hidden = cin * t
        layers = [] if t == 1 else [conv_bn(cin, hidden, 1, act=nn.ReLU6)]
        layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6),
                   conv_bn(hidden, cout, 1)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


class MobileNetV2C10(nn.Module):
    def __init__(self, width=0.75, num_classes=10):
        super().__init__()
        cin = round8(32 * width)
        layers = [conv_bn(3, cin, 3, act=nn.ReLU6)]
        for t, c, n, s in MBV2_STAGES:
            cout = round8(c * width)
            for i in range(n):
                layers.append(InvertedResidual(cin, cout, s if i == 0 else 1, t))
                cin = cout
        last = round8(512 * max(1.0, width))
        layers.append(conv_bn(cin, last, 1, act=nn.ReLU6))
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(last, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(global_avg_pool(self.features(x)), 1))


ARCHS = {"resnet": (ResNetC10, 1.0), "mbv2": (MobileNetV2C10, 0.75)}


def build(arch, width=None):
    """The model for `arch` ("resnet" or "mbv2"); width None = the default
    (1.0 for resnet, 0.75 for mbv2, the widths of the shared models)."""
    if arch not in ARCHS:
        raise ValueError(f"unknown --arch '{arch}' (known: {', '.join(ARCHS)})")
    cls, default_width = ARCHS[arch]
    return cls(width=default_width if width is None else width)


def onnx_initializers(model_proto):
    """name -> numpy array for every initializer, with names produced by
    Identity nodes over an initializer (torch's export shares equal tensors
    that way) resolved to the same array."""
    from onnx import numpy_helper

    inits = {t.name: numpy_helper.to_array(t) for t in model_proto.graph.initializer}
    for node in model_proto.graph.node:
        if node.op_type == "Identity" and node.input[0] in inits:
            inits[node.output[0]] = inits[node.input[0]]
    return inits


def load_onnx_weights(model, path):
    """Copies the initializers of the ONNX file `path` into `model`'s
    parameters and BN buffers by name. Raises ValueError naming the tensor
    when one is missing, has another shape, or is left unused."""
    import onnx

    inits = onnx_initializers(onnx.load(path))
    state = model.state_dict()
    used, new_state = set(), {}
    for name, tensor in state.items():
        if name.endswith("num_batches_tracked"):
            new_state[name] = tensor
            continue
        if name not in inits:
            raise ValueError(f"{path}: no initializer '{name}' for the model's "
                             f"{tuple(tensor.shape)} tensor (wrong --arch or --width?)")
        value = inits[name]
        if tuple(value.shape) != tuple(tensor.shape):
            raise ValueError(f"{path}: initializer '{name}' has shape {tuple(value.shape)}, "
                             f"the model expects {tuple(tensor.shape)} (wrong --width?)")
        new_state[name] = torch.from_numpy(np.array(value, dtype=np.float32))
        used.add(name)
    unused = sorted(set(inits) - used)
    if unused:
        raise ValueError(f"{path}: {len(unused)} initializer(s) match no model tensor, "
                         f"first '{unused[0]}' (wrong --arch?)")
    model.load_state_dict(new_state)
    return len(used)
