// LOOKUP_TABLE and int8 MUL through the runtime: results compared exactly
// with the table / the reference kernel called directly, hand-computed
// values, and the load-time errors for malformed ops.
#include <algorithm>
#include <cmath>

#include <stdlib.h>
#include <string.h>

#include <string>

#include "qrt/kernels/neon.h"
#include "qrt/kernels/ref.h"
#include "test_util.h"

using namespace qrt_test;
using qrt::schema::OpType;
namespace fb = qrt::schema;

namespace {

std::string LoadError(const std::vector<uint8_t>& file) {
  std::string message;
  CHECK(TryLoad(file, &message) != QRT_OK);
  return message;
}

// x (S8) -> LOOKUP_TABLE -> y (U8) with the table's file codes `bytes`.
std::vector<uint8_t> LookupModel(const std::vector<uint8_t>& bytes, DType table_dtype, int* x, int* y) {
  ModelBuilder b;
  *x = b.Activation("x", DType::S8, {1, 2, 3, 8}, 0.1f);
  *y = b.Activation("y", DType::U8, {1, 2, 3, 8}, 0.02f, 3);
  const int t = b.Tensor("y/table", table_dtype, {256}, {0.02f}, {3}, 8, b.Buffer(bytes));
  b.Op(OpType::LOOKUP_TABLE, "hswish", {*x, t}, {*y}, fb::OperatorOptions::LookupTableOptions,
       [](flatbuffers::FlatBufferBuilder& f) { return fb::CreateLookupTableOptions(f).Union(); });
  b.Inputs({*x}).Outputs({*y});
  return b.Build();
}

}  // namespace

TEST_CASE("lookup table S8 -> U8: y = table[x + 128] in storage form", "[runtime][lookup_table]") {
  const std::vector<int> codes = RandomInts(256, 0, 255, 3);
  const std::vector<uint8_t> bytes(codes.begin(), codes.end());
  int x = 0, y = 0;
  Runner r(LookupModel(bytes, DType::U8, &x, &y), /*keep_all=*/true);
  std::vector<int> q = RandomInts(48, -127, 127, 4);
  q[0] = -127;
  q[1] = 127;
  q[2] = 0;
  r.SetInput(0, Dequant(q, 0.1f, 0));
  r.Run();
  std::vector<int8_t> want(q.size());
  for (size_t i = 0; i < q.size(); ++i) want[i] = int8_t(codes[size_t(q[i] + 128)] - 128);  // U8 held - 128
  CHECK(r.Raw<int8_t>(y) == want);
  const std::vector<float> out = r.Output(0);
  for (size_t i = 0; i < q.size(); ++i) CHECK(out[i] == float(codes[size_t(q[i] + 128)] - 3) * 0.02f);
}

TEST_CASE("lookup table errors name the table", "[runtime][lookup_table]") {
  int x = 0, y = 0;
  SECTION("dtype other than the output's") {
    const std::vector<uint8_t> bytes(256, 5);
    CHECK_THAT(LoadError(LookupModel(bytes, DType::S8, &x, &y)),
               Catch::Contains("LOOKUP_TABLE") && Catch::Contains("must hold 256 values"));
  }
  SECTION("255 entries") {
    ModelBuilder b;
    x = b.Activation("x", DType::S8, {1, 4}, 0.1f);
    y = b.Activation("y", DType::S8, {1, 4}, 0.1f);
    const int t = b.Tensor("t", DType::S8, {255}, {0.1f}, {0}, 8, b.Buffer(std::vector<uint8_t>(255, 1)));
    b.Op(OpType::LOOKUP_TABLE, "lut", {x, t}, {y}).Inputs({x}).Outputs({y});
    CHECK_THAT(LoadError(b.Build()), Catch::Contains("table") && Catch::Contains("256"));
  }
}

