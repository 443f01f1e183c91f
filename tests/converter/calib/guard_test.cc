// The KL error guard (calib/methods.h): a KL threshold whose estimated SQNR
// (calib/sqnr.h) is more than guard_db below MinMax's becomes the max.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "calib/calibration.h"
#include "calib/calibrator.h"
#include "calib/error.h"
#include "calib/kl.h"
#include "calib/methods.h"
#include "calib/sqnr.h"
#include "test_data.h"

using namespace qrt::calib;
using qrt::calib::test::laplace;

namespace {

constexpr double kOff = std::numeric_limits<double>::infinity();

// n quantiles of an exponential of scale b truncated to [0, 1): no RNG.
void add_exponential(std::vector<float>& v, size_t n, double b) {
  const double cap = 1.0 - std::exp(-1.0 / b);
  for (size_t i = 0; i < n; ++i) v.push_back(float(-b * std::log(1.0 - cap * (double(i) + 0.5) / double(n))));
}

// The shape of a ReLU6 output that KL clipped into noise: the depthwise
// conv of features.3 of torchvision's MobileNetV2 with random weights
// (scripts/accuracy/random_nets.py --seed 2 --bn-images 0; 200 ImageNet-
// sample images): 64% exact zeros; of the rest, 68% below 1% of the max and
// 0.16% above half of it, and those few carry 36% of the energy. KL (T =
// 1.3) chose 0.500 of the max: 14.8 dB against 32.2 dB for MinMax (the
// estimate and the values' own SQNR agree to 0.01 dB). Mirrored here with
// two exponentials (scales 0.3% and 6% of the max) and a thin uniform tail.
std::vector<float> sparse_small_valued() {
  std::vector<float> v(500000, 0.0f);
  add_exponential(v, 300000, 0.003);
  add_exponential(v, 10000, 0.06);
  for (size_t i = 0; i < 1000; ++i) v.push_back(float((double(i) + 0.5) / 1000.0));
  v.push_back(1.0f);
  return v;
}

}  // namespace

TEST_CASE("guard: KL clips a sparse, small-valued tensor into noise; the guard keeps the max", "[calib][guard]") {
  Calibrator cal;
  cal.observe("dw", sparse_small_valued());
  TensorSettings s;  // kl, T = 1.3
  s.is_unsigned = true;
  s.bits = 8;

  s.guard_db = kOff;
  const Threshold plain = cal.threshold("dw", s);
  CHECK_FALSE(plain.guarded);
  CHECK(plain.max == 1.0f);
  CHECK(plain.threshold < 0.6f);         // KL resolves the crowd near 0, clips the energy
  CHECK(plain.kl_rule_sqnr_db < 12.0);   // estimated: 9.9 dB
  CHECK(plain.max_sqnr_db > 28.0);       // MinMax: 30.3 dB
  const Histogram h = cal.histogram("dw").non_negative();
  CHECK(plain.kl_rule_sqnr_db == quant_error(h, plain.threshold, 256).sqnr_db());
  CHECK(plain.max_sqnr_db == quant_error(h, 1.0, 256).sqnr_db());

  s.guard_db = kKlGuardDb;  // the default
  const Threshold guarded = cal.threshold("dw", TensorSettings{true, 8});
  CHECK(guarded.guarded);
  CHECK(guarded.method == Method::kKl);
  CHECK(guarded.threshold == 1.0f);  // the max
  CHECK(guarded.kl_rule_threshold == plain.threshold);
  CHECK(guarded.kl_rule_sqnr_db == plain.kl_rule_sqnr_db);

  // The rule exactly: fires iff SQNR(t_kl) < SQNR(max) - guard_db.
  const double deficit = plain.max_sqnr_db - plain.kl_rule_sqnr_db;
  s.guard_db = deficit - 0.01;
  CHECK(cal.threshold("dw", s).guarded);
  s.guard_db = deficit + 0.01;
  CHECK_FALSE(cal.threshold("dw", s).guarded);
  CHECK(cal.threshold("dw", s).threshold == plain.threshold);

  // Signed 8-bit (128 levels): KL clips as hard, and the guard keeps the max.
  s.is_unsigned = false;
  s.guard_db = kOff;
  CHECK(cal.threshold("dw", s).threshold < 0.6f);
  s.guard_db = kKlGuardDb;
  CHECK(cal.threshold("dw", s).threshold == 1.0f);
}

