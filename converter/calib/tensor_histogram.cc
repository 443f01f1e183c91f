#include "calib/tensor_histogram.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "calib/error.h"

namespace qrt::calib {

TensorHistogram::TensorHistogram(std::string name, size_t num_bins)
    : name_(std::move(name)), pos_(num_bins), neg_(num_bins) {}

void TensorHistogram::observe(const float* data, size_t n) {
  if (n == 0) return;
  float lo = data[0], hi = data[0];
  for (size_t i = 0; i < n; ++i) {
    const float v = data[i];
    if (!std::isfinite(v))
      throw CalibError("calibration: tensor '" + name_ + "' has " + (std::isnan(v) ? "NaN" : "an infinity") +
                       " at index " + std::to_string(i) + " of a batch of " + std::to_string(n));
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (count() == 0) {
    min_ = lo;
    max_ = hi;
  } else {
    min_ = std::min(min_, lo);
    max_ = std::max(max_, hi);
  }
  // Both halves share one range, covering the largest magnitude seen.
  const float top = std::max(std::fabs(lo), std::fabs(hi));
  pos_.cover(top);
  neg_.cover(top);
  for (size_t i = 0; i < n; ++i) {
    const float v = data[i];
    if (v >= 0.0f) pos_.add_covered(v);
    else neg_.add_covered(-v);
  }
}

void TensorHistogram::merge(const TensorHistogram& other) {
  if (other.count() == 0) return;
  if (count() == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  pos_.merge(other.pos_);
  neg_.merge(other.neg_);
  // Keep the two halves at one range (one may have grown further).
  const float top = std::max(std::fabs(min_), std::fabs(max_));
  pos_.cover(top);
  neg_.cover(top);
}

Histogram TensorHistogram::magnitude() const {
  Histogram h = pos_;
  h.merge(neg_);
  return h;
}

Histogram TensorHistogram::non_negative() const {
  Histogram h = pos_;
  h.add_zeros(neg_.count());
  return h;
}

}  // namespace qrt::calib
