// Per-op import checks on models built in the test, and error messages.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "graph/float_executor.h"
#include "import/onnx_import.h"
#include "import/supported_ops.h"
#include "graph/passes.h"
#include "onnx_builder.h"

using namespace qrt::graph;
using namespace qrt::import;
using namespace qrt::testing;
using Catch::Matchers::Contains;

TEST_CASE("import: dynamic batch becomes 1, attributes and initializers", "[import]") {
  OnnxBuilder b(13);
  b.input("x", {-1, 2, 5, 5}).initializer("w", random_tensor({4, 1, 3, 3}, 1)).output("y");
  auto& n = b.node("Conv", {"x", "w"}, {"y"}, "dwconv");
  attr_i(n, "group", 2);
  attr_ints(n, "strides", {2, 2});
  attr_ints(n, "pads", {0, 0, 1, 1});
  attr_s(n, "auto_pad", "NOTSET");
  Graph g = b.import();
  REQUIRE(g.inputs.size() == 1);
  CHECK(g.inputs[0].shape == Shape{1, 2, 5, 5});
  CHECK(g.opset == 13);
  REQUIRE(g.nodes.size() == 1);
  CHECK(g.nodes[0].name == "dwconv");
  CHECK(g.nodes[0].get_int("group") == 2);
  CHECK(g.nodes[0].get_ints("pads") == std::vector<int64_t>{0, 0, 1, 1});
  CHECK(g.nodes[0].get_string("auto_pad") == "NOTSET");
  CHECK(g.initializers.at("w").shape == Shape{4, 1, 3, 3});
  run_default_passes(g);
  CHECK(g.shape("y") == Shape{1, 4, 2, 2});  // floor((5 + 0 + 1 - 3) / 2) + 1 = 2
}

TEST_CASE("import: auto_pad SAME_UPPER resolves to explicit pads", "[import]") {
  OnnxBuilder b(13);
  b.input("x", {1, 1, 6, 6}).initializer("w", random_tensor({1, 1, 3, 3}, 2)).output("y");
  auto& n = b.node("Conv", {"x", "w"}, {"y"}, "c");
  attr_s(n, "auto_pad", "SAME_UPPER");
  attr_ints(n, "strides", {2, 2});
  Graph g = b.import();
  run_default_passes(g);
  // out = ceil(6/2) = 3; total pad = (3-1)*2 + 3 - 6 = 1 -> before 0, after 1.
  CHECK(g.shape("y") == Shape{1, 1, 3, 3});
  CHECK(g.nodes[0].get_ints("pads") == std::vector<int64_t>{0, 0, 1, 1});
  CHECK(g.nodes[0].get_string("auto_pad") == "NOTSET");
}

TEST_CASE("import: double and int64 initializers; Reshape 0 and -1", "[import]") {
  OnnxBuilder b(13);
  b.input("x", {2, 3, 4}).double_initializer("d", {1}, {0.25}).int64_initializer("s", {0, -1}).output("y");
  b.node("Reshape", {"x", "s"}, {"r"}, "reshape");
  b.node("Add", {"r", "d"}, {"y"}, "add");
  Graph g = b.import();
  CHECK(g.initializers.at("d").data == std::vector<float>{0.25f});
  CHECK(g.initializers.at("s").data == std::vector<float>{0.f, -1.f});
  run_default_passes(g);
  CHECK(g.shape("r") == Shape{2, 12});
  Tensor x = random_tensor({2, 3, 4}, 3);
  auto y = run_float(g, {{"x", x}}).at("y");
  REQUIRE(y.shape == Shape{2, 12});
  for (size_t i = 0; i < x.data.size(); ++i) CHECK(y.data[i] == x.data[i] + 0.25f);
}

