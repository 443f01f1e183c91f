// INT16 accumulator planning (docs/accumulation.md) and packed low-bit
// weights, on a conv -> relu -> conv -> flatten -> FC model whose weights
// are all +-1 (so every quantized weight is +-qmax: the worst case).
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "driver/convert.h"
#include "quantize/lower.h"
#include "quantize/quant_math.h"
#include "onnx_builder.h"
#include "qrt/schema/qrt_generated.h"
#include "test_util.h"

using namespace qrt::quantize;
using namespace qrt::convert;
using namespace qrt::testing;
namespace schema = qrt::schema;

namespace {

qrt::graph::Tensor plus_minus_one(const qrt::graph::Shape& shape, unsigned seed) {
  qrt::graph::Tensor t = random_tensor(shape, seed);
  for (float& v : t.data) v = v < 0.0f ? -1.0f : 1.0f;
  return t;
}

// x [1,16,5,5] -conv1 3x3 (k = 144)-> relu -conv2 3x3, 16 -> 4 (k = 144)-> [1,4,3,3]
// -flatten-> FC 36 -> 3 (k = 36).
struct WorstCaseModel {
  TempDir dir;
  WorstCaseModel() {
    OnnxBuilder b;
    b.input("x", {1, 16, 5, 5})
        .initializer("w1", plus_minus_one({16, 16, 3, 3}, 1))
        .initializer("w2", plus_minus_one({4, 16, 3, 3}, 2))
        .initializer("fw", plus_minus_one({3, 36}, 3));
    attr_ints(b.node("Conv", {"x", "w1"}, {"c1"}, "conv1"), "pads", {1, 1, 1, 1});
    b.node("Relu", {"c1"}, {"r1"}, "relu1");
    b.node("Conv", {"r1", "w2"}, {"c2"}, "conv2");
    b.node("Relu", {"c2"}, {"r2"}, "relu2");
    b.node("Flatten", {"r2"}, {"f"}, "flatten");
    attr_i(b.node("Gemm", {"f", "fw"}, {"y"}, "fc"), "transB", 1);
    b.output("y");
    write_bytes(dir.file("m.onnx"), b.serialize());
    write_npy(dir.file("calib.npy"), {4, 16, 5, 5}, random_tensor({4, 16, 5, 5}, 9).data);
  }
  ConvertOptions options(int weight_bits, int activation_bits) const {
    ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("calib.npy"));
    o.lower.weight_bits = weight_bits;
    o.lower.activation_bits = activation_bits;
    return o;
  }
};

struct Acc {
  schema::Accumulator acc;
  int chunk;
};

std::vector<Acc> accumulators(const schema::Model* m) {
  std::vector<Acc> out;
  for (const schema::Operator* op : *m->operators()) {
    if (op->type() == schema::OpType::CONV_2D)
      out.push_back({op->options_as_Conv2DOptions()->accumulator(), op->options_as_Conv2DOptions()->int16_chunk()});
    if (op->type() == schema::OpType::FULLY_CONNECTED)
      out.push_back({op->options_as_FullyConnectedOptions()->accumulator(),
                     op->options_as_FullyConnectedOptions()->int16_chunk()});
  }
  return out;
}

// docs/accumulation.md for weights all at +-qmax: the largest n with
// max|x| * n * qmax <= 32767, at most k.
int worst_case_chunk(int max_x, int weight_bits, int k) {
  return std::min(k, 32767 / (max_x * s8_qmax(weight_bits)));
}

}  // namespace

