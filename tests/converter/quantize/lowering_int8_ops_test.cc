// Lowering of the IR contract's elementwise forms to LOOKUP_TABLE and MUL,
// on graph::Graph values built here, converted end to end and run by
// libqrt against the float reference (graph_harness.h).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "graph/elementwise.h"
#include "graph/passes.h"
#include "graph_harness.h"
#include "onnx_builder.h"
#include "quantize/lower.h"

using namespace qrt::quantize;
using namespace qrt::testing;
using qrt::graph::Node;
using qrt::schema::DType;
using qrt::schema::OpType;

namespace {

const LTensor& tensor_of(const LoweredModel& m, OpType type, int slot, bool output) {
  for (const LOperator& op : m.operators)
    if (op.type == type) return m.tensors[size_t(output ? op.outputs.at(size_t(slot)) : op.inputs.at(size_t(slot)))];
  FAIL("no such op");
  return m.tensors[0];
}

// The lowered table's codes (storage form) read back from its buffer.
std::vector<int> table_codes(const LoweredModel& m) {
  const LTensor& t = tensor_of(m, OpType::LOOKUP_TABLE, 1, false);
  std::vector<int> v;
  for (uint8_t b : m.buffers.at(t.buffer).data) v.push_back(t.dtype == DType::U8 ? int(b) - 128 : int(int8_t(b)));
  return v;
}

// The table written independently: dequantize (file codes, zero point 0),
// the function, then quantize with nearbyint and integer clamping.
std::vector<int> expected_table(const Node& n, const LTensor& x, const LTensor& y) {
  const bool xu = x.dtype == DType::U8, yu = y.dtype == DType::U8;
  const int ylo = yu ? 0 : -((1 << (y.bits - 1)) - 1), yhi = yu ? (1 << y.bits) - 1 : (1 << (y.bits - 1)) - 1;
  std::vector<int> t;
  for (int i = 0; i < 256; ++i) {
    const int qx = xu ? i : i - 128;  // the input's file code for storage code i - 128
    const float v = qrt::graph::unary_value(n, float(qx) * x.scale[0]);
    const long q = std::lrintf(std::min(std::max(v * (1.0f / y.scale[0]), float(ylo)), float(yhi)));
    t.push_back(int(yu ? q - 128 : q));
  }
  return t;
}

struct UnaryCase {
  const char* op;
  bool non_negative;
  std::function<void(Node&)> attrs;
};

}  // namespace

TEST_CASE("every unary elementwise op lowers to LOOKUP_TABLE and matches float", "[lowering][lookup_table]") {
  const std::vector<UnaryCase> cases = {
      {"HardSigmoid", true, [](Node& n) { n.set_float("alpha", 1.0f / 6.0f); }},
      {"HardSwish", false, nullptr},
      {"Sigmoid", true, nullptr},
      {"Tanh", false, nullptr},
      {"LeakyRelu", false, [](Node& n) { n.set_float("alpha", 0.1f); }},
      {"Elu", false, nullptr},
      {"Softplus", true, nullptr},
      {"Relu", true, nullptr},
      {"Clip", true, [](Node& n) { n.set_float("min", 0.0f); n.set_float("max", 2.0f); }},
      {"Clip", false, [](Node& n) { n.set_float("min", -1.0f); n.set_float("max", 1.5f); }},
      {"QrtSilu", false, nullptr},
      {"QrtAffine", false, [](Node& n) { n.set_float("scale", -0.5f); n.set_float("offset", 1.0f); }},
  };
  for (const UnaryCase& c : cases) {
    INFO(c.op);
    GraphBuilder b;
    b.input("x", {1, 8, 5, 5});
    Node& n = b.node(c.op, {"x"}, "y");
    if (c.attrs) c.attrs(n);
    b.output("y");
    const Node node = n;
    const LoweredModel m = check_lowered(b.g, 0.03f);
    CHECK(lowered_ops(m) == std::vector<OpType>{OpType::QUANTIZE, OpType::LOOKUP_TABLE, OpType::DEQUANTIZE});
    const LTensor& x = tensor_of(m, OpType::LOOKUP_TABLE, 0, false);
    const LTensor& y = tensor_of(m, OpType::LOOKUP_TABLE, 0, true);
    CHECK(y.dtype == (c.non_negative ? DType::U8 : DType::S8));
    CHECK(table_codes(m) == expected_table(node, x, y));
  }
}