TEST_CASE("import: Clip as attributes (opset 6) and as Constant inputs (opset 13)", "[import]") {
  Tensor x({1, 5}, {-7.f, -1.f, 0.5f, 3.f, 9.f});
  for (int opset : {6, 13}) {
    OnnxBuilder b(opset);
    b.input("x", {1, 5}).output("y");
    if (opset == 6) {
      auto& n = b.node("Clip", {"x"}, {"y"}, "clip");
      attr_f(n, "min", -2.0f);
      attr_f(n, "max", 4.0f);
    } else {
      attr_t(b.node("Constant", {}, {"lo"}, "c_lo"), "value", Tensor({}, {-2.0f}));
      attr_t(b.node("Constant", {}, {"hi"}, "c_hi"), "value", Tensor({}, {4.0f}));
      b.node("Clip", {"x", "lo", "hi"}, {"y"}, "clip");
    }
    Graph g = b.import();
    CHECK(run_float(g, {{"x", x}}).at("y").data == std::vector<float>{-2.f, -1.f, 0.5f, 3.f, 4.f});
    run_default_passes(g);
    REQUIRE(g.nodes.size() == 1);
    CHECK(g.nodes[0].inputs.size() == 1);
    CHECK(g.nodes[0].get_float("min") == -2.0f);
    CHECK(g.nodes[0].get_float("max") == 4.0f);
    CHECK(run_float(g, {{"x", x}}).at("y").data == std::vector<float>{-2.f, -1.f, 0.5f, 3.f, 4.f});
  }
}

TEST_CASE("import: Softmax before opset 13 flattens to 2-D at axis", "[import]") {
  Tensor x = random_tensor({2, 3, 4}, 4, -3.f, 3.f);
  auto run = [&](int opset) {
    OnnxBuilder b(opset);
    b.input("x", {2, 3, 4}).output("y");
    attr_i(b.node("Softmax", {"x"}, {"y"}, "sm"), "axis", 1);
    Graph g = b.import();
    run_default_passes(g);
    return run_float(g, {{"x", x}}).at("y");
  };
  const Tensor legacy = run(11), modern = run(13);
  // opset 11: each batch row of 12 values sums to 1; opset 13: each of the
  // 4 columns over axis 1 sums to 1.
  for (int b = 0; b < 2; ++b) {
    double s = 0;
    for (int i = 0; i < 12; ++i) s += legacy.data[b * 12 + i];
    CHECK(s == Approx(1.0).epsilon(1e-5));
    for (int k = 0; k < 4; ++k) {
      double c = 0, want_num = std::exp(double(x.data[b * 12 + k])), den = 0;
      for (int j = 0; j < 3; ++j) c += modern.data[b * 12 + j * 4 + k], den += std::exp(double(x.data[b * 12 + j * 4 + k]));
      CHECK(c == Approx(1.0).epsilon(1e-5));
      CHECK(modern.data[b * 12 + k] == Approx(want_num / den).epsilon(1e-5));
    }
  }
  CHECK(legacy.data != modern.data);
}

TEST_CASE("import: Gemm with transA, transB, alpha, beta and a row bias", "[import]") {
  Tensor a = random_tensor({3, 2}, 5), bm = random_tensor({4, 3}, 6), c = random_tensor({4}, 7);
  OnnxBuilder b(13);
  b.input("a", {3, 2}).initializer("b", bm).initializer("c", c).output("y");
  auto& n = b.node("Gemm", {"a", "b", "c"}, {"y"}, "fc");
  attr_i(n, "transA", 1);
  attr_i(n, "transB", 1);
  attr_f(n, "alpha", 0.5f);
  attr_f(n, "beta", 2.0f);
  Graph g = b.import();
  run_default_passes(g);
  auto y = run_float(g, {{"a", a}}).at("y");
  REQUIRE(y.shape == Shape{2, 4});
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) {
      double s = 0;
      for (int k = 0; k < 3; ++k) s += double(a.data[k * 2 + i]) * bm.data[j * 3 + k];
      CHECK(y.data[i * 4 + j] == Approx(0.5 * s + 2.0 * c.data[j]).epsilon(1e-5));
    }
}

