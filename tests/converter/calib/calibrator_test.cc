// MinMax, percentile, KL through the Calibrator API: settings, tolerance
// specs, batch-split independence, determinism, errors that name the place.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "calib/calibrator.h"
#include "calib/error.h"
#include "calib/kl.h"
#include "test_data.h"

using namespace qrt::calib;
using qrt::calib::test::laplace;

TEST_CASE("calibrator: minmax follows signedness", "[calib][calibrator]") {
  Calibrator cal(64);
  cal.observe("t", std::vector<float>{-4.0f, 1.0f, 2.5f});
  TensorSettings s;
  s.method = Method::kMinMax;
  CHECK(cal.threshold("t", s).threshold == 4.0f);  // max |x|
  s.is_unsigned = true;
  CHECK(cal.threshold("t", s).threshold == 2.5f);  // max(max x, 0)
  cal.observe("neg", std::vector<float>{-1.0f, -3.0f});
  CHECK(cal.threshold("neg", s).threshold == 0.0f);
}

TEST_CASE("calibrator: percentile from the histogram", "[calib][calibrator]") {
  // 8 bins over [0, 1): width 1/8. 90 values in bin 0, 9 in bin 2, 1 in bin 7.
  std::vector<float> x(90, 0.01f);
  x.insert(x.end(), 9, 0.3f);
  x.push_back(0.9f);
  Calibrator cal(8);
  cal.observe("a", x);
  TensorSettings s;
  s.method = Method::kPercentile;
  s.percentile = 90.0;
  CHECK(cal.threshold("a", s).threshold == 0.125f);
  s.percentile = 99.0;
  CHECK(cal.threshold("a", s).threshold == 0.375f);
  s.percentile = 99.5;
  CHECK(cal.threshold("a", s).threshold == 0.9f);  // bin 7's edge 1.0, capped at the max
  s.percentile = 100.0;
  CHECK(cal.threshold("a", s).threshold == 0.9f);
  // Signed: |x| of negative values counts; unsigned: they count as 0.
  cal.observe("b", std::vector<float>{-0.9f, -0.9f, -0.9f, 0.01f});
  s.percentile = 50.0;
  CHECK(cal.threshold("b", s).threshold == 0.9f);
  s.is_unsigned = true;
  CHECK(cal.threshold("b", s).threshold == 0.01f);  // 3 zeros + 0.01: bin 0, capped at max
  s.percentile = 0.0;
  CHECK_THROWS_WITH(cal.threshold("b", s), Catch::Contains("'b'") && Catch::Contains("percentile"));
  s.percentile = 100.5;
  CHECK_THROWS_AS(cal.threshold("b", s), CalibError);
}

TEST_CASE("calibrator: KL uses levels from bits and signedness", "[calib][calibrator]") {
  // Laplace(1) plus three rare outliers: max |x| = 40, KL clips at ~13.
  auto x = laplace(100000, 1.0f, 5);
  x.insert(x.end(), {30.0f, -35.0f, 40.0f});
  Calibrator cal;
  cal.observe("x", x);
  TensorSettings s;  // kl, 8-bit signed, T = 1.3
  const Threshold t8 = cal.threshold("x", s);
  const Histogram mag = cal.histogram("x").magnitude();
  const KlScan scan = kl_scan(mag, 128);
  CHECK(t8.threshold == scan.thresholds[choose_threshold_kl(scan.kl, 1.3)]);
  CHECK(t8.candidates == scan.kl.size());
  CHECK(t8.max == mag.max());
  CHECK(t8.max == 40.0f);
  CHECK(t8.threshold < 20.0f);  // rare outliers get clipped
  CHECK(t8.kl_argmin_threshold < t8.threshold);  // T = 1.3 goes past the KL minimum
  CHECK(t8.kl_chosen <= 1.3 * t8.kl_min);

  s.bits = 4;
  s.is_unsigned = true;
  const Histogram nn = cal.histogram("x").non_negative();
  const KlScan scan4 = kl_scan(nn, 16);
  CHECK(cal.threshold("x", s).threshold == scan4.thresholds[choose_threshold_kl(scan4.kl, 1.3)]);
  CHECK(cal.threshold("x", s).candidates == scan4.kl.size());

  s.tolerance = 1e9;
  CHECK(cal.threshold("x", s).threshold == cal.threshold("x", s).max);
  s.tolerance = 1.0;
  CHECK(cal.threshold("x", s).threshold == cal.threshold("x", s).kl_argmin_threshold);
  s.bits = 1;
  CHECK_THROWS_WITH(cal.threshold("x", s), Catch::Contains("tensor 'x'") && Catch::Contains("bits = 1"));
}

