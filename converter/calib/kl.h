// Entropy (KL) calibration as TensorRT does it, with the tolerance rule of
// Hu, Zeng, Wu 2023 (docs/calibration.md has the formulas and examples).
//
// The input is a Histogram (histogram.h) of |x| (signed tensors) or of
// max(x, 0) (unsigned ones). Like TensorRT, the scan works on kKlBins = 2048
// bins over exactly [0, max] (kl_bins_over_max: the streaming histogram's
// fine power-of-two bins re-binned, each fine bin's count spread evenly
// over its interval). For each candidate threshold -- the upper edge of
// bin i, for i from L (the number of quantization levels) to the last
// bin -- kl_scan() measures how much information quantizing [0, threshold]
// into L levels loses:
//   P = bins [0, i), the outliers (bins i..) added to P[i-1]   (clipping)
//   Q = bins [0, i) (without the outliers) summed into L buckets of
//       consecutive bins, each bucket's sum spread evenly over the bins of
//       the bucket where P is non-zero (zero where P is zero)
//   both smoothed (zeros get eps = 1e-4 counts, taken evenly from the
//   non-zero entries, as MXNet's _smooth_distribution), normalized, and
//   KL(P || Q) = sum_k p_k * ln(p_k / q_k).
// Why exactly [0, max]: KL depends on the bins per level (i / L), and the
// tolerance T on how KL grows with i. On the power-of-two range the data
// filled 1024..2048 bins depending on where the max sat in its octave, so
// T meant something different for every tensor (MobileNetV2 depthwise
// outputs clipped to a third of their max at T = 1.3, SQNR 24 dB instead
// of 33 dB).
// Exact zeros are left out (0 is exact under every threshold, so zeros say
// nothing about the choice -- but as a spike in bin 0 they dominate it: for
// i < 2L bucket 0 is bin 0 alone, so after a ReLU the scan picked i = 2L - 1
// bins whatever the data: the "0.998" thresholds, docs/calibration.md).
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
// Bins of the KL scan over [0, max] (TensorRT's number).
constexpr size_t kKlBins = 2048;

struct KlScan {
  std::vector<size_t> bins;       // candidate i: P covers bins [0, i)
  std::vector<float> thresholds;  // i * bin width, the last one = the max
  std::vector<double> kl;         // KL(P || Q); +inf where undefined (see .cc)
};

// The histogram the scan uses: `bins` bins over exactly [0, hist.max()],
// without the exact zeros (zeros(), which include negative values clamped
// to 0 by non_negative()). Fine bin [a, a + w) of `hist` (clipped to the
// max) adds its count to the bins it overlaps, in proportion to the
// overlap; a fine bin starting at the max goes to the last bin. The total
// is the number of non-zero values. All zero when there are none.
std::vector<double> kl_bins_over_max(const Histogram& hist, size_t bins = kKlBins);

// All candidates of `hist`: kl_scan_counts() of kl_bins_over_max(hist,
// kl_bins). An empty histogram, or one of zeros only, gives one candidate,
// the maximum (0), with KL 0.
KlScan kl_scan(const Histogram& hist, int levels, size_t kl_bins = kKlBins);

// The scan over given counts with bin k = [k * width, (k + 1) * width):
// candidates i = levels .. used (one past the last non-empty bin), the
// threshold of i is i * width except the last, which is `max`. If used <=
// levels the only candidate is `max`, with KL 0 (every bin is its own
// level: nothing is lost).
KlScan kl_scan_counts(const std::vector<double>& counts, int levels, double width, float max);

// KL(P || Q) for the candidate P = counts[0, i) with counts[i..] folded into
// P[i-1], as described above. Needs levels <= i <= counts.size().
double kl_divergence_at(const std::vector<double>& counts, size_t i, int levels);
double kl_divergence_at(const std::vector<uint64_t>& counts, size_t i, int levels);

// Index into `kl` of the largest candidate with kl <= tolerance * KLmin,
// KLmin the smallest finite entry. tolerance must be >= 1 (+inf allowed:
// the last finite candidate). If no entry is finite: the last index. Throws
// CalibError on an empty vector or a bad tolerance.
size_t choose_threshold_kl(const std::vector<double>& kl, double tolerance);

}  // namespace qrt::calib
