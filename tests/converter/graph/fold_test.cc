// fold_constants(): shape subgraphs on static shapes, constant subgraphs,
// exact integer shape math, and the executor's agreement before/after.
#include <catch2/catch.hpp>

#include <climits>
#include <cmath>

#include "graph/float_executor.h"
#include "graph/passes.h"
#include "import/onnx_import.h"
#include "onnx_builder.h"

using namespace qrt::graph;
using namespace qrt::testing;
using Catch::Matchers::Contains;

namespace {

// Scalar int64 Constant node (value_int).
void int_const(OnnxBuilder& b, const std::string& out, int64_t v) {
  attr_i(b.node("Constant", {}, {out}, out + "_c"), "value_int", v);
}

}  // namespace

TEST_CASE("fold_constants: Shape -> Gather -> Div -> Unsqueeze -> Concat -> Reshape on a static shape", "[graph][fold]") {
  // y = x.view(x.size(0), 2, x.size(1) // 2, -1): the traced form of a PyTorch view.
  OnnxBuilder b(13);
  b.input("x", {-1, 8, 4, 4}).output("y");
  b.int64_initializer("ax0", {0}).int64_initializer("two", {2}).int64_initializer("minus1", {-1});
  b.node("Shape", {"x"}, {"s"}, "shape");
  int_const(b, "i0", 0);
  int_const(b, "i1", 1);
  int_const(b, "k2", 2);
  b.node("Gather", {"s", "i0"}, {"n"}, "gather_n");
  b.node("Gather", {"s", "i1"}, {"c"}, "gather_c");
  b.node("Div", {"c", "k2"}, {"cg"}, "div");
  b.node("Unsqueeze", {"n", "ax0"}, {"n1"}, "unsq_n");
  b.node("Unsqueeze", {"cg", "ax0"}, {"cg1"}, "unsq_cg");
  attr_i(b.node("Concat", {"n1", "two", "cg1", "minus1"}, {"spec"}, "concat"), "axis", 0);
  b.node("Reshape", {"x", "spec"}, {"y"}, "view");
  const Graph raw = b.import();
  Graph g = raw;
  run_default_passes(g);
  REQUIRE(g.nodes.size() == 1);
  const Node& r = g.nodes[0];
  CHECK(r.op_type == "Reshape");
  CHECK(g.initializers.at(r.inputs[1]).data == std::vector<float>{1, 2, 4, 16});
  CHECK(g.shape("y") == Shape{1, 2, 4, 16});
  const Tensor x = random_tensor({1, 8, 4, 4}, 3);
  CHECK(run_float(g, {{"x", x}}).at("y").data == run_float(raw, {{"x", x}}).at("y").data);
}

TEST_CASE("fold_constants: ConstantOfShape, Range, Cast, Mul, Expand, Slice, Transpose, Equal/Where fold", "[graph][fold]") {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 3}).output("y");
  b.int64_initializer("shape3", {3}).int64_initializer("shape23", {2, 3});
  b.int64_initializer("s0", {1}).int64_initializer("e0", {INT64_MAX}).int64_initializer("a0", {0});
  auto& cos = b.node("ConstantOfShape", {"shape3"}, {"twos"}, "cos");
  attr_t(cos, "value", Tensor({1}, {2.0f}));
  int_const(b, "r0", 0);
  int_const(b, "r1", 3);
  int_const(b, "r2", 1);
  b.node("Range", {"r0", "r1", "r2"}, {"rng"}, "range");         // [0, 1, 2] int64
  attr_i(b.node("Cast", {"rng"}, {"rngf"}, "cast"), "to", 1);     // -> float
  b.node("Mul", {"twos", "rngf"}, {"m"}, "mul");                  // [0, 2, 4]
  b.node("Expand", {"m", "shape23"}, {"e"}, "expand");            // [[0,2,4],[0,2,4]]
  b.node("Slice", {"e", "s0", "e0", "a0"}, {"sl"}, "slice");     // rows 1.. (INT64_MAX end)
  attr_ints(b.node("Transpose", {"sl"}, {"t"}, "transpose"), "perm", {1, 0});  // [3, 1]
  b.node("Equal", {"t", "t"}, {"eq"}, "equal");
  b.node("Where", {"eq", "t", "t"}, {"w"}, "where");
  b.node("Reshape", {"w", "shape3"}, {"k"}, "flat");
  b.node("Add", {"x", "k"}, {"y"}, "add");
  const Graph raw = b.import();
  Graph g = raw;
  run_default_passes(g);
  REQUIRE(g.nodes.size() == 1);
  CHECK(g.nodes[0].op_type == "Add");
  CHECK(g.initializers.at(g.nodes[0].inputs[1]).data == std::vector<float>{0, 2, 4});
  const Tensor x = random_tensor({1, 2, 3}, 4);
  CHECK(run_float(g, {{"x", x}}).at("y").data == run_float(raw, {{"x", x}}).at("y").data);
}