TEST_CASE("calibrator: one batch or many, any tensor order: identical thresholds", "[calib][calibrator]") {
  // Batches of growing spread, so histogram ranges grow between batches.
  std::vector<std::vector<float>> a, b;
  for (uint32_t k = 0; k < 30; ++k) {
    a.push_back(laplace(2000, 0.05f * float(k + 1), 100 + k));
    b.push_back(laplace(2000, 0.5f, 200 + k, true));
  }
  Calibrator one, many;
  std::vector<float> all_a, all_b;
  for (size_t k = 0; k < a.size(); ++k) {
    all_a.insert(all_a.end(), a[k].begin(), a[k].end());
    all_b.insert(all_b.end(), b[k].begin(), b[k].end());
  }
  one.observe("relu", all_b);
  one.observe("conv", all_a);
  for (size_t k = a.size(); k > 0; --k) {  // reverse order, tensors interleaved
    many.observe("conv", a[k - 1]);
    many.observe("relu", b[k - 1]);
  }
  CHECK(one.tensors() == std::vector<std::string>{"conv", "relu"});
  const std::map<std::string, TensorFormat> formats = {{"conv", {false, 8}}, {"relu", {true, 8}}};
  for (Method m : {Method::kKl, Method::kMinMax, Method::kPercentile}) {
    CalibrationOptions o;
    o.method = m;
    const auto r1 = one.finalize(formats, o), r2 = many.finalize(formats, o);
    REQUIRE(r1.size() == 2);
    for (const auto& kv : r1) {
      CHECK(kv.second.threshold == r2.at(kv.first).threshold);
      CHECK(kv.second.method == m);
    }
    CHECK(one.finalize(formats, o).at("conv").threshold == r1.at("conv").threshold);  // repeatable
  }
}

TEST_CASE("calibrator: per-tensor tolerance", "[calib][calibrator]") {
  Calibrator cal;
  cal.observe("a", laplace(50000, 1.0f, 1));
  cal.observe("b", laplace(50000, 1.0f, 1));  // same data as a
  const std::map<std::string, TensorFormat> formats = {{"a", {}}, {"b", {}}};
  CalibrationOptions o;
  o.tolerance = parse_tolerance_spec("1.0,b=1e9");
  const auto r = cal.finalize(formats, o);
  CHECK(r.at("a").threshold == r.at("a").kl_argmin_threshold);
  CHECK(r.at("b").threshold == r.at("b").max);
  CHECK(r.at("a").threshold < r.at("b").threshold);
  o.tolerance = parse_tolerance_spec("1.0,c=2");
  CHECK_THROWS_WITH(cal.finalize(formats, o), Catch::Contains("'c'") && Catch::Contains("--tolerance"));
}

TEST_CASE("calibrator: tolerance spec parsing", "[calib][calibrator]") {
  ToleranceSpec s = parse_tolerance_spec("1.3");
  CHECK(s.global == 1.3);
  CHECK(s.per_tensor.empty());
  s = parse_tolerance_spec(" 2 , conv1_out = 1.0 ,relu2=inf");
  CHECK(s.global == 2.0);
  CHECK(s.for_tensor("conv1_out") == 1.0);
  CHECK(std::isinf(s.for_tensor("relu2")));
  CHECK(s.for_tensor("other") == 2.0);
  s = parse_tolerance_spec("x=1.5");
  CHECK(s.global == 1.3);  // default kept
  CHECK(s.for_tensor("x") == 1.5);
  CHECK_THROWS_WITH(parse_tolerance_spec("0.5"), Catch::Contains("'0.5'"));
  CHECK_THROWS_WITH(parse_tolerance_spec("abc"), Catch::Contains("not a number"));
  CHECK_THROWS_WITH(parse_tolerance_spec("a="), Catch::Contains("'a='"));
  CHECK_THROWS_WITH(parse_tolerance_spec("=2"), Catch::Contains("no tensor name"));
  CHECK_THROWS_WITH(parse_tolerance_spec("1,2"), Catch::Contains("two global"));
  CHECK_THROWS_WITH(parse_tolerance_spec("a=1,a=2"), Catch::Contains("'a' given twice"));
  CHECK_THROWS_WITH(parse_tolerance_spec(""), Catch::Contains("empty"));
  CHECK_THROWS_WITH(parse_tolerance_spec("1.3,"), Catch::Contains("empty"));
  CHECK_THROWS_AS(parse_tolerance_spec("nan"), CalibError);
}

