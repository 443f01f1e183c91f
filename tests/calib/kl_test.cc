// KL scan (TensorRT entropy calibration) and the tolerance rule.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "calib/error.h"
#include "calib/histogram.h"
#include "calib/kl.h"

using namespace qrt::calib;

namespace {

// A histogram of `bins` bins over [0, 1) whose counts are exactly `counts`:
// value (b + 0.5) / bins lands in bin b; range 1 needs max in [0.5, 1).
Histogram histogram_of(const std::vector<uint64_t>& counts) {
  Histogram h(counts.size());
  const float half[] = {0.5f};
  h.cover(half[0]);
  for (size_t b = 0; b < counts.size(); ++b)
    for (uint64_t k = 0; k < counts[b]; ++k) h.add_covered(float((double(b) + 0.5) / double(counts.size())));
  REQUIRE(h.range() == 1.0);
  REQUIRE(h.counts() == counts);
  return h;
}

// sum p ln(p/q) of two count vectors, normalized (no zeros in them).
double kl_of(const std::vector<double>& p, const std::vector<double>& q) {
  double sp = 0, sq = 0, kl = 0;
  for (double v : p) sp += v;
  for (double v : q) sq += v;
  for (size_t k = 0; k < p.size(); ++k) kl += p[k] / sp * std::log((p[k] / sp) / (q[k] / sq));
  return kl;
}

}  // namespace

TEST_CASE("kl: levels follow bits and signedness", "[calib][kl]") {
  CHECK(num_levels(8, false) == 128);
  CHECK(num_levels(8, true) == 256);
  CHECK(num_levels(4, true) == 16);
  CHECK(num_levels(4, false) == 8);
  CHECK(num_levels(6, false) == 32);
  CHECK_THROWS_WITH(num_levels(1, false), Catch::Contains("bits = 1"));
  CHECK_THROWS_AS(num_levels(17, true), CalibError);
}

TEST_CASE("kl: one candidate computed by hand", "[calib][kl]") {
  // 8 bins, 2 levels, candidate i = 4:
  //   P = [4, 2, 0, 2 + (1 + 1)]           outliers folded into P[3]
  //   buckets [0,2) sum 6 over 2 non-zero -> 3, 3
  //           [2,4) sum 2 over 1 non-zero -> 0, 2
  //   smoothing: one zero each: zero -> 1e-4, others -= 1e-4 / 3
  const std::vector<uint64_t> c = {4, 2, 0, 2, 1, 0, 0, 1};
  const double e = 1e-4, e1 = 1e-4 / 3;
  const double expected = kl_of({4 - e1, 2 - e1, e, 4 - e1}, {3 - e1, 3 - e1, e, 2 - e1});
  CHECK(kl_divergence_at(c, 4, 2) == Approx(expected).epsilon(1e-12));
  // i = 8 (no clipping), 2 levels: buckets [0,4) sum 8 over 3 non-zero,
  // [4,8) sum 2 over 2 non-zero; three zeros in P and in Q.
  const double f1 = 1e-4 * 3 / 5;
  const double q0 = 8.0 / 3 - f1;
  const double e8 = kl_of({4 - f1, 2 - f1, e, 2 - f1, 1 - f1, e, e, 1 - f1}, {q0, q0, e, q0, 1 - f1, e, e, 1 - f1});
  CHECK(kl_divergence_at(c, 8, 2) == Approx(e8).epsilon(1e-12));
  // i not a multiple of L: i = 5, L = 2 -> buckets [0,2) and [2,5).
  // P = [4,2,0,2,1+1]; Q = [3,3, 0, 3/2, 3/2]
  const double g1 = 1e-4 / 4;
  const double e5 = kl_of({4 - g1, 2 - g1, e, 2 - g1, 2 - g1}, {3 - g1, 3 - g1, e, 1.5 - g1, 1.5 - g1});
  CHECK(kl_divergence_at(c, 5, 2) == Approx(e5).epsilon(1e-12));
  // Buckets in proportion: i = 5, L = 3 -> [0,1), [1,3), [3,5) (not MXNet's
  // [0,1), [1,2), [2,5) with the remainder in the last bucket).
  const std::vector<uint64_t> c3 = {4, 2, 2, 0, 1, 0, 0, 1};
  // P = [4,2,2,0,1+1]; Q = [4, 2,2, 0,1] (MXNet's: [4, 2, 3/2,0,3/2])
  const double e53 = kl_of({4 - g1, 2 - g1, 2 - g1, e, 2 - g1}, {4 - g1, 2 - g1, 2 - g1, e, 1 - g1});
  CHECK(kl_divergence_at(c3, 5, 3) == Approx(e53).epsilon(1e-12));
  CHECK_THROWS_AS(kl_divergence_at(c, 1, 2), CalibError);
  CHECK_THROWS_AS(kl_divergence_at(c, 9, 2), CalibError);
}