TEST_CASE("import: Concat, Flatten, MaxPool ceil_mode, AveragePool count_include_pad", "[import]") {
  OnnxBuilder b(13);
  b.input("x", {1, 1, 4, 4}).output("y");
  auto& mp = b.node("MaxPool", {"x"}, {"m"}, "mp");
  attr_ints(mp, "kernel_shape", {3, 3});
  attr_ints(mp, "strides", {2, 2});
  attr_i(mp, "ceil_mode", 1);
  auto& ap = b.node("AveragePool", {"x"}, {"a"}, "ap");
  attr_ints(ap, "kernel_shape", {3, 3});
  attr_ints(ap, "strides", {2, 2});
  attr_ints(ap, "pads", {1, 1, 1, 1});
  attr_i(ap, "count_include_pad", 1);
  attr_i(b.node("Concat", {"m", "a"}, {"c"}, "cat"), "axis", -3);
  attr_i(b.node("Flatten", {"c"}, {"y"}, "flat"), "axis", 1);
  Graph g = b.import();
  run_default_passes(g);
  CHECK(g.shape("m") == Shape{1, 1, 2, 2});
  CHECK(g.shape("a") == Shape{1, 1, 2, 2});
  CHECK(g.shape("y") == Shape{1, 8});
  Tensor x({1, 1, 4, 4});
  for (int i = 0; i < 16; ++i) x.data[i] = float(i);
  auto y = run_float(g, {{"x", x}}).at("y");
  // MaxPool windows start at 0 and 2 (the second one clipped by ceil_mode).
  CHECK(std::vector<float>(y.data.begin(), y.data.begin() + 4) == std::vector<float>{10, 11, 14, 15});
  // AveragePool window (0,0) covers rows/cols -1..1: sum 0+1+4+5 = 10 over 9.
  CHECK(y.data[4] == 10.0f / 9.0f);
}

TEST_CASE("errors: every unsupported op at once, with counts and first node names", "[import][errors]") {
  OnnxBuilder b(13);
  b.input("x", {1, 4}).output("y");
  b.node("Relu", {"x"}, {"r"}, "relu1");
  b.node("Det", {"r"}, {"d1"}, "det_a");
  b.node("Erf", {"d1"}, {"e1"}, "erf_a");
  b.node("Det", {"e1"}, {"d2"}, "det_b");
  b.node("Det", {"d2"}, {"d3"}, "det_c");
  b.node("Det", {"d3"}, {"d4"}, "det_d");
  b.node("Relu", {"d4"}, {"y"}, "relu2");
  const std::string e = error_of([&] { b.import(); });
  CHECK_THAT(e, Contains("test.onnx: 5 nodes use 2 unsupported operators"));
  CHECK_THAT(e, Contains("'Det' (4 nodes, first: 'det_a', 'det_b', 'det_c')"));
  CHECK_THAT(e, Contains("'Erf' (1 node: 'erf_a')"));
  CHECK_THAT(e, !Contains("det_d"));
  CHECK_THAT(e, Contains("Supported operators: Abs, Add, "));
  CHECK_THAT(e, Contains("--list-ops"));
  // A custom domain is reported the same way, with its domain.
  OnnxBuilder c(13);
  c.input("x", {1, 4}).output("y");
  c.node("Relu", {"x"}, {"y"}, "custom").set_domain("com.example");
  CHECK_THAT(error_of([&] { c.import(); }), Contains("1 node uses 1 unsupported operator: 'com.example:Relu' (1 node: 'custom')"));
}