TEST_CASE("guard: KL's clipping of rare outliers is left alone when it costs little", "[calib][guard]") {
  // Signed: Laplace(1) with three outliers up to 40: KL clips at ~16 for
  // 1.8 dB less SQNR than MinMax (128 levels: MinMax's step of 40/127 costs
  // nearly as much as the clipping): within the default margin.
  auto x = laplace(100000, 1.0f, 5);
  x.insert(x.end(), {30.0f, -35.0f, 40.0f});
  Calibrator cal;
  cal.observe("x", x);
  TensorSettings s;
  const Threshold t = cal.threshold("x", s);
  CHECK_FALSE(t.guarded);
  CHECK(t.threshold < 20.0f);
  CHECK(t.threshold == kl_threshold(cal.histogram("x").magnitude(), 128, 1.3).threshold);
  CHECK(t.kl_rule_threshold == t.threshold);
  CHECK(t.max_sqnr_db - t.kl_rule_sqnr_db > 0.0);
  CHECK(t.max_sqnr_db - t.kl_rule_sqnr_db < 3.0);

  // Unsigned, after a ReLU, three outliers at 20 (the bulk's max is ~12):
  // KL clips them to ~17 at 2.6 dB less SQNR than MinMax: within the
  // default margin (6 dB), so KL's choice stands; a 2 dB margin replaces it.
  auto r = laplace(100000, 1.0f, 5, /*relu=*/true);
  r.insert(r.end(), {20.0f, 20.4f, 20.8f});
  cal.observe("r", r);
  TensorSettings su;
  su.is_unsigned = true;
  const Threshold tu = cal.threshold("r", su);
  CHECK_FALSE(tu.guarded);
  CHECK(tu.threshold < 18.0f);
  CHECK(tu.threshold == kl_threshold(cal.histogram("r").non_negative(), 256, 1.3).threshold);
  CHECK(tu.max_sqnr_db - tu.kl_rule_sqnr_db > 2.0);
  CHECK(tu.max_sqnr_db - tu.kl_rule_sqnr_db < 4.0);
  su.guard_db = 2.0;
  CHECK(cal.threshold("r", su).guarded);
  CHECK(cal.threshold("r", su).threshold == 20.8f);

  // But the same three outliers of 30-40 after a ReLU carry 1% of the
  // energy: KL (U8) clips them at 19.7 dB against MinMax's 30.0 dB, and the
  // guard keeps them.
  su.guard_db = kKlGuardDb;
  const Threshold big = cal.threshold("x", su);
  CHECK(big.guarded);
  CHECK(big.threshold == 40.0f);
  CHECK(big.max_sqnr_db - big.kl_rule_sqnr_db > 8.0);
}

TEST_CASE("guard: nothing to check when KL keeps the max; settings validated", "[calib][guard]") {
  // Dense uniform data: KL's choice is the max, no SQNR is computed.
  std::vector<float> u(10000);
  for (size_t i = 0; i < u.size(); ++i) u[i] = float((double(i) + 0.5) / double(u.size()));
  Calibrator cal;
  cal.observe("u", u);
  cal.observe("z", std::vector<float>(100, 0.0f));
  TensorSettings s;
  s.is_unsigned = true;
  const Threshold t = cal.threshold("u", s);
  CHECK(t.threshold == t.max);
  CHECK_FALSE(t.guarded);
  CHECK(t.kl_rule_sqnr_db == 0.0);
  CHECK(t.max_sqnr_db == 0.0);
  CHECK(cal.threshold("z", s).threshold == 0.0f);  // zeros only

  s.guard_db = -1.0;
  CHECK_THROWS_WITH(cal.threshold("u", s), Catch::Contains("'u'") && Catch::Contains("guard"));
  s.guard_db = std::nan("");
  CHECK_THROWS_AS(cal.threshold("u", s), CalibError);
  s.method = Method::kMinMax;  // only kl reads it
  CHECK(cal.threshold("u", s).threshold == t.max);
}

TEST_CASE("guard: finalize passes the margin to every KL tensor", "[calib][guard]") {
  Calibrator cal;
  cal.observe("dw", sparse_small_valued());
  auto x = laplace(100000, 1.0f, 5);
  x.insert(x.end(), {30.0f, -35.0f, 40.0f});
  cal.observe("x", x);
  const std::map<std::string, TensorFormat> f = {{"dw", {true, 8}}, {"x", {false, 8}}};  // x: KL is fine as S8
  CalibrationOptions o;  // kl, T = 1.3, the default guard
  std::map<std::string, Threshold> t = cal.finalize(f, o);
  CHECK(t["dw"].guarded);
  CHECK(t["dw"].threshold == 1.0f);
  CHECK_FALSE(t["x"].guarded);
  o.guard_db = kOff;
  t = cal.finalize(f, o);
  CHECK_FALSE(t["dw"].guarded);
  CHECK(t["dw"].threshold < 0.6f);
}

TEST_CASE("guard: the converter's calibration (ActivationCalibration) applies --kl-guard", "[calib][guard]") {
  const std::vector<float> v = sparse_small_valued();
  const qrt::graph::Tensor t({int64_t(v.size())}, v);
  CalibrationSettings on;  // kl, T = 1.3, guard 6 dB
  ActivationCalibration a(on);
  a.observe("dw", t);
  CHECK(a.range("dw", true, 8, "test").hi == 1.0f);
  CHECK(a.chosen().at("dw").threshold.guarded);
  CalibrationSettings off;
  off.kl_guard_db = kOff;
  ActivationCalibration b(off);
  b.observe("dw", t);
  CHECK(b.range("dw", true, 8, "test").hi < 0.6f);
  CHECK_FALSE(b.chosen().at("dw").threshold.guarded);
  CalibrationSettings bad;
  bad.kl_guard_db = -0.5;
  CHECK_THROWS_WITH(ActivationCalibration(bad), Catch::Contains("--kl-guard"));
}
