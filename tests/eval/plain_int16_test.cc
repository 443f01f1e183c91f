// The plain saturating INT16 emulation (qrt_study_emulate_plain_int16,
// eval/study) end to end: a converted W6A8 model whose one conv sums 16
// products of 31 * 127 (62992, far beyond int16). The planned INT16 layer
// (chunked, exact) gives INT32's result; the plain saturating emulation
// stops at 32767; an INT32 layer is left alone. In an F16 float-adds session
// the fp16-output convs of a residual add emulate too.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "onnx_builder.h"
#include "qrt/qrt.h"
#include "qrt/schema/qrt_generated.h"
#include "study/plain_int16.h"
#include "test_util.h"

using namespace qrt::convert;
using namespace qrt::testing;

namespace {

struct Run {
  float y = 0.0f;
  size_t emulated = 0;         // layers qrt_study_emulate_plain_int16 switched
  size_t num_f16 = 0;          // tensors the session stores as fp16
  std::vector<std::string> kernels;
};

// Runs the model on one input of ones (16 values), returns output 0 (one value).
Run run_once(const std::vector<uint8_t>& bytes, bool emulate,
             qrt_float_adds float_adds = QRT_FLOAT_ADDS_F32) {
  Run r;
  qrt_model* model = nullptr;
  qrt_session* session = nullptr;
  qrt_error err{};
  REQUIRE(qrt_model_load_memory(bytes.data(), bytes.size(), &model, &err) == QRT_OK);
  if (emulate) REQUIRE(qrt_study_emulate_plain_int16(model, &r.emulated) == QRT_OK);
  qrt_session_options o;
  qrt_session_options_init(&o);
  o.float_adds = float_adds;
  REQUIRE(qrt_session_create(model, &o, &session, &err) == QRT_OK);
  qrt_session_float_adds(session, &r.num_f16);
  const std::vector<float> x(16, 1.0f);
  REQUIRE(qrt_session_set_input_f32(session, 0, x.data(), x.size()) == QRT_OK);
  REQUIRE(qrt_session_run(session) == QRT_OK);
  REQUIRE(qrt_session_get_output_f32(session, 0, &r.y, 1) == QRT_OK);
  for (size_t k = 0; k < qrt_model_num_operators(model); ++k) {
    qrt_op_info info;
    qrt_op_info_init(&info);
    REQUIRE(qrt_session_op_info(session, k, &info) == QRT_OK);
    r.kernels.push_back(info.kernel);
  }
  qrt_session_destroy(session);
  qrt_model_destroy(model);
  return r;
}

float scale_of(const std::vector<uint8_t>& bytes, const std::string& name) {
  const qrt::schema::Model* m = qrt::schema::GetModel(bytes.data());
  for (const qrt::schema::Tensor* t : *m->tensors())
    if (t->name()->str() == name) return t->quant()->scale()->Get(0);
  FAIL("no tensor " << name);
  return 0.0f;
}

const qrt::graph::Tensor kOnes({1, 16, 1, 1}, std::vector<float>(16, 1.0f));

}  // namespace

TEST_CASE("emulate_plain_int16 saturates INT16 layers only", "[converter][int16][study]") {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 16, 1, 1}).initializer("w", kOnes);
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  b.output("y");
  write_bytes(dir.file("m.onnx"), b.serialize());
  write_npy(dir.file("calib.npy"), {1, 16, 1, 1}, std::vector<float>(16, 1.0f));
  ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("calib.npy"));
  o.lower.weight_bits = 6;  // W6A8: INT16 planned, chunk 32767 / (31 * 127) = 8
  ConvertSummary s16;
  const std::vector<uint8_t> int16 = convert_to_bytes(o, &s16);
  REQUIRE(s16.int16_layers == 1);
  o.lower.int16_accumulation = false;
  ConvertSummary s32;
  const std::vector<uint8_t> int32 = convert_to_bytes(o, &s32);
  REQUIRE(s32.int32_layers == 1);

  // Weights 31 (scale 1/31), inputs 127 (scale 1/127): acc = 16 * 3937 = 62992.
  const float sx = scale_of(int16, "x/quantized"), sw = 1.0f / 31.0f;
  REQUIRE(sx == 1.0f / 127.0f);
  const float exact = 62992.0f * (sx * sw);
  CHECK(run_once(int16, false).y == exact);
  CHECK(run_once(int32, false).y == exact);
  const Run r32 = run_once(int32, true);
  CHECK(r32.emulated == 0);
  CHECK(r32.y == exact);                                   // INT32 layer: nothing changes
  const Run r16 = run_once(int16, true);
  CHECK(r16.emulated == 1);
  CHECK(r16.y == 32767.0f * (sx * sw));                    // saturated after the 9th product
  CHECK(r16.kernels == run_once(int16, false).kernels);    // reported kernels unchanged
  for (qrt_float_adds fa : {QRT_FLOAT_ADDS_F16, QRT_FLOAT_ADDS_AUTO})
    CHECK(run_once(int16, true, fa).y == 32767.0f * (sx * sw));  // no fp16 tensor here

  // NULL model.
  size_t n = 7;
  CHECK(qrt_study_emulate_plain_int16(nullptr, &n) == QRT_ERROR_INVALID_ARGUMENT);
  CHECK(n == 0);
}

TEST_CASE("emulate_plain_int16 reaches the fp16 bands of F16 float-adds sessions",
          "[converter][int16][study][float16]") {
  // Two INT16 convs with dequantizing epilogues into a float ADD: in an F16
  // session both conv outputs are fp16 (computed in bands).
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 16, 1, 1}).initializer("w1", kOnes).initializer("w2", kOnes);
  b.node("Conv", {"x", "w1"}, {"a"}, "conv1");
  b.node("Conv", {"x", "w2"}, {"c"}, "conv2");
  b.node("Add", {"a", "c"}, {"y"}, "add");
  b.output("y");
  write_bytes(dir.file("m.onnx"), b.serialize());
  write_npy(dir.file("calib.npy"), {1, 16, 1, 1}, std::vector<float>(16, 1.0f));
  ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("calib.npy"));
  o.lower.weight_bits = 6;
  ConvertSummary s16;
  const std::vector<uint8_t> int16 = convert_to_bytes(o, &s16);
  REQUIRE(s16.int16_layers == 2);
  const float sx = scale_of(int16, "x/quantized"), sw = 1.0f / 31.0f;

  const Run exact32 = run_once(int16, false, QRT_FLOAT_ADDS_F32);
  const Run exact16 = run_once(int16, false, QRT_FLOAT_ADDS_F16);
  const Run plain32 = run_once(int16, true, QRT_FLOAT_ADDS_F32);
  const Run plain16 = run_once(int16, true, QRT_FLOAT_ADDS_F16);
  REQUIRE(exact16.num_f16 == 2);
  REQUIRE(plain16.num_f16 == 2);
  CHECK(plain16.emulated == 2);
  CHECK(exact32.y == 62992.0f * (sx * sw) + 62992.0f * (sx * sw));
  CHECK(plain32.y == 32767.0f * (sx * sw) + 32767.0f * (sx * sw));
  // fp16: each conv output rounded to binary16, then one fp16 addition.
  CHECK(std::fabs(exact16.y - exact32.y) <= exact32.y * 2e-3f);
  CHECK(std::fabs(plain16.y - plain32.y) <= plain32.y * 2e-3f);
  CHECK(plain16.kernels == exact16.kernels);
}