TEST_CASE("INT16 planning: chunk from the actual weights and the input's storage range", "[guideline][int16]") {
  WorstCaseModel wm;
  // conv1 reads the S8 graph input (max|x| = 2^(a-1) - 1), conv2 and fc read
  // U8 ReLU outputs stored shifted to [-128, 2^a - 1 - 128] (max|x| = 128).
  struct Case {
    int wb, ab;
    std::vector<int> chunks;  // conv1, conv2, fc
  };
  const std::vector<Case> cases = {
      {6, 8, {8, 8, 8}},     // the paper's W6A8: 127 * 31 * 8 <= 32767 < 127 * 31 * 9; 128 * 31 * 8 too
      {4, 8, {36, 36, 36}},  // 128 * 7 * 36 = 32256 <= 32767 < 128 * 7 * 37
      {6, 6, {34, 8, 8}},    // S8 6-bit input: 31 * 31 * 34 = 32674 <= 32767
      {8, 6, {8, 2, 2}},     // 31 * 127 * 8 = 31496; U8: 2 * 128 * 127 = 32512
      {4, 4, {144, 36, 36}}, // 7 * 7 * 144 = 7056: the whole sum fits (k = 144)
  };
  for (const Case& c : cases) {
    INFO("W" << c.wb << "A" << c.ab);
    const std::vector<uint8_t> bytes = convert_to_bytes(wm.options(c.wb, c.ab), nullptr);
    const schema::Model* m = schema::GetModel(bytes.data());
    const std::vector<Acc> acc = accumulators(m);
    REQUIRE(acc.size() == 3);
    const int ks[3] = {144, 144, 36};
    for (size_t i = 0; i < 3; ++i) {
      CHECK(acc[i].acc == schema::Accumulator::INT16);
      CHECK(acc[i].chunk == c.chunks[i]);
      const int max_x = i == 0 ? s8_qmax(c.ab) : 128;
      CHECK(acc[i].chunk == worst_case_chunk(max_x, c.wb, ks[i]));
    }
    CHECK(m->metadata()->settings()->int16_accumulation());
  }
}

TEST_CASE("INT32 when bits_w + bits_a > 14 or with --no-int16; outputs unchanged", "[guideline][int16]") {
  WorstCaseModel wm;
  const qrt::graph::Tensor x = random_tensor({1, 16, 5, 5}, 9);
  for (const auto& [wb, ab] : std::vector<std::pair<int, int>>{{8, 8}, {7, 8}}) {
    const std::vector<uint8_t> bytes = convert_to_bytes(wm.options(wb, ab), nullptr);
    const schema::Model* m = schema::GetModel(bytes.data());
    for (const Acc& a : accumulators(m)) {
      CHECK(a.acc == schema::Accumulator::INT32);
      CHECK(a.chunk == 0);
    }
    CHECK_FALSE(m->metadata()->settings()->int16_accumulation());
  }
  ConvertOptions o = wm.options(6, 8);
  const std::vector<uint8_t> int16 = convert_to_bytes(o, nullptr);
  o.lower.int16_accumulation = false;
  const std::vector<uint8_t> int32 = convert_to_bytes(o, nullptr);
  for (const Acc& a : accumulators(schema::GetModel(int32.data()))) CHECK(a.acc == schema::Accumulator::INT32);
  CHECK_FALSE(schema::GetModel(int32.data())->metadata()->settings()->int16_accumulation());
  CHECK(int16 != int32);
  CHECK(run_qrt(int16, x) == run_qrt(int32, x));  // INT16 never changes a result
}