TEST_CASE("fold_constants: integer shape math is exact; beyond 2^24 is an error naming the node", "[graph][fold]") {
  {  // ONNX integer Div truncates toward zero
    OnnxBuilder b(13);
    b.input("x", {1, 2}).output("y").output("q");
    b.int64_initializer("a", {7, -7, 6}).int64_initializer("d", {2, 2, -4});
    b.node("Div", {"a", "d"}, {"q"}, "idiv");
    b.node("Relu", {"x"}, {"y"}, "relu");
    Graph g = b.import();
    run_default_passes(g);
    CHECK(g.initializers.at("q").data == std::vector<float>{3, -3, -1});
    CHECK(g.initializers.at("q").is_integer);
  }
  {  // float Div does not truncate
    OnnxBuilder b(13);
    b.input("x", {1, 2}).output("y").output("q");
    b.initializer("a", Tensor({1}, {7.0f})).initializer("d", Tensor({1}, {2.0f}));
    b.node("Div", {"a", "d"}, {"q"}, "fdiv");
    b.node("Relu", {"x"}, {"y"}, "relu");
    Graph g = b.import();
    run_default_passes(g);
    CHECK(g.initializers.at("q").data == std::vector<float>{3.5f});
  }
  {
    OnnxBuilder b(13);
    b.input("x", {1, 2}).output("y").output("big");
    b.int64_initializer("a", {1 << 13}).int64_initializer("c", {1 << 12});
    b.node("Mul", {"a", "c"}, {"big"}, "too_big");  // 2^25
    b.node("Relu", {"x"}, {"y"}, "relu");
    Graph g = b.import();
    const std::string e = error_of([&] { run_default_passes(g); });
    CHECK_THAT(e, Contains("'too_big' (Mul)") && Contains("2^24"));
  }
  {  // an int64 initializer beyond 2^24 (not an INT32/INT64 extreme) is refused at import
    OnnxBuilder b(13);
    b.input("x", {1, 2}).output("y");
    b.int64_initializer("huge", {int64_t(1) << 30});
    b.node("Relu", {"x"}, {"y"}, "relu");
    CHECK_THAT(error_of([&] { b.import(); }), Contains("'huge'") && Contains("too large"));
  }
}

TEST_CASE("fold_constants: Identity and Dropout of a constant fold before their readers need the value", "[graph][fold]") {
  OnnxBuilder b(9);
  b.input("x", {1, 6}).output("y");
  b.int64_initializer("spec", {2, 3});
  b.node("Identity", {"spec"}, {"spec1"}, "id");
  attr_f(b.node("Dropout", {"spec1"}, {"spec2", "mask"}, "drop"), "ratio", 0.1f);
  b.node("Reshape", {"x", "spec2"}, {"y"}, "reshape");
  Graph g = b.import();
  run_default_passes(g);
  REQUIRE(g.nodes.size() == 1);
  CHECK(g.shape("y") == Shape{2, 3});
}

TEST_CASE("fold_constants: Shape of a computed tensor folds; Clip bounds from a folded subgraph", "[graph][fold]") {
  // Shape reads only the (static) shape: the conv before it stays, the Shape goes.
  OnnxBuilder b(13);
  b.input("x", {1, 2, 5, 5}).initializer("w", random_tensor({3, 2, 3, 3}, 1)).output("y");
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  b.node("Shape", {"c"}, {"s"}, "shape");
  b.node("ReduceProd", {"s"}, {"numel"}, "numel");  // 1 * 3 * 3 * 3 = 27
  attr_i(b.node("Cast", {"numel"}, {"hi"}, "cast"), "to", 1);
  b.node("Clip", {"c", "", "hi"}, {"y"}, "clip");
  const Graph raw = b.import();
  Graph g = raw;
  run_default_passes(g);
  REQUIRE(g.nodes.size() == 2);
  CHECK(g.nodes[1].op_type == "Clip");
  CHECK(g.nodes[1].inputs.size() == 1);
  CHECK(g.nodes[1].get_float("max") == 27.0f);
  CHECK_FALSE(g.nodes[1].has_attr("min"));
  const Tensor x = random_tensor({1, 2, 5, 5}, 2, -20.f, 20.f);
  CHECK(run_float(g, {{"x", x}}).at("y").data == run_float(raw, {{"x", x}}).at("y").data);
}