TEST_CASE("mul U8 x U8 broadcast [N,1,1,C] -> S8 with RELU matches the kernel", "[runtime][mul]") {
  const float sa = 0.05f, sb = 0.004f, sy = 0.01f;
  ModelBuilder b;
  const int a = b.Activation("a", DType::U8, {2, 3, 4, 5}, sa, 7);
  const int g = b.Activation("g", DType::U8, {2, 1, 1, 5}, sb);
  const int y = b.Activation("y", DType::S8, {2, 3, 4, 5}, sy);
  b.Op(OpType::MUL, "se_mul", {a, g}, {y}, fb::OperatorOptions::MulOptions,
       [](flatbuffers::FlatBufferBuilder& f) { return fb::CreateMulOptions(f, Activation::RELU).Union(); });
  b.Inputs({a, g}).Outputs({y});
  Runner r(b.Build(), /*keep_all=*/true);
  const std::vector<int> qa = RandomInts(2 * 3 * 4 * 5, 0, 255, 8), qg = RandomInts(2 * 5, 0, 255, 9);
  r.SetInput(0, Dequant(qa, sa, 7));
  r.SetInput(1, Dequant(qg, sb, 0));
  r.Run();
  std::vector<int8_t> xa, xg, want(qa.size());
  for (int v : qa) xa.push_back(int8_t(v - 128));
  for (int v : qg) xg.push_back(int8_t(v - 128));
  const qrt_mul_s8_params p = {(sa * sb) / sy, 7 - 128, -128, 0, 0, 127};  // RELU: lo = zy
  qrt_mul_s8__ref(2, 12, 5, xa.data(), xg.data(), 1, &p, want.data());
  const std::vector<int8_t> got = r.Raw<int8_t>(y);
  CHECK(got == want);
  // One element by hand: a[1,2,3,4] times g[1,0,0,4].
  const size_t i = ((1 * 3 + 2) * 4 + 3) * 5 + 4;
  const float v = (float)((qa[i] - 7) * qg[5 + 4]) * ((sa * sb) / sy);
  CHECK(int(got[i]) == std::max(0, std::min(127, (int)std::nearbyint(v))));
}

TEST_CASE("mul S8 x S8 of equal shapes; unsupported broadcast refused", "[runtime][mul]") {
  SECTION("same shape") {
    ModelBuilder b;
    const int a = b.Activation("a", DType::S8, {1, 6}, 0.5f);
    const int c = b.Activation("c", DType::S8, {1, 6}, 0.25f);
    const int y = b.Activation("y", DType::S8, {1, 6}, 1.0f);
    b.Op(OpType::MUL, "mul", {a, c}, {y}).Inputs({a, c}).Outputs({y});
    Runner r(b.Build(), true);
    r.SetInput(0, Dequant({1, 2, 3, -4, 127, -127}, 0.5f, 0));
    r.SetInput(1, Dequant({2, 2, 2, 2, 127, 127}, 0.25f, 0));
    r.Run();
    // m = 0.125: 0.25 -> 0, 0.5 -> 0 (half to even), 0.75 -> 1, -1, saturated 127 / -127.
    CHECK(r.Raw<int8_t>(y) == std::vector<int8_t>{0, 0, 1, -1, 127, -127});
  }
  SECTION("[N,H,1,C] is not a per-channel broadcast") {
    ModelBuilder b;
    const int a = b.Activation("a", DType::S8, {1, 2, 2, 3}, 0.5f);
    const int c = b.Activation("c", DType::S8, {1, 2, 1, 3}, 0.5f);
    const int y = b.Activation("y", DType::S8, {1, 2, 2, 3}, 0.5f);
    b.Op(OpType::MUL, "mul", {a, c}, {y}).Inputs({a, c}).Outputs({y});
    CHECK_THAT(LoadError(b.Build()), Catch::Contains("'mul' (MUL)") && Catch::Contains("[N,1,1,C]"));
  }
  SECTION("float inputs") {
    ModelBuilder b;
    const int a = b.FloatActivation("a", {1, 4});
    const int c = b.FloatActivation("c", {1, 4});
    const int y = b.FloatActivation("y", {1, 4});
    b.Op(OpType::MUL, "mul", {a, c}, {y}).Inputs({a, c}).Outputs({y});
    CHECK_THAT(LoadError(b.Build()), Catch::Contains("unsupported dtype"));
  }
}

