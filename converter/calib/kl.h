// Entropy (KL) calibration as TensorRT does it, with the tolerance rule of
// Hu, Zeng, Wu 2023 (docs/calibration.md has the formulas and examples).
//
// The input is a Histogram (histogram.h) of |x| (signed tensors) or of
// max(x, 0) (unsigned ones). For each candidate threshold -- the upper edge
// of bin i, for i from L (the number of quantization levels) up to the last
// non-empty bin -- kl_scan() measures how much information quantizing
// [0, threshold] into L levels loses:
//   P = bins [0, i), the outliers (bins i..) added to P[i-1]   (clipping)
//   Q = bins [0, i) (without the outliers) summed into L buckets of
//       consecutive bins, each bucket's sum spread evenly over the bins of
//       the bucket where P is non-zero (zero where P is zero)
//   both smoothed (zeros get eps = 1e-4 counts, taken evenly from the
//   non-zero entries, as MXNet's _smooth_distribution), normalized, and
//   KL(P || Q) = sum_k p_k * ln(p_k / q_k).
// Exact zeros are left out of the scan (kl_counts): 0 is exact under every
// threshold, so zeros carry no information about the choice -- but as a
// spike in bin 0 they dominate it: for i < 2L candidates bucket 0 is bin 0
// alone, so the zeros are lossless there and costly everywhere else, and
// after a ReLU the scan picked i = 2L - 1 bins (0.998 for a range of 4 and
// uint8) whatever the data (docs/calibration.md, "Exact zeros").
// choose_threshold_kl() then applies the tolerance rule: the LARGEST
// candidate whose KL <= T * KLmin (T = 1: the KL minimum, ties going to the
// largest threshold; T -> infinity: the maximum, i.e. MinMax).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "calib/histogram.h"

namespace qrt::calib {

// Number of quantization levels L covering [0, threshold]: the number of
// distinct codes q >= 0 a value in [0, threshold] can get.
//   signed symmetric b-bit, q in [-(2^(b-1)-1), 2^(b-1)-1]:  L = 2^(b-1)
//     (codes 0..127 for int8: 128, TensorRT's number);
//   unsigned b-bit, q in [0, 2^b - 1]:                       L = 2^b
//     (codes 0..255 for uint8).
// bits must be in [2, 16] (throws CalibError naming it otherwise).
int num_levels(int bits, bool is_unsigned);

// The smoothing constant (in counts) applied to zero entries of P and Q.
constexpr double kKlSmoothingEps = 1e-4;

struct KlScan {
  std::vector<size_t> bins;       // candidate i: P covers bins [0, i)
  std::vector<float> thresholds;  // i * bin_width, the last one = hist.max()
  std::vector<double> kl;         // KL(P || Q); +inf where undefined (see .cc)
};

// The counts the scan uses: hist.counts() with the exact zeros (zeros(),
// which include negative values clamped to 0 by non_negative()) taken out
// of bin 0.
std::vector<uint64_t> kl_counts(const Histogram& hist);

// All candidates of `hist` (of its kl_counts()) for `levels` quantization
// levels (>= 2). If the data fit in at most `levels` bins the only candidate is the maximum, with
// KL 0 (every bin is its own level: nothing is lost). An empty histogram,
// or one of zeros only, gives one candidate, the maximum (0), KL 0.
KlScan kl_scan(const Histogram& hist, int levels);

// KL(P || Q) for the candidate P = counts[0, i) with counts[i..] folded into
// P[i-1], as described above. Needs levels <= i <= counts.size().
double kl_divergence_at(const std::vector<uint64_t>& counts, size_t i, int levels);

// Index into `kl` of the largest candidate with kl <= tolerance * KLmin,
// KLmin the smallest finite entry. tolerance must be >= 1 (+inf allowed:
// the last finite candidate). If no entry is finite: the last index. Throws
// CalibError on an empty vector or a bad tolerance.
size_t choose_threshold_kl(const std::vector<double>& kl, double tolerance);

}  // namespace qrt::calib
