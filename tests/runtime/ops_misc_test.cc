// QUANTIZE, DEQUANTIZE, pools, RESHAPE, CONCAT, SOFTMAX through the
// runtime, compared exactly with hand-computed values or direct kernel
// calls; and the load-time errors for unsupported dtype combinations.
#include <math.h>

#include "qrt/kernels/ref.h"
#include "test_util.h"

using namespace qrt_test;
using qrt::schema::OpType;

TEST_CASE("quantize to U8 and dequantize, hand-computed", "[runtime][quantize]") {
  // x = 1.0, s = 0.5, zp = 10 -> q = 12, held as 12 - 128 = -116.
  // x = 200 saturates to 255 (held 127); x = -8 (q = -6) to 0 (held -128).
  // 0.25 / 0.5 = 0.5 rounds half to even -> 0 + 10 = 10.
  ModelBuilder b;
  int x = b.FloatActivation("x", {1, 4});
  int q = b.Activation("q", DType::U8, {1, 4}, 0.5f, 10);
  int y = b.FloatActivation("y", {1, 4});
  b.Simple(OpType::QUANTIZE, "quant", x, q).Simple(OpType::DEQUANTIZE, "dequant", q, y);
  b.Inputs({x}).Outputs({y, q});
  Runner r(b.Build(), /*keep_all=*/true);
  r.SetInput(0, {1.0f, 200.0f, -8.0f, 0.25f});
  r.Run();
  CHECK(r.Raw<int8_t>(q) == std::vector<int8_t>{-116, 127, -128, 10 - 128});
  CHECK(r.Output(0) == std::vector<float>{1.0f, 122.5f, -5.0f, 0.0f});
  CHECK(r.Output(1) == std::vector<float>{1.0f, 122.5f, -5.0f, 0.0f});
}

TEST_CASE("S8 input with fewer bits is clamped to its symmetric range", "[runtime][quantize]") {
  ModelBuilder b;
  int x = b.Activation("x", DType::S8, {1, 3}, 1.0f, 0, /*bits=*/4);
  int y = b.FloatActivation("y", {1, 3});
  b.Simple(OpType::DEQUANTIZE, "dq", x, y).Inputs({x}).Outputs({y});
  Runner r(b.Build());
  r.SetInput(0, {100.0f, -100.0f, 3.0f});
  r.Run();
  CHECK(r.Output(0) == std::vector<float>{7.0f, -7.0f, 3.0f});
}

