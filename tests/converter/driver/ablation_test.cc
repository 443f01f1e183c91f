// The guideline's alternatives, as options: per-tensor weights (vs the
// default per-channel) and int8 adds (vs the default float adds).
#include <catch2/catch.hpp>

#include <cmath>

#include "driver/convert.h"
#include "onnx_builder.h"
#include "qrt/schema/qrt_generated.h"
#include "test_util.h"

using namespace qrt::convert;
using namespace qrt::testing;
namespace schema = qrt::schema;

namespace {

// max |got - ref| over max |ref|, per output channel range [c0, c1) of an
// NCHW output with `hw` values per channel.
float relative_error(const std::vector<float>& got, const std::vector<float>& ref, size_t c0, size_t c1, size_t hw) {
  REQUIRE(got.size() == ref.size());
  float ref_max = 0, diff_max = 0;
  for (size_t i = c0 * hw; i < c1 * hw; ++i) {
    ref_max = std::max(ref_max, std::fabs(ref[i]));
    diff_max = std::max(diff_max, std::fabs(ref[i] - got[i]));
  }
  REQUIRE(ref_max > 0.0f);
  return diff_max / ref_max;
}

const schema::Tensor* tensor_named(const schema::Model* m, const std::string& name) {
  for (const schema::Tensor* t : *m->tensors())
    if (t->name()->str() == name) return t;
  FAIL("no tensor named " << name);
  return nullptr;
}

}  // namespace

TEST_CASE("per-tensor vs per-channel weights", "[guideline][weights]") {
  // One conv, output channels 0..3 with weights ~1, channels 4..7 ~0.01:
  // one scale for all leaves the small channels a few codes.
  TempDir dir;
  qrt::graph::Tensor w = random_tensor({8, 4, 3, 3}, 5);
  for (size_t i = w.data.size() / 2; i < w.data.size(); ++i) w.data[i] *= 0.01f;
  OnnxBuilder b;
  b.input("x", {1, 4, 6, 6}).initializer("w", w);
  attr_ints(b.node("Conv", {"x", "w"}, {"y"}, "conv"), "pads", {1, 1, 1, 1});
  b.output("y");
  write_bytes(dir.file("m.onnx"), b.serialize());
  write_npy(dir.file("calib.npy"), {4, 4, 6, 6}, random_tensor({4, 4, 6, 6}, 6).data);
  ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("calib.npy"));
  const qrt::graph::Tensor x = random_tensor({1, 4, 6, 6}, 6);
  const std::vector<float> ref = run_onnx_float(o.model_path, x);

  o.lower.weight_method = "minmax";  // the paper's rule, the only one per-tensor weights take
  o.lower.bias_correction = false;
  const std::vector<uint8_t> pc = convert_to_bytes(o, nullptr);
  o.lower.per_channel_weights = false;
  const std::vector<uint8_t> pt = convert_to_bytes(o, nullptr);
  const schema::Model* mc = schema::GetModel(pc.data());
  const schema::Model* mt = schema::GetModel(pt.data());
  CHECK(tensor_named(mc, "w")->quant()->scale()->size() == 8);
  CHECK(tensor_named(mc, "w")->quant()->axis() == 0);
  CHECK(mc->metadata()->settings()->per_channel_weights());
  REQUIRE(tensor_named(mt, "w")->quant()->scale()->size() == 1);
  CHECK(tensor_named(mt, "w")->quant()->axis() == -1);
  float wmax = 0;
  for (float v : w.data) wmax = std::max(wmax, std::fabs(v));
  CHECK(tensor_named(mt, "w")->quant()->scale()->Get(0) == wmax / 127.0f);
  CHECK_FALSE(mt->metadata()->settings()->per_channel_weights());

  const float err_pc = relative_error(run_qrt(pc, x), ref, 4, 8, 36);
  const float err_pt = relative_error(run_qrt(pt, x), ref, 4, 8, 36);
  INFO("small channels: per-channel " << err_pc << ", per-tensor " << err_pt);
  CHECK(err_pc < 0.02f);
  CHECK(err_pt > 4 * err_pc);
}

