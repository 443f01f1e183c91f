// The normalizing passes (graph/passes.h): each rewrite gives the forms of
// the IR contract (docs/onnx-import.md) and the same float outputs as the
// graph before the passes, on random inputs.
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

int count_op(const Graph& g, const std::string& op) {
  int c = 0;
  for (const auto& n : g.nodes) c += n.op_type == op;
  return c;
}

const Node& only(const Graph& g, const std::string& op) {
  for (const auto& n : g.nodes)
    if (n.op_type == op) return n;
  FAIL("no " << op << " node");
  throw;
}

// Imports, runs the passes, and checks every graph output against the
// graph before the passes on random inputs (relative max error <= tol).
Graph passes_keep_outputs(const OnnxBuilder& b, double tol = 1e-5, float lo = -4.f, float hi = 4.f) {
  const Graph raw = b.import();
  Graph g = raw;
  run_default_passes(g);
  std::map<std::string, Tensor> feeds;
  unsigned seed = 100;
  for (const auto& in : raw.inputs) feeds[in.name] = random_tensor(in.shape, seed++, lo, hi);
  const auto want = run_float(raw, feeds), got = run_float(g, feeds);
  for (const auto& o : raw.outputs) {
    const Tensor &a = want.at(o), &c = got.at(o);
    REQUIRE(a.shape == c.shape);
    double md = 0, mx = 1e-30;
    for (size_t i = 0; i < a.data.size(); ++i)
      md = std::max(md, std::fabs(double(a.data[i]) - c.data[i])), mx = std::max(mx, std::fabs(double(a.data[i])));
    INFO("output " << o << ": max |diff| " << md << " of max |value| " << mx);
    CHECK(md <= tol * mx);
  }
  return g;
}

}  // namespace

TEST_CASE("normalize: Dropout (opsets 7 and 12) and Identity disappear", "[graph][normalize]") {
  for (int opset : {7, 12}) {
    OnnxBuilder b(opset);
    b.input("x", {1, 4}).output("y");
    b.node("Identity", {"x"}, {"i"}, "id");
    auto& d = opset < 12 ? b.node("Dropout", {"i"}, {"d", "mask"}, "drop") : b.node("Dropout", {"i"}, {"d"}, "drop");
    if (opset < 12) attr_f(d, "ratio", 0.5f);
    b.node("Relu", {"d"}, {"y"}, "relu");
    const Graph g = passes_keep_outputs(b);
    REQUIRE(g.nodes.size() == 1);
    CHECK(g.nodes[0].inputs[0] == "x");
  }
  OnnxBuilder b(12);
  b.input("x", {1, 4}).output("y").output("mask");
  b.node("Dropout", {"x"}, {"y", "mask"}, "drop_mask");
  Graph g = b.import();
  CHECK_THAT(error_of([&] { run_default_passes(g); }), Contains("'drop_mask' (Dropout)") && Contains("mask"));
}

TEST_CASE("normalize: Squeeze, Unsqueeze (opsets 11 and 13), Flatten become Reshape with a full constant shape", "[graph][normalize]") {
  for (int opset : {11, 13}) {
    OnnxBuilder b(opset);
    b.input("x", {1, 3, 1, 4}).output("y");
    if (opset >= 13) {
      b.int64_initializer("ax2", {2}).int64_initializer("ax0", {-1});
      b.node("Squeeze", {"x", "ax2"}, {"s"}, "squeeze");
      b.node("Unsqueeze", {"s", "ax0"}, {"u"}, "unsqueeze");
    } else {
      attr_ints(b.node("Squeeze", {"x"}, {"s"}, "squeeze"), "axes", {2});
      attr_ints(b.node("Unsqueeze", {"s"}, {"u"}, "unsqueeze"), "axes", {-1});
    }
    b.node("Relu", {"u"}, {"r"}, "relu");
    attr_i(b.node("Flatten", {"r"}, {"y"}, "flatten"), "axis", 2);
    const Graph g = passes_keep_outputs(b);
    CHECK(count_op(g, "Reshape") == 3);
    CHECK(count_op(g, "Squeeze") + count_op(g, "Unsqueeze") + count_op(g, "Flatten") == 0);
    for (const auto& n : g.nodes) {
      if (n.op_type != "Reshape") continue;
      const Tensor& spec = g.initializers.at(n.inputs.at(1));
      std::vector<float> want;
      for (int64_t d : g.shape(n.outputs[0])) want.push_back(float(d));
      CHECK(spec.data == want);  // the full shape: no 0, no -1
    }
    CHECK(g.shape("y") == Shape{3, 4});  // Flatten at axis 2 of [1, 3, 4, 1]
  }
}