TEST_CASE("supported ops: one sorted table; every entry says what happens to it", "[import]") {
  const auto& ops = supported_onnx_ops();
  const auto& table = onnx_op_table();
  REQUIRE(ops.size() == table.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    CHECK(ops[i] == table[i].op);
    CHECK(std::string(table[i].what).size() >= 5);
    if (i) CHECK(ops[i - 1] < ops[i]);
  }
  const std::string listed = format_op_table();
  for (const auto& op : ops) CHECK_THAT(listed, Contains("  " + op + " "));
  // docs/onnx-import.md repeats the table row for row.
  std::ifstream doc(std::string(QRT_SOURCE_DIR) + "/docs/onnx-import.md");
  REQUIRE(doc);
  const std::string text((std::istreambuf_iterator<char>(doc)), std::istreambuf_iterator<char>());
  for (const auto& e : table) CHECK_THAT(text, Contains(std::string("| ") + e.op + " | " + e.what + " |"));
  // Every listed op imports (one node of it is not reported as unsupported).
  for (const auto& op : ops) {
    OnnxBuilder b(13);
    b.input("x", {1, 4}).output("y");
    b.node(op, {"x"}, {"y"}, "n");
    INFO(op);
    CHECK_THAT(error_of([&] { b.import(); }), !Contains("unsupported operator"));
  }
}

TEST_CASE("errors: missing initializer names the node and the tensor", "[import][errors]") {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 4, 4}).output("y");
  b.node("Conv", {"x", "conv1.weight"}, {"y"}, "conv1");
  const std::string e = error_of([&] { b.import(); });
  CHECK_THAT(e, Contains("'conv1' (Conv)"));
  CHECK_THAT(e, Contains("'conv1.weight'"));
}

TEST_CASE("errors: shape mismatch names the node", "[import][errors]") {
  OnnxBuilder b(13);
  b.input("x", {1, 3, 4, 4}).initializer("w", random_tensor({8, 2, 3, 3}, 1)).output("y");
  b.node("Conv", {"x", "w"}, {"y"}, "stem");
  Graph g = b.import();
  const std::string e = error_of([&] { run_default_passes(g); });
  CHECK_THAT(e, Contains("'stem' (Conv)"));
  CHECK_THAT(e, Contains("channel mismatch"));
}

TEST_CASE("errors: Reshape with a computed shape and a missing attribute", "[import][errors]") {
  OnnxBuilder b(13);
  b.input("x", {2, 6}).input("s", {2}).output("y");
  b.node("Reshape", {"x", "s"}, {"y"}, "dyn_reshape");
  Graph g = b.import();
  const std::string e = error_of([&] { run_default_passes(g); });
  CHECK_THAT(e, Contains("'dyn_reshape' (Reshape)"));
  CHECK_THAT(e, Contains("'s'"));
  CHECK_THAT(error_of([&] { g.nodes[0].get_int("axis"); }), Contains("'dyn_reshape' (Reshape): missing required attribute 'axis'"));
  CHECK_THAT(error_of([&] { g.nodes[0].set_int("a", 1); g.nodes[0].get_float("a"); }), Contains("is int, expected float"));
}

TEST_CASE("errors: bad and missing files", "[import][errors]") {
  const char garbage[] = "\xff\xff\xff\xff this is not a protobuf";
  CHECK_THAT(error_of([&] { import_onnx_from_memory(garbage, sizeof garbage, "junk.onnx"); }),
             Contains("junk.onnx: not a valid ONNX model"));
  CHECK_THAT(error_of([&] { import_onnx("/nonexistent/dir/model.onnx"); }),
             Contains("/nonexistent/dir/model.onnx: cannot open"));
  const std::string path = "frontend_empty_test.onnx";
  std::fclose(std::fopen(path.c_str(), "wb"));
  CHECK_THAT(error_of([&] { import_onnx(path); }), Contains("not a valid ONNX model"));
  std::remove(path.c_str());
}

TEST_CASE("graph helpers: producer, consumers, use_count, topological order", "[import][graph]") {
  OnnxBuilder b(13);
  b.input("x", {1, 4}).output("y");
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Add", {"r", "r"}, {"s"}, "add");
  b.node("Add", {"s", "r"}, {"y"}, "add2");
  Graph g = b.import();
  REQUIRE(g.producer("r") != nullptr);
  CHECK(g.producer("r")->name == "relu");
  CHECK(g.producer("x") == nullptr);
  CHECK(g.consumers("r").size() == 2);
  CHECK(g.use_count("r") == 3);
  CHECK(g.use_count("y") == 1);
  CHECK(g.is_graph_input("x"));
  CHECK(g.is_graph_output("y"));
  std::swap(g.nodes[0], g.nodes[1]);
  CHECK_THAT(error_of([&] { g.validate(); }), Contains("'add' (Add): input 'r' is produced by a later node"));
}