TEST_CASE("calibrator: methods by name", "[calib][calibrator]") {
  CHECK(parse_method("kl") == Method::kKl);
  CHECK(parse_method("minmax") == Method::kMinMax);
  CHECK(parse_method("percentile") == Method::kPercentile);
  CHECK(std::string(method_name(Method::kPercentile)) == "percentile");
  CHECK_THROWS_WITH(parse_method("entropy"), Catch::Contains("'entropy'") && Catch::Contains("minmax, percentile, kl"));
}

TEST_CASE("calibrator: errors name the tensor", "[calib][calibrator]") {
  Calibrator cal;
  CHECK_THROWS_AS(Calibrator(100), CalibError);
  cal.observe("empty", nullptr, 0);
  CHECK_THROWS_WITH(cal.threshold("empty", {}), Catch::Contains("'empty' received no values"));
  CHECK_THROWS_WITH(cal.threshold("nope", {}), Catch::Contains("'nope' was never observed"));
  CHECK_THROWS_WITH(cal.finalize({{"nope", {}}}, {}), Catch::Contains("'nope'"));
  const float bad[] = {1.0f, NAN};
  CHECK_THROWS_WITH(cal.observe("stem/conv", bad, 2), Catch::Contains("'stem/conv'") && Catch::Contains("index 1"));
  TensorSettings s;
  s.tolerance = 0.5;
  cal.observe("t", std::vector<float>{1.0f, 2.0f, 3.0f});
  CHECK_THROWS_WITH(cal.threshold("t", s), Catch::Contains("tensor 't'") && Catch::Contains("tolerance"));
}

TEST_CASE("calibrator: bounded memory over 1e6 values", "[calib][calibrator]") {
  Calibrator cal;
  for (uint32_t k = 0; k < 100; ++k) {
    std::vector<float> x = laplace(10000, std::ldexp(1.0f, int(k) / 3 - 10), k);
    cal.observe("x", x);
  }
  const TensorHistogram& h = cal.histogram("x");
  CHECK(h.count() == 1000000);
  CHECK(h.positive_part().num_bins() == kHistogramBins);
  CHECK(h.negative_part().num_bins() == kHistogramBins);
  CHECK(h.positive_part().counts().size() == kHistogramBins);
  const Threshold t = cal.threshold("x", {});
  CHECK(t.threshold > 0.0f);
  CHECK(t.threshold <= t.max);
}

TEST_CASE("calibrator: a ReLU's zeros do not move the KL threshold", "[calib][calibrator]") {
  // Laplace(1) through a ReLU: half the values are exact zeros. The KL
  // choice must be the one of the non-zero values alone (S8 and U8, every
  // T), not the zero-spike artifact at 2L - 1 bins of the histogram.
  const std::vector<float> relu = laplace(100000, 1.0f, 7, /*relu=*/true);
  std::vector<float> nonzero;
  for (float v : relu)
    if (v != 0.0f) nonzero.push_back(v);
  REQUIRE(relu.size() - nonzero.size() > 45000);
  std::vector<float> clamped = laplace(100000, 1.0f, 7);  // the same, negatives unclamped
  Calibrator cal;
  cal.observe("relu", relu);
  cal.observe("nonzero", nonzero);
  cal.observe("signed", clamped);
  const double width = cal.histogram("relu").non_negative().bin_width();
  REQUIRE(cal.histogram("nonzero").non_negative().bin_width() == width);
  for (bool is_unsigned : {true, false}) {
    for (double t : {1.0, 1.3, 2.0}) {
      TensorSettings s;
      s.is_unsigned = is_unsigned;
      s.tolerance = t;
      const Threshold a = cal.threshold("relu", s), b = cal.threshold("nonzero", s);
      CHECK(a.threshold == b.threshold);
      CHECK(a.kl_min == b.kl_min);
      CHECK(a.threshold != float((2 * num_levels(8, is_unsigned) - 1) * width));
      CHECK(a.threshold > 0.5f * a.max);
    }
  }
  // U8 of a signed tensor: the negatives clamp to 0 and are left out too.
  TensorSettings u;
  u.is_unsigned = true;
  CHECK(cal.threshold("signed", u).threshold == cal.threshold("nonzero", u).threshold);
}