TEST_CASE("kl: no clipping and bucket-constant data gives KL exactly 0", "[calib][kl]") {
  const std::vector<uint64_t> uniform(16, 5);
  CHECK(kl_divergence_at(uniform, 16, 4) == 0.0);
  CHECK(kl_divergence_at(uniform, 12, 4) > 0.0);  // clipping always costs
}

TEST_CASE("kl: scan candidates run from L bins to the last non-empty bin", "[calib][kl]") {
  const Histogram h = histogram_of({100, 100, 1, 1, 1, 1, 1, 0});
  const KlScan s = kl_scan(h, 2);
  CHECK(s.bins == std::vector<size_t>{2, 3, 4, 5, 6, 7});
  CHECK(s.thresholds.front() == 0.25f);  // 2 bins of 1/8
  CHECK(s.thresholds[4] == 0.75f);
  CHECK(s.thresholds.back() == h.max());  // last candidate: the exact max
  CHECK(h.max() == float(6.5 / 8));
  REQUIRE(s.kl.size() == 6);
  for (size_t k = 0; k < s.kl.size(); ++k) CHECK(s.kl[k] == kl_divergence_at(h.counts(), s.bins[k], 2));
  // Fewer used bins than levels: only the max, KL 0.
  const KlScan few = kl_scan(h, 8);
  CHECK(few.bins == std::vector<size_t>{7});
  CHECK(few.thresholds == std::vector<float>{h.max()});
  CHECK(few.kl == std::vector<double>{0.0});
  // Empty: threshold 0.
  CHECK(kl_scan(Histogram(8), 2).thresholds == std::vector<float>{0.0f});
}

TEST_CASE("kl: crafted histogram with a known argmin and tolerance choices", "[calib][kl]") {
  // A peak in the first 2 bins and a thin dense tail. With 2 levels the
  // candidates are i = 2..8. Clipping at i = 2 costs little (the tail is 6
  // of 206); every wider candidate either clips the tail into one bin or
  // spreads the peak over tail bins (no zeros anywhere: no smoothing):
  //   i=2: P=[100,106]            Q=[100,100]          KL ~ 4.3e-4
  //   i=4: P=[100,100,1,5]        Q=[100,100,1,1]      KL ~ 1.9e-2
  //   i=5: P=[100,100,1,1,4]      Q=[100,100,1,1,1]    KL ~ 1.2e-2
  //   i=3,6,7,8 put a peak bin and tail bins in one bucket: KL > 0.1.
  const Histogram h = histogram_of({100, 100, 1, 1, 1, 1, 1, 1});
  const KlScan s = kl_scan(h, 2);
  REQUIRE(s.bins == std::vector<size_t>{2, 3, 4, 5, 6, 7, 8});
  CHECK(s.kl[0] == Approx(kl_of({100, 106}, {100, 100})).epsilon(1e-12));
  CHECK(s.kl[2] == Approx(kl_of({100, 100, 1, 5}, {100, 100, 1, 1})).epsilon(1e-12));
  CHECK(s.kl[3] == Approx(kl_of({100, 100, 1, 1, 4}, {100, 100, 1, 1, 1})).epsilon(1e-12));
  for (size_t k : {1, 4, 5, 6}) CHECK(s.kl[k] > 0.1);

  CHECK(choose_threshold_kl(s.kl, 1.0) == 0);  // argmin: i = 2
  CHECK(s.thresholds[0] == 0.25f);
  CHECK(choose_threshold_kl(s.kl, 1.3) == 0);
  // KL(i=5) / KLmin ~ 28.8, KL(i=4) / KLmin ~ 45.7: T = 35 takes i = 5, the
  // largest within 35x (i = 4 is not), T = 50 takes i = 4 and i = 5 both:
  // the larger, i = 5 still.
  REQUIRE(s.kl[3] / s.kl[0] < 35.0);
  REQUIRE(s.kl[2] / s.kl[0] > 35.0);
  CHECK(choose_threshold_kl(s.kl, 35.0) == 3);
  CHECK(s.thresholds[3] == 0.625f);
  CHECK(choose_threshold_kl(s.kl, 20.0) == 0);
  CHECK(choose_threshold_kl(s.kl, 1e9) == 6);  // the max: MinMax
  CHECK(s.thresholds[6] == h.max());
}