TEST_CASE("normalize: Sum becomes a chain of Add; a one-input Sum disappears", "[graph][normalize]") {
  OnnxBuilder b(13);
  b.input("a", {1, 2, 3, 3}).input("b", {1, 2, 3, 3}).input("c", {1, 2, 1, 1}).output("y").output("z");
  b.node("Sum", {"a", "b", "c", "a"}, {"y"}, "sum4");
  b.node("Sum", {"b"}, {"s1"}, "sum1");
  b.node("Relu", {"s1"}, {"z"}, "relu");
  const Graph g = passes_keep_outputs(b);
  CHECK(count_op(g, "Sum") == 0);
  CHECK(count_op(g, "Add") == 3);
  CHECK(g.producer("y")->op_type == "Add");
  CHECK(g.producer("z")->inputs[0] == "b");
}

TEST_CASE("normalize: ReduceMean over H, W becomes GlobalAveragePool; other axes stay", "[graph][normalize]") {
  for (int keep : {1, 0}) {
    OnnxBuilder b(13);
    b.input("x", {1, 3, 4, 5}).output("y").output("z");
    auto& r = b.node("ReduceMean", {"x"}, {"y"}, "gap");
    attr_ints(r, "axes", {-1, 2});
    attr_i(r, "keepdims", keep);
    attr_ints(b.node("ReduceMean", {"x"}, {"z"}, "chan_mean"), "axes", {1});
    const Graph g = passes_keep_outputs(b);
    CHECK(count_op(g, "GlobalAveragePool") == 1);
    CHECK(count_op(g, "ReduceMean") == 1);
    CHECK(g.shape("y") == (keep ? Shape{1, 3, 1, 1} : Shape{1, 3}));
    CHECK(g.producer("y")->op_type == (keep ? "GlobalAveragePool" : "Reshape"));
  }
}

TEST_CASE("normalize: Mul(x, Sigmoid(x)) -> QrtSilu; HardSwish from all its exported forms", "[graph][normalize]") {
  enum Form { kSilu, kHardSigmoid, kMulThenDiv, kMulThenMulSixth, kDivThenMul, kHardSigmoidOnly };
  for (Form f : {kSilu, kHardSigmoid, kMulThenDiv, kMulThenMulSixth, kDivThenMul, kHardSigmoidOnly}) {
    OnnxBuilder b(13);
    b.input("x", {1, 2, 3, 3}).output("y");
    b.initializer("three", Tensor({}, {3.f})).initializer("zero", Tensor({}, {0.f}));
    b.initializer("six", Tensor({}, {6.f})).initializer("sixth", Tensor({}, {1.f / 6.f}));
    b.node("Relu", {"x"}, {"x0"}, "pre");  // an activation, not a graph input
    if (f == kSilu) {
      b.node("Sigmoid", {"x0"}, {"s"}, "sig");
      b.node("Mul", {"s", "x0"}, {"y"}, "mul");
    } else if (f == kHardSigmoid) {
      auto& h = b.node("HardSigmoid", {"x0"}, {"s"}, "hsig");
      attr_f(h, "alpha", 1.f / 6.f);
      b.node("Mul", {"x0", "s"}, {"y"}, "mul");
    } else {
      b.node("Add", {"x0", "three"}, {"p"}, "add3");
      b.node("Clip", {"p", "zero", "six"}, {"c"}, "relu6");
      if (f == kMulThenDiv || f == kMulThenMulSixth) {
        b.node("Mul", {"x0", "c"}, {"m"}, "mul");
        if (f == kMulThenDiv) b.node("Div", {"m", "six"}, {"y"}, "div6");
        else b.node("Mul", {"sixth", "m"}, {"y"}, "mul6");
      } else {
        b.node("Div", {"c", "six"}, {"h"}, "div6");
        if (f == kDivThenMul) b.node("Mul", {"h", "x0"}, {"y"}, "mul");
        else b.node("Relu", {"h"}, {"y"}, "post");
      }
    }
    INFO("form " << int(f));
    const Graph g = passes_keep_outputs(b);
    const char* want = f == kSilu ? "QrtSilu" : f == kHardSigmoidOnly ? "HardSigmoid" : "HardSwish";
    CHECK(count_op(g, want) == 1);
    CHECK(count_op(g, "Mul") + count_op(g, "Div") + count_op(g, "Clip") + count_op(g, "Sigmoid") == 0);
    CHECK(only(g, want).inputs == std::vector<std::string>{"x0"});
  }
}