TEST_CASE("max pool S8 and average pool U8 match the kernels", "[runtime][pool]") {
  const std::vector<int> q = RandomInts(2 * 5 * 5 * 3, 0, 255, 13);
  PoolOpts o;
  o.kernel = 3;
  o.stride = 2;
  o.pad = 1;
  qrt_pool2d_params p = {2, 5, 5, 3, 3, 3, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0, 0};

  SECTION("max pool S8 with RELU") {
    ModelBuilder b;
    int x = b.Activation("x", DType::S8, {2, 5, 5, 3}, 0.1f, 0);
    int y = b.Activation("y", DType::S8, {2, 3, 3, 3}, 0.1f, 0);
    o.activation = Activation::RELU;
    b.Pool(OpType::MAX_POOL_2D, "max", x, y, o).Inputs({x}).Outputs({y});
    Runner r(b.Build());
    std::vector<int8_t> xs;
    for (int v : q) xs.push_back((int8_t)(std::max(v, 1) - 128));
    std::vector<int> qi(xs.begin(), xs.end());
    r.SetInput(0, Dequant(qi, 0.1f, 0));
    r.Run();
    std::vector<int8_t> want(2 * 3 * 3 * 3);
    qrt_maxpool2d_s8__ref(&p, xs.data(), 0, 127, want.data());
    CHECK(r.Raw<int8_t>(y) == want);
  }
  SECTION("average pool U8 -> U8 with different scales") {
    ModelBuilder b;
    int x = b.Activation("x", DType::U8, {2, 5, 5, 3}, 0.1f, 12);
    int y = b.Activation("y", DType::U8, {2, 3, 3, 3}, 0.07f, 3);
    b.Pool(OpType::AVERAGE_POOL_2D, "avg", x, y, o).Inputs({x}).Outputs({y});
    Runner r(b.Build());
    r.SetInput(0, Dequant(q, 0.1f, 12));
    r.Run();
    std::vector<int8_t> xs;
    for (int v : q) xs.push_back((int8_t)(v - 128));
    qrt_avgpool_s8_params aq = {0.1f, 0.07f, 12 - 128, 3 - 128, -128, 127};
    std::vector<int8_t> want(2 * 3 * 3 * 3);
    qrt_avgpool2d_s8__ref(&p, xs.data(), &aq, want.data());
    CHECK(r.Raw<int8_t>(y) == want);
  }
  SECTION("global average pool S8 -> [N,C]") {
    ModelBuilder b;
    int x = b.Activation("x", DType::S8, {2, 5, 5, 3}, 0.1f, 0);
    int y = b.Activation("y", DType::S8, {2, 3}, 0.05f, 0);
    b.Simple(OpType::GLOBAL_AVERAGE_POOL, "gap", x, y).Inputs({x}).Outputs({y});
    Runner r(b.Build());
    std::vector<int> qs;
    for (int v : q) qs.push_back(std::max(v, 1) - 128);
    r.SetInput(0, Dequant(qs, 0.1f, 0));
    r.Run();
    std::vector<int8_t> xs(qs.begin(), qs.end());
    qrt_avgpool_s8_params aq = {0.1f, 0.05f, 0, 0, -127, 127};
    std::vector<int8_t> want(6);
    qrt_global_avgpool_s8__ref(2, 5, 5, 3, xs.data(), &aq, want.data());
    CHECK(r.Raw<int8_t>(y) == want);
  }
  SECTION("float max pool") {
    ModelBuilder b;
    int x = b.FloatActivation("x", {2, 5, 5, 3});
    int y = b.FloatActivation("y", {2, 3, 3, 3});
    o.activation = Activation::NONE;
    b.Pool(OpType::MAX_POOL_2D, "max", x, y, o).Inputs({x}).Outputs({y});
    Runner r(b.Build());
    const std::vector<float> xf = Dequant(q, 0.37f, 100);
    r.SetInput(0, xf);
    r.Run();
    std::vector<float> want(2 * 3 * 3 * 3);
    qrt_maxpool2d_f32__ref(&p, xf.data(), -INFINITY, INFINITY, want.data());
    CHECK(r.Output(0) == want);
  }
}

TEST_CASE("reshape, concat with requantization, softmax", "[runtime][concat]") {
  ModelBuilder b;
  int a = b.Activation("a", DType::S8, {1, 2, 2, 1}, 0.1f, 0);
  int c = b.Activation("c", DType::S8, {1, 2, 2, 2}, 0.2f, 0);
  int cat = b.Activation("cat", DType::S8, {1, 2, 2, 3}, 0.1f, 0);
  int flat = b.Activation("flat", DType::S8, {1, 12}, 0.1f, 0);
  int f = b.FloatActivation("f", {1, 12});
  int sm = b.FloatActivation("sm", {1, 12});
  b.Concat("cat", {a, c}, cat, -1);
  b.Op(OpType::RESHAPE, "flatten", {cat}, {flat});
  b.Simple(OpType::DEQUANTIZE, "dq", flat, f);
  b.Op(OpType::SOFTMAX, "softmax", {f}, {sm});
  b.Inputs({a, c}).Outputs({sm, flat});
  Runner r(b.Build());
  r.SetInput(0, Dequant({1, -2, 3, 127}, 0.1f, 0));
  r.SetInput(1, Dequant({10, 20, -30, 40, 50, 60, 70, 100}, 0.2f, 0));
  r.Run();
  // c requantized to scale 0.1: doubled, saturating at 127.
  const std::vector<int8_t> want = {1, 20, 40, -2, -60, 80, 3, 100, 120, 127, 127, 127};
  CHECK(r.Raw<int8_t>(flat) == want);
  std::vector<float> f32(12), sm32(12);
  for (int i = 0; i < 12; ++i) f32[(size_t)i] = (float)want[(size_t)i] * 0.1f;
  qrt_softmax_f32__ref(1, 12, f32.data(), sm32.data());
  CHECK(r.Output(0) == sm32);
}