TEST_CASE("table from a U8 input (Relu -> HardSwish), 6-bit activations", "[lowering][lookup_table]") {
  GraphBuilder b;
  b.input("x", {1, 4, 3, 3});
  b.node("Relu", {"x"}, "r");
  b.node("HardSwish", {"r"}, "y");
  b.output("y");
  LowerOptions o;
  o.activation_bits = 6;
  const LoweredModel m = check_lowered(b.g, 0.08f, o);
  CHECK(lowered_ops(m) ==
        std::vector<OpType>{OpType::QUANTIZE, OpType::LOOKUP_TABLE, OpType::LOOKUP_TABLE, OpType::DEQUANTIZE});
  const LOperator& hs = m.operators[2];
  const LTensor& x = m.tensors[size_t(hs.inputs[0])];
  const LTensor& y = m.tensors[size_t(hs.outputs[0])];
  CHECK(x.dtype == DType::U8);
  CHECK(y.bits == 6);
  const LTensor& t = m.tensors[size_t(hs.inputs[1])];
  std::vector<int> codes;
  for (uint8_t v : m.buffers.at(t.buffer).data) codes.push_back(t.dtype == DType::U8 ? int(v) - 128 : int(int8_t(v)));
  CHECK(codes == expected_table(b.g.nodes[1], x, y));
}

TEST_CASE("a float input (after a float Add) is quantized before the table", "[lowering][lookup_table]") {
  GraphBuilder b;
  b.input("a", {1, 4, 3, 3}).input("c", {1, 4, 3, 3});
  b.node("Add", {"a", "c"}, "s");
  b.node("Sigmoid", {"s"}, "y");
  b.output("y");
  const LoweredModel m = check_lowered(b.g, 0.03f);
  CHECK(lowered_ops(m) ==
        std::vector<OpType>{OpType::ADD, OpType::QUANTIZE, OpType::LOOKUP_TABLE, OpType::DEQUANTIZE});
}

TEST_CASE("squeeze-and-excitation: pool, 1x1 convs, HardSigmoid, broadcast MUL", "[lowering][mul]") {
  GraphBuilder b;
  b.input("x", {1, 8, 4, 4});
  b.node("Relu", {"x"}, "r");
  b.node("GlobalAveragePool", {"r"}, "p", {1, 8, 1, 1});
  b.initializer("w1", random_tensor({4, 8, 1, 1}, 21)).initializer("b1", random_tensor({4}, 22));
  b.node("Conv", {"p", "w1", "b1"}, "h", {1, 4, 1, 1}).fused_activation = qrt::graph::FusedActivation::kRelu;
  b.initializer("w2", random_tensor({8, 4, 1, 1}, 23)).initializer("b2", random_tensor({8}, 24));
  b.node("Conv", {"h", "w2", "b2"}, "e", {1, 8, 1, 1});
  b.node("HardSigmoid", {"e"}, "gate").set_float("alpha", 1.0f / 6.0f);
  b.node("Mul", {"r", "gate"}, "y");
  b.output("y");
  const LoweredModel m = check_lowered(b.g, 0.04f);
  const std::vector<OpType> ops = lowered_ops(m);
  REQUIRE(ops.size() >= 2);
  CHECK(ops[ops.size() - 2] == OpType::MUL);
  const LTensor& y = tensor_of(m, OpType::MUL, 0, true);
  CHECK(y.dtype == DType::U8);  // Relu output times a non-negative gate
  CHECK(y.shape == std::vector<int32_t>{1, 4, 4, 8});
  CHECK(tensor_of(m, OpType::MUL, 1, false).shape == std::vector<int32_t>{1, 1, 1, 8});
}

