// The fuzzer's findings in the ONNX importer and the graph passes
// (fuzz_onnx_import), replayed from the reproducers' bytes (copies under
// fuzz/regressions/onnx_import/):
// each is refused naming the node or initializer, before any undefined
// conversion or overflow (the ASan+UBSan build runs this test too).
#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>

#include "graph/graph.h"
#include "graph/data_ops.h"
#include "graph/op_helpers.h"
#include "graph/passes.h"
#include "import/onnx_import.h"

#include <onnx/onnx_pb.h>

using namespace qrt;

namespace {

const std::string kFuzz = QRT_FUZZ_DIR;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConvertError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string import_and_pass(const std::string& name) {
  std::ifstream in(kFuzz + "/" + name, std::ios::binary);
  REQUIRE(in);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return message_of([&] {
    graph::Graph g = import::import_onnx_from_memory(bytes.data(), bytes.size(), name);
    graph::run_default_passes(g);
  });
}

}  // namespace

TEST_CASE("fuzz O1: a Reshape shape entry of inf is refused naming the node and index", "[fuzz][reshape]") {
  CHECK_THAT(import_and_pass("onnx_import/reshape_shape_inf_to_int64"),
             Catch::Contains("node 'Reshape_2' (Reshape): shape entry inf at index 0 is not a dimension (a whole "
                             "number from -1 to 2147483647)"));
}

TEST_CASE("fuzz O1: Reshape shape entries that are NaN, fractional, huge or overflow are refused", "[fuzz][reshape]") {
  graph::Node n;
  n.name = "r";
  n.op_type = "Reshape";
  const graph::Shape in = {2, 3};
  const auto spec = [](std::vector<float> v) {
    graph::Tensor t(graph::Shape{int64_t(v.size())});
    t.data = v;
    return t;
  };
  CHECK(graph::reshape_target(n, in, spec({3, -1})) == graph::Shape{3, 2});
  CHECK_THAT(message_of([&] { graph::reshape_target(n, in, spec({std::numeric_limits<float>::quiet_NaN()})); }),
             Catch::Contains("'r' (Reshape): shape entry nan at index 0 is not a dimension"));
  CHECK_THAT(message_of([&] { graph::reshape_target(n, in, spec({6, -std::numeric_limits<float>::infinity()})); }),
             Catch::Contains("shape entry -inf at index 1"));
  CHECK_THAT(message_of([&] { graph::reshape_target(n, in, spec({2.5f, 2})); }),
             Catch::Contains("shape entry 2.500000 at index 0"));
  CHECK_THAT(message_of([&] { graph::reshape_target(n, in, spec({1e30f})); }),
             Catch::Contains("shape entry 1000000015047466219876688855040.000000 at index 0"));
  CHECK_THAT(message_of([&] { graph::reshape_target(n, in, spec({2e9f, 2e9f, 2e9f})); }),
             Catch::Contains("target shape has more than 2147483647 elements (at index 1)"));
}

TEST_CASE("fuzz O2: initializer dims whose product overflows int64 are refused naming the initializer",
          "[fuzz][initializer]") {
  CHECK_THAT(import_and_pass("onnx_import/initializer_dims_product_overflow"),
             Catch::Contains("initializer 'g': dims [4, 120, 57662613, 998, 482111, 60, 1151167, 62, 63] have more "
                             "than the 2147483647 elements"));
  // num_elements itself (used by every pass) refuses an overflowing shape.
  CHECK_THAT(message_of([] { graph::num_elements({27622698131520, 482111}); }),
             Catch::Contains("tensor shape [27622698131520, 482111] has more elements than fit in 64 bits"));
  CHECK(graph::num_elements({int64_t(1) << 40, int64_t(1) << 40, 0}) == 0);
}

// The same class as O1 in the other ops that turn float constants into
// integers: a value outside int64 is refused or clamped before any cast.
TEST_CASE("fuzz O1 class: Gather indices and Range counts never cast an out-of-range float", "[fuzz][gather]") {
  graph::Node g;
  g.name = "gather";
  g.op_type = "Gather";
  g.inputs = {"x", "i"};
  g.outputs = {"y"};
  graph::Tensor x(graph::Shape{2, 3});
  const auto index = [&](float v) {
    graph::Tensor idx(graph::Shape{1});
    idx.data = {v};
    return message_of([&] { graph::data_op_run(g, {&x, &idx}); });
  };
  CHECK(index(1) == "(no error)");
  CHECK(index(-1) == "(no error)");
  CHECK_THAT(index(7), Catch::Contains("node 'gather' (Gather): index 7 out of range for axis 0 of size 2"));
  CHECK_THAT(index(-9), Catch::Contains("index -9 out of range"));
  CHECK_THAT(index(1e30f), Catch::Contains("index 1e+30 out of range"));
  CHECK_THAT(index(std::numeric_limits<float>::infinity()), Catch::Contains("index inf out of range"));
  CHECK_THAT(index(std::numeric_limits<float>::quiet_NaN()), Catch::Contains("index nan out of range"));
  CHECK_THAT(index(0.5f), Catch::Contains("index 0.5 out of range"));  // was truncated to 0
  // Range whose count is -1e68 (an empty range; the count was cast to
  // int64 before it was clamped: undefined, seen by UBSan only).
  graph::Node r;
  r.name = "range";
  r.op_type = "Range";
  r.inputs = {"start", "limit", "delta"};
  r.outputs = {"r"};
  graph::Tensor start({}, {0.0f}), limit({}, {-1e38f}), delta({}, {1e-30f});
  const std::vector<graph::Shape> shapes = graph::data_op_shapes(r, {{}, {}, {}}, {&start, &limit, &delta});
  REQUIRE(shapes.size() == 1);
  CHECK(shapes[0] == graph::Shape{0});
  graph::Tensor inf_start({}, {-std::numeric_limits<float>::infinity()});
  CHECK_THAT(message_of([&] { graph::data_op_shapes(r, {{}, {}, {}}, {&inf_start, &limit, &delta}); }),
             Catch::Contains("node 'range' (Range): range too long"));
}

