// Float/int8 placement and QUANTIZE/DEQUANTIZE insertion (converter/quantize/placement.h,
// converter/quantize/lower.h), checked on the lowered model directly.
#include <catch2/catch.hpp>

#include "calib/calibration.h"
#include "quantize/lower.h"
#include "graph/float_executor.h"
#include "graph/passes.h"
#include "onnx_builder.h"

using namespace qrt::calib;
using namespace qrt::quantize;
using namespace qrt::testing;
using qrt::schema::DType;
using qrt::schema::OpType;

namespace {

qrt::graph::Graph prepared(const OnnxBuilder& b) {
  qrt::graph::Graph g = b.import();
  qrt::graph::run_default_passes(g);
  return g;
}

ActivationCalibration calibrate(const qrt::graph::Graph& g) {
  CalibrationSettings minmax;
  minmax.method = "minmax";
  ActivationCalibration cal(minmax);
  for (unsigned seed = 1; seed <= 4; ++seed) {
    std::map<std::string, qrt::graph::Tensor> in;
    in[g.inputs[0].name] = random_tensor(g.inputs[0].shape, seed);
    qrt::graph::run_float(g, in, [&](const std::string& n, const qrt::graph::Tensor& t) { cal.observe(n, t); });
  }
  return cal;
}

std::vector<OpType> op_types(const LoweredModel& m) {
  std::vector<OpType> t;
  for (const LOperator& op : m.operators) t.push_back(op.type);
  return t;
}

const LTensor& out_of(const LoweredModel& m, size_t op) { return m.tensors[size_t(m.operators[op].outputs[0])]; }

std::string error_of(const qrt::graph::Graph& g) {
  try {
    lower_graph(g, calibrate(g), LowerOptions{});
  } catch (const qrt::ConvertError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("residual block: adds stay float, convs feeding them dequantize, QUANTIZE inserted", "[placement]") {
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
  const qrt::graph::Graph g = prepared(b);
  const Placement p = decide_placement(g, PlacementOptions{});
  REQUIRE(p.at("a").storage == Storage::kFloat);  // read by the Add
  REQUIRE(p.at("a").non_negative);
  REQUIRE(p.at("b").storage == Storage::kFloat);
  REQUIRE(p.at("s").storage == Storage::kFloat);
  REQUIRE(p.at("y").storage == Storage::kFloat);  // graph output

  const LoweredModel m = lower_graph(g, calibrate(g), LowerOptions{});
  REQUIRE(op_types(m) == std::vector<OpType>{OpType::QUANTIZE, OpType::CONV_2D, OpType::QUANTIZE, OpType::CONV_2D,
                                             OpType::ADD, OpType::QUANTIZE, OpType::CONV_2D});
  REQUIRE(out_of(m, 0).dtype == DType::S8);   // graph input: signed
  REQUIRE(out_of(m, 1).dtype == DType::F32);  // convA -> Add: dequantizing epilogue
  REQUIRE(out_of(m, 2).dtype == DType::U8);   // relu output: unsigned
  REQUIRE(out_of(m, 2).name == "a/quantized");
  REQUIRE(out_of(m, 3).dtype == DType::F32);
  REQUIRE(out_of(m, 4).dtype == DType::F32);
  REQUIRE(m.operators[4].options.activation == qrt::schema::Activation::RELU);
  REQUIRE(out_of(m, 5).dtype == DType::U8);
  REQUIRE(out_of(m, 6).dtype == DType::F32);
  REQUIRE(m.tensors[size_t(m.outputs[0])].name == "y");
  // The Add reads the F32 conv output, not a quantized copy.
  REQUIRE(m.operators[4].inputs == std::vector<int32_t>{m.operators[1].outputs[0], m.operators[3].outputs[0]});
}

TEST_CASE("int8 chain: maxpool and flatten keep the input scale; an int8 graph output is dequantized", "[placement]") {
  OnnxBuilder b;
  b.input("x", {1, 2, 4, 4}).initializer("w", random_tensor({3, 2, 3, 3}, 4));
  attr_ints(b.node("Conv", {"x", "w"}, {"c0"}, "conv"), "pads", {1, 1, 1, 1});
  b.node("Relu", {"c0"}, {"c"}, "relu");
  attr_ints(attr_ints(b.node("MaxPool", {"c"}, {"p"}, "pool"), "kernel_shape", {2, 2}), "strides", {2, 2});
  b.node("GlobalAveragePool", {"p"}, {"g"}, "gap");
  b.node("Flatten", {"g"}, {"f"}, "flatten");
  b.output("f");
  const qrt::graph::Graph g = prepared(b);
  const LoweredModel m = lower_graph(g, calibrate(g), LowerOptions{});
  REQUIRE(op_types(m) == std::vector<OpType>{OpType::QUANTIZE, OpType::CONV_2D, OpType::MAX_POOL_2D,
                                             OpType::GLOBAL_AVERAGE_POOL, OpType::RESHAPE, OpType::DEQUANTIZE});
  REQUIRE(out_of(m, 1).dtype == DType::U8);
  REQUIRE(out_of(m, 2).dtype == DType::U8);
  REQUIRE(out_of(m, 2).scale == out_of(m, 1).scale);  // maxpool: same scale
  REQUIRE(out_of(m, 3).dtype == DType::U8);            // GAP: calibrated scale
  REQUIRE(out_of(m, 3).scale != out_of(m, 1).scale);
  REQUIRE(out_of(m, 4).scale == out_of(m, 3).scale);  // reshape: same scale
  REQUIRE(out_of(m, 4).shape == std::vector<int32_t>{1, 3});
  REQUIRE(out_of(m, 5).dtype == DType::F32);
  REQUIRE(m.outputs[0] == m.operators[5].outputs[0]);
}

TEST_CASE("weights and bias tensors: OHWI, per-channel S8, S32 bias scale", "[placement]") {
  OnnxBuilder b;
  b.input("x", {1, 2, 3, 3}).initializer("w", random_tensor({4, 2, 3, 1}, 5)).initializer("bias", random_tensor({4}, 6));
  b.node("Conv", {"x", "w", "bias"}, {"y"}, "conv");
  b.output("y");
  const qrt::graph::Graph g = prepared(b);
  LowerOptions o;
  o.weight_bits = 5;
  const LoweredModel m = lower_graph(g, calibrate(g), o);
  const LOperator& conv = m.operators[1];
  const LTensor& w = m.tensors[size_t(conv.inputs[1])];
  const LTensor& bias = m.tensors[size_t(conv.inputs[2])];
  const LTensor& x = m.tensors[size_t(conv.inputs[0])];
  REQUIRE(w.shape == std::vector<int32_t>{4, 3, 1, 2});
  REQUIRE(w.dtype == DType::S8);
  REQUIRE(w.bits == 5);
  REQUIRE(w.axis == 0);
  REQUIRE(w.scale.size() == 4);
  REQUIRE(bias.dtype == DType::S32);
  for (size_t c = 0; c < 4; ++c) REQUIRE(bias.scale[c] == x.scale[0] * w.scale[c]);
  // 5-bit weights are stored bit-packed: 24 values * 5 bits = 15 bytes.
  REQUIRE(m.buffers[w.buffer].packed_bits == 5);
  REQUIRE(m.buffers[w.buffer].data.size() == 15);
  LowerOptions eight;
  const LoweredModel m8 = lower_graph(g, calibrate(g), eight);
  const LTensor& w8 = m8.tensors[size_t(m8.operators[1].inputs[1])];
  REQUIRE(m8.buffers[w8.buffer].packed_bits == 0);
  REQUIRE(m8.buffers[w8.buffer].data.size() == 24);
}

TEST_CASE("unsupported graphs name the node", "[placement][errors]") {
  SECTION("an op type lowering lacks, after a pool") {
    OnnxBuilder b;
    b.input("x", {1, 2, 4, 4});
    attr_ints(b.node("MaxPool", {"x"}, {"p"}, "pool"), "kernel_shape", {2, 2});
    b.node("Relu", {"p"}, {"y"}, "lonely_relu");
    b.output("y");
    qrt::graph::Graph g = prepared(b);
    REQUIRE(error_of(g).empty());  // a standalone Relu is a LOOKUP_TABLE
    g.nodes.back().op_type = "Transpose";  // placement refuses it before any range is asked for
    std::string e;
    try {
      lower_graph(g, std::map<std::string, Range>{}, LowerOptions{});
    } catch (const qrt::ConvertError& err) {
      e = err.what();
    }
    REQUIRE_THAT(e, Catch::Contains("'lonely_relu'") && Catch::Contains("Transpose x1"));
  }
  SECTION("Flatten with H*W > 1 read by something other than Gemm") {
    OnnxBuilder b;
    b.input("x", {1, 2, 4, 4});
    b.node("Flatten", {"x"}, {"f"}, "my_flatten");
    b.node("Softmax", {"f"}, {"y"}, "sm");
    b.output("y");
    REQUIRE_THAT(error_of(prepared(b)), Catch::Contains("my_flatten"));
  }
  SECTION("broadcasting Add") {
    OnnxBuilder b;
    b.input("x", {1, 2, 4, 4}).initializer("k", random_tensor({1, 2, 1, 1}, 1));
    b.node("Add", {"x", "k"}, {"y"}, "bias_add");
    b.output("y");
    REQUIRE_THAT(error_of(prepared(b)), Catch::Contains("bias_add"));
  }
}
