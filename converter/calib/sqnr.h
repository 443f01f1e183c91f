// The quantization error a clipping threshold causes, estimated from a
// calibration histogram (histogram.h) alone: what the error guard
// (methods.h, TensorSettings::guard_db) compares KL's threshold by.
//
// A tensor stored with threshold t and L levels (kl.h num_levels: codes
// 0..L-1 cover [0, t]) has step s = t / (L - 1) (quantize/quant_math.h
// activation_scale: t / qmax), and a value x >= 0 (|x| for a signed
// tensor: the histogram is of |x| or of max(x, 0)) becomes
//   x > t:   t                         clipping error      (x - t)^2
//   x <= t:  s * round(x / s)          rounding error      (x - s round(x/s))^2
// Inside a histogram bin only the count is known, so each bin's values are
// taken as spread evenly over the bin (clipped to the exact max, the same
// assumption as kl_bins_over_max), and both errors and the signal sum x^2
// are integrated exactly over that density. Exact zeros add nothing to
// either error (0 is a code) nor to the signal.
//
//   SQNR = 10 log10(signal / (clipping + rounding))   dB
//
// What it is not: the tensor's SQNR in the converted model (that adds the
// error of every layer before it; qrt-eval --per-layer); for a U8 tensor of
// a signal with negative values (not after a ReLU) the histogram has them as
// zeros, so their clamping error is not counted. Within a bin's uniform
// assumption the rounding term is exact; on a tensor of a few distinct
// values (a lattice of spikes) it is an average over where the spikes sit.
#pragma once

#include "calib/histogram.h"

namespace qrt::calib {

struct QuantError {
  double signal = 0.0;    // sum x^2 over the values
  double clipping = 0.0;  // sum (x - t)^2 over x > t
  double rounding = 0.0;  // sum (x - q(x))^2 over x <= t
  // 10 log10(signal / (clipping + rounding)); +inf without error (or no
  // signal and no error), -inf with error and no signal.
  double sqnr_db() const;
};

// The error of storing `hist`'s values with threshold `threshold` (> 0) and
// `levels` levels (>= 2). Throws CalibError on a bad threshold or levels.
QuantError quant_error(const Histogram& hist, double threshold, int levels);

}  // namespace qrt::calib