TEST_CASE("fuzz O3: a QuantizeLinear without inputs is refused before the QDQ pass reads input 0", "[fuzz][qdq]") {
  // protobuf's Get(0) on an empty repeated field dereferenced a null Rep
  // (UBSan in repeated_ptr_field.h:272; a crash in builds without checks).
  CHECK_THAT(import_and_pass("onnx_import/qdq_quantize_without_inputs"),
             Catch::Contains("node 'QuantizeLinear_0' (QuantizeLinear): expects 2..3 inputs (the first named), has 0"));
}

TEST_CASE("fuzz O4: the QDQ pass follows only constant chains, of bounded length, never a cycle", "[fuzz][qdq]") {
  // The reproducer: Q reads the Conv's output, which reads the DQ of that Q
  // (a cycle); the pass recursed through it until the stack overflowed.
  CHECK_THAT(import_and_pass("onnx_import/qdq_constant_cycle"), !Catch::Contains("(no error)"));
  // A DequantizeLinear scale computed through 100 Identity nodes: refused
  // naming the node at the limit; through 10, accepted.
  for (int chain : {10, 100}) {
    INFO(chain << " Identity nodes");
    onnx::ModelProto m;
    m.set_ir_version(7);
    m.add_opset_import()->set_version(13);
    onnx::GraphProto* g = m.mutable_graph();
    g->set_name("g");
    onnx::TensorProto* w = g->add_initializer();
    w->set_name("w");
    w->set_data_type(onnx::TensorProto_DataType_INT8);
    w->add_dims(1);
    w->set_raw_data(std::string(1, char(3)));
    onnx::TensorProto* s = g->add_initializer();
    s->set_name("s0");
    s->set_data_type(onnx::TensorProto_DataType_FLOAT);
    s->add_float_data(0.5f);
    for (int i = 0; i < chain; ++i) {
      onnx::NodeProto* n = g->add_node();
      n->set_op_type("Identity");
      n->set_name("id" + std::to_string(i));
      n->add_input("s" + std::to_string(i));
      n->add_output("s" + std::to_string(i + 1));
    }
    onnx::NodeProto* dq = g->add_node();
    dq->set_op_type("DequantizeLinear");
    dq->set_name("dq");
    dq->add_input("w");
    dq->add_input("s" + std::to_string(chain));
    dq->add_output("y");
    onnx::ValueInfoProto* out = g->add_output();
    out->set_name("y");
    out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    const std::string bytes = m.SerializeAsString();
    const std::string msg = message_of([&] { import::import_onnx_from_memory(bytes.data(), bytes.size(), "chain"); });
    if (chain == 100)
      CHECK_THAT(msg, Catch::Contains("node 'id35' (Identity): more than 64 Identity/Cast/ConstantOfShape nodes in a "
                                      "row compute 's36'"));
    else
      CHECK_THAT(msg, !Catch::Contains("Identity/Cast/ConstantOfShape"));
  }
}

TEST_CASE("fuzz O5: a node without outputs is refused at import, naming it", "[fuzz][import]") {
  // A Sum with no outputs: normalize_shape_ops read outputs[0] of an empty vector.
  CHECK_THAT(import_and_pass("onnx_import/sum_without_outputs"),
             Catch::Contains("node 'm' (Sum): has no output (every node must name its first output)"));
}

TEST_CASE("fuzz O6: a node of constants gets the shape checks before the float executor folds it", "[fuzz][fold]") {
  // Gemm(Flatten(w) [4, 9], fw [3, 16]) of constants: folding ran the float
  // Gemm on mismatched inner dimensions and read past B (ASan).
  CHECK_THAT(import_and_pass("onnx_import/gemm_of_constants_shape_mismatch"),
             Catch::Contains("(Gemm): inner dimensions differ: A [4, 9], B [3, 16]"));
}
