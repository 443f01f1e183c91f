// qrt_session_options.emulate_plain_int16 end to end: a converted W6A8
// model whose one conv sums 16 products of 31 * 127 (62992, far beyond
// int16). The planned INT16 layer (chunked, exact) gives INT32's result;
// the plain saturating emulation stops at 32767; an INT32 layer ignores
// the option.
#include <catch2/catch.hpp>

#include <vector>

#include "onnx_builder.h"
#include "qrt/qrt.h"
#include "qrt/schema/qrt_generated.h"
#include "test_util.h"

using namespace qrt::backend;
using namespace qrt::backend::testing;
using namespace qrt::frontend::testing;

namespace {

// Runs the model on one input of ones, returns output 0 (one value).
float run_once(const std::vector<uint8_t>& bytes, bool emulate) {
  qrt_model* model = nullptr;
  qrt_session* session = nullptr;
  qrt_error err{};
  REQUIRE(qrt_model_load_memory(bytes.data(), bytes.size(), &model, &err) == QRT_OK);
  qrt_session_options o;
  qrt_session_options_init(&o);
  CHECK(o.emulate_plain_int16 == 0);
  o.emulate_plain_int16 = emulate ? 1 : 0;
  REQUIRE(qrt_session_create(model, &o, &session, &err) == QRT_OK);
  const std::vector<float> x(16, 1.0f);
  float y = 0.0f;
  REQUIRE(qrt_session_set_input_f32(session, 0, x.data(), x.size()) == QRT_OK);
  REQUIRE(qrt_session_run(session) == QRT_OK);
  REQUIRE(qrt_session_get_output_f32(session, 0, &y, 1) == QRT_OK);
  qrt_session_destroy(session);
  qrt_model_destroy(model);
  return y;
}

float scale_of(const std::vector<uint8_t>& bytes, const std::string& name) {
  const qrt::schema::Model* m = qrt::schema::GetModel(bytes.data());
  for (const qrt::schema::Tensor* t : *m->tensors())
    if (t->name()->str() == name) return t->quant()->scale()->Get(0);
  FAIL("no tensor " << name);
  return 0.0f;
}

}  // namespace

TEST_CASE("emulate_plain_int16 saturates INT16 layers only", "[converter][int16]") {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 16, 1, 1}).initializer("w", qrt::frontend::Tensor({1, 16, 1, 1}, std::vector<float>(16, 1.0f)));
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
  CHECK(run_once(int16, false) == exact);
  CHECK(run_once(int32, false) == exact);
  CHECK(run_once(int32, true) == exact);                   // INT32 layer: the option changes nothing
  CHECK(run_once(int16, true) == 32767.0f * (sx * sw));    // saturated after the 9th product
}