TEST_CASE("unsupported dtype combinations fail at load naming the operator",
          "[runtime][errors]") {
  std::string msg;
  SECTION("mixed int8 / float ADD") {  // int8 + int8 is supported since the int8 ADD
    ModelBuilder b;
    int a = b.Activation("a", DType::S8, {1, 4}, 0.1f);
    int c = b.FloatActivation("c", {1, 4});
    int y = b.FloatActivation("y", {1, 4});
    b.Add("res_add", a, c, y).Inputs({a, c}).Outputs({y});
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_UNSUPPORTED);
    CHECK(msg == "operator 0 'res_add' (ADD): unsupported dtype combination: "
                 "inputs (S8,F32) -> output F32");
  }
  SECTION("float conv") {
    ModelBuilder b;
    int x = b.FloatActivation("x", {1, 2, 2, 1});
    int w = b.WeightsS8("w", {1, 1, 1, 1}, {1}, {1.0f});
    int y = b.FloatActivation("y", {1, 2, 2, 1});
    b.Conv2D("conv1", x, w, -2, y, ConvOpts()).Inputs({x}).Outputs({y});
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_UNSUPPORTED);
    CHECK(msg == "operator 0 'conv1' (CONV_2D): unsupported dtype combination: "
                 "inputs (F32,S8) -> output F32");
  }
  SECTION("int8 softmax") {
    ModelBuilder b;
    int x = b.Activation("x", DType::S8, {1, 4}, 0.1f);
    int y = b.Activation("y", DType::S8, {1, 4}, 0.1f);
    b.Op(OpType::SOFTMAX, "prob", {x}, {y}).Inputs({x}).Outputs({y});
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_UNSUPPORTED);
    CHECK_THAT(msg, Catch::StartsWith("operator 0 'prob' (SOFTMAX): unsupported dtype"));
  }
  SECTION("max pool changing quantization") {
    ModelBuilder b;
    int x = b.Activation("x", DType::S8, {1, 2, 2, 1}, 0.1f);
    int y = b.Activation("y", DType::S8, {1, 1, 1, 1}, 0.2f);
    b.Pool(OpType::MAX_POOL_2D, "mp", x, y, PoolOpts()).Inputs({x}).Outputs({y});
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK_THAT(msg, Catch::Contains("operator 0 'mp' (MAX_POOL_2D)") &&
                    Catch::Contains("must share quantization"));
  }
}

TEST_CASE("conv weight shape mismatch names op, tensors and shapes", "[runtime][errors]") {
  ModelBuilder b;
  int x = b.Activation("x", DType::S8, {1, 5, 5, 4}, 0.1f);
  int w = b.WeightsS8("conv2.weight", {16, 3, 3, 8}, std::vector<int8_t>(16 * 9 * 8, 1), {0.1f});
  int y = b.Activation("y", DType::S8, {1, 3, 3, 16}, 0.1f);
  b.Conv2D("conv2", x, w, -1, y, ConvOpts()).Inputs({x}).Outputs({y});
  std::string msg;
  CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
  CHECK(msg == "operator 0 'conv2' (CONV_2D): weight tensor 1 'conv2.weight' has "
               "shape [16,3,3,8] but input tensor 0 'x' has 4 channels (groups 1)");
}

TEST_CASE("qrt_version equals the headers' QRT_VERSION and the version string", "[runtime][version]") {
  CHECK(qrt_version() == QRT_VERSION);
  CHECK(qrt_version() / 10000 == QRT_VERSION_MAJOR);
  const std::string want = std::to_string(QRT_VERSION_MAJOR) + "." + std::to_string(QRT_VERSION_MINOR) + "." +
                           std::to_string(QRT_VERSION_PATCH);
  CHECK(std::string(qrt_version_string()) == want);
}