TEST_CASE("normalize: Mul(x, Sigmoid(y)) of two different tensors stays a broadcasting Mul (SE block)", "[graph][normalize]") {
  OnnxBuilder b(13);
  b.input("x", {1, 4, 3, 3}).output("y");
  b.node("GlobalAveragePool", {"x"}, {"p"}, "squeeze");
  b.node("Sigmoid", {"p"}, {"s"}, "gate");
  b.node("Mul", {"x", "s"}, {"y"}, "excite");
  const Graph g = passes_keep_outputs(b);
  CHECK(count_op(g, "Mul") == 1);
  CHECK(count_op(g, "Sigmoid") == 1);
}

TEST_CASE("normalize: per-channel and scalar constants after Conv/Gemm fold into the layer; not across a Relu", "[graph][normalize]") {
  OnnxBuilder b(13);
  b.input("x", {1, 3, 5, 5}).output("y").output("z");
  b.initializer("w", random_tensor({4, 3, 3, 3}, 1)).initializer("bias", random_tensor({4}, 2));
  b.initializer("scale", random_tensor({1, 4, 1, 1}, 3, 0.5f, 2.f)).initializer("shift", random_tensor({4, 1, 1}, 4));
  b.initializer("k", Tensor({}, {0.5f})).initializer("gamma", random_tensor({4, 1, 1}, 5, 0.5f, 2.f));
  b.node("Conv", {"x", "w", "bias"}, {"c"}, "conv");
  b.node("Mul", {"c", "scale"}, {"m"}, "mul");
  b.node("Sub", {"m", "shift"}, {"s"}, "sub");
  b.node("Div", {"s", "k"}, {"d"}, "div");
  b.node("Relu", {"d"}, {"y"}, "relu");       // fuses after the folding
  b.node("Mul", {"y", "gamma"}, {"z0"}, "mul_after_relu");  // per-channel, after a Relu: stays
  b.node("Sub", {"k", "z0"}, {"z"}, "rsub");   // 0.5 - z0: QrtAffine(scale -1, offset 0.5)
  const Graph g = passes_keep_outputs(b);
  REQUIRE(count_op(g, "Conv") == 1);
  CHECK(only(g, "Conv").fused_activation == FusedActivation::kRelu);
  CHECK(only(g, "Conv").outputs[0] == "y");
  CHECK(count_op(g, "Mul") == 1);
  CHECK(count_op(g, "Sub") + count_op(g, "Div") == 0);
  const Node& a = only(g, "QrtAffine");
  CHECK(a.get_float("scale") == -1.0f);
  CHECK(a.get_float("offset") == 0.5f);

  for (int trans_b : {0, 1}) {  // Gemm: both weight layouts, with alpha/beta
    OnnxBuilder f(13);
    f.input("x", {2, 3}).output("y");
    f.initializer("w", random_tensor(trans_b ? Shape{5, 3} : Shape{3, 5}, 6)).initializer("c", random_tensor({5}, 7));
    f.initializer("s", random_tensor({5}, 8, 0.5f, 2.f)).initializer("o", random_tensor({1, 5}, 9));
    auto& gm = f.node("Gemm", {"x", "w", "c"}, {"g"}, "fc");
    attr_i(gm, "transB", trans_b);
    attr_f(gm, "alpha", 0.7f);
    attr_f(gm, "beta", 1.5f);
    f.node("Mul", {"s", "g"}, {"m"}, "mul");
    f.node("Add", {"m", "o"}, {"y"}, "add");
    const Graph gg = passes_keep_outputs(f);
    CHECK(gg.nodes.size() == 1);
  }
}

