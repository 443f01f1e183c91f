#include "quantize/placement.h"

#include <algorithm>

namespace qrt::quantize {

const std::vector<std::string>& lowerable_ops() {
  static const std::vector<std::string> ops = {"Add",     "AveragePool", "Concat",  "Conv",
                                               "Flatten", "Gemm",        "GlobalAveragePool",
                                               "MatMul",  "MaxPool",     "Reshape", "Softmax"};
  return ops;
}

namespace {

bool is_linear(const std::string& op) { return op == "Conv" || op == "Gemm" || op == "MatMul"; }
bool keeps_input_storage(const std::string& op) {
  return op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool" || op == "Reshape" || op == "Flatten";
}

std::string supported_list() {
  std::string s;
  for (const std::string& op : lowerable_ops()) s += (s.empty() ? "" : ", ") + op;
  return s;
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
  for (const graph::Node& n : g.nodes) {
    const std::string& op = n.op_type;
    if (std::find(lowerable_ops().begin(), lowerable_ops().end(), op) ==
        lowerable_ops().end())
      throw ConvertError(n.describe() + ": op type '" + op + "' is not supported by the quantizing backend" +
                         (op == "Relu" || op == "Clip" ? " unless it follows a Conv, Gemm, MatMul or Add (fused)" : "") +
                         " (supported: " + supported_list() + ")");
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
        if ((c->op_type == "Add" && options.float_residual_adds) || c->op_type == "Softmax") to_float = true;
      out = TensorPlacement{to_float ? Storage::kFloat : Storage::kQuantized, fused};
    } else if (op == "Add") {
      out = TensorPlacement{options.float_residual_adds ? Storage::kFloat : Storage::kQuantized, fused};
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
  if (op == "Add")
    return placement.at(n.outputs[0]).storage == Storage::kQuantized ? InputNeed::kQuantized : InputNeed::kFloat;
  if (op == "Softmax") return InputNeed::kFloat;
  if (op == "Concat")
    return placement.at(n.outputs[0]).storage == Storage::kQuantized ? InputNeed::kQuantized : InputNeed::kFloat;
  (void)index;
  return InputNeed::kAsProduced;
}

}  // namespace qrt::quantize