TEST_CASE("quantized adds: ADD runs in int8 and stays close to float", "[guideline][adds]") {
  // x -> convA + relu = a -> convB = b; s = relu(a + b) -> convC -> y.
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 4, 6, 6})
      .initializer("wa", random_tensor({4, 4, 3, 3}, 1))
      .initializer("wb", random_tensor({4, 4, 3, 3}, 2))
      .initializer("wc", random_tensor({3, 4, 1, 1}, 3));
  attr_ints(b.node("Conv", {"x", "wa"}, {"a0"}, "convA"), "pads", {1, 1, 1, 1});
  b.node("Relu", {"a0"}, {"a"}, "reluA");
  attr_ints(b.node("Conv", {"a", "wb"}, {"b"}, "convB"), "pads", {1, 1, 1, 1});
  b.node("Add", {"a", "b"}, {"s0"}, "add");
  b.node("Relu", {"s0"}, {"s"}, "reluS");
  b.node("Conv", {"s", "wc"}, {"y"}, "convC");
  b.output("y");
  write_bytes(dir.file("m.onnx"), b.serialize());
  const std::vector<float> calib = random_tensor({8, 4, 6, 6}, 7).data;
  write_npy(dir.file("calib.npy"), {8, 4, 6, 6}, calib);
  ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("calib.npy"));
  o.calibration.method = "minmax";  // the test input is inside the calibrated ranges: pure rounding error

  auto add_op = [](const schema::Model* m) {
    for (const schema::Operator* op : *m->operators())
      if (op->type() == schema::OpType::ADD) return op;
    FAIL("no ADD");
    return static_cast<const schema::Operator*>(nullptr);
  };
  const std::vector<uint8_t> fl = convert_to_bytes(o, nullptr);
  o.lower.placement.float_residual_adds = false;
  const std::vector<uint8_t> q = convert_to_bytes(o, nullptr);
  const schema::Model* mf = schema::GetModel(fl.data());
  const schema::Model* mq = schema::GetModel(q.data());
  // Default: float add, convB dequantizes straight into it.
  for (int32_t t : *add_op(mf)->inputs()) CHECK(mf->tensors()->Get(t)->dtype() == schema::DType::F32);
  CHECK(mf->metadata()->settings()->float_residual_adds());
  // Ablation: a (U8 after ReLU) + b (S8) -> s (U8, fused ReLU), no conversions around it.
  const schema::Operator* add = add_op(mq);
  CHECK(mq->tensors()->Get(add->inputs()->Get(0))->dtype() == schema::DType::U8);
  CHECK(mq->tensors()->Get(add->inputs()->Get(1))->dtype() == schema::DType::S8);
  CHECK(mq->tensors()->Get(add->outputs()->Get(0))->dtype() == schema::DType::U8);
  CHECK(add->options_as_AddOptions()->activation() == schema::Activation::RELU);
  for (const schema::Operator* op : *mq->operators()) CHECK(op->type() != schema::OpType::DEQUANTIZE);
  CHECK_FALSE(mq->metadata()->settings()->float_residual_adds());

  for (size_t sample : {0, 5}) {  // two of the calibration samples
    const qrt::graph::Tensor x({1, 4, 6, 6}, std::vector<float>(calib.begin() + long(sample * 144),
                                                                   calib.begin() + long((sample + 1) * 144)));
    const std::vector<float> ref = run_onnx_float(o.model_path, x);
    const float err_q = relative_error(run_qrt(q, x), ref, 0, 3, 36);
    const float err_f = relative_error(run_qrt(fl, x), ref, 0, 3, 36);
    INFO("int8 add " << err_q << ", float add " << err_f);
    CHECK(err_q < 0.05f);
    CHECK(err_f < 0.05f);
  }
}
