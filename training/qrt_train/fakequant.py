"""Rounding and requantization exactly as docs/integer-semantics.md writes
them, with straight-through estimators for training.

Every quantized activation is carried as its file-level integer code q
(U8: [0, 2^b - 1], S8: [-(2^(b-1)-1), 2^(b-1)-1], zero point 0; the
runtime's U8 storage shift by -128 changes no result), held in a float
tensor so gradients can flow. The real value is scale * q.

- round(): round half to even (torch.round), the runtime's lrintf / FCVTNS.
  Backward: identity (straight-through).
- clamp: torch.clamp, whose gradient is zero outside the range (the usual
  clipped straight-through estimator).
- All requantization arithmetic is fp32 in the order of the contract; the
  constants (m = (sx * sw[c]) / sy, 1 / s, ...) are computed in fp32 with
  numpy float32 scalars, as the runtime computes them at load.
"""

import numpy as np
import torch


class _RoundSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return torch.round(x)

    @staticmethod
    def backward(ctx, g):
        return g


def round_ste(x):
    """Round half to even; gradient passes straight through."""
    return _RoundSTE.apply(x)


def f32(x):
    """A numpy float32 scalar (fp32 arithmetic for load-time constants)."""
    return np.float32(x)


def activation_range(dtype, bits, scale, activation):
    """The output code range [lo, hi] of an int8 tensor narrowed by a fused
    activation (runtime ActivationRangeS8, in file-level codes: RELU lo = 0,
    RELU6 hi = min(hi, round(6 / sy)) when 6 / sy < 1024)."""
    lo = 0 if dtype == "U8" else -((1 << (bits - 1)) - 1)
    hi = (1 << bits) - 1 if dtype == "U8" else (1 << (bits - 1)) - 1
    if activation in ("RELU", "RELU6"):
        lo = max(lo, 0)
    if activation == "RELU6":
        six = f32(6.0) / f32(scale)
        if six < f32(1024.0):
            hi = min(hi, int(np.rint(six)))  # np.rint: half to even
    return lo, max(hi, lo)


def float_activation(y, activation):
    """The fp32 epilogue's activation: RELU max(y, 0), RELU6 min(max(y, 0), 6)."""
    if activation == "RELU":
        return torch.clamp(y, min=0.0)
    if activation == "RELU6":
        return torch.clamp(y, 0.0, 6.0)
    return y


def requantize(acc32, multiplier, lo, hi):
    """y = round(clamp((float)acc * m, lo, hi)) (zero point 0). `acc32`: the
    accumulators already as fp32 (see to_f32); `multiplier`: fp32 tensor
    broadcastable to acc."""
    return round_ste(torch.clamp(acc32 * multiplier, float(lo), float(hi)))


def to_f32(acc):
    """(float)acc: the int32 accumulator to the nearest fp32 (float64 holding
    an exact integer -> fp32 rounds to nearest even)."""
    return acc if acc.dtype == torch.float32 else acc.float()


def quantize(x, scale, lo, hi):
    """QUANTIZE: q = round(clamp(x * (1.0f / s), lo, hi)) with 1/s in fp32."""
    inv = float(f32(1.0) / f32(scale))
    return round_ste(torch.clamp(x * inv, float(lo), float(hi)))


def quantize_weights(w, scales, bits):
    """Per-output-channel symmetric codes round(w / s[c]) clamped to
    [-qmax, qmax], qmax = 2^(bits-1) - 1 (scales fixed, fp32 division);
    straight-through gradient inside the range."""
    qmax = float((1 << (bits - 1)) - 1)
    s = scales.view(-1, *([1] * (w.dim() - 1)))
    return torch.clamp(round_ste(w / s), -qmax, qmax)