TEST_CASE("MUL of equal shapes, and the broadcast input first", "[lowering][mul]") {
  SECTION("equal shapes, signed") {
    GraphBuilder b;
    b.input("a", {1, 3, 4, 5}).input("c", {1, 3, 4, 5});
    b.node("Mul", {"a", "c"}, "y");
    b.output("y");
    const LoweredModel m = check_lowered(b.g, 0.03f);
    CHECK(tensor_of(m, OpType::MUL, 0, true).dtype == DType::S8);
  }
  SECTION("[N,C,1,1] x [N,C,H,W]: inputs swapped") {
    GraphBuilder b;
    b.input("g", {1, 6, 1, 1}).input("a", {1, 6, 3, 2});
    b.node("Mul", {"g", "a"}, "y", {1, 6, 3, 2});
    b.output("y");
    const LoweredModel m = check_lowered(b.g, 0.03f);
    CHECK(tensor_of(m, OpType::MUL, 0, false).shape == std::vector<int32_t>{1, 3, 2, 6});
  }
  SECTION("other broadcasts are refused, naming the node") {
    GraphBuilder b;
    b.input("a", {1, 6, 3, 2}).input("c", {1, 6, 3, 1});
    b.node("Mul", {"a", "c"}, "y", {1, 6, 3, 2});
    b.output("y");
    std::map<std::string, qrt::calib::Range> r;
    for (const char* t : {"a", "c", "y"}) r[t] = {-1.0f, 1.0f};
    CHECK_THROWS_WITH(lower_graph(b.g, r, LowerOptions{}),
                      Catch::Contains("node 'y_node' (Mul)") && Catch::Contains("[N,C,1,1]"));
  }
}

TEST_CASE("placement lists every unsupported op type at once", "[lowering][placement]") {
  GraphBuilder b;
  b.input("x", {1, 4, 3, 3});
  b.node("Foo", {"x"}, "a");
  b.node("Relu", {"a"}, "b");
  b.node("Bar", {"b"}, "c");
  b.node("Foo", {"c"}, "d");
  b.node("Foo", {"d"}, "e");
  b.node("Foo", {"e"}, "f");
  b.output("f");
  try {
    lower_graph(b.g, std::map<std::string, qrt::calib::Range>{}, LowerOptions{});
    FAIL("no error");
  } catch (const qrt::ConvertError& e) {
    const std::string s = e.what();
    CHECK_THAT(s, Catch::Contains("5 nodes of 2 op types are not supported"));
    CHECK_THAT(s, Catch::Contains("Foo x4 (first: 'a_node', 'd_node', 'e_node', ...)"));
    CHECK_THAT(s, Catch::Contains("Bar x1 ('c_node')"));
    CHECK(s.find("Foo") < s.find("Bar"));
    CHECK_THAT(s, Catch::Contains("supported: Add"));
  }
}

TEST_CASE("ShuffleNet unit: Slice (Split), conv branch, Concat, QrtChannelShuffle", "[lowering][channel_shuffle][slice]") {
  GraphBuilder b;
  b.input("x", {1, 8, 5, 5});
  b.node("Relu", {"x"}, "r");
  Node& s0 = b.node("Slice", {"r"}, "left", {1, 4, 5, 5});
  s0.set_ints("starts", {0});
  s0.set_ints("ends", {4});
  s0.set_ints("axes", {1});
  s0.set_ints("steps", {1});
  Node& s1 = b.node("Slice", {"r"}, "right", {1, 4, 5, 5});
  s1.set_ints("starts", {4});
  s1.set_ints("ends", {8});
  s1.set_ints("axes", {1});
  s1.set_ints("steps", {1});
  b.initializer("w", random_tensor({4, 4, 1, 1}, 31)).initializer("bias", random_tensor({4}, 32));
  b.node("Conv", {"right", "w", "bias"}, "conv").fused_activation = qrt::graph::FusedActivation::kRelu;
  b.node("Concat", {"left", "conv"}, "cat", {1, 8, 5, 5}).set_int("axis", 1);
  b.node("QrtChannelShuffle", {"cat"}, "y").set_int("group", 2);
  b.output("y");
  const LoweredModel m = check_lowered(b.g, 0.03f);
  const std::vector<OpType> ops = lowered_ops(m);
  CHECK(std::count(ops.begin(), ops.end(), OpType::SLICE) == 2);
  CHECK(std::count(ops.begin(), ops.end(), OpType::CHANNEL_SHUFFLE) == 1);
  for (const LOperator& op : m.operators)
    if (op.type == OpType::SLICE && m.tensors[size_t(op.outputs[0])].name == "right")
      CHECK(op.options.ints == std::vector<int32_t>{0, 0, 0, 4});  // NHWC begin
}