TEST_CASE("normalize: scalar affine on an activation -> QrtAffine; c / x stays Div", "[graph][normalize]") {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 2, 2}).output("y").output("z");
  b.initializer("k", Tensor({1}, {4.f}));
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Div", {"r", "k"}, {"d"}, "div");
  b.node("Add", {"k", "d"}, {"y"}, "add");
  b.node("Div", {"k", "y"}, {"z"}, "recip");
  const Graph g = passes_keep_outputs(b, 1e-5, 0.1f, 4.f);
  CHECK(count_op(g, "QrtAffine") == 2);
  CHECK(count_op(g, "Div") == 1);
  CHECK(g.producer("d")->get_float("scale") == 0.25f);
  CHECK(g.producer("y")->get_float("offset") == 4.0f);
}

TEST_CASE("normalize: PRelu with one slope -> LeakyRelu; per-channel PRelu stays", "[graph][normalize]") {
  OnnxBuilder b(13);
  b.input("x", {1, 3, 2, 2}).output("y").output("z");
  b.initializer("one", Tensor({1}, {0.25f})).initializer("per", random_tensor({3, 1, 1}, 1));
  b.node("PRelu", {"x", "one"}, {"y"}, "prelu1");
  b.node("PRelu", {"x", "per"}, {"z"}, "prelu3");
  const Graph g = passes_keep_outputs(b);
  CHECK(g.producer("y")->op_type == "LeakyRelu");
  CHECK(g.producer("y")->get_float("alpha") == 0.25f);
  CHECK(g.producer("z")->op_type == "PRelu");
}

TEST_CASE("normalize: Reshape/Transpose/Reshape channel shuffle -> QrtChannelShuffle; other transposes stay", "[graph][normalize]") {
  for (int64_t groups : {2, 3, -2}) {  // -2: the 4-D form [N, g, C/g, H*W] with g = 2
    const bool merged = groups < 0;
    groups = std::abs(groups);
    OnnxBuilder b(13);
    b.input("x", {1, 6, 2, 3}).output("y").output("t2");
    if (merged) b.int64_initializer("split", {1, groups, 6 / groups, 6});
    else b.int64_initializer("split", {1, groups, 6 / groups, 2, 3});
    b.int64_initializer("back", {1, -1, 2, 3});
    b.node("Reshape", {"x", "split"}, {"r1"}, "view");
    attr_ints(b.node("Transpose", {"r1"}, {"t"}, "swap"), "perm",
              merged ? std::vector<int64_t>{0, 2, 1, 3} : std::vector<int64_t>{0, 2, 1, 3, 4});
    b.node("Reshape", {"t", "back"}, {"y"}, "unview");
    attr_ints(b.node("Transpose", {"x"}, {"t2"}, "nhwc"), "perm", {0, 2, 3, 1});
    const Graph g = passes_keep_outputs(b);
    const Node& s = only(g, "QrtChannelShuffle");
    CHECK(s.get_int("group") == groups);
    CHECK(s.inputs == std::vector<std::string>{"x"});
    CHECK(s.outputs[0] == "y");
    CHECK(count_op(g, "Transpose") == 1);
    CHECK(count_op(g, "Reshape") == 0);
    // output channel o = input channel (o % g) * (C / g) + o / g
    Tensor x({1, 6, 1, 1}, {0, 1, 2, 3, 4, 5});
    Graph one = g;
    one.inputs[0].shape = {1, 6, 1, 1};
    one.nodes.erase(one.nodes.begin() + (one.nodes[0].op_type == "Transpose" ? 0 : 1));
    one.outputs = {"y"};
    const Tensor y = run_float(one, {{"x", x}}).at("y");
    for (int64_t o = 0; o < 6; ++o) CHECK(y.data[o] == float((o % groups) * (6 / groups) + o / groups));
  }
}

