#include "calib/sqnr.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "calib/error.h"

namespace qrt::calib {

double QuantError::sqnr_db() const {
  const double err = clipping + rounding;
  if (!(err > 0.0)) return std::numeric_limits<double>::infinity();
  if (!(signal > 0.0)) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / err);
}

namespace {

// G(x) = integral over [0, x] of (u - s round(u / s))^2 du, x >= 0: with
// x = n s + r, n = floor(x / s + 1/2), r in [-s/2, s/2), every whole period
// adds s^3 / 12 and the rest r^3 / 3 (G(s/2) = s^3/24: 1 period - s^3/24).
double rounding_integral(double x, double s) {
  const double n = std::floor(x / s + 0.5);
  const double r = x - n * s;
  return n * s * s * s / 12.0 + r * r * r / 3.0;
}

// integral over [a, b] of (x - c)^2 dx, a <= b, without cancellation.
double square_integral(double a, double b, double c) {
  const double u = a - c, v = b - c;
  return (b - a) * (u * u + u * v + v * v) / 3.0;
}

// The rounding error squared at one point x in [0, t].
double rounding_at(double x, double s) {
  const double e = x - s * std::nearbyint(x / s);
  return e * e;
}

}  // namespace

QuantError quant_error(const Histogram& hist, double threshold, int levels) {
  if (!(threshold > 0.0) || std::isinf(threshold))
    throw CalibError("sqnr: threshold " + std::to_string(threshold) + " (must be finite and > 0)");
  if (levels < 2) throw CalibError("sqnr: levels = " + std::to_string(levels) + " (must be >= 2)");
  QuantError e;
  const double t = threshold, s = t / double(levels - 1), max = hist.max(), w = hist.bin_width();
  if (!(max > 0.0)) return e;  // zeros only: exact
  const std::vector<uint64_t>& c = hist.counts();
  for (size_t k = 0; k < c.size(); ++k) {
    double n = double(c[k]);
    if (k == 0) n -= double(hist.zeros());  // exact zeros: no error, no signal
    if (!(n > 0.0)) continue;
    const double lo = double(k) * w, hi = std::min(double(k + 1) * w, max);
    if (!(hi > lo)) {  // the bin starts at the max: every value is the max
      e.signal += n * max * max;
      if (max > t) e.clipping += n * (max - t) * (max - t);
      else e.rounding += n * rounding_at(max, s);
      continue;
    }
    const double density = n / (hi - lo);
    e.signal += density * square_integral(lo, hi, 0.0);
    if (hi > t) e.clipping += density * square_integral(std::max(lo, t), hi, t);
    if (lo < t) e.rounding += density * std::max(0.0, rounding_integral(std::min(hi, t), s) - rounding_integral(lo, s));
  }
  return e;
}

}  // namespace qrt::calib
