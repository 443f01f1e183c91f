// Histogram and TensorHistogram: power-of-two ranges, exact binning, growth
// by merging bin pairs, batch-split independence, bounded memory, errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "calib/error.h"
#include "calib/histogram.h"
#include "calib/tensor_histogram.h"
#include "test_data.h"

using qrt::calib::CalibError;
using qrt::calib::Histogram;
using qrt::calib::TensorHistogram;

namespace {

// Counts of `values` binned directly at range 2^e (the definition).
std::vector<uint64_t> direct_counts(const std::vector<float>& values, size_t bins, int e) {
  std::vector<uint64_t> c(bins, 0);
  for (float v : values) c[size_t(std::floor(double(v) * double(bins) / std::ldexp(1.0, e)))] += 1;
  return c;
}

// Non-negative values spanning many powers of two: batch k is scaled by
// 2^(k % 40 - 20), so the range grows many times over the whole set.
std::vector<std::vector<float>> growing_batches(size_t batches, size_t per_batch, uint32_t seed) {
  std::mt19937 g(seed);
  std::vector<std::vector<float>> out(batches);
  for (size_t k = 0; k < batches; ++k) {
    const float s = std::ldexp(1.0f, int(k % 40) - 20 + int(k / 40));
    for (size_t i = 0; i < per_batch; ++i) out[k].push_back(qrt::calib::test::uniform01(g) * s);
  }
  return out;
}

}  // namespace

TEST_CASE("histogram: num_bins must be a power of two", "[calib][histogram]") {
  CHECK_THROWS_AS(Histogram(1000), CalibError);
  CHECK_THROWS_AS(Histogram(1), CalibError);
  CHECK_THROWS_WITH(Histogram(3), Catch::Contains("num_bins = 3"));
  CHECK(Histogram(8).num_bins() == 8);
}

TEST_CASE("histogram: range is the smallest power of two strictly above the max", "[calib][histogram]") {
  Histogram h(8);
  CHECK_FALSE(h.has_range());
  CHECK(h.range() == 0.0);
  const float a[] = {0.3f};
  h.add(a, 1);
  CHECK(h.range() == 0.5);
  CHECK(h.range_exponent() == -1);
  const float b[] = {0.5f};  // exactly the old range: must grow
  h.add(b, 1);
  CHECK(h.range() == 1.0);
  CHECK(h.counts()[7] == 0);
  CHECK(h.counts()[4] == 1);  // 0.5 * 8 / 1 = 4
  CHECK(h.counts()[2] == 1);  // 0.3 * 8 = 2.4
  CHECK(h.max() == 0.5f);
}

TEST_CASE("histogram: growth merges pairs of bins exactly", "[calib][histogram]") {
  Histogram h(8);
  const float a[] = {0.0f, 0.1f, 0.3f, 0.45f};  // range 0.5: bins 0, 1, 4, 7
  h.add(a, 4);
  CHECK(h.counts() == std::vector<uint64_t>{1, 1, 0, 0, 1, 0, 0, 1});
  const float b[] = {1.5f};  // range 2 (x4): bins 0,1 -> 0; 4,7 -> 1; 1.5 -> 6
  h.add(b, 1);
  CHECK(h.range() == 2.0);
  CHECK(h.counts() == std::vector<uint64_t>{2, 2, 0, 0, 0, 0, 1, 0});
  CHECK(h.count() == 5);
  CHECK(h.zeros() == 1);
  CHECK(h.used_bins() == 7);
  const float c[] = {1000.0f};  // range 1024: all earlier values in bin 0
  h.add(c, 1);
  CHECK(h.counts() == std::vector<uint64_t>{5, 0, 0, 0, 0, 0, 0, 1});
}

TEST_CASE("histogram: zeros before the first non-zero value stay in bin 0", "[calib][histogram]") {
  Histogram h(8);
  const std::vector<float> z(5, 0.0f);
  h.add(z.data(), z.size());
  CHECK_FALSE(h.has_range());
  CHECK(h.counts()[0] == 5);
  CHECK(h.used_bins() == 1);
  const float one[] = {3.0f};
  h.add(one, 1);
  CHECK(h.range() == 4.0);
  CHECK(h.counts() == std::vector<uint64_t>{5, 0, 0, 0, 0, 0, 1, 0});
  CHECK(h.zeros() == 5);
}

TEST_CASE("histogram: one batch, many batches, any order: identical counts", "[calib][histogram]") {
  const auto batches = growing_batches(200, 501, 7);
  std::vector<float> all;
  for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());

  Histogram one(2048), many(2048), reversed(2048), small(2048);
  one.add(all.data(), all.size());
  for (const auto& b : batches) many.add(b.data(), b.size());
  for (size_t k = batches.size(); k > 0; --k) reversed.add(batches[k - 1].data(), batches[k - 1].size());
  for (size_t i = 0; i < all.size(); i += 7) small.add(all.data() + i, std::min<size_t>(7, all.size() - i));

  CHECK(many.range_exponent() == one.range_exponent());
  CHECK(many.counts() == one.counts());
  CHECK(reversed.counts() == one.counts());
  CHECK(small.counts() == one.counts());
  CHECK(one.counts() == direct_counts(all, 2048, one.range_exponent()));
  CHECK(many.max() == one.max());
  CHECK(many.count() == all.size());
}

