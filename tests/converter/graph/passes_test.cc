// Graph passes: BN folding exactness, activation fusion and its limits,
// Identity/dead-node removal, constant folding, and the executor observer.
#include <catch2/catch.hpp>

#include <cmath>

#include "graph/float_executor.h"
#include "import/onnx_import.h"
#include "graph/passes.h"
#include "onnx_builder.h"

using namespace qrt::graph;
using namespace qrt::testing;

namespace {

int count_op(const Graph& g, const std::string& op) {
  int c = 0;
  for (const auto& n : g.nodes) c += n.op_type == op;
  return c;
}

// Conv(x, w[, b]) -> BatchNormalization -> "y".
OnnxBuilder conv_bn(int64_t c_in, int64_t c_out, int64_t group, bool bias, unsigned seed) {
  OnnxBuilder b(13);
  b.input("x", {1, c_in, 7, 7}).output("y");
  b.initializer("w", random_tensor({c_out, c_in / group, 3, 3}, seed));
  std::vector<std::string> ins = {"x", "w"};
  if (bias) {
    b.initializer("b", random_tensor({c_out}, seed + 1));
    ins.push_back("b");
  }
  auto& conv = b.node("Conv", ins, {"c"}, "conv");
  attr_i(conv, "group", group);
  attr_ints(conv, "pads", {1, 1, 1, 1});
  b.initializer("gamma", random_tensor({c_out}, seed + 2, 0.2f, 3.0f));
  b.initializer("beta", random_tensor({c_out}, seed + 3));
  b.initializer("mean", random_tensor({c_out}, seed + 4));
  b.initializer("var", random_tensor({c_out}, seed + 5, 0.01f, 4.0f));
  attr_f(b.node("BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, {"y"}, "bn"), "epsilon", 1e-3f);
  return b;
}

}  // namespace

TEST_CASE("fold_batch_norm: folded conv equals conv + BN", "[graph][passes]") {
  struct Case { int64_t cin, cout, group; bool bias; };
  for (const Case& c : {Case{3, 8, 1, false}, Case{4, 6, 2, true}, Case{8, 8, 8, false}, Case{8, 16, 8, true}}) {
    Graph raw = conv_bn(c.cin, c.cout, c.group, c.bias, 11 + unsigned(c.cout)).import();
    Graph g = raw;
    run_default_passes(g);
    REQUIRE(g.nodes.size() == 1);
    const Node& conv = g.nodes[0];
    CHECK(conv.op_type == "Conv");
    CHECK(conv.outputs[0] == "y");
    REQUIRE(conv.inputs.size() == 3);
    // Parameters follow the documented formula, computed in double.
    const Tensor& w0 = raw.initializers.at("w");
    const Tensor& w1 = g.initializers.at(conv.inputs[1]);
    const Tensor& b1 = g.initializers.at(conv.inputs[2]);
    const int64_t per = w0.size() / c.cout;
    for (int64_t o = 0; o < c.cout; ++o) {
      const double s = double(raw.initializers.at("gamma").data[o]) /
                       std::sqrt(double(raw.initializers.at("var").data[o]) + double(1e-3f));
      const double b0 = c.bias ? raw.initializers.at("b").data[o] : 0.0;
      CHECK(b1.data[o] == static_cast<float>((b0 - raw.initializers.at("mean").data[o]) * s +
                                             raw.initializers.at("beta").data[o]));
      for (int64_t j = 0; j < per; ++j)
        CHECK(w1.data[o * per + j] == static_cast<float>(double(w0.data[o * per + j]) * s));
    }
    CHECK(g.initializers.count("gamma") == 0);  // dead BN parameters dropped
    const Tensor x = random_tensor({1, c.cin, 7, 7}, 99);
    const Tensor a = run_float(g, {{"x", x}}).at("y"), b = run_float(raw, {{"x", x}}).at("y");
    double md = 0, mx = 0;
    for (size_t i = 0; i < a.data.size(); ++i)
      md = std::max(md, std::fabs(double(a.data[i]) - b.data[i])), mx = std::max(mx, std::fabs(double(b.data[i])));
    CHECK(md <= 1e-5 * mx);
  }
}

TEST_CASE("fold_batch_norm: not folded when the conv output has another reader", "[graph][passes]") {
  OnnxBuilder b = conv_bn(3, 4, 1, false, 3);
  b.output("c");
  Graph g = b.import();
  run_default_passes(g);
  CHECK(count_op(g, "BatchNormalization") == 1);
  CHECK(count_op(g, "Conv") == 1);
}

TEST_CASE("fuse_activations: Relu and Clip(0,6) fuse; other clips and shared inputs do not", "[graph][passes]") {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 3, 3}).initializer("w", random_tensor({2, 2, 1, 1}, 1, -3.f, 3.f)).output("y").output("z").output("q");
  b.node("Conv", {"x", "w"}, {"c1"}, "conv1");
  b.node("Relu", {"c1"}, {"r1"}, "relu1");                       // fuses: relu
  b.node("Conv", {"r1", "w"}, {"c2"}, "conv2");
  attr_t(b.node("Constant", {}, {"zero"}, "k0"), "value", Tensor({}, {0.f}));
  attr_t(b.node("Constant", {}, {"six"}, "k6"), "value", Tensor({}, {6.f}));
  b.node("Clip", {"c2", "zero", "six"}, {"y"}, "relu6");        // fuses: relu6
  b.node("Add", {"x", "y"}, {"s"}, "add");
  b.node("Relu", {"s"}, {"s2"}, "relu_add");                   // fuses into Add
  b.node("Conv", {"s2", "w"}, {"c3"}, "conv3");
  b.node("Relu", {"c3"}, {"z"}, "relu3");                      // c3 also read below: no fusion
  b.node("Clip", {"c3", "zero", "six"}, {"q0"}, "clip_shared");
  attr_f(attr_f(b.node("Clip", {"q0"}, {"q"}, "clip5"), "min", 0.f), "max", 5.f);
  Graph raw = b.import();
  Graph g = raw;
  run_default_passes(g);
  auto node = [&](const std::string& name) -> const Node& {
    for (const auto& n : g.nodes)
      if (n.name == name) return n;
    FAIL("no node " << name);
    throw;
  };
  CHECK(node("conv1").fused_activation == FusedActivation::kRelu);
  CHECK(node("conv2").fused_activation == FusedActivation::kRelu6);
  CHECK(node("conv2").outputs[0] == "y");
  CHECK(node("add").fused_activation == FusedActivation::kRelu);
  CHECK(node("conv3").fused_activation == FusedActivation::kNone);
  CHECK(count_op(g, "Relu") == 1);
  CHECK(count_op(g, "Clip") == 2);
  const Tensor x = random_tensor({1, 2, 3, 3}, 5, -2.f, 2.f);
  auto a = run_float(g, {{"x", x}}), r = run_float(raw, {{"x", x}});
  for (const char* o : {"y", "z", "q"}) CHECK(a.at(o).data == r.at(o).data);
}