TEST_CASE("normalize: Split (opsets 11 and 13) -> Slices; Slice -> one input, clamped attributes", "[graph][normalize]") {
  for (int opset : {11, 13}) {
    OnnxBuilder b(opset);
    b.input("x", {1, 6, 3, 4}).output("a").output("b").output("s");
    if (opset >= 13) {
      b.int64_initializer("sizes", {2, 4});
      attr_i(b.node("Split", {"x", "sizes"}, {"a", "b"}, "split"), "axis", 1);
    } else {
      auto& sp = b.node("Split", {"x"}, {"a", "b"}, "split");
      attr_i(sp, "axis", 1);
      attr_ints(sp, "split", {2, 4});
    }
    b.int64_initializer("st", {-3, 1}).int64_initializer("en", {INT64_MAX, 100}).int64_initializer("ax", {-1, 2});
    b.int64_initializer("sp", {2, 1});
    b.node("Slice", {"x", "st", "en", "ax", "sp"}, {"s"}, "slice");
    const Graph g = passes_keep_outputs(b);
    CHECK(count_op(g, "Split") == 0);
    CHECK(count_op(g, "Slice") == 3);
    const Node* a = g.producer("a");
    CHECK(a->inputs.size() == 1);
    CHECK(a->get_ints("starts") == std::vector<int64_t>{0});
    CHECK(a->get_ints("ends") == std::vector<int64_t>{2});
    CHECK(a->get_ints("axes") == std::vector<int64_t>{1});
    const Node* s = g.producer("s");
    CHECK(s->inputs.size() == 1);
    CHECK(s->get_ints("axes") == std::vector<int64_t>{2, 3});   // sorted, non-negative
    CHECK(s->get_ints("starts") == std::vector<int64_t>{1, 1});
    CHECK(s->get_ints("ends") == std::vector<int64_t>{3, 4});   // clamped to the dims
    CHECK(s->get_ints("steps") == std::vector<int64_t>{1, 2});
    CHECK(g.shape("s") == Shape{1, 6, 2, 2});
  }
}