TEST_CASE("histogram: bounded memory over 1e6 values and many range growths", "[calib][histogram]") {
  Histogram h(2048);
  const auto batches = growing_batches(1000, 1000, 11);  // 1e6 values, scales 2^-20 .. 2^44
  int growths = 0, last_exp = 0;
  bool had = false;
  float hi = 0.0f;
  for (const auto& b : batches) {
    h.add(b.data(), b.size());
    if (had && h.range_exponent() != last_exp) ++growths;
    had = true;
    last_exp = h.range_exponent();
    for (float v : b) hi = std::max(hi, v);
    CHECK(h.num_bins() == 2048);
  }
  CHECK(growths >= 40);
  CHECK(h.count() == 1000000);
  uint64_t total = 0;
  for (uint64_t c : h.counts()) total += c;
  CHECK(total == 1000000);
  CHECK(h.max() == hi);
  CHECK(h.range() > double(hi));
  CHECK(h.range() <= 2.0 * double(hi));
}

TEST_CASE("histogram: tiny and huge values bin exactly", "[calib][histogram]") {
  Histogram h(16);
  const float tiny[] = {1e-45f, 3e-45f};  // subnormals (2^-149 and 2^-148 + 2^-149)
  h.add(tiny, 2);
  CHECK(h.counts() == direct_counts({1e-45f, 3e-45f}, 16, h.range_exponent()));
  const float huge[] = {3e38f};
  h.add(huge, 1);
  CHECK(h.range_exponent() == 128);
  CHECK(h.counts()[0] == 2);
  CHECK(h.counts()[14] == 1);  // 3e38 / 2^128 * 16 = 14.1
}

TEST_CASE("histogram: merge equals one histogram of all values", "[calib][histogram]") {
  const auto a = qrt::calib::test::laplace(3000, 0.5f, 1, true);
  const auto b = qrt::calib::test::laplace(5000, 7.0f, 2, true);
  Histogram ha(256), hb(256), hall(256);
  ha.add(a.data(), a.size());
  hb.add(b.data(), b.size());
  hall.add(a.data(), a.size());
  hall.add(b.data(), b.size());
  Histogram m1 = ha, m2 = hb;
  m1.merge(hb);
  m2.merge(ha);
  CHECK(m1.counts() == hall.counts());
  CHECK(m2.counts() == hall.counts());
  CHECK(m1.count() == hall.count());
  CHECK(m1.zeros() == hall.zeros());
  CHECK(m1.max() == hall.max());
  CHECK_THROWS_WITH(ha.merge(Histogram(128)), Catch::Contains("128 bins into 256"));
}

TEST_CASE("histogram: invalid values are rejected with their index, nothing added", "[calib][histogram]") {
  Histogram h(8);
  const float ok[] = {1.0f};
  h.add(ok, 1);
  const float neg[] = {0.5f, -1.0f};
  CHECK_THROWS_WITH(h.add(neg, 2), Catch::Contains("index 1"));
  const float nan[] = {NAN};
  CHECK_THROWS_AS(h.add(nan, 1), CalibError);
  const float inf[] = {0.0f, 1.0f, INFINITY};
  CHECK_THROWS_WITH(h.add(inf, 3), Catch::Contains("index 2"));
  CHECK(h.count() == 1);
}

TEST_CASE("tensor histogram: |x| and max(x, 0) views are exact", "[calib][histogram]") {
  const auto x = qrt::calib::test::laplace(20000, 1.0f, 3);
  TensorHistogram t("conv1", 512);
  for (size_t i = 0; i < x.size(); i += 1000) t.observe(x.data() + i, 1000);

  std::vector<float> mag, relu;
  float lo = x[0], hi = x[0], top = 0.0f;
  for (float v : x) {
    mag.push_back(std::fabs(v));
    relu.push_back(v > 0.0f ? v : 0.0f);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    top = std::max(top, std::fabs(v));
  }
  Histogram hm(512), hr(512);
  hm.add(mag.data(), mag.size());
  hr.cover(top);  // the views share the range of |x|
  hr.add(relu.data(), relu.size());
  CHECK(t.magnitude().counts() == hm.counts());
  CHECK(t.magnitude().max() == top);
  CHECK(t.non_negative().counts() == hr.counts());
  CHECK(t.non_negative().max() == hi);
  CHECK(t.min() == lo);
  CHECK(t.max() == hi);
  CHECK(t.count() == x.size());

  TensorHistogram a("a", 512), b("b", 512);
  a.observe(x.data(), 7000);
  b.observe(x.data() + 7000, x.size() - 7000);
  a.merge(b);
  CHECK(a.magnitude().counts() == hm.counts());
  CHECK(a.non_negative().counts() == hr.counts());
  CHECK(a.min() == lo);
  CHECK(a.max() == hi);
}

TEST_CASE("tensor histogram: NaN / inf name the tensor and index, batch not added", "[calib][histogram]") {
  TensorHistogram t("layer3/relu", 64);
  const float good[] = {1.0f, -2.0f};
  t.observe(good, 2);
  const float bad[] = {0.0f, 5.0f, NAN};
  CHECK_THROWS_WITH(t.observe(bad, 3), Catch::Contains("'layer3/relu'") && Catch::Contains("NaN") &&
                                          Catch::Contains("index 2"));
  const float bad2[] = {-INFINITY};
  CHECK_THROWS_WITH(t.observe(bad2, 1), Catch::Contains("infinity"));
  CHECK(t.count() == 2);
  CHECK(t.max() == 1.0f);
  CHECK(t.min() == -2.0f);
}
