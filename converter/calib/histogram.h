// Histogram: a streaming histogram of non-negative values with a fixed
// number of bins, whatever the number of values fed to it.
//
// Why powers of two. A calibration set arrives batch by batch and the range
// of a tensor is not known in advance; a later batch may hold a larger value.
// The histogram therefore covers [0, R) where R is always a power of two,
// R = 2^e, the smallest one strictly above every value seen. When a value
// >= R arrives, R doubles (as often as needed) and every pair of adjacent
// bins is merged into one: the old bin edges are a subset of the new ones,
// so no count is ever split or moved by an approximation.
//
// What is exact. Bins are `num_bins` = 2^k wide intervals of width R / 2^k
// (itself a power of two), and a value x goes into bin floor(x * 2^k / R),
// computed in double: multiplying a float by a power of two is exact, so the
// bin of every value is the exact one. Merging bins 2j and 2j+1 at range 2R
// gives exactly the bin that x would have had at range 2R directly. Hence
// the counts depend only on the multiset of values fed and on the final R,
// never on how the values were split into batches or in which order they
// came: one batch and a thousand batches give identical histograms, and
// merge() of two histograms equals one histogram of all their values.
//
// What is approximated. Inside a bin only the count is kept (the values are
// forgotten); and since R is the power of two above the maximum, between
// num_bins/2 and num_bins bins hold data (half the resolution at worst,
// and a fill that depends on where the max sits in its octave: the KL scan
// therefore re-bins onto exactly [0, max], kl.h). The exact maximum is kept
// aside (max()), so MinMax never goes through bins.
//
// Memory: num_bins counters (uint64) plus a few scalars, constant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qrt::calib {

// Default bins of a streaming histogram: fine enough that re-binning onto
// the KL scan's 2048 bins over [0, max] (kl.h) is within a few percent of
// binning the values directly (a fine bin is at most 1/4 of a scan bin).
constexpr size_t kHistogramBins = 16384;

class Histogram {
 public:
  // num_bins must be a power of two >= 2 (throws CalibError otherwise).
  explicit Histogram(size_t num_bins = kHistogramBins);

  // Adds n values; every one must be finite and >= 0 (throws CalibError
  // naming the index otherwise; nothing is added then).
  void add(const float* values, size_t n);

  // Grows the range (merging bins) until `value` < range(). value must be
  // finite and >= 0. A no-op when already covered.
  void cover(float value);

  // Adds one value already covered (0 <= value < range(), see cover()).
  void add_covered(float value) {
    counts_[size_t(double(value) * scale_)] += 1;
    count_ += 1;
    if (value == 0.0f) zeros_ += 1;
    if (value > max_) max_ = value;
  }

  // Adds every count of `other` (same num_bins, else throws); both end at
  // the larger range. The result equals one histogram of all the values.
  void merge(const Histogram& other);

  // Adds `n` to bin 0 as values equal to zero (used to fold clamped
  // negative values into zero for unsigned tensors).
  void add_zeros(uint64_t n);

  size_t num_bins() const { return counts_.size(); }
  const std::vector<uint64_t>& counts() const { return counts_; }
  uint64_t count() const { return count_; }   // values added
  uint64_t zeros() const { return zeros_; }   // values == 0 among them
  float max() const { return max_; }          // exact largest value (0 if none)
  // Upper end of the covered range, 2^range_exponent(); 0 while only
  // zeros (or nothing) have been seen.
  double range() const;
  int range_exponent() const { return exp_; }
  bool has_range() const { return has_range_; }
  double bin_width() const { return range() / double(counts_.size()); }
  // Number of bins up to and including the last non-empty one (0 if empty).
  size_t used_bins() const;

 private:
  void set_exponent(int e);

  std::vector<uint64_t> counts_;
  int log2_bins_ = 0;
  bool has_range_ = false;  // false: only zeros so far, everything in bin 0
  int exp_ = 0;             // range = 2^exp_ when has_range_
  double scale_ = 0.0;      // num_bins / range (a power of two); 0 without range
  uint64_t count_ = 0;
  uint64_t zeros_ = 0;
  float max_ = 0.0f;
};

}  // namespace qrt::calib