TEST_CASE("Slice on H and W, Pad on every axis, int8 and float", "[lowering][slice][pad]") {
  GraphBuilder b;
  b.input("x", {1, 3, 6, 5});
  Node& s = b.node("Slice", {"x"}, "s", {1, 3, 4, 3});
  s.set_ints("starts", {1, 2});
  s.set_ints("ends", {5, 5});
  s.set_ints("axes", {2, 3});
  Node& p = b.node("Pad", {"s"}, "p", {1, 4, 7, 5});
  p.set_ints("pads", {0, 1, 2, 1, 0, 0, 1, 1});
  p.set_float("value", 0.5f);
  b.node("Tanh", {"p"}, "y");
  b.output("y");
  const LoweredModel m = check_lowered(b.g, 0.03f);
  for (const LOperator& op : m.operators)
    if (op.type == OpType::PAD) {
      CHECK(op.options.ints == std::vector<int32_t>{0, 2, 1, 1, 0, 1, 1, 0});  // NHWC befores, afters
      CHECK(m.tensors[size_t(op.inputs[0])].dtype == DType::F32);  // the graph input: float, as produced
    }
}

TEST_CASE("Pad value outside the int8 range warns; steps != 1 and reflect are refused", "[lowering][pad][slice]") {
  SECTION("pad of a U8 tensor with a negative value") {
    GraphBuilder b;
    b.input("x", {1, 2, 3, 3});
    b.node("Relu", {"x"}, "r");
    Node& p = b.node("Pad", {"r"}, "p", {1, 2, 5, 5});
    p.set_ints("pads", {0, 0, 1, 1, 0, 0, 1, 1});
    p.set_float("value", -1.0f);
    b.node("Sigmoid", {"p"}, "y");
    b.output("y");
    std::map<std::string, qrt::calib::Range> r = {{"x", {-1, 1}}, {"r", {0, 1}}, {"p", {0, 1}}, {"y", {0, 1}}};
    const LoweredModel m = lower_graph(b.g, r, LowerOptions{});
    REQUIRE(m.warnings.size() == 1);
    CHECK_THAT(m.warnings[0], Catch::Contains("'p_node' (Pad)") && Catch::Contains("value -1 is outside"));
  }
  SECTION("step 2") {
    GraphBuilder b;
    b.input("x", {1, 4, 3, 3});
    Node& s = b.node("Slice", {"x"}, "y", {1, 2, 3, 3});
    s.set_ints("starts", {0});
    s.set_ints("ends", {4});
    s.set_ints("axes", {1});
    s.set_ints("steps", {2});
    b.output("y");
    CHECK_THROWS_WITH(lower_graph(b.g, std::map<std::string, qrt::calib::Range>{{"x", {-1, 1}}}, LowerOptions{}),
                      Catch::Contains("'y_node' (Slice)") && Catch::Contains("step 2"));
  }
  SECTION("reflect") {
    GraphBuilder b;
    b.input("x", {1, 4, 3, 3});
    Node& p = b.node("Pad", {"x"}, "y", {1, 4, 5, 5});
    p.set_ints("pads", {0, 0, 1, 1, 0, 0, 1, 1});
    p.set_string("mode", "reflect");
    b.output("y");
    CHECK_THROWS_WITH(lower_graph(b.g, std::map<std::string, qrt::calib::Range>{{"x", {-1, 1}}}, LowerOptions{}),
                      Catch::Contains("'y_node' (Pad)") && Catch::Contains("reflect"));
  }
}

