// Lowering tests on graph::Graph values built in C++ (the IR contract's
// forms after the graph passes), converted end to end and run by libqrt:
//
//   GraphBuilder b;
//   b.input("x", {1, 8, 5, 5}).node("HardSwish", {"x"}, "y").output("y");
//   check_lowered(b.g, 0.02f);
//
// The float reference is local (reference_eval, NCHW, ONNX semantics, the
// unary functions through graph::unary_value), so the tests do not depend
// on the float executor knowing every op; where the executor runs the
// graph, its outputs must equal the local reference (within 1e-5), so the
// two cannot drift apart. Calibration ranges are the min/max of every
// tensor over the test samples (nothing clipped: the int8 error is pure
// rounding).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "quantize/lower.h"

namespace qrt::testing {

struct GraphBuilder {
  graph::Graph g;
  GraphBuilder();
  GraphBuilder& input(const std::string& name, graph::Shape shape);
  GraphBuilder& initializer(const std::string& name, graph::Tensor t);
  // Adds a node whose output `out` has the shape `out_shape` (default: the
  // first input's). Returns the node for attributes.
  graph::Node& node(const std::string& op, std::vector<std::string> inputs, const std::string& out,
                    graph::Shape out_shape = {});
  GraphBuilder& output(const std::string& name);
};

using Feeds = std::map<std::string, graph::Tensor>;

// Every tensor of the graph (inputs, node outputs) for `feeds`.
std::map<std::string, graph::Tensor> reference_eval(const graph::Graph& g, const Feeds& feeds);

// Lowers g with min/max ranges over `samples` random samples and options
// `o`; runs the .qrt on each sample; REQUIREs max |int8 - float| <= tol *
// max |float| on graph output 0. Returns the lowered model for inspection.
quantize::LoweredModel check_lowered(const graph::Graph& g, float tol, quantize::LowerOptions o = {},
                                     int samples = 4, float lo = -3.0f, float hi = 3.0f);

// run_qrt_inputs (several inputs, any batch) is in tests/support/test_util.h.

// The op types of a lowered model, in order.
std::vector<schema::OpType> lowered_ops(const quantize::LoweredModel& m);

}  // namespace qrt::testing
