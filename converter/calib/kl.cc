#include "calib/kl.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "calib/error.h"

namespace qrt::calib {

int num_levels(int bits, bool is_unsigned) {
  if (bits < 2 || bits > 16)
    throw CalibError("calibration: activation bits = " + std::to_string(bits) + " (supported: 2..16)");
  return is_unsigned ? (1 << bits) : (1 << (bits - 1));
}

namespace {

// MXNet's _smooth_distribution on counts: zeros become eps, the non-zero
// entries give that mass back evenly. Returns false when an entry would not
// stay positive (the candidate's KL is then undefined: +inf).
bool smooth(std::vector<double>& d) {
  size_t zeros = 0;
  for (double v : d) zeros += (v == 0.0);
  const size_t nonzeros = d.size() - zeros;
  if (nonzeros == 0) return false;
  const double eps1 = kKlSmoothingEps * double(zeros) / double(nonzeros);
  for (double& v : d) {
    if (v == 0.0) {
      v = kKlSmoothingEps;
    } else {
      v -= eps1;
      if (!(v > 0.0)) return false;
    }
  }
  return true;
}

}  // namespace

double kl_divergence_at(const std::vector<double>& counts, size_t i, int levels) {
  if (levels < 2 || i < size_t(levels) || i > counts.size())
    throw CalibError("kl: candidate " + std::to_string(i) + " out of range for " + std::to_string(levels) +
                     " levels and " + std::to_string(counts.size()) + " bins");
  std::vector<double> p(counts.begin(), counts.begin() + i), q(i, 0.0);
  double outliers = 0.0;
  for (size_t k = i; k < counts.size(); ++k) outliers += counts[k];
  p[i - 1] += outliers;

  // Bucket j holds bins [j*i/L, (j+1)*i/L) (integer division): L buckets of
  // floor(i/L) or ceil(i/L) bins, in proportion, as uniform quantization.
  const size_t L = size_t(levels);
  for (size_t j = 0; j < L; ++j) {
    const size_t begin = j * i / L, end = (j + 1) * i / L;
    double sum = 0.0;
    size_t nonzero = 0;
    for (size_t k = begin; k < end; ++k) {
      sum += counts[k];
      nonzero += (p[k] != 0.0);
    }
    if (nonzero == 0) continue;
    const double v = sum / double(nonzero);
    for (size_t k = begin; k < end; ++k)
      if (p[k] != 0.0) q[k] = v;
  }

  // Smoothing keeps each sum, so normalizing by the raw totals is exact.
  double sum_p = 0.0, sum_q = 0.0;
  for (size_t k = 0; k < i; ++k) {
    sum_p += p[k];
    sum_q += q[k];
  }
  if (!smooth(p) || !smooth(q)) return std::numeric_limits<double>::infinity();
  double kl = 0.0;
  for (size_t k = 0; k < i; ++k) {
    const double pk = p[k] / sum_p, qk = q[k] / sum_q;
    kl += pk * std::log(pk / qk);
  }
  return kl;
}

double kl_divergence_at(const std::vector<uint64_t>& counts, size_t i, int levels) {
  return kl_divergence_at(std::vector<double>(counts.begin(), counts.end()), i, levels);
}

std::vector<double> kl_bins_over_max(const Histogram& hist, size_t bins) {
  if (bins == 0) throw CalibError("kl: the scan needs at least one bin");
  std::vector<double> out(bins, 0.0);
  std::vector<uint64_t> c = hist.counts();
  c[0] -= hist.zeros();  // zeros (and clamped negatives) are all in bin 0
  const double max = hist.max(), w = hist.bin_width();
  if (!(max > 0.0)) return out;
  const double scale = double(bins) / max;  // output bins per unit
  for (size_t f = 0; f < c.size(); ++f) {
    if (c[f] == 0) continue;
    // The fine bin in output-bin units, clipped to the max (no value is
    // above it): [lo, hi) with 0 <= lo <= hi <= bins.
    const double lo = std::min(double(f) * w * scale, double(bins));
    const double hi = std::min(double(f + 1) * w * scale, double(bins));
    const double n = double(c[f]);
    if (!(hi > lo)) {  // starts at the max: everything there is the max
      out[bins - 1] += n;
      continue;
    }
    const size_t first = size_t(lo);
    if (hi <= double(first + 1)) {  // inside one bin: the count as it is
      out[std::min(first, bins - 1)] += n;
      continue;
    }
    const double density = n / (hi - lo);
    for (size_t k = first; k < bins && double(k) < hi; ++k) {
      const double a = std::max(lo, double(k)), b = std::min(hi, double(k + 1));
      if (b > a) out[k] += density * (b - a);
    }
  }
  return out;
}

KlScan kl_scan_counts(const std::vector<double>& counts, int levels, double width, float max) {
  if (levels < 2) throw CalibError("kl: levels = " + std::to_string(levels) + " (must be >= 2)");
  KlScan scan;
  size_t used = counts.size();
  while (used > 0 && counts[used - 1] == 0.0) --used;
  if (used <= size_t(levels)) {
    scan.bins.push_back(used);
    scan.thresholds.push_back(max);
    scan.kl.push_back(0.0);
    return scan;
  }
  for (size_t i = size_t(levels); i <= used; ++i) {
    scan.bins.push_back(i);
    // The last edge is past every value: the last candidate is the max.
    scan.thresholds.push_back(i == used ? max : float(double(i) * width));
    scan.kl.push_back(kl_divergence_at(counts, i, levels));
  }
  return scan;
}

KlScan kl_scan(const Histogram& hist, int levels, size_t kl_bins) {
  if (levels < 2) throw CalibError("kl: levels = " + std::to_string(levels) + " (must be >= 2)");
  return kl_scan_counts(kl_bins_over_max(hist, kl_bins), levels, double(hist.max()) / double(kl_bins), hist.max());
}

size_t choose_threshold_kl(const std::vector<double>& kl, double tolerance) {
  if (kl.empty()) throw CalibError("kl: no candidate thresholds to choose from");
  if (!(tolerance >= 1.0))
    throw CalibError("kl: tolerance = " + std::to_string(tolerance) + " (must be >= 1; 1 is plain KL)");
  double kl_min = std::numeric_limits<double>::infinity();
  for (double v : kl)
    if (v < kl_min) kl_min = v;  // NaN and +inf never win
  if (std::isinf(kl_min)) return kl.size() - 1;
  const double bound = std::isinf(tolerance) ? tolerance : tolerance * kl_min;
  for (size_t k = kl.size(); k > 0; --k)
    if (kl[k - 1] <= bound && std::isfinite(kl[k - 1])) return k - 1;
  return kl.size() - 1;  // unreachable: the minimum itself qualifies
}

}  // namespace qrt::calib
