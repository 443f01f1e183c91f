// The method's PTQ guideline in the converter (docs/method.md): KL with a
// tolerance for activations, per-channel vs per-tensor weights, unsigned vs
// signed activations, INT16 accumulator planning, packed low-bit weights,
// quantized adds (the ablation), on small crafted models end to end.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "driver/convert.h"
#include "quantize/quant_math.h"
#include "calib/calibrator.h"
#include "onnx_builder.h"
#include "qrt/schema/qrt_generated.h"
#include "test_util.h"

using namespace qrt::calib;
using namespace qrt::convert;
using namespace qrt::testing;
namespace schema = qrt::schema;

namespace {

const schema::Model* model_of(const std::vector<uint8_t>& bytes) {
  flatbuffers::Verifier v(bytes.data(), bytes.size());
  REQUIRE(schema::VerifyModelBuffer(v));
  return schema::GetModel(bytes.data());
}

const schema::Tensor* tensor_named(const schema::Model* m, const std::string& name) {
  for (const schema::Tensor* t : *m->tensors())
    if (t->name()->str() == name) return t;
  FAIL("no tensor named " << name);
  return nullptr;
}

float scale_of(const schema::Model* m, const std::string& name) {
  const schema::Tensor* t = tensor_named(m, name);
  REQUIRE(t->quant()->scale()->size() == 1);
  return t->quant()->scale()->Get(0);
}

// Laplace(1) values (inverse CDF of a fixed LCG) with three outliers: KL,
// KL with T = 1.3 and MinMax all pick different thresholds on it
// (docs/calibration.md).
std::vector<float> laplace_with_outliers(size_t n) {
  std::vector<float> v(n);
  uint32_t s = 7;
  for (size_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    const double u = (double(s >> 8) + 0.5) / double(1 << 24) - 0.5;
    v[i] = float(-std::copysign(1.0, u) * std::log(1.0 - 2.0 * std::fabs(u)));
  }
  v[n / 3] = 30.0f;
  v[n / 2] = -35.0f;
  v[n - 1] = 40.0f;
  return v;
}

// x [1,1,32,32] -> conv 1x1 (weight 1) + relu = "r" -> conv 1x1 (weight 2) -> "y".
struct KlModel {
  TempDir dir;
  std::vector<float> data;
  KlModel() {
    OnnxBuilder b;
    b.input("x", {1, 1, 32, 32})
        .initializer("w1", qrt::graph::Tensor({1, 1, 1, 1}, {1.0f}))
        .initializer("w2", qrt::graph::Tensor({1, 1, 1, 1}, {2.0f}));
    b.node("Conv", {"x", "w1"}, {"c"}, "conv1");
    b.node("Relu", {"c"}, {"r"}, "relu1");
    b.node("Conv", {"r", "w2"}, {"y"}, "conv2");
    b.output("y");
    write_bytes(dir.file("m.onnx"), b.serialize());
    data = laplace_with_outliers(16 * 1024);
    write_npy(dir.file("calib.npy"), {16, 1, 32, 32}, data);
  }
  // The KL error guard off: these tests follow the tolerance rule's own
  // choice (the outliers carry 13% of r's energy, so the guard would keep
  // them: "the KL error guard" below).
  ConvertOptions options() const {
    ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("calib.npy"));
    o.calibration.kl_guard_db = std::numeric_limits<double>::infinity();
    return o;
  }
};

// qrt_calib's own choice on the same values.
float calib_choice(const std::vector<float>& values, bool is_unsigned, double tolerance,
                   qrt::calib::Method method = qrt::calib::Method::kKl) {
  qrt::calib::Calibrator cal;
  cal.observe("t", values);
  qrt::calib::TensorSettings s;
  s.is_unsigned = is_unsigned;
  s.method = method;
  s.tolerance = tolerance;
  s.guard_db = std::numeric_limits<double>::infinity();
  return cal.threshold("t", s).threshold;
}

std::vector<float> relu_nonzero(const std::vector<float>& v) {
  std::vector<float> r;
  for (float x : v)
    if (x > 0.0f) r.push_back(x);
  return r;
}

}  // namespace