TEST_CASE("AveragePool / MaxPool with ceil_mode and count_include_pad on edge shapes", "[lowering][pool]") {
  struct Case {
    int64_t h, w, k, s, pad;
  };
  const std::vector<Case> cases = {{6, 6, 3, 2, 0}, {6, 6, 3, 2, 1}, {7, 5, 3, 2, 1}, {5, 8, 2, 2, 0}, {4, 4, 3, 3, 1}};
  auto ceil_out = [](int64_t in, int64_t pad, int64_t k, int64_t s) {
    int64_t o = (in + 2 * pad - k + s - 1) / s + 1;
    if ((o - 1) * s >= in + pad) --o;
    return o;
  };
  for (const Case& c : cases)
    for (const char* op : {"AveragePool", "MaxPool"})
      for (int cip = 0; cip <= 1; ++cip) {
        INFO(op << " " << c.h << "x" << c.w << " k" << c.k << " s" << c.s << " pad " << c.pad << " cip " << cip);
        GraphBuilder b;
        b.input("x", {1, 3, c.h, c.w});
        b.node("Relu", {"x"}, "r");  // an int8 (U8) pool input
        Node& p = b.node(op, {"r"}, "y", {1, 3, ceil_out(c.h, c.pad, c.k, c.s), ceil_out(c.w, c.pad, c.k, c.s)});
        p.set_ints("kernel_shape", {c.k, c.k});
        p.set_ints("strides", {c.s, c.s});
        p.set_ints("pads", {c.pad, c.pad, c.pad, c.pad});
        p.set_int("ceil_mode", 1);
        if (std::string(op) == "AveragePool") p.set_int("count_include_pad", cip);
        b.output("y");
        const LoweredModel m = check_lowered(b.g, 0.02f);
        const std::vector<OpType> ops = lowered_ops(m);
        CHECK(std::count(ops.begin(), ops.end(), std::string(op) == "MaxPool" ? OpType::MAX_POOL_2D
                                                                              : OpType::AVERAGE_POOL_2D) == 1);
      }
}

TEST_CASE("GlobalMaxPool and ReduceMax over H, W become a whole-map MAX_POOL_2D", "[lowering][pool]") {
  struct Case {
    const char* op;
    int keepdims;
  };
  for (const Case c : {Case{"GlobalMaxPool", 1}, Case{"ReduceMax", 1}, Case{"ReduceMax", 0}}) {
    for (const auto& hw : std::vector<std::pair<int64_t, int64_t>>{{7, 7}, {5, 3}, {1, 1}}) {
      INFO(c.op << " keepdims " << c.keepdims << " " << hw.first << "x" << hw.second);
      GraphBuilder b;
      b.input("x", {1, 4, hw.first, hw.second});
      b.node("Relu", {"x"}, "r");
      const qrt::graph::Shape out = c.keepdims ? qrt::graph::Shape{1, 4, 1, 1} : qrt::graph::Shape{1, 4};
      Node& p = b.node(c.op, {"r"}, "y", out);
      if (std::string(c.op) == "ReduceMax") {
        p.set_ints("axes", {-1, 2});
        p.set_int("keepdims", c.keepdims);
      }
      b.output("y");
      qrt::graph::normalize_shape_ops(b.g);  // the rewrite under test (the harness takes the IR after the passes)
      const LoweredModel m = check_lowered(b.g, 0.02f);
      const std::vector<OpType> ops = lowered_ops(m);
      CHECK(std::count(ops.begin(), ops.end(), OpType::MAX_POOL_2D) == 1);
    }
  }
}