TEST_CASE("normalize: Pad (opsets 2 and 13) folds into the next Conv and AveragePool; other pads stay, reflect is an error", "[graph][normalize]") {
  for (int opset : {2, 13}) {
    OnnxBuilder b(opset);
    b.input("x", {1, 2, 5, 5}).initializer("w", random_tensor({3, 2, 3, 3}, 1)).output("y").output("z").output("q");
    auto pad = [&](const std::string& in, const std::string& out, const std::vector<int64_t>& pads, float v) {
      if (opset >= 11) {
        b.int64_initializer(out + "_pads", pads).initializer(out + "_v", Tensor({}, {v}));
        b.node("Pad", {in, out + "_pads", out + "_v"}, {out}, out + "_pad");
      } else {
        auto& p = b.node("Pad", {in}, {out}, out + "_pad");
        attr_ints(p, "pads", pads);
        attr_f(p, "value", v);
      }
    };
    pad("x", "px", {0, 0, 1, 2, 0, 0, 2, 1}, 0.f);
    attr_ints(b.node("Conv", {"px", "w"}, {"y"}, "conv"), "pads", {1, 1, 0, 0});
    pad("x", "pa", {0, 0, 1, 1, 0, 0, 1, 1}, 0.f);
    attr_ints(b.node("AveragePool", {"pa"}, {"z"}, "pool"), "kernel_shape", {3, 3});
    pad("x", "pq", {0, 0, 1, 1, 0, 0, 1, 1}, -1.f);  // not zero: stays a Pad
    attr_ints(b.node("MaxPool", {"pq"}, {"q"}, "maxpool"), "kernel_shape", {2, 2});
    const Graph g = passes_keep_outputs(b);
    CHECK(count_op(g, "Pad") == 1);
    CHECK(g.producer("y")->inputs[0] == "x");
    CHECK(g.producer("y")->get_ints("pads") == std::vector<int64_t>{2, 3, 2, 1});
    CHECK(g.producer("z")->inputs[0] == "x");
    CHECK(g.producer("z")->get_int("count_include_pad") == 1);
    const Node& p = only(g, "Pad");
    CHECK(p.inputs.size() == 1);
    CHECK(p.get_ints("pads") == std::vector<int64_t>{0, 0, 1, 1, 0, 0, 1, 1});
    CHECK(p.get_float("value") == -1.0f);
    CHECK(p.get_string("mode") == "constant");
  }
  OnnxBuilder b(13);
  b.input("x", {1, 2, 5, 5}).int64_initializer("pads", {0, 0, 1, 1, 0, 0, 1, 1}).output("y");
  attr_s(b.node("Pad", {"x", "pads"}, {"y"}, "mirror"), "mode", "reflect");
  Graph g = b.import();
  CHECK_THAT(error_of([&] { run_default_passes(g); }), Contains("'mirror' (Pad)") && Contains("reflect"));
}

TEST_CASE("normalize: older-opset attribute forms (Reshape shape, Slice starts/ends, Concat axis default) run and normalize", "[graph][normalize]") {
  OnnxBuilder b(3);
  b.input("x0", {1, 1, 3, 4}).output("y");
  b.node("Concat", {"x0", "x0"}, {"x"}, "concat_default_axis");  // opset < 4: axis 1
  auto& s = b.node("Slice", {"x"}, {"s"}, "slice");
  attr_ints(s, "starts", {1, 0});
  attr_ints(s, "ends", {3, -1});
  attr_ints(s, "axes", {2, 3});
  attr_ints(b.node("Reshape", {"s"}, {"y"}, "reshape"), "shape", {1, -1});
  const Graph g = passes_keep_outputs(b);
  CHECK(g.shape("y") == Shape{1, 12});
  CHECK(g.producer("y")->inputs.size() == 2);
  CHECK(g.producer("s")->get_ints("ends") == std::vector<int64_t>{3, 3});
}

TEST_CASE("normalize: opset 6 Add/Mul with broadcast and axis; BatchNormalization spatial", "[graph][normalize]") {
  OnnxBuilder b(6);
  b.input("x", {1, 3, 2, 2}).output("y");
  b.initializer("bias", random_tensor({3}, 1)).initializer("s", random_tensor({3, 2}, 2));
  auto& add = b.node("Add", {"x", "bias"}, {"a"}, "add_axis1");
  attr_i(add, "broadcast", 1);
  attr_i(add, "axis", 1);
  auto& mul = b.node("Mul", {"a", "s"}, {"y"}, "mul_axis1");
  attr_i(mul, "broadcast", 1);
  attr_i(mul, "axis", 1);
  const Graph raw = b.import();
  Graph g = raw;
  run_default_passes(g);
  const Tensor x = random_tensor({1, 3, 2, 2}, 3);
  const Tensor y = run_float(g, {{"x", x}}).at("y");
  const Tensor &bias = raw.initializers.at("bias"), &sc = raw.initializers.at("s");
  for (int c = 0; c < 3; ++c)
    for (int h = 0; h < 2; ++h)
      for (int w = 0; w < 2; ++w) {
        const int i = (c * 2 + h) * 2 + w;
        CHECK(y.data[i] == (x.data[i] + bias.data[c]) * sc.data[c * 2 + h]);
      }
  OnnxBuilder n(7);
  n.input("x", {1, 2, 2, 2}).output("y");
  for (const char* p : {"g", "b", "m", "v"}) n.initializer(p, random_tensor({2}, 4, 0.5f, 1.f));
  attr_i(n.node("BatchNormalization", {"x", "g", "b", "m", "v"}, {"y"}, "bn_per_element"), "spatial", 0);
  Graph bn = n.import();
  CHECK_THAT(error_of([&] { run_default_passes(bn); }), Contains("'bn_per_element'") && Contains("spatial"));
}