TEST_CASE("kl: tolerance rule on a KL vector", "[calib][kl]") {
  const std::vector<double> kl = {5.0, 2.0, 1.0, 1.2, 1.35, 1.29, 3.0};
  CHECK(choose_threshold_kl(kl, 1.0) == 2);
  CHECK(choose_threshold_kl(kl, 1.3) == 5);   // 1.29 <= 1.3, 3.0 is not
  CHECK(choose_threshold_kl(kl, 1.25) == 3);  // 1.2 only
  CHECK(choose_threshold_kl(kl, 3.0) == 6);
  CHECK(choose_threshold_kl(kl, 1e9) == 6);
  CHECK(choose_threshold_kl(kl, std::numeric_limits<double>::infinity()) == 6);
  // Ties at the minimum go to the largest threshold (T = 1 is the same rule).
  CHECK(choose_threshold_kl({1.0, 2.0, 1.0, 3.0}, 1.0) == 2);
  // KLmin = 0: only zero-KL candidates qualify for finite T; inf takes all.
  CHECK(choose_threshold_kl({0.0, 1.0, 0.0, 5.0}, 1e9) == 2);
  CHECK(choose_threshold_kl({0.0, 1.0, 0.0, 5.0}, std::numeric_limits<double>::infinity()) == 3);
  // Undefined (+inf) candidates never qualify; all undefined: the last.
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(choose_threshold_kl({2.0, 1.0, inf}, 1e9) == 1);
  CHECK(choose_threshold_kl({inf, inf}, 1.3) == 1);
  CHECK_THROWS_WITH(choose_threshold_kl(kl, 0.9), Catch::Contains("tolerance"));
  CHECK_THROWS_AS(choose_threshold_kl(kl, std::nan("")), CalibError);
  CHECK_THROWS_AS(choose_threshold_kl({}, 1.3), CalibError);
}

TEST_CASE("kl: larger T never gives a smaller threshold", "[calib][kl]") {
  std::vector<uint64_t> c(256);
  for (size_t b = 0; b < c.size(); ++b) c[b] = uint64_t(10000.0 * std::exp(-double(b) / 12.0)) + (b % 7 == 0);
  const Histogram h = histogram_of(c);
  const KlScan s = kl_scan(h, 16);
  float prev = 0.0f;
  for (double t : {1.0, 1.05, 1.3, 2.0, 5.0, 100.0, 1e9}) {
    const float th = s.thresholds[choose_threshold_kl(s.kl, t)];
    CHECK(th >= prev);
    prev = th;
  }
  CHECK(s.thresholds[choose_threshold_kl(s.kl, 1.0)] < h.max());
  CHECK(prev == h.max());
}

// The bug this guards against: with a ReLU's exact zeros in bin 0, every
// candidate i < 2L has bucket 0 = bin 0 alone (the spike quantized
// losslessly), every larger one merges the spike with its neighbours (huge
// KL), so the scan picked i = 2L - 1 bins whatever the data: uint8 with a
// range of 4 gave 511 / 512 = 0.998 for every tensor.
TEST_CASE("kl: exact zeros are left out of the scan", "[calib][kl]") {
  // Uniform data on 2000 of 2048 bins over [0, 1) plus a zero spike twice
  // the size of everything else. Without the zeros, no clipping is exact
  // (every bucket is constant): KL 0 at the maximum, the T = 1 choice.
  std::vector<float> v;
  for (int b = 0; b < 2000; ++b)
    for (int k = 0; k < 5; ++k) v.push_back(float((b + 0.5) / 2048.0));
  Histogram nonzero;
  nonzero.add(v.data(), v.size());
  v.insert(v.end(), 20000, 0.0f);
  Histogram with_zeros;
  with_zeros.add(v.data(), v.size());
  REQUIRE(with_zeros.zeros() == 20000);
  REQUIRE(with_zeros.counts()[0] == 20005);

  std::vector<uint64_t> expected = with_zeros.counts();
  expected[0] = 5;
  CHECK(kl_counts(with_zeros) == expected);
  CHECK(kl_counts(nonzero) == nonzero.counts());

  for (int levels : {256, 128}) {
    const KlScan a = kl_scan(with_zeros, levels), b = kl_scan(nonzero, levels);
    CHECK(a.bins == b.bins);
    CHECK(a.thresholds == b.thresholds);
    CHECK(a.kl == b.kl);
    CHECK(a.kl.back() == 0.0);
    CHECK(a.thresholds[choose_threshold_kl(a.kl, 1.0)] == with_zeros.max());
    // Not the artifact: 2L - 1 bins of 1/2048.
    CHECK(a.thresholds[choose_threshold_kl(a.kl, 1.0)] != float((2 * levels - 1) / 2048.0));
  }
  // Negative values clamped to 0 (non_negative() of a tensor) are zeros too.
  Histogram clamped = nonzero;
  clamped.add_zeros(12345);
  CHECK(kl_scan(clamped, 256).kl == kl_scan(nonzero, 256).kl);
  // Zeros only: one candidate, 0.
  Histogram zeros_only;
  zeros_only.add_zeros(10);
  const KlScan z = kl_scan(zeros_only, 256);
  CHECK(z.thresholds == std::vector<float>{0.0f});
  CHECK(z.kl == std::vector<double>{0.0});
}