TEST_CASE("LRN is a float island: the conv before writes F32, QUANTIZE after", "[lowering][lrn]") {
  GraphBuilder b;
  b.input("x", {1, 3, 6, 6});
  b.initializer("w1", random_tensor({8, 3, 3, 3}, 41)).initializer("b1", random_tensor({8}, 42));
  Node& c1 = b.node("Conv", {"x", "w1", "b1"}, "c1", {1, 8, 4, 4});
  c1.fused_activation = qrt::graph::FusedActivation::kRelu;
  Node& l1 = b.node("LRN", {"c1"}, "n1");
  l1.set_int("size", 5);
  l1.set_float("alpha", 0.05f);  // large enough to matter on these values
  b.node("MaxPool", {"n1"}, "p", {1, 8, 2, 2}).set_ints("kernel_shape", {2, 2});
  b.g.nodes.back().set_ints("strides", {2, 2});
  b.node("Relu", {"p"}, "r");  // int8 again: the pool's output is quantized for the table
  Node& l2 = b.node("LRN", {"r"}, "y");  // DEQUANTIZE before the island
  l2.set_int("size", 3);
  l2.set_float("alpha", 0.05f);
  b.output("y");
  const LoweredModel m = check_lowered(b.g, 0.03f);
  CHECK(lowered_ops(m) == std::vector<OpType>{OpType::QUANTIZE, OpType::CONV_2D, OpType::LRN, OpType::MAX_POOL_2D,
                                              OpType::QUANTIZE, OpType::LOOKUP_TABLE, OpType::DEQUANTIZE, OpType::LRN});
  CHECK(m.tensors[size_t(m.operators[1].outputs[0])].dtype == DType::F32);  // the conv's float epilogue
}

TEST_CASE("PRelu with a slope per channel -> PRELU", "[lowering][prelu]") {
  for (const qrt::graph::Shape& slope_shape : {qrt::graph::Shape{6, 1, 1}, qrt::graph::Shape{1, 6, 1, 1}}) {
    GraphBuilder b;
    b.input("x", {1, 6, 4, 3});
    qrt::graph::Tensor slope(slope_shape, {0.1f, -0.5f, 0.0f, 0.25f, 1.5f, 0.01f});
    b.initializer("slope", slope);
    b.node("PRelu", {"x", "slope"}, "y");
    b.output("y");
    const LoweredModel m = check_lowered(b.g, 0.02f);
    CHECK(lowered_ops(m) == std::vector<OpType>{OpType::QUANTIZE, OpType::PRELU, OpType::DEQUANTIZE});
    const LTensor& s = tensor_of(m, OpType::PRELU, 1, false);
    CHECK(s.dtype == DType::F32);
    CHECK(s.shape == std::vector<int32_t>{6});
  }
}