TEST_CASE("fuse_activations: a Relu after an unfolded BatchNormalization fuses into it", "[graph][passes]") {
  // DenseNet: Concat -> BN -> Relu -> Conv; no conv before the BN absorbs it.
  OnnxBuilder b(13);
  b.input("x", {1, 2, 3, 3}).input("x2", {1, 1, 3, 3}).output("y");
  b.initializer("s", random_tensor({3}, 1, 0.5f, 2.f)).initializer("t", random_tensor({3}, 2, -1.f, 1.f));
  b.initializer("m", random_tensor({3}, 3, -1.f, 1.f)).initializer("v", random_tensor({3}, 4, 0.5f, 2.f));
  attr_i(b.node("Concat", {"x", "x2"}, {"c"}, "cat"), "axis", 1);
  b.node("BatchNormalization", {"c", "s", "t", "m", "v"}, {"bn_out"}, "bn");
  b.node("Relu", {"bn_out"}, {"y"}, "relu");
  Graph raw = b.import();
  Graph g = raw;
  run_default_passes(g);
  CHECK(count_op(g, "Relu") == 0);
  REQUIRE(count_op(g, "BatchNormalization") == 1);
  for (const auto& n : g.nodes)
    if (n.op_type == "BatchNormalization") CHECK(n.fused_activation == FusedActivation::kRelu);
  const Tensor x = random_tensor({1, 2, 3, 3}, 5, -2.f, 2.f), x2 = random_tensor({1, 1, 3, 3}, 6, -2.f, 2.f);
  auto a = run_float(g, {{"x", x}, {"x2", x2}}), r = run_float(raw, {{"x", x}, {"x2", x2}});
  CHECK(a.at("y").data == r.at("y").data);
}

TEST_CASE("remove_identities and remove_dead_nodes", "[graph][passes]") {
  OnnxBuilder b(13);
  b.input("x", {1, 4}).initializer("unused_w", random_tensor({4}, 1)).output("out");
  b.node("Identity", {"x"}, {"x1"}, "id_in");
  b.node("Relu", {"x1"}, {"r"}, "relu");
  b.node("Identity", {"r"}, {"out"}, "id_out");     // graph output keeps its name
  b.node("Add", {"x1", "unused_w"}, {"dead"}, "dead_add");
  Graph g = b.import();
  run_default_passes(g);
  REQUIRE(g.nodes.size() == 1);
  CHECK(g.nodes[0].name == "relu");
  CHECK(g.nodes[0].inputs[0] == "x");
  CHECK(g.nodes[0].outputs[0] == "out");
  CHECK(g.initializers.empty());
  const Tensor x({1, 4}, {-1.f, 2.f, -3.f, 4.f});
  CHECK(run_float(g, {{"x", x}}).at("out").data == std::vector<float>{0.f, 2.f, 0.f, 4.f});
}

TEST_CASE("fold_constants and the observer", "[graph][passes]") {
  OnnxBuilder b(13);
  b.input("x", {1, 3}).output("y");
  attr_t(b.node("Constant", {}, {"k"}, "const"), "value", Tensor({1, 3}, {1.f, 2.f, 3.f}));
  b.node("Add", {"x", "k"}, {"y"}, "add");
  Graph g = b.import();
  fold_constants(g);
  REQUIRE(g.nodes.size() == 1);
  CHECK(g.initializers.at("k").data == std::vector<float>{1.f, 2.f, 3.f});
  std::vector<std::string> seen;
  auto y = run_float(g, {{"x", Tensor({1, 3}, {1.f, 1.f, 1.f})}},
                     [&](const std::string& name, const Tensor&) { seen.push_back(name); });
  CHECK(y.at("y").data == std::vector<float>{2.f, 3.f, 4.f});
  CHECK(seen == std::vector<std::string>{"x", "y"});
}