TEST_CASE("weights below 8 bits are stored packed and round-trip", "[guideline][packed]") {
  WorstCaseModel wm;
  for (int wb : {4, 5, 6, 7, 8}) {
    INFO("weight bits " << wb);
    ConvertOptions o = wm.options(wb, 8);
    const std::vector<uint8_t> bytes = convert_to_bytes(o, nullptr);
    const schema::Model* m = schema::GetModel(bytes.data());
    for (const schema::Tensor* t : *m->tensors()) {
      if (t->name()->str() != "w1") continue;
      const schema::Buffer* buf = m->buffers()->Get(t->buffer());
      const size_t n = 16 * 3 * 3 * 16;
      CHECK(buf->packed_bits() == (wb < 8 ? wb : 0));
      REQUIRE(buf->data()->size() == (n * size_t(wb) + 7) / 8);
      // Unpack (schema: LSB-first bit stream, two's complement) and compare
      // with the quantizer: every value +-qmax, signs as the float weights.
      size_t bit = 0;
      std::vector<int> values;
      for (size_t i = 0; i < n; ++i) {
        uint32_t u = 0;
        for (int k = 0; k < wb; ++k, ++bit) u |= uint32_t((buf->data()->Get(bit / 8) >> (bit % 8)) & 1u) << k;
        values.push_back(int(u & (1u << (wb - 1)) ? int32_t(u) - (1 << wb) : int32_t(u)));
      }
      for (int v : values) REQUIRE(std::abs(v) == s8_qmax(wb));
    }
  }
  // The runtime unpacks them: the 6-bit model runs and is close to float
  // (a wrong unpacking would flip weights and give unrelated outputs).
  const qrt::graph::Tensor x = random_tensor({1, 16, 5, 5}, 9);
  ConvertOptions o6 = wm.options(6, 8);
  const std::vector<float> got = run_qrt(convert_to_bytes(o6, nullptr), x);
  const std::vector<float> ref = run_onnx_float(o6.model_path, x);
  REQUIRE(got.size() == ref.size());
  float ref_max = 0, diff_max = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    ref_max = std::max(ref_max, std::fabs(ref[i]));
    diff_max = std::max(diff_max, std::fabs(ref[i] - got[i]));
  }
  INFO("max |diff| " << diff_max << " of max |ref| " << ref_max);
  CHECK(diff_max <= 0.05f * ref_max);
}

TEST_CASE("per-layer weight bits: an 8-bit layer in W6A8 goes INT32, the rest stay INT16", "[guideline][int16]") {
  WorstCaseModel wm;
  ConvertOptions o = wm.options(6, 8);
  o.lower.layer_weight_bits = parse_layer_weight_bits("conv2=8,fc=4");
  const std::vector<uint8_t> bytes = convert_to_bytes(o, nullptr);
  const schema::Model* m = schema::GetModel(bytes.data());
  const std::vector<Acc> acc = accumulators(m);
  REQUIRE(acc.size() == 3);
  CHECK(acc[0].acc == schema::Accumulator::INT16);  // conv1: the global 6 bits
  CHECK(acc[0].chunk == worst_case_chunk(127, 6, 144));
  CHECK(acc[1].acc == schema::Accumulator::INT32);  // conv2: 8 + 8 > 14
  CHECK(acc[2].acc == schema::Accumulator::INT16);  // fc: 4 bits
  CHECK(acc[2].chunk == worst_case_chunk(128, 4, 36));
  std::map<std::string, int> bits;
  for (const schema::Tensor* t : *m->tensors()) bits[t->name()->str()] = t->quant() ? t->quant()->bits() : 0;
  CHECK(bits.at("w1") == 6);
  CHECK(bits.at("w2") == 8);
  CHECK(bits.at("fw") == 4);
  // Mixed precision still runs and INT16 stays exact against INT32.
  const qrt::graph::Tensor x = random_tensor({1, 16, 5, 5}, 9);
  ConvertOptions o32 = o;
  o32.lower.int16_accumulation = false;
  CHECK(run_qrt(bytes, x) == run_qrt(convert_to_bytes(o32, nullptr), x));

  // Errors name the entry.
  CHECK_THROWS_WITH(parse_layer_weight_bits("conv2"), Catch::Contains("'conv2'"));
  CHECK_THROWS_WITH(parse_layer_weight_bits("conv2=9"), Catch::Contains("'conv2=9'"));
  CHECK_THROWS_WITH(parse_layer_weight_bits("conv2=8,=6"), Catch::Contains("'=6'"));
  ConvertOptions bad = wm.options(6, 8);
  bad.lower.layer_weight_bits = {{"relu1", 8}};
  CHECK_THROWS_WITH(convert_to_bytes(bad, nullptr), Catch::Contains("'relu1'"));
  bad.lower.layer_weight_bits = {{"no_such_node", 8}};
  CHECK_THROWS_WITH(convert_to_bytes(bad, nullptr), Catch::Contains("'no_such_node'"));
}