namespace {

flatbuffers::Offset<void> IntsOptions(flatbuffers::FlatBufferBuilder& f, OpType type, const std::vector<int>& v,
                                      float value = 0.0f) {
  if (type == OpType::SLICE) return fb::CreateSliceOptions(f, f.CreateVector(v)).Union();
  return fb::CreatePadOptions(f, f.CreateVector(v), value).Union();
}

}  // namespace

TEST_CASE("channel shuffle U8 and F32", "[runtime][channel_shuffle]") {
  for (DType dt : {DType::U8, DType::F32}) {
    ModelBuilder b;
    const bool q = dt == DType::U8;
    const int x = q ? b.Activation("x", dt, {1, 2, 1, 6}, 0.5f, 2) : b.FloatActivation("x", {1, 2, 1, 6});
    const int y = q ? b.Activation("y", dt, {1, 2, 1, 6}, 0.5f, 2) : b.FloatActivation("y", {1, 2, 1, 6});
    b.Op(OpType::CHANNEL_SHUFFLE, "shuffle", {x}, {y}, fb::OperatorOptions::ChannelShuffleOptions,
         [](flatbuffers::FlatBufferBuilder& f) { return fb::CreateChannelShuffleOptions(f, 3).Union(); });
    b.Inputs({x}).Outputs({y});
    Runner r(b.Build());
    r.SetInput(0, Dequant({0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15}, 0.5f, 2));
    r.Run();
    // C = 6, g = 3, C/g = 2: output channel o reads (o % 3) * 2 + o / 3.
    CHECK(r.Output(0) == Dequant({0, 2, 4, 1, 3, 5, 10, 12, 14, 11, 13, 15}, 0.5f, 2));
  }
}

TEST_CASE("slice S8 on H and C; errors", "[runtime][slice]") {
  ModelBuilder b;
  const int x = b.Activation("x", DType::S8, {1, 3, 2, 4}, 1.0f);
  const int y = b.Activation("y", DType::S8, {1, 2, 2, 2}, 1.0f);
  SECTION("values") {
    b.Op(OpType::SLICE, "slice", {x}, {y}, fb::OperatorOptions::SliceOptions,
         [](flatbuffers::FlatBufferBuilder& f) { return IntsOptions(f, OpType::SLICE, {0, 1, 0, 2}); });
    b.Inputs({x}).Outputs({y});
    Runner r(b.Build());
    std::vector<int> q(24);
    for (int i = 0; i < 24; ++i) q[size_t(i)] = i;
    r.SetInput(0, Dequant(q, 1.0f, 0));
    r.Run();
    // x[0, h, w, c] = (h * 2 + w) * 4 + c; h in 1..2, c in 2..3.
    CHECK(r.Output(0) == Dequant({10, 11, 14, 15, 18, 19, 22, 23}, 1.0f, 0));
  }
  SECTION("box outside the input") {
    b.Op(OpType::SLICE, "slice", {x}, {y}, fb::OperatorOptions::SliceOptions,
         [](flatbuffers::FlatBufferBuilder& f) { return IntsOptions(f, OpType::SLICE, {0, 2, 0, 0}); });
    b.Inputs({x}).Outputs({y});
    CHECK_THAT(LoadError(b.Build()), Catch::Contains("'slice' (SLICE)") && Catch::Contains("axis 1"));
  }
}