TEST_CASE("float executor: LRN, MaxPool/AveragePool ceil_mode and count_include_pad against the ONNX formulas", "[graph][executor]") {
  OnnxBuilder b(13);
  b.input("x", {1, 5, 3, 3}).output("l").output("m").output("a").output("e");
  auto& l = b.node("LRN", {"x"}, {"l"}, "lrn");
  attr_i(l, "size", 3);
  attr_f(l, "alpha", 0.3f);
  attr_f(l, "beta", 0.6f);
  attr_f(l, "bias", 2.0f);
  auto& m = b.node("MaxPool", {"x"}, {"m"}, "mp");
  attr_ints(m, "kernel_shape", {2, 2});
  attr_ints(m, "strides", {2, 2});
  attr_i(m, "ceil_mode", 1);
  for (int inc : {1, 0}) {
    auto& a = b.node("AveragePool", {"x"}, {inc ? "a" : "e"}, inc ? "ap_inc" : "ap_exc");
    attr_ints(a, "kernel_shape", {2, 2});
    attr_ints(a, "strides", {2, 2});
    attr_ints(a, "pads", {1, 1, 0, 0});
    attr_i(a, "ceil_mode", 1);
    attr_i(a, "count_include_pad", inc);
  }
  Graph g = b.import();
  run_default_passes(g);
  const Tensor x = random_tensor({1, 5, 3, 3}, 7, -2.f, 2.f);
  auto out = run_float(g, {{"x", x}});
  auto at = [&](int c, int h, int w) { return x.data[(c * 3 + h) * 3 + w]; };
  for (int c = 0; c < 5; ++c) {  // LRN: x / (bias + alpha / size * sum of squares over c-1..c+1)^beta
    double sq = 0;
    for (int k = std::max(0, c - 1); k <= std::min(4, c + 1); ++k) sq += double(at(k, 1, 2)) * at(k, 1, 2);
    CHECK(out.at("l").data[(c * 3 + 1) * 3 + 2] == Approx(at(c, 1, 2) / std::pow(2.0 + 0.1 * sq, 0.6)).epsilon(1e-5));
  }
  CHECK(g.shape("m") == Shape{1, 5, 2, 2});  // ceil((3 - 2) / 2) + 1
  CHECK(out.at("m").data[3] == at(0, 2, 2));  // last window holds one element
  // pads top/left 1, ceil_mode: outputs 2x2; window (0,0) covers one real
  // element and three padded ones; window (1,1) rows/cols 1..2.
  CHECK(g.shape("a") == Shape{1, 5, 2, 2});
  CHECK(out.at("a").data[0] == Approx(at(0, 0, 0) / 4.0));
  CHECK(out.at("e").data[0] == Approx(at(0, 0, 0)));
  const double s11 = double(at(0, 1, 1)) + at(0, 1, 2) + at(0, 2, 1) + at(0, 2, 2);
  CHECK(out.at("a").data[3] == Approx(s11 / 4.0));
  CHECK(out.at("e").data[3] == Approx(s11 / 4.0));
}