TEST_CASE("a MobileNetV3 block: expand, HardSwish, depthwise, SE, project, residual Add", "[lowering][mobilenet_v3]") {
  GraphBuilder b;
  b.input("x", {1, 8, 6, 6});
  b.initializer("we", random_tensor({16, 8, 1, 1}, 51, -0.5f, 0.5f)).initializer("be", random_tensor({16}, 52));
  b.node("Conv", {"x", "we", "be"}, "e");
  b.g.shapes["e"] = {1, 16, 6, 6};
  b.node("HardSwish", {"e"}, "e_hs");
  b.initializer("wd", random_tensor({16, 1, 3, 3}, 53)).initializer("bd", random_tensor({16}, 54));
  Node& dw = b.node("Conv", {"e_hs", "wd", "bd"}, "d");
  dw.set_int("group", 16);
  dw.set_ints("pads", {1, 1, 1, 1});
  b.node("HardSwish", {"d"}, "d_hs");
  b.node("GlobalAveragePool", {"d_hs"}, "sq", {1, 16, 1, 1});
  b.initializer("w1", random_tensor({4, 16, 1, 1}, 55)).initializer("b1", random_tensor({4}, 56));
  b.node("Conv", {"sq", "w1", "b1"}, "s1", {1, 4, 1, 1}).fused_activation = qrt::graph::FusedActivation::kRelu;
  b.initializer("w2", random_tensor({16, 4, 1, 1}, 57)).initializer("b2", random_tensor({16}, 58));
  b.node("Conv", {"s1", "w2", "b2"}, "s2", {1, 16, 1, 1});
  b.node("HardSigmoid", {"s2"}, "gate").set_float("alpha", 1.0f / 6.0f);
  b.node("Mul", {"d_hs", "gate"}, "se");
  b.initializer("wp", random_tensor({8, 16, 1, 1}, 59, -0.3f, 0.3f)).initializer("bp", random_tensor({8}, 60));
  b.node("Conv", {"se", "wp", "bp"}, "p", {1, 8, 6, 6});
  b.node("Add", {"p", "x"}, "y");
  b.output("y");
  const LoweredModel m = check_lowered(b.g, 0.06f);
  const std::vector<OpType> ops = lowered_ops(m);
  CHECK(std::count(ops.begin(), ops.end(), OpType::LOOKUP_TABLE) == 3);
  CHECK(std::count(ops.begin(), ops.end(), OpType::MUL) == 1);
  CHECK(ops.back() == OpType::ADD);  // float residual add; the project conv writes F32
}

TEST_CASE("a BatchNormalization after a Concat (DenseNet) becomes a depthwise 1x1 CONV_2D", "[lowering][batch_norm]") {
  GraphBuilder b;
  b.input("x", {1, 3, 4, 4});
  b.initializer("w", random_tensor({5, 3, 3, 3}, 61)).initializer("bw", random_tensor({5}, 62));
  Node& conv = b.node("Conv", {"x", "w", "bw"}, "c", {1, 5, 4, 4});
  conv.set_ints("pads", {1, 1, 1, 1});
  conv.fused_activation = qrt::graph::FusedActivation::kRelu;
  b.node("Concat", {"x", "c"}, "cat", {1, 8, 4, 4}).set_int("axis", 1);
  b.initializer("gamma", random_tensor({8}, 63, 0.5f, 2.0f)).initializer("beta", random_tensor({8}, 64));
  b.initializer("mean", random_tensor({8}, 65)).initializer("var", random_tensor({8}, 66, 0.2f, 1.5f));
  b.node("BatchNormalization", {"cat", "gamma", "beta", "mean", "var"}, "bn");
  b.node("Relu", {"bn"}, "r");
  b.initializer("w2", random_tensor({4, 8, 1, 1}, 67)).initializer("b2", random_tensor({4}, 68));
  b.node("Conv", {"r", "w2", "b2"}, "y", {1, 4, 4, 4});
  b.output("y");
  for (int bits : {8, 6}) {
    LowerOptions o;
    o.weight_bits = bits;
    const LoweredModel m = check_lowered(b.g, 0.04f, o);
    const LOperator* dw = nullptr;
    for (const LOperator& op : m.operators)
      if (op.name == "bn_node") dw = &op;
    REQUIRE(dw != nullptr);
    CHECK(dw->type == OpType::CONV_2D);
    CHECK(dw->options.groups == 8);
    CHECK(m.tensors[size_t(dw->inputs[1])].shape == std::vector<int32_t>{8, 1, 1, 1});
    CHECK(m.tensors[size_t(dw->inputs[1])].bits == bits);
  }
}

TEST_CASE("lowerable_ops: sorted, and holds every unary elementwise op of the graph", "[lowering][placement]") {
  const std::vector<std::string>& ops = lowerable_ops();
  CHECK(std::is_sorted(ops.begin(), ops.end()));
  for (const char* op : {"HardSigmoid", "HardSwish", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Softplus", "Relu", "Clip",
                         "QrtSilu", "QrtAffine"}) {
    INFO(op);
    CHECK(qrt::graph::is_unary_elementwise(op));
    CHECK(std::binary_search(ops.begin(), ops.end(), std::string(op)));
  }
}