TEST_CASE("pad S8 with an in-range and a saturating value; F32", "[runtime][pad]") {
  for (float value : {1.0f, 1000.0f}) {
    ModelBuilder b;
    const int x = b.Activation("x", DType::S8, {1, 1, 2, 1}, 0.5f);
    const int y = b.Activation("y", DType::S8, {1, 2, 3, 2}, 0.5f);
    b.Op(OpType::PAD, "pad", {x}, {y}, fb::OperatorOptions::PadOptions,
         [value](flatbuffers::FlatBufferBuilder& f) { return IntsOptions(f, OpType::PAD, {0, 1, 0, 0, 0, 0, 1, 1}, value); });
    b.Inputs({x}).Outputs({y});
    Runner r(b.Build(), true);
    r.SetInput(0, {3.0f, -2.0f});
    r.Run();
    const int8_t v = value == 1.0f ? 2 : 127;  // 1.0 / 0.5; 1000 saturates to the S8 range
    // y[0, h, w, c] at (h * 3 + w) * 2 + c: x sits at h = 1, w = 0..1, c = 0.
    CHECK(r.Raw<int8_t>(y) == std::vector<int8_t>{v, v, v, v, v, v, 6, v, -4, v, v, v});
  }
  ModelBuilder b;
  const int x = b.FloatActivation("x", {2, 1});
  const int y = b.FloatActivation("y", {3, 2});
  b.Op(OpType::PAD, "pad", {x}, {y}, fb::OperatorOptions::PadOptions,
       [](flatbuffers::FlatBufferBuilder& f) { return IntsOptions(f, OpType::PAD, {1, 0, 0, 1}, -0.25f); });
  b.Inputs({x}).Outputs({y});
  Runner r(b.Build());
  r.SetInput(0, {3.0f, -2.0f});
  r.Run();
  CHECK(r.Output(0) == std::vector<float>{-0.25f, -0.25f, 3.0f, -0.25f, -2.0f, -0.25f});
}

TEST_CASE("LRN F32 matches the kernel; int8 tensors refused", "[runtime][lrn]") {
  auto lrn_options = [](flatbuffers::FlatBufferBuilder& f) {
    return fb::CreateLRNOptions(f, 3, 0.01f, 0.75f, 1.0f).Union();
  };
  {
    ModelBuilder b;
    const int x = b.FloatActivation("x", {1, 2, 2, 5});
    const int y = b.FloatActivation("y", {1, 2, 2, 5});
    b.Op(OpType::LRN, "norm", {x}, {y}, fb::OperatorOptions::LRNOptions, lrn_options).Inputs({x}).Outputs({y});
    Runner r(b.Build());
    std::vector<float> in(20);
    for (size_t i = 0; i < in.size(); ++i) in[i] = float(int(i) - 7) * 0.5f;
    r.SetInput(0, in);
    r.Run();
    std::vector<float> want(20);
    const qrt_lrn_params p = {3, 0.01f, 0.75f, 1.0f};
    qrt_lrn_f32__ref(4, 5, &p, in.data(), want.data());
    CHECK(r.Output(0) == want);
    CHECK(want[0] != in[0]);  // the normalization did something
  }
  ModelBuilder b;
  const int x = b.Activation("x", DType::S8, {1, 2, 2, 5}, 0.1f);
  const int y = b.Activation("y", DType::S8, {1, 2, 2, 5}, 0.1f);
  b.Op(OpType::LRN, "norm", {x}, {y}, fb::OperatorOptions::LRNOptions, lrn_options).Inputs({x}).Outputs({y});
  CHECK_THAT(LoadError(b.Build()), Catch::Contains("'norm' (LRN)") && Catch::Contains("unsupported dtype"));
}

