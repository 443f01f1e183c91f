// fold_constants(): one walk in topological order that evaluates every node
// whose inputs are all constants (and Shape / Size of any tensor, whose
// shapes are static: graph inputs have fixed shapes) with the float
// executor's own evaluate_node(), and infers the shape of every node it
// keeps, so the next node's constant inputs (a Reshape's computed shape)
// are known when it is reached. In topological order one walk reaches the
// fixed point: a node's producers are decided before it.
//
// Older opsets on the way: binary ops with `broadcast`/`axis` (opset < 7)
// get a constant B reshaped to numpy alignment; BatchNormalization's
// `consumed_inputs` goes, `spatial` 0 is an error.
//
// Integer tensors (Tensor::is_integer: ONNX int64 shape math) stay exact:
// every folded integer value must be an integer of magnitude <= 2^24 (the
// float IR holds those exactly) or +-inf ("unbounded", Slice ends);
// anything else is an error naming the node.
#include <cmath>

#include "graph/data_ops.h"
#include "graph/float_executor.h"
#include "graph/op_helpers.h"
#include "graph/passes.h"

namespace qrt {
namespace graph {

namespace {

bool foldable(const Graph& g, const Node& n) {
  if (n.outputs.empty()) return false;
  if (n.op_type == "Shape" || n.op_type == "Size") return g.shapes.count(n.input(0)) != 0;
  for (const auto& in : n.inputs) {
    if (in.empty()) continue;
    // A QDQ weight keeps its integer codes: never fold it into something else.
    if (!g.is_initializer(in) || g.fixed_constants.count(in)) return false;
  }
  return true;
}

void check_integers(const Node& n, const Tensor& t, const std::string& name) {
  for (float v : t.data) {
    if (std::isinf(v)) continue;
    if (std::isnan(v) || v != std::floor(v) || std::fabs(v) > float(1 << 24))
      throw ConvertError(n.describe() + ": folding integer tensor '" + name + "' gives " + std::to_string(v) +
                         ", which the float IR cannot hold exactly (integers up to 2^24)");
  }
}

// Opset < 7 binary ops: `broadcast` 1 with `axis` aligns B's dims with A's
// starting at `axis` (numpy aligns the last dims). A constant B gets
// trailing 1s so that numpy broadcasting means the same; the attributes go.
void normalize_legacy_broadcast(Graph& g, Node& n) {
  const std::string& op = n.op_type;
  if (!(op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Gemm") || !n.has_attr("broadcast")) return;
  const bool bcast = n.get_int("broadcast") != 0;
  if (bcast && op != "Gemm" && n.has_attr("axis")) {
    const Shape& a = g.shape(n.input(0));
    const Tensor* b = g.is_initializer(n.input(1)) ? &g.initializers.at(n.input(1)) : nullptr;
    if (!b) throw ConvertError(n.describe() + ": legacy broadcast with axis needs a constant second input");
    int64_t axis = n.get_int("axis");
    if (axis < 0) axis += int64_t(a.size());
    const int64_t trailing = int64_t(a.size()) - axis - int64_t(b->shape.size());
    if (axis < 0 || trailing < 0) throw ConvertError(n.describe() + ": broadcast axis out of range");
    Tensor t = *b;
    t.shape.insert(t.shape.end(), size_t(trailing), 1);
    std::string name = n.input(1) + "_bcast";
    for (int i = 1; g.initializers.count(name) || g.shapes.count(name); ++i) name = n.input(1) + "_bcast_" + std::to_string(i);
    g.shapes[name] = t.shape;
    g.initializers[name] = std::move(t);
    n.inputs[1] = name;
  }
  n.attributes.erase("broadcast");
  n.attributes.erase("axis");
}

}  // namespace

void fold_constants(Graph& g) {
  for (const auto& in : g.inputs) g.shapes[in.name] = in.shape;
  for (const auto& kv : g.initializers) g.shapes[kv.first] = kv.second.shape;
  std::vector<Node> kept;
  for (Node& n : g.nodes) {
    if (foldable(g, n)) {
      infer_node_shapes(g, n);  // the same shape checks as a node that runs: the float ops trust their shapes
      std::vector<Tensor> ys;
      if (n.op_type == "Shape" || n.op_type == "Size") {
        Tensor shape_only(g.shapes.at(n.input(0)));  // the values are never read
        ys = evaluate_node(n, {&shape_only});
      } else {
        std::vector<const Tensor*> in;
        for (const auto& name : n.inputs) in.push_back(name.empty() ? nullptr : &g.initializers.at(name));
        ys = evaluate_node(n, in);
      }
      if (ys.size() < n.outputs.size()) throw ConvertError(n.describe() + ": has more outputs than the operator produces");
      for (size_t k = 0; k < n.outputs.size(); ++k) {
        if (n.outputs[k].empty()) continue;
        if (ys[k].is_integer) check_integers(n, ys[k], n.outputs[k]);
        g.shapes[n.outputs[k]] = ys[k].shape;
        g.initializers[n.outputs[k]] = std::move(ys[k]);
      }
      continue;
    }
    if (n.op_type == "Clip" && n.inputs.size() >= 2) {  // constant min/max -> attributes
      bool all_const = true;
      for (size_t i = 1; i < n.inputs.size(); ++i)
        if (!n.inputs[i].empty() && !g.is_initializer(n.inputs[i])) all_const = false;
      if (all_const) {
        const char* keys[] = {"", "min", "max"};
        for (size_t i = 1; i < n.inputs.size() && i < 3; ++i) {
          if (n.inputs[i].empty()) continue;
          const Tensor& t = g.initializers.at(n.inputs[i]);
          if (t.data.size() != 1) throw ConvertError(n.describe() + ": " + keys[i] + " must be a scalar");
          n.set_float(keys[i], t.data[0]);
        }
        n.inputs.resize(1);
      }
    }
    normalize_legacy_broadcast(g, n);
    if (n.op_type == "BatchNormalization" && n.get_int("spatial", 1) == 0)
      throw ConvertError(n.describe() + ": spatial = 0 (per-element statistics, opset < 9) is not supported");
    n.attributes.erase("consumed_inputs");  // opset < 6 bookkeeping, no meaning at inference
    infer_node_shapes(g, n);
    kept.push_back(std::move(n));
  }
  g.nodes = std::move(kept);
}

}  // namespace graph
}  // namespace qrt
