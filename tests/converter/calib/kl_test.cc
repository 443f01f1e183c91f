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

// The scan over the histogram's own bins (kl_scan re-bins onto [0, max]).
KlScan scan_own_bins(const Histogram& h, int levels) {
  const std::vector<uint64_t>& c = h.counts();
  return kl_scan_counts(std::vector<double>(c.begin(), c.end()), levels, h.bin_width(), h.max());
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
  const KlScan s = scan_own_bins(h, 2);
  CHECK(s.bins == std::vector<size_t>{2, 3, 4, 5, 6, 7});
  CHECK(s.thresholds.front() == 0.25f);  // 2 bins of 1/8
  CHECK(s.thresholds[4] == 0.75f);
  CHECK(s.thresholds.back() == h.max());  // last candidate: the exact max
  CHECK(h.max() == float(6.5 / 8));
  REQUIRE(s.kl.size() == 6);
  for (size_t k = 0; k < s.kl.size(); ++k) CHECK(s.kl[k] == kl_divergence_at(h.counts(), s.bins[k], 2));
  // Fewer used bins than levels: only the max, KL 0.
  const KlScan few = scan_own_bins(h, 8);
  CHECK(few.bins == std::vector<size_t>{7});
  CHECK(few.thresholds == std::vector<float>{h.max()});
  CHECK(few.kl == std::vector<double>{0.0});
  // Empty: threshold 0.
  CHECK(kl_scan(Histogram(8), 2).thresholds == std::vector<float>{0.0f});
  CHECK(scan_own_bins(Histogram(8), 2).thresholds == std::vector<float>{0.0f});
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
  const KlScan s = scan_own_bins(h, 2);
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


TEST_CASE("kl: re-binning onto [0, max] by hand", "[calib][kl]") {
  // 8 fine bins over [0, 1): 0.0625 in bin 0, 0.3 in bin 2 [0.25, 0.375),
  // 0.74 in bin 5 [0.625, 0.75), plus two zeros. 4 bins over [0, 0.74]:
  // bin 0 -> [0, 0.676) of bin units: all in bin 0; bin 2 -> [1.351,
  // 2.027): (2 - 1.351) / 0.676 in bin 1, the rest in bin 2; bin 5,
  // clipped to the max -> [3.378, 4): all in bin 3. The zeros are left out.
  Histogram h(8);
  h.add(std::vector<float>{0.0625f, 0.3f, 0.74f, 0.0f, 0.0f}.data(), 5);
  REQUIRE(h.range() == 1.0);
  const std::vector<double> r = kl_bins_over_max(h, 4);
  const double u = 4.0 / double(0.74f);  // bin units per value unit
  REQUIRE(r.size() == 4);
  CHECK(r[0] == 1.0);
  CHECK(r[1] == Approx((2.0 - 0.25 * u) / (0.125 * u)).epsilon(1e-12));
  CHECK(r[2] == Approx((0.375 * u - 2.0) / (0.125 * u)).epsilon(1e-12));
  CHECK(r[1] + r[2] == Approx(1.0).epsilon(1e-12));
  CHECK(r[3] == 1.0);
  // A max at a fine bin's lower edge (0.5 starts bin 4): all in the last bin.
  Histogram e(8);
  e.add(std::vector<float>{0.5f, 0.5f, 0.1f}.data(), 3);
  CHECK(kl_bins_over_max(e, 4) == std::vector<double>{1.0, 0.0, 0.0, 2.0});
  // Nothing but zeros: all zero, one candidate (the max, 0).
  Histogram z(8);
  z.add(std::vector<float>{0.0f, 0.0f}.data(), 2);
  CHECK(kl_bins_over_max(z, 4) == std::vector<double>(4, 0.0));
  CHECK(kl_scan(z, 2).thresholds == std::vector<float>{0.0f});
  CHECK_THROWS_AS(kl_bins_over_max(z, 0), CalibError);
}

TEST_CASE("kl: scan candidates are edges of 2048 bins over [0, max]", "[calib][kl]") {
  std::vector<float> v;
  for (int k = 0; k < 30000; ++k) v.push_back(float(std::exp(-double(k % 997) / 80.0)) * 2.7f);
  Histogram h;
  h.add(v.data(), v.size());
  REQUIRE(h.num_bins() == kHistogramBins);
  const KlScan s = kl_scan(h, 256);
  REQUIRE(s.bins.front() == 256);
  REQUIRE(s.bins.back() == kKlBins);
  CHECK(s.thresholds.front() == float(256.0 * double(h.max()) / 2048.0));
  CHECK(s.thresholds[1000 - 256] == float(1000.0 * double(h.max()) / 2048.0));
  CHECK(s.thresholds.back() == h.max());
  const std::vector<double> r = kl_bins_over_max(h);
  for (size_t k = 0; k < s.kl.size(); k += 97) CHECK(s.kl[k] == kl_divergence_at(r, s.bins[k], 256));
  double total = 0.0;
  for (double c : r) total += c;
  CHECK(total == Approx(30000.0).epsilon(1e-12));
}

// The two bugs this guards against, both in data a ReLU produces:
// 1. Zeros. With exact zeros in bin 0, every candidate i < 2L has bucket 0
//    = bin 0 alone (the spike quantized losslessly), every larger one
//    merges the spike with its neighbours (huge KL): the scan picked i =
//    2L - 1 bins whatever the data (uint8, range 4: 511/512 = 0.998 for
//    every tensor).
// 2. The octave. Scanning the power-of-two bins, the data filled 1024 to
//    2048 of them depending on where the max sat below its power of two,
//    and KL (and so T) depends on the bins per level: the same data scaled
//    by 1.45 chose a different fraction of its max.
TEST_CASE("kl: zeros and the max's octave do not move the choice", "[calib][kl]") {
  // A dense exponential bulk (max ~11.5) and a sparse tail up to 52: plain
  // KL (T = 1, int8) clips at about half the max.
  std::vector<float> base;
  for (int k = 1; k <= 200000; ++k) {
    const double u = k * 0.6180339887498949 - std::floor(k * 0.6180339887498949);  // low discrepancy
    base.push_back(float(-std::log(1.0 - u * 0.99999)));
  }
  for (int k = 1; k <= 200; ++k) {
    const double u = k * 0.7548776662466927 - std::floor(k * 0.7548776662466927);
    base.push_back(float(12.0 + 40.0 * u));
  }
  Histogram hb;
  hb.add(base.data(), base.size());
  const KlScan sb8 = kl_scan(hb, 128);
  const double rb8 = sb8.thresholds[choose_threshold_kl(sb8.kl, 1.0)] / double(hb.max());
  CHECK(rb8 > 0.45);
  CHECK(rb8 < 0.55);
  for (double scale : {1.0, 1.2, 1.45, 0.7}) {
    std::vector<float> v;
    for (float x : base) v.push_back(float(double(x) * scale));
    Histogram nonzero;
    nonzero.add(v.data(), v.size());
    v.insert(v.end(), 300000, 0.0f);
    Histogram with_zeros;
    with_zeros.add(v.data(), v.size());
    REQUIRE(with_zeros.zeros() == 300000);
    CHECK(kl_bins_over_max(with_zeros) == kl_bins_over_max(nonzero));
    for (int levels : {256, 128}) {
      const KlScan a = kl_scan(with_zeros, levels), b = kl_scan(nonzero, levels);
      CHECK(a.kl == b.kl);
      CHECK(a.thresholds == b.thresholds);
      const float t1 = a.thresholds[choose_threshold_kl(a.kl, 1.0)];
      CHECK(t1 != float((2 * levels - 1) * with_zeros.bin_width()));
      // Relative to the max, the choice is the unscaled data's: to a bin or
      // two for the sharp int8 minimum (the power-of-two scan: 0.457 to
      // 0.547 of the max), to 3% where the KL curve is flat.
      const KlScan sb = kl_scan(hb, levels);
      for (double t : {1.0, 1.3, 2.0}) {
        const double ra = a.thresholds[choose_threshold_kl(a.kl, t)] / double(with_zeros.max());
        const double rb = sb.thresholds[choose_threshold_kl(sb.kl, t)] / double(hb.max());
        INFO("scale " << scale << " levels " << levels << " T " << t << ": " << ra << " vs " << rb);
        CHECK(std::fabs(ra - rb) <= (levels == 128 && t == 1.0 ? 3.0 / 2048 : 0.03));
      }
    }
  }
  // Negative values clamped to 0 (non_negative() of a tensor) are zeros too.
  Histogram clamped = hb;
  clamped.add_zeros(12345);
  CHECK(kl_scan(clamped, 256).kl == kl_scan(hb, 256).kl);
}
