#include "calib/histogram.h"

#include <cmath>
#include <string>

#include "calib/error.h"

namespace qrt::calib {

Histogram::Histogram(size_t num_bins) {
  if (num_bins < 2 || (num_bins & (num_bins - 1)) != 0)
    throw CalibError("histogram: num_bins = " + std::to_string(num_bins) + " is not a power of two >= 2");
  counts_.assign(num_bins, 0);
  while ((size_t(1) << log2_bins_) < num_bins) ++log2_bins_;
}

double Histogram::range() const { return has_range_ ? std::ldexp(1.0, exp_) : 0.0; }

size_t Histogram::used_bins() const {
  for (size_t i = counts_.size(); i > 0; --i)
    if (counts_[i - 1] != 0) return i;
  return 0;
}

void Histogram::set_exponent(int e) {
  if (has_range_ && e > exp_) {
    // Bin i of range 2^exp_ lies inside bin i >> d of range 2^e: edges align.
    const int d = e - exp_;
    std::vector<uint64_t> grown(counts_.size(), 0);
    for (size_t i = 0; i < counts_.size(); ++i)
      grown[d >= log2_bins_ ? 0 : (i >> d)] += counts_[i];
    counts_.swap(grown);
  }
  // Without a range only zeros were seen, all in bin 0, where they stay.
  has_range_ = true;
  exp_ = e;
  scale_ = std::ldexp(1.0, log2_bins_ - e);
}

void Histogram::cover(float value) {
  if (!(value >= 0.0f) || std::isinf(value))
    throw CalibError("histogram: cannot cover value " + std::to_string(value) + " (must be finite and >= 0)");
  if (value == 0.0f) return;
  int e = 0;
  std::frexp(value, &e);  // value = f * 2^e, f in [0.5, 1): 2^e > value
  if (!has_range_ || e > exp_) set_exponent(e);
}

void Histogram::add(const float* values, size_t n) {
  float hi = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    const float v = values[i];
    if (!(v >= 0.0f) || std::isinf(v))
      throw CalibError("histogram: value " + std::to_string(v) + " at index " + std::to_string(i) +
                       " is not finite and >= 0");
    if (v > hi) hi = v;
  }
  cover(hi);
  for (size_t i = 0; i < n; ++i) add_covered(values[i]);
}

void Histogram::add_zeros(uint64_t n) {
  counts_[0] += n;
  count_ += n;
  zeros_ += n;
}

void Histogram::merge(const Histogram& other) {
  if (other.num_bins() != num_bins())
    throw CalibError("histogram: cannot merge " + std::to_string(other.num_bins()) + " bins into " +
                     std::to_string(num_bins()));
  Histogram o = other;
  if (o.has_range_ && (!has_range_ || o.exp_ > exp_)) set_exponent(o.exp_);
  if (has_range_ && (!o.has_range_ || exp_ > o.exp_)) o.set_exponent(exp_);
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  zeros_ += o.zeros_;
  if (o.max_ > max_) max_ = o.max_;
}

}  // namespace qrt::calib