TEST_CASE("KL with tolerance: the stored scales are qrt_calib's thresholds", "[guideline][kl]") {
  KlModel km;
  const std::vector<float> pos = relu_nonzero(km.data);  // "r": KL leaves out the ReLU's exact zeros
  const float t13 = calib_choice(pos, true, 1.3), t2 = calib_choice(pos, true, 2.0);
  const float tmax = calib_choice(pos, true, 1.0, qrt::calib::Method::kMinMax);
  REQUIRE(t13 < t2);  // the data makes the tolerance matter
  REQUIRE(t2 < tmax);
  const float x_max = 40.0f;

  ConvertOptions o = km.options();  // defaults: kl, T = 1.3
  const ConvertSummary summary = [&] {
    ConvertSummary s;
    const std::vector<uint8_t> bytes = convert_to_bytes(o, &s);
    const schema::Model* m = model_of(bytes);
    CHECK(scale_of(m, "r") == t13 / 255.0f);
    CHECK(tensor_named(m, "r")->dtype() == schema::DType::U8);
    // The graph input is MinMax unless the tolerance spec names it.
    CHECK(scale_of(m, "x/quantized") == x_max / 127.0f);
    const schema::ConverterSettings* st = m->metadata()->settings();
    CHECK(st->calibration()->str() == "kl");
    CHECK(st->tolerance() == 1.3f);
    return s;
  }();
  CHECK(summary.thresholds.at("r").threshold.threshold == t13);

  SECTION("global T = 2 and T = inf") {
    o.calibration.tolerance = "2";
    CHECK(scale_of(model_of(convert_to_bytes(o, nullptr)), "r") == t2 / 255.0f);
    o.calibration.tolerance = "inf";
    CHECK(scale_of(model_of(convert_to_bytes(o, nullptr)), "r") == tmax / 255.0f);
  }
  SECTION("per-tensor tolerance: naming the input puts it under KL") {
    const float x1 = calib_choice(km.data, false, 1.0), x13 = calib_choice(km.data, false, 1.3);
    const float x2 = calib_choice(km.data, false, 2.0);
    REQUIRE(x1 < x13);
    REQUIRE(x13 < x2);
    REQUIRE(x2 < x_max);
    for (const auto& [spec, want] : std::vector<std::pair<std::string, float>>{
             {"1.3,x=1.0,r=inf", x1}, {"inf,x=1.3", x13}, {"x=2", x2}}) {
      INFO(spec);
      o.calibration.tolerance = spec;
      const std::vector<uint8_t> bytes = convert_to_bytes(o, nullptr);
      const schema::Model* m = model_of(bytes);
      CHECK(scale_of(m, "x/quantized") == want / 127.0f);
      CHECK(scale_of(m, "r") == (spec == "x=2" ? t13 : tmax) / 255.0f);
    }
  }
  SECTION("a per-tensor tolerance naming no int8 activation is an error naming it") {
    o.calibration.tolerance = "1.3,no_such_tensor=2";
    REQUIRE_THROWS_WITH(convert_to_bytes(o, nullptr), Catch::Contains("no_such_tensor") && Catch::Contains("--tolerance"));
  }
  SECTION("minmax and percentile") {
    o.calibration.method = "minmax";
    const schema::Model* m = nullptr;
    std::vector<uint8_t> bytes = convert_to_bytes(o, nullptr);
    m = model_of(bytes);
    CHECK(scale_of(m, "r") == x_max / 255.0f);
    CHECK(m->metadata()->settings()->tolerance() == 0.0f);
    o.calibration.method = "percentile";
    o.calibration.percentile = 99.0;
    bytes = convert_to_bytes(o, nullptr);
    m = model_of(bytes);
    // Zeros are left out for KL only: the percentile is over every ReLU value.
    std::vector<float> relu(km.data.size());
    std::transform(km.data.begin(), km.data.end(), relu.begin(), [](float v) { return std::max(v, 0.0f); });
    qrt::calib::Calibrator all;
    all.observe("r", relu);
    qrt::calib::TensorSettings s;
    s.is_unsigned = true;
    s.method = qrt::calib::Method::kPercentile;
    s.percentile = 99.0;
    CHECK(scale_of(m, "r") == all.threshold("r", s).threshold / 255.0f);
    CHECK(m->metadata()->settings()->percentile() == 99.0f);
  }
  SECTION("bad settings are errors naming the flag") {
    o.calibration.method = "entropy";
    REQUIRE_THROWS_WITH(convert_to_bytes(o, nullptr), Catch::Contains("entropy"));
    o.calibration.method = "percentile";
    o.calibration.percentile = 0.0;
    REQUIRE_THROWS_WITH(convert_to_bytes(o, nullptr), Catch::Contains("--percentile"));
    o.calibration.method = "kl";
    o.calibration.tolerance = "0.5";
    REQUIRE_THROWS_WITH(convert_to_bytes(o, nullptr), Catch::Contains("--tolerance"));
  }
}

TEST_CASE("the KL error guard: a KL clip that costs more than 6 dB of SQNR becomes the max", "[guideline][kl]") {
  // r's two outliers (30 and 40 among 8,352 ReLU values of Laplace(1), the
  // rest below 9.2) carry 13% of its energy: KL (T = 1.3) clips at 9.1, at
  // 11.5 dB SQNR against 30.6 dB for MinMax, so the guard (default 6 dB)
  // stores the max.
  KlModel km;
  const float t13 = calib_choice(relu_nonzero(km.data), true, 1.3);
  ConvertOptions o = km.options();
  o.calibration.kl_guard_db = qrt::calib::kKlGuardDb;  // the default
  ConvertSummary s;
  const std::vector<uint8_t> bytes = convert_to_bytes(o, &s);
  CHECK(scale_of(model_of(bytes), "r") == 40.0f / 255.0f);
  const qrt::calib::Threshold& t = s.thresholds.at("r").threshold;
  CHECK(t.guarded);
  CHECK(t.kl_rule_threshold == t13);
  CHECK(t.kl_rule_sqnr_db < t.max_sqnr_db - 6.0);
  CHECK_FALSE(s.thresholds.at("x").threshold.guarded);  // the graph input: MinMax, not KL
  CHECK(ConvertOptions().calibration.kl_guard_db == qrt::calib::kKlGuardDb);
}

TEST_CASE("signed activations: the ReLU output becomes S8 with the S8 threshold", "[guideline][signed]") {
  KlModel km;
  ConvertOptions o = km.options();
  o.lower.unsigned_activations = false;
  const std::vector<uint8_t> bytes = convert_to_bytes(o, nullptr);
  const schema::Model* m = model_of(bytes);
  const schema::Tensor* r = tensor_named(m, "r");
  CHECK(r->dtype() == schema::DType::S8);
  // KL leaves the ReLU's exact zeros out whatever the storage.
  CHECK(scale_of(m, "r") == calib_choice(relu_nonzero(km.data), false, 1.3) / 127.0f);
  CHECK_FALSE(m->metadata()->settings()->unsigned_activations());
}
