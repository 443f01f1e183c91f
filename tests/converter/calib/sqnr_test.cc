// The quantization error of a threshold estimated from a histogram
// (calib/sqnr.h): against a brute-force integral of the same uniform-in-bin
// model, and against the exact error of the values themselves.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "calib/error.h"
#include "calib/histogram.h"
#include "calib/sqnr.h"
#include "test_data.h"

using namespace qrt::calib;
using qrt::calib::test::laplace;

namespace {

// The exact error of storing `values` (>= 0) with threshold t, L levels:
// q = s * round(min(x, t) / s), s = t / (L - 1), half to even as the runtime.
QuantError exact_error(const std::vector<float>& values, double t, int levels) {
  QuantError e;
  const double s = t / double(levels - 1);
  for (float v : values) {
    const double x = v;
    const double q = s * std::nearbyint(std::min(x, t) / s);
    e.signal += x * x;
    (x > t ? e.clipping : e.rounding) += (x - q) * (x - q);
  }
  return e;
}

// The same model as quant_error, integrated numerically: each bin's
// non-zero count spread evenly over [lo, min(hi, max)), midpoint rule.
QuantError brute_force(const Histogram& h, double t, int levels, int steps) {
  QuantError e;
  const double s = t / double(levels - 1), w = h.bin_width(), max = h.max();
  for (size_t k = 0; k < h.num_bins(); ++k) {
    double n = double(h.counts()[k]) - (k == 0 ? double(h.zeros()) : 0.0);
    if (n <= 0) continue;
    const double lo = double(k) * w, hi = std::min(double(k + 1) * w, max);
    for (int j = 0; j < steps; ++j) {
      const double x = lo + (j + 0.5) * (hi - lo) / steps, m = n / steps;
      e.signal += m * x * x;
      if (x > t) e.clipping += m * (x - t) * (x - t);
      else e.rounding += m * std::pow(x - s * std::nearbyint(x / s), 2);
    }
  }
  return e;
}

}  // namespace

TEST_CASE("sqnr: one bin by hand", "[calib][sqnr]") {
  // 4 bins over [0, 1): 10 values in bin 2 = [0.5, 0.75), max 0.7 (so the
  // bin is [0.5, 0.7)). Threshold 0.6, 2 levels: step 0.6, codes 0 and 0.6.
  std::vector<float> x(9, 0.55f);
  x.push_back(0.7f);
  Histogram h(4);
  h.add(x.data(), x.size());
  REQUIRE(h.range() == 1.0);
  const QuantError e = quant_error(h, 0.6, 2);
  const double m = double(0.7f), d = 10.0 / (m - 0.5);  // density over [0.5, max)
  CHECK(e.signal == Approx(d * (m * m * m - 0.5 * 0.5 * 0.5) / 3).epsilon(1e-12));
  CHECK(e.clipping == Approx(d * std::pow(m - 0.6, 3) / 3).epsilon(1e-9));  // (x - 0.6)^2 over [0.6, max)
  CHECK(e.rounding == Approx(d * std::pow(0.1, 3) / 3).epsilon(1e-9));      // (x - 0.6)^2 over [0.5, 0.6)
  CHECK(e.sqnr_db() == Approx(10 * std::log10(e.signal / (e.clipping + e.rounding))).epsilon(1e-12));
}

TEST_CASE("sqnr: the closed form equals the integral of the model", "[calib][sqnr]") {
  auto x = laplace(20000, 1.0f, 3, /*relu=*/true);  // half of them exact zeros
  Histogram h(1024);
  h.add(x.data(), x.size());
  for (int levels : {16, 128, 256})
    for (double frac : {0.05, 0.3, 0.77, 1.0}) {
      const double t = frac * h.max();
      const QuantError a = quant_error(h, t, levels), b = brute_force(h, t, levels, 400);
      CHECK(a.signal == Approx(b.signal).epsilon(1e-5));
      CHECK(a.clipping == Approx(b.clipping).epsilon(1e-5).margin(1e-12));
      CHECK(a.rounding == Approx(b.rounding).epsilon(2e-3));
    }
}

TEST_CASE("sqnr: the estimate is the values' own SQNR within 0.05 dB", "[calib][sqnr]") {
  // Fine bins (16384) against the step (t / 255 is 2-64 fine bins here):
  // the uniform-in-bin model is then close to the values themselves.
  auto x = laplace(200000, 0.5f, 11, /*relu=*/true);
  Histogram h;
  h.add(x.data(), x.size());
  for (int levels : {16, 256})
    for (double frac : {0.1, 0.25, 0.5, 1.0}) {
      const double t = frac * h.max();
      INFO("levels " << levels << ", t = " << frac << " max");
      CHECK(quant_error(h, t, levels).sqnr_db() == Approx(exact_error(x, t, levels).sqnr_db()).margin(0.05));
    }
}

TEST_CASE("sqnr: zeros, the max, levels and errors", "[calib][sqnr]") {
  Histogram h(8);
  const std::vector<float> zeros(100, 0.0f);
  h.add(zeros.data(), zeros.size());
  CHECK(quant_error(h, 1.0, 256).sqnr_db() == std::numeric_limits<double>::infinity());  // nothing but zeros
  // One value exactly at the max, which is a code: no error at t = max.
  const float one[] = {0.5f};
  h.add(one, 1);
  REQUIRE(h.max() == 0.5f);
  REQUIRE(h.counts()[4] == 1);  // bin [0.5, 0.625): starts at the max
  QuantError e = quant_error(h, 0.5, 256);
  CHECK(e.signal == 0.25);
  CHECK(e.clipping + e.rounding < 1e-30);  // to the last bit of the step
  e = quant_error(h, 0.25, 256);
  CHECK(e.clipping == 0.0625);
  CHECK(e.sqnr_db() == Approx(10 * std::log10(4.0)));
  // The rounding error scales with the step squared: 4 bits (15 steps) vs
  // 8 bits (255 steps) on dense data: 20 log10(255 / 15) = 24.6 dB.
  auto x = laplace(100000, 1.0f, 4, true);
  Histogram d;
  d.add(x.data(), x.size());
  CHECK(quant_error(d, d.max(), 256).sqnr_db() - quant_error(d, d.max(), 16).sqnr_db() ==
        Approx(20 * std::log10(255.0 / 15.0)).margin(0.1));
  CHECK_THROWS_AS(quant_error(d, 0.0, 256), CalibError);
  CHECK_THROWS_AS(quant_error(d, -1.0, 256), CalibError);
  CHECK_THROWS_AS(quant_error(d, 1.0, 1), CalibError);
}
