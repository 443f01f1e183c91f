// Lowering through the runtime: a converted model run by libqrt matches the
// float executor within quantization error (layouts NCHW->NHWC, OIHW->OHWI,
// the Flatten column permutation, U8/S8 activations, pools).
#include <catch2/catch.hpp>

#include <cmath>

#include "quantize/lower.h"
#include "onnx_builder.h"
#include "test_util.h"

using namespace qrt::quantize;
using namespace qrt::convert;
using namespace qrt::testing;
using qrt::graph::Tensor;

namespace {

// Converts the builder's model and compares runtime vs float on 3 random
// inputs: max |diff| <= tol * max|ref|. The calibration set (8 samples)
// contains the 3 test inputs, so no value is clipped by a too-small range
// and the difference is pure rounding error.
void check_against_float(OnnxBuilder& b, const qrt::graph::Shape& in_shape, float tol, int weight_bits = 8) {
  TempDir dir;
  write_bytes(dir.file("m.onnx"), b.serialize());
  qrt::graph::Shape batch = in_shape;
  batch[0] = 8;
  std::vector<float> calib = random_tensor(batch, 11).data;
  for (unsigned seed = 1; seed <= 3; ++seed) {
    const std::vector<float> t = random_tensor(in_shape, seed).data;
    std::copy(t.begin(), t.end(), calib.begin() + (seed - 1) * t.size());
  }
  write_npy(dir.file("calib.npy"), batch, calib);
  ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("calib.npy"));
  o.lower.weight_bits = weight_bits;
  o.calibration.method = "minmax";  // the premise above: nothing clipped (KL would clip on purpose)
  const std::vector<uint8_t> bytes = convert_to_bytes(o, nullptr);
  for (unsigned seed = 1; seed <= 3; ++seed) {
    const Tensor x = random_tensor(in_shape, seed);
    const std::vector<float> ref = run_onnx_float(dir.file("m.onnx"), x);
    const std::vector<float> got = run_qrt(bytes, x);
    REQUIRE(got.size() == ref.size());
    float ref_max = 0, diff_max = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      ref_max = std::max(ref_max, std::fabs(ref[i]));
      diff_max = std::max(diff_max, std::fabs(ref[i] - got[i]));
    }
    INFO("max |diff| " << diff_max << " vs max |ref| " << ref_max);
    REQUIRE(ref_max > 0.0f);
    REQUIRE(diff_max <= tol * ref_max);
  }
}

}  // namespace

TEST_CASE("layout helpers: NHWC shapes, OHWI weights, CHW->HWC FC columns", "[layout]") {
  REQUIRE(to_nhwc_shape({1, 3, 5, 7}, "t") == std::vector<int32_t>{1, 5, 7, 3});
  REQUIRE(to_nhwc_shape({2, 10}, "t") == std::vector<int32_t>{2, 10});
  // w[o][i][y][x] = 1000o + 100i + 10y + x
  std::vector<float> w;
  for (int o = 0; o < 2; ++o)
    for (int i = 0; i < 3; ++i)
      for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 2; ++x) w.push_back(float(1000 * o + 100 * i + 10 * y + x));
  const std::vector<float> ohwi = oihw_to_ohwi(w, 2, 3, 2, 2);
  size_t k = 0;
  for (int o = 0; o < 2; ++o)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 2; ++x)
        for (int i = 0; i < 3; ++i) REQUIRE(ohwi[k++] == float(1000 * o + 100 * i + 10 * y + x));
  // FC column c*H*W + h*W + w moves to (h*W + w)*C + c.
  std::vector<float> fc;
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c)
      for (int hw = 0; hw < 4; ++hw) fc.push_back(float(100 * n + 10 * c + hw));
  const std::vector<float> p = permute_fc_columns_chw_to_hwc(fc, 2, 3, 2, 2);
  k = 0;
  for (int n = 0; n < 2; ++n)
    for (int hw = 0; hw < 4; ++hw)
      for (int c = 0; c < 3; ++c) REQUIRE(p[k++] == float(100 * n + 10 * c + hw));
}