TEST_CASE("import: a Caffe2-era opset 6 classifier (LRN, Sum, Dropout is_test, BN consumed_inputs, Gemm broadcast, Add axis)", "[import][opset]") {
  OnnxBuilder b(6);
  b.input("data", {1, 3, 8, 8}).output("prob");
  b.initializer("w1", random_tensor({4, 3, 3, 3}, 1)).initializer("b1", random_tensor({4}, 2));
  for (const char* p : {"g", "beta", "m"}) b.initializer(p, random_tensor({4}, 3));
  b.initializer("v", random_tensor({4}, 4, 0.5f, 1.5f)).initializer("bias4", random_tensor({4}, 5));
  b.initializer("fcw", random_tensor({10, 64}, 6)).initializer("fcb", random_tensor({10}, 7));
  auto& conv = b.node("Conv", {"data", "w1"}, {"c1"}, "conv1");
  attr_ints(conv, "pads", {1, 1, 1, 1});
  attr_ints(conv, "kernel_shape", {3, 3});
  auto& add = b.node("Add", {"c1", "b1"}, {"c1b"}, "conv1_bias");  // Caffe2's separate bias
  attr_i(add, "broadcast", 1);
  attr_i(add, "axis", 1);
  auto& bn = b.node("BatchNormalization", {"c1b", "g", "beta", "m", "v"}, {"bn"}, "bn1");
  attr_i(bn, "is_test", 1);
  attr_ints(bn, "consumed_inputs", {0, 0, 0, 1, 1});
  b.node("Relu", {"bn"}, {"r1"}, "relu1");
  auto& lrn = b.node("LRN", {"r1"}, {"n1"}, "norm1");
  attr_i(lrn, "size", 3);
  attr_f(lrn, "alpha", 1e-2f);
  auto& mp = b.node("MaxPool", {"n1"}, {"p1"}, "pool1");
  attr_ints(mp, "kernel_shape", {2, 2});
  attr_ints(mp, "strides", {2, 2});
  b.node("Sum", {"p1", "p1", "p1"}, {"s"}, "sum3");
  attr_i(attr_f(b.node("Dropout", {"s"}, {"d", "mask"}, "drop"), "ratio", 0.5f), "is_test", 1);
  b.int64_initializer("flat", {1, 64});
  b.node("Reshape", {"d", "flat"}, {"f"}, "flatten");
  auto& fc = b.node("Gemm", {"f", "fcw", "fcb"}, {"fc"}, "fc");
  attr_i(fc, "transB", 1);
  attr_i(fc, "broadcast", 1);
  b.node("Softmax", {"fc"}, {"prob"}, "softmax");
  const Graph raw = b.import();
  Graph g = raw;
  run_default_passes(g);
  std::map<std::string, int> ops;
  for (const auto& n : g.nodes) ops[n.op_type]++;
  for (const auto& [op, c] : ops) UNSCOPED_INFO(op << " " << c);
  CHECK(ops == std::map<std::string, int>{{"Conv", 1}, {"LRN", 1}, {"MaxPool", 1}, {"Add", 2}, {"Reshape", 1},
                                          {"Gemm", 1}, {"Softmax", 1}});
  CHECK(g.producer("prob") != nullptr);
  const Tensor x = random_tensor({1, 3, 8, 8}, 8);
  const Tensor want = run_float(raw, {{"data", x}}).at("prob"), got = run_float(g, {{"data", x}}).at("prob");
  REQUIRE(got.shape == Shape{1, 10});
  for (size_t i = 0; i < want.data.size(); ++i) CHECK(got.data[i] == Approx(want.data[i]).epsilon(1e-5).margin(1e-7));
}
