// TensorHistogram: everything calibration keeps about one activation tensor,
// in bounded memory, over any number of batches.
//
// Whether a tensor will be stored signed (S8: symmetric around 0, the
// histogram of |x| matters) or unsigned (U8 after ReLU: x clamped to >= 0)
// is decided after calibration, so both views must stay available. Two
// Histograms (histogram.h) are kept at the same power-of-two range: one of
// the values >= 0 and one of the magnitudes of the negative values. Then
//   magnitude()    = pos + neg, bin by bin: the histogram of |x|, exact;
//   non_negative() = pos with every negative value counted as 0 (bin 0):
//                    the histogram of max(x, 0), exact.
// The exact min and max of x are tracked beside them for MinMax.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "calib/histogram.h"

namespace qrt::calib {

class TensorHistogram {
 public:
  // `name` only labels error messages; num_bins as in Histogram.
  explicit TensorHistogram(std::string name = "", size_t num_bins = kHistogramBins);

  // One batch. NaN or an infinity throws CalibError naming the tensor and
  // the index within the batch; nothing of that batch is added then.
  void observe(const float* data, size_t n);

  // Adds all of `other`'s values (same num_bins). Exact, as Histogram::merge.
  void merge(const TensorHistogram& other);

  Histogram magnitude() const;     // histogram of |x|
  Histogram non_negative() const;  // histogram of max(x, 0)

  const std::string& name() const { return name_; }
  uint64_t count() const { return pos_.count() + neg_.count(); }
  float min() const { return min_; }  // exact; 0 when nothing seen
  float max() const { return max_; }   // exact; 0 when nothing seen
  const Histogram& positive_part() const { return pos_; }
  const Histogram& negative_part() const { return neg_; }

 private:
  std::string name_;
  Histogram pos_;  // x >= 0 (zeros included)
  Histogram neg_;  // -x for x < 0
  float min_ = 0.0f;
  float max_ = 0.0f;
};

}  // namespace qrt::calib