TEST_CASE("conv lowered and run by the runtime equals the float executor", "[lowering][runtime]") {
  const std::vector<int64_t> pads = GENERATE(std::vector<int64_t>{0, 0, 0, 0}, std::vector<int64_t>{1, 1, 1, 1},
                                             std::vector<int64_t>{1, 0, 1, 2});
  const std::vector<int64_t> strides = GENERATE(std::vector<int64_t>{1, 1}, std::vector<int64_t>{2, 1},
                                                std::vector<int64_t>{2, 2});
  INFO("pads " << pads[0] << pads[1] << pads[2] << pads[3] << " strides " << strides[0] << strides[1]);
  OnnxBuilder b;
  b.input("x", {1, 3, 9, 8}).initializer("w", random_tensor({5, 3, 3, 3}, 2)).initializer("bias", random_tensor({5}, 3));
  auto& conv = b.node("Conv", {"x", "w", "bias"}, {"y"}, "conv1");
  attr_ints(conv, "pads", pads);
  attr_ints(conv, "strides", strides);
  b.output("y");
  check_against_float(b, {1, 3, 9, 8}, 0.03f);
}

TEST_CASE("conv+relu (U8) -> depthwise conv -> maxpool -> conv -> logits", "[lowering][runtime]") {
  OnnxBuilder b;
  b.input("x", {1, 2, 8, 8})
      .initializer("w1", random_tensor({4, 2, 3, 3}, 4))
      .initializer("w2", random_tensor({4, 1, 3, 3}, 5))
      .initializer("b2", random_tensor({4}, 6))
      .initializer("w3", random_tensor({6, 4, 1, 1}, 7));
  attr_ints(b.node("Conv", {"x", "w1"}, {"a"}, "c1"), "pads", {1, 1, 1, 1});
  b.node("Relu", {"a"}, {"r"}, "relu1");
  attr_i(attr_ints(b.node("Conv", {"r", "w2", "b2"}, {"d"}, "dw"), "pads", {1, 1, 1, 1}), "group", 4);
  attr_ints(attr_ints(b.node("MaxPool", {"d"}, {"p"}, "pool"), "kernel_shape", {2, 2}), "strides", {2, 2});
  b.node("Conv", {"p", "w3"}, {"y"}, "c3");
  b.output("y");
  check_against_float(b, {1, 2, 8, 8}, 0.05f);
}

TEST_CASE("Flatten of NCHW (H*W > 1) before Gemm: FC columns permuted to NHWC", "[lowering][runtime]") {
  OnnxBuilder b;
  b.input("x", {1, 3, 4, 4})
      .initializer("w", random_tensor({4, 3, 3, 3}, 8))
      .initializer("fw", random_tensor({5, 16}, 9))
      .initializer("fb", random_tensor({5}, 10));
  b.node("Conv", {"x", "w"}, {"c"}, "conv");  // [1,4,2,2]: 16 features, H*W = 4
  b.node("Relu", {"c"}, {"r"}, "relu");
  attr_i(b.node("Flatten", {"r"}, {"f"}, "flatten"), "axis", 1);
  attr_i(b.node("Gemm", {"f", "fw", "fb"}, {"y"}, "fc"), "transB", 1);
  b.output("y");
  check_against_float(b, {1, 3, 4, 4}, 0.05f);
}

TEST_CASE("Gemm without transB, alpha/beta folded; 6-bit weights", "[lowering][runtime]") {
  OnnxBuilder b;
  b.input("x", {1, 4, 1, 1}).initializer("w", random_tensor({4, 4, 1, 1}, 12))
      .initializer("fw", random_tensor({4, 3}, 13)).initializer("fb", random_tensor({3}, 14));
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  b.node("Flatten", {"c"}, {"f"}, "flatten");
  auto& g = b.node("Gemm", {"f", "fw", "fb"}, {"y"}, "fc");
  attr_f(g, "alpha", 0.5f);
  attr_f(g, "beta", 2.0f);
  b.output("y");
  check_against_float(b, {1, 4, 1, 1}, 0.08f, 6);
}