TEST_CASE("PRelu S8 -> S8 per channel, hand-computed; slope count checked", "[runtime][prelu]") {
  ModelBuilder b;
  const int x = b.Activation("x", DType::S8, {1, 1, 2, 3}, 0.5f);
  std::vector<uint8_t> bytes(12);
  const float slopes[3] = {0.25f, -1.0f, 0.0f};
  memcpy(bytes.data(), slopes, 12);
  const int s = b.Tensor("slope", DType::F32, {3}, {}, {}, 8, b.Buffer(bytes));
  const int y = b.Activation("y", DType::S8, {1, 1, 2, 3}, 0.25f);
  b.Op(OpType::PRELU, "prelu", {x, s}, {y}).Inputs({x}).Outputs({y});
  Runner r(b.Build(), true);
  r.SetInput(0, Dequant({-5, -6, -7, 8, 9, 100}, 0.5f, 0));
  r.Run();
  // m_pos = 2, m_neg = {0.5, -2, 0}: -5 * 0.5 = -2.5 -> -2 (half to even), 12, 0; 16, 18, 200 -> 127.
  CHECK(r.Raw<int8_t>(y) == std::vector<int8_t>{-2, 12, 0, 16, 18, 127});

  ModelBuilder bad;
  const int bx = bad.Activation("x", DType::S8, {1, 1, 2, 4}, 0.5f);
  const int bs = bad.Tensor("slope", DType::F32, {3}, {}, {}, 8, bad.Buffer(bytes));
  const int by = bad.Activation("y", DType::S8, {1, 1, 2, 4}, 0.25f);
  bad.Op(OpType::PRELU, "prelu", {bx, bs}, {by}).Inputs({bx}).Outputs({by});
  CHECK_THAT(LoadError(bad.Build()), Catch::Contains("'prelu' (PRELU)") && Catch::Contains("3 values for the 4"));
}

TEST_CASE("LOOKUP_TABLE and MUL kernels: NEON where built, __ref with QRT_KERNEL_PATH=ref, same bytes", "[runtime][lookup_table][mul]") {
  ModelBuilder b;
  const int x = b.Activation("x", DType::S8, {1, 5, 7, 19}, 0.05f);
  const int g = b.Activation("g", DType::U8, {1, 1, 1, 19}, 0.004f);
  const int h = b.Activation("h", DType::S8, {1, 5, 7, 19}, 0.03f);
  const std::vector<int> codes = RandomInts(256, -127, 127, 12);
  std::vector<uint8_t> bytes;
  for (int c : codes) bytes.push_back(uint8_t(int8_t(c)));
  const int t = b.Tensor("h/table", DType::S8, {256}, {0.03f}, {0}, 8, b.Buffer(bytes));
  const int y = b.Activation("y", DType::S8, {1, 5, 7, 19}, 0.002f);
  b.Op(OpType::LOOKUP_TABLE, "lut", {x, t}, {h}).Op(OpType::MUL, "mul", {h, g}, {y});
  b.Inputs({x, g}).Outputs({y});
  const std::vector<uint8_t> file = b.Build();
  std::vector<std::vector<int8_t>> results;
  for (const char* path : {"", "ref"}) {
    if (*path) setenv("QRT_KERNEL_PATH", path, 1);
    Runner r(file, true);
    unsetenv("QRT_KERNEL_PATH");
    qrt_op_info info;
    qrt_op_info_init(&info);
    REQUIRE(qrt_model_op_info(r.model.get(), 0, &info) == QRT_OK);
    const std::string lut = info.kernel;
    REQUIRE(qrt_model_op_info(r.model.get(), 1, &info) == QRT_OK);
    const std::string mul = info.kernel;
    const bool neon = QRT_KERNELS_HAVE_NEON && *path == '\0';
    CHECK(lut == (neon ? "qrt_lookup_table_s8__neon" : "qrt_lookup_table_s8__ref"));
    CHECK(mul == (neon ? "qrt_mul_s8__neon" : "qrt_mul_s8__ref"));
    r.SetInput(0, Dequant(RandomInts(5 * 7 * 19, -127, 127, 13), 0.05f, 0));
    r.SetInput(1, Dequant(RandomInts(19, 0, 255, 14), 0.004f, 0));
    r.Run();
    results.push_back(r.Raw<int8_t>(y));
  }
  CHECK(results[0] == results[1]);
}
