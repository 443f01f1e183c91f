#include "calib/methods.h"

#include <algorithm>
#include <cmath>

#include "calib/error.h"
#include "calib/kl.h"
#include "calib/sqnr.h"

namespace qrt::calib {

const char* method_name(Method m) {
  switch (m) {
    case Method::kMinMax: return "minmax";
    case Method::kPercentile: return "percentile";
    case Method::kKl: return "kl";
  }
  return "?";
}

Method parse_method(const std::string& name) {
  if (name == "minmax") return Method::kMinMax;
  if (name == "percentile") return Method::kPercentile;
  if (name == "kl") return Method::kKl;
  throw CalibError("calibration method '" + name + "' is not supported (supported: minmax, percentile, kl)");
}

float minmax_threshold(const TensorHistogram& t, bool is_unsigned) {
  if (is_unsigned) return std::max(t.max(), 0.0f);
  return std::max(std::fabs(t.min()), std::fabs(t.max()));
}

float percentile_threshold(const Histogram& hist, double percent) {
  if (!(percent > 0.0 && percent <= 100.0))
    throw CalibError("calibration: percentile = " + std::to_string(percent) + " (must be in (0, 100])");
  const std::vector<uint64_t>& c = hist.counts();
  // The first bin b with cumsum(c[0..b]) >= percent% of the count,
  // compared as cum * 100 >= percent * count.
  const double target = percent * double(hist.count());
  uint64_t cum = 0;
  for (size_t b = 0; b < c.size(); ++b) {
    cum += c[b];
    if (c[b] != 0 && double(cum) * 100.0 >= target)
      return std::min(float(double(b + 1) * hist.bin_width()), hist.max());
  }
  return hist.max();  // empty histogram: 0
}

Threshold kl_threshold(const Histogram& hist, int levels, double tolerance) {
  const KlScan scan = kl_scan(hist, levels);
  const size_t chosen = choose_threshold_kl(scan.kl, tolerance);
  const size_t argmin = choose_threshold_kl(scan.kl, 1.0);
  Threshold t;
  t.method = Method::kKl;
  t.threshold = scan.thresholds[chosen];
  t.max = hist.max();
  t.candidates = scan.kl.size();
  t.kl_min = scan.kl[argmin];
  t.kl_chosen = scan.kl[chosen];
  t.kl_argmin_threshold = scan.thresholds[argmin];
  return t;
}

Threshold kl_threshold_guarded(const Histogram& hist, int levels, double tolerance, double guard_db) {
  if (!(guard_db >= 0.0))
    throw CalibError("calibration: KL guard = " + std::to_string(guard_db) + " dB (must be >= 0, or inf: off)");
  Threshold t = kl_threshold(hist, levels, tolerance);
  t.kl_rule_threshold = t.threshold;
  if (!(t.threshold > 0.0f && t.threshold < t.max)) return t;  // the max (or zeros only): nothing clipped
  t.kl_rule_sqnr_db = quant_error(hist, t.threshold, levels).sqnr_db();
  t.max_sqnr_db = quant_error(hist, t.max, levels).sqnr_db();
  if (t.kl_rule_sqnr_db < t.max_sqnr_db - guard_db) {  // false for guard_db = +inf
    t.threshold = t.max;
    t.guarded = true;
  }
  return t;
}

Threshold compute_threshold(const TensorHistogram& t, const TensorSettings& s) {
  const std::string where = "calibration of tensor '" + t.name() + "': ";
  try {
    const int levels = num_levels(s.bits, s.is_unsigned);
    Threshold r;
    switch (s.method) {
      case Method::kMinMax:
        r.threshold = minmax_threshold(t, s.is_unsigned);
        break;
      case Method::kPercentile:
        r.threshold = percentile_threshold(s.is_unsigned ? t.non_negative() : t.magnitude(), s.percentile);
        break;
      case Method::kKl:
        r = kl_threshold_guarded(s.is_unsigned ? t.non_negative() : t.magnitude(), levels, s.tolerance, s.guard_db);
        break;
    }
    r.method = s.method;
    r.max = minmax_threshold(t, s.is_unsigned);
    return r;
  } catch (const CalibError& e) {
    throw CalibError(where + e.what());
  }
}

}  // namespace qrt::calib