TEST_CASE("int8 concat of two branches, average pool, softmax", "[lowering][runtime]") {
  OnnxBuilder b;
  b.input("x", {1, 3, 6, 6})
      .initializer("w1", random_tensor({4, 3, 3, 3}, 15))
      .initializer("w2", random_tensor({2, 3, 1, 1}, 16))
      .initializer("w3", random_tensor({5, 6, 1, 1}, 17));
  attr_ints(b.node("Conv", {"x", "w1"}, {"a0"}, "c1"), "pads", {1, 1, 1, 1});
  b.node("Relu", {"a0"}, {"a"}, "r1");
  b.node("Conv", {"x", "w2"}, {"b"}, "c2");  // signed branch
  attr_i(b.node("Concat", {"a", "b"}, {"cat"}, "concat"), "axis", 1);
  auto& pool = b.node("AveragePool", {"cat"}, {"p"}, "avg");
  attr_ints(attr_ints(attr_ints(pool, "kernel_shape", {3, 3}), "strides", {2, 2}), "pads", {1, 1, 1, 1});
  b.node("Conv", {"p", "w3"}, {"c"}, "c3");
  attr_i(b.node("Softmax", {"c"}, {"y"}, "sm"), "axis", 1);  // channel axis: last in NHWC
  b.output("y");
  check_against_float(b, {1, 3, 6, 6}, 0.05f);
}

TEST_CASE("a classifier ending in LogSoftmax: SOFTMAX with its log output", "[lowering][runtime]") {
  // Log-probabilities, not probabilities: without SoftmaxOptions.log the
  // runtime's outputs (in (0, 1)) would be far from the float model's (< 0).
  for (int64_t axis : {1, -1}) {
    INFO("axis " << axis);
    OnnxBuilder b;
    b.input("x", {1, 3, 6, 6})
        .initializer("w1", random_tensor({8, 3, 3, 3}, 21))
        .initializer("fc", random_tensor({10, 8}, 22));
    b.node("Conv", {"x", "w1"}, {"c"}, "conv");
    b.node("Relu", {"c"}, {"r"}, "relu");
    b.node("GlobalAveragePool", {"r"}, {"p"}, "gap");
    b.node("Flatten", {"p"}, {"f"}, "flatten");
    attr_i(b.node("Gemm", {"f", "fc"}, {"logits"}, "fc"), "transB", 1);
    attr_i(b.node("LogSoftmax", {"logits"}, {"y"}, "log_softmax"), "axis", axis);
    b.output("y");
    check_against_float(b, {1, 3, 6, 6}, 0.05f);
  }
}

TEST_CASE("ONNX through the whole converter: standalone Relu / Clip tables, ceil_mode pools", "[lowering][runtime]") {
  // MaxPool 2x2/2 on 7x7 with ceil_mode gives 4x4 (one window hangs over);
  // AveragePool 3x3/2 pad 1 with ceil_mode and count_include_pad gives 3x3
  // whose last windows reach past the padding (not counted).
  OnnxBuilder b;
  b.input("x", {1, 3, 9, 9})
      .initializer("w", random_tensor({4, 3, 3, 3}, 15))
      .initializer("lo", qrt::graph::Tensor({}, {0.0f}))
      .initializer("hi", qrt::graph::Tensor({}, {0.5f}));
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  attr_i(attr_ints(attr_ints(b.node("MaxPool", {"c"}, {"m"}, "max"), "kernel_shape", {2, 2}), "strides", {2, 2}),
         "ceil_mode", 1);
  b.node("Relu", {"m"}, {"r"}, "relu_after_pool");
  auto& avg = b.node("AveragePool", {"r"}, {"a"}, "avg");
  attr_ints(attr_ints(attr_ints(avg, "kernel_shape", {3, 3}), "strides", {2, 2}), "pads", {1, 1, 1, 1});
  attr_i(attr_i(avg, "ceil_mode", 1), "count_include_pad", 1);
  b.node("Clip", {"a", "lo", "hi"}, {"y"}, "clip");
  b.output("y");
  check_against_float(b, {1, 3, 9, 9}, 0.04f);
}
