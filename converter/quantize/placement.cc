#include "quantize/placement.h"

#include <algorithm>
#include <limits>

#include "graph/elementwise.h"

namespace qrt::quantize {

const std::vector<std::string>& lowerable_ops() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> v = {
        // layers, pools, shapes (NCHW -> NHWC)
        "Conv", "Gemm", "MatMul", "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool", "Reshape",
        "Flatten", "Concat", "QrtChannelShuffle", "Slice", "Pad",
        // elementwise: float Add, int8 Mul / PRelu, LOOKUP_TABLE (graph::is_unary_elementwise)
        "Add", "Mul", "PRelu", "HardSigmoid", "HardSwish", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Softplus", "Relu",
        "Clip", "QrtSilu", "QrtAffine",
        // float
        "Softmax", "LRN"};
    std::sort(v.begin(), v.end());
    return v;
  }();
  return ops;
}

namespace {

bool lowerable(const std::string& op) {
  return std::find(lowerable_ops().begin(), lowerable_ops().end(), op) != lowerable_ops().end();
}

// Unary elementwise ops (LOOKUP_TABLE) whose output is never negative.
bool non_negative_unary(const graph::Node& n) {
  const std::string& op = n.op_type;
  if (op == "Sigmoid" || op == "HardSigmoid" || op == "Relu" || op == "Softplus") return true;
  if (op == "Clip") return n.get_float("min", -std::numeric_limits<float>::infinity()) >= 0.0f;
  return false;
}

// Every node lowering cannot take, in one error: each op type with its
// count and its first nodes (up to 3), in order of first appearance.
void check_all_lowerable(const graph::Graph& g) {
  struct Seen {
    size_t count = 0;
    std::vector<std::string> first;
  };
  std::vector<std::string> order;
  std::map<std::string, Seen> seen;
  for (const graph::Node& n : g.nodes) {
    if (lowerable(n.op_type)) continue;
    Seen& s = seen[n.op_type];
    if (s.count++ == 0) order.push_back(n.op_type);
    if (s.first.size() < 3) s.first.push_back("'" + n.name + "'");
  }
  if (order.empty()) return;
  size_t total = 0;
  std::string list;
  for (const std::string& op : order) {
    const Seen& s = seen[op];
    total += s.count;
    std::string nodes;
    for (const std::string& f : s.first) nodes += (nodes.empty() ? "" : ", ") + f;
    list += "\n  " + op + " x" + std::to_string(s.count) + " (" + (s.count > s.first.size() ? "first: " : "") +
            nodes + (s.count > s.first.size() ? ", ..." : "") + ")";
  }
  std::string supported;
  for (const std::string& op : lowerable_ops()) supported += (supported.empty() ? "" : ", ") + op;
  throw ConvertError(std::to_string(total) + " node" + (total == 1 ? "" : "s") + " of " +
                     std::to_string(order.size()) + " op type" + (order.size() == 1 ? " is" : "s are") +
                     " not supported by the quantizing backend:" + list + "\n(supported: " + supported + ")");
}

// Layers with weights (an unfolded BatchNormalization becomes a depthwise
// 1x1 conv).
bool is_linear(const std::string& op) {
  return op == "Conv" || op == "Gemm" || op == "MatMul" || op == "BatchNormalization";
}
bool keeps_input_storage(const std::string& op) {
  return op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool" || op == "Reshape" || op == "Flatten" ||
         op == "QrtChannelShuffle" || op == "Slice" || op == "Pad";
}

}  // namespace

Placement decide_placement(const graph::Graph& g, const PlacementOptions& options) {
  Placement p;
  for (const graph::ValueInfo& in : g.inputs) p[in.name] = TensorPlacement{Storage::kFloat, false};
  auto input_of = [&](const graph::Node& n, size_t i) -> const TensorPlacement& {
    const std::string& name = n.input(i);
    auto it = p.find(name);
    if (it == p.end())
      throw ConvertError(n.describe() + ": input " + std::to_string(i) + " '" + name +
                         "' is a constant or unknown; the backend needs an activation here");
    return it->second;
  };
  check_all_lowerable(g);
  for (const graph::Node& n : g.nodes) {
    const std::string& op = n.op_type;
    if (n.outputs.empty()) throw ConvertError(n.describe() + ": has no outputs");
    for (size_t o = 1; o < n.outputs.size(); ++o)
      if (!n.outputs[o].empty() && g.use_count(n.outputs[o]) > 0)
        throw ConvertError(n.describe() + ": output " + std::to_string(o) + " '" + n.outputs[o] +
                           "' is used; only the first output is supported");
    const bool fused = n.fused_activation != graph::FusedActivation::kNone;
    TensorPlacement out;
    if (is_linear(op)) {
      bool to_float = g.is_graph_output(n.outputs[0]);
      for (const graph::Node* c : g.consumers(n.outputs[0]))
        if ((c->op_type == "Add" && options.float_residual_adds) || c->op_type == "Softmax" || c->op_type == "LRN")
          to_float = true;
      out = TensorPlacement{to_float ? Storage::kFloat : Storage::kQuantized, fused};
    } else if (op == "Add") {
      out = TensorPlacement{options.float_residual_adds ? Storage::kFloat : Storage::kQuantized, fused};
    } else if (graph::is_unary_elementwise(op)) {  // LOOKUP_TABLE: int8 in, int8 out
      out = TensorPlacement{Storage::kQuantized, non_negative_unary(n)};
    } else if (op == "PRelu") {  // int8, per-channel slopes (input 1: a constant)
      out = TensorPlacement{Storage::kQuantized, false};
    } else if (op == "Mul") {  // int8 x int8
      if (n.inputs.size() != 2) throw ConvertError(n.describe() + ": expected 2 inputs");
      out = TensorPlacement{Storage::kQuantized, fused || (input_of(n, 0).non_negative && input_of(n, 1).non_negative)};
    } else if (op == "LRN") {  // a float island
      out = TensorPlacement{Storage::kFloat, input_of(n, 0).non_negative};
    } else if (keeps_input_storage(op)) {
      out = input_of(n, 0);
    } else if (op == "Concat") {
      out = TensorPlacement{Storage::kQuantized, true};
      for (size_t i = 0; i < n.inputs.size(); ++i) {
        const TensorPlacement& in = input_of(n, i);
        if (in.storage == Storage::kFloat) out.storage = Storage::kFloat;
        out.non_negative = out.non_negative && in.non_negative;
      }
    } else {  // Softmax
      out = TensorPlacement{Storage::kFloat, true};
    }
    p[n.outputs[0]] = out;
  }
  return p;
}

InputNeed input_need(const graph::Node& n, size_t index, const Placement& placement) {
  const std::string& op = n.op_type;
  if (is_linear(op)) return InputNeed::kQuantized;  // weights/bias are constants, lowered separately
  if (graph::is_unary_elementwise(op) || op == "Mul" || op == "PRelu") return InputNeed::kQuantized;
  if (op == "Add")
    return placement.at(n.outputs[0]).storage == Storage::kQuantized ? InputNeed::kQuantized : InputNeed::kFloat;
  if (op == "Softmax" || op == "LRN") return InputNeed::kFloat;
  if (op == "Concat")
    return placement.at(n.outputs[0]).storage == Storage::kQuantized ? InputNeed::kQuantized : InputNeed::kFloat;
  (void)index;
  return InputNeed::kAsProduced;
}

}  // namespace qrt::quantize
