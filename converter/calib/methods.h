// The three ways to pick a tensor's clipping threshold t from what
// calibration kept (tensor_histogram.h). The quantized range is then
// [-t, t] for a signed tensor and [0, t] for an unsigned one; quantize/
// turns it into a scale (converter/quantize/quant_math.h: t / qmax).
//
//   minmax      t = max|x| (signed) or max(max x, 0) (unsigned); exact.
//   percentile  t = the upper edge of the first histogram bin where the
//               cumulative count reaches p% of all values (of |x|, or of
//               max(x, 0)), never above the maximum; exact to one bin.
//   kl          TensorRT's entropy scan + tolerance rule (kl.h): the
//               largest candidate with KL <= T * KLmin, then the error
//               guard below.
//
// The error guard (kl only). KL compares distributions of counts, not
// energy: on a tensor whose values are mostly tiny while a few large ones
// carry much of the signal (depthwise ReLU6 outputs of a randomly
// initialized MobileNetV2, the Fashion-MNIST stem's lattice of spikes), it
// resolves the crowd near zero and clips the few large values: 17-19 dB
// less SQNR than MinMax on those. So every KL threshold is checked by the
// error it causes on the calibration data (sqnr.h: clipping + rounding at
// the tensor's bits and signedness, estimated from the same histogram):
//   if SQNR(t_kl) < SQNR(max) - guard_db   then   t = max (MinMax),
// i.e. that tensor's tolerance becomes infinite. guard_db = kKlGuardDb
// (6 dB, about one bit of resolution) by default; +inf turns the guard off.
// docs/calibration.md "Error guard" has the measurements.
#pragma once

#include <cstddef>
#include <string>

#include "calib/histogram.h"
#include "calib/tensor_histogram.h"

namespace qrt::calib {

enum class Method { kMinMax, kPercentile, kKl };

// "minmax", "percentile", "kl".
const char* method_name(Method m);
// The inverse; anything else throws CalibError naming it and the choices.
Method parse_method(const std::string& name);

// The error guard's default margin (dB): KL may cost at most about one bit
// of SQNR (20 log10 2 = 6.02 dB) against MinMax.
constexpr double kKlGuardDb = 6.0;

// How one tensor is calibrated.
struct TensorSettings {
  bool is_unsigned = false;   // U8 (non-negative, e.g. after ReLU) or S8
  int bits = 8;               // activation bits: L = num_levels(bits, is_unsigned)
  Method method = Method::kKl;
  double tolerance = 1.3;     // kl only: T >= 1 (the paper's default 1.3)
  double guard_db = kKlGuardDb;  // kl only: the error guard's margin in dB, >= 0 (+inf: no guard)
  double percentile = 99.99;  // percentile only: in (0, 100]
};

// A chosen threshold and how it was found (for logs and model metadata).
struct Threshold {
  float threshold = 0.0f;   // >= 0
  Method method = Method::kKl;
  float max = 0.0f;         // the MinMax threshold, for comparison
  // kl only: number of candidates, the minimum KL and the chosen one's KL,
  // and the threshold of the plain-KL (T = 1) choice.
  size_t candidates = 0;
  double kl_min = 0.0;
  double kl_chosen = 0.0;
  float kl_argmin_threshold = 0.0f;
  // kl only, the error guard: the tolerance rule's threshold, the estimated
  // SQNR (sqnr.h) at it and at the max, and whether the guard replaced it
  // with the max. The SQNRs are computed (guard on or off) whenever the
  // rule's threshold is below the max, else left 0: nothing to check.
  float kl_rule_threshold = 0.0f;
  double kl_rule_sqnr_db = 0.0;
  double max_sqnr_db = 0.0;
  bool guarded = false;
};

float minmax_threshold(const TensorHistogram& t, bool is_unsigned);
// `hist` is the histogram of |x| or of max(x, 0); percent in (0, 100].
float percentile_threshold(const Histogram& hist, double percent);
Threshold kl_threshold(const Histogram& hist, int levels, double tolerance);
// kl_threshold() and then the error guard with margin guard_db (>= 0 or
// +inf; throws CalibError otherwise).
Threshold kl_threshold_guarded(const Histogram& hist, int levels, double tolerance, double guard_db);

// The threshold of one tensor under `s` (validates s, naming the tensor).
Threshold compute_threshold(const TensorHistogram& t, const TensorSettings& s);

}  // namespace qrt::calib
