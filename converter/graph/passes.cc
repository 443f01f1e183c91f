// Graph passes: constant folding, Identity removal, BN folding, activation
// fusion, dead-node removal. See passes.h for what each one does.
#include "graph/passes.h"

#include <cmath>
#include <limits>
#include <set>

namespace qrt {
namespace graph {

namespace {

std::string unique_initializer_name(const Graph& g, const std::string& base) {
  std::string name = base;
  for (int i = 1; g.initializers.count(name) || g.producer_index(name) >= 0 || g.is_graph_input(name); ++i)
    name = base + "_" + std::to_string(i);
  return name;
}

// Pre-activation tensor `t` may be rewritten if only one node reads it.
bool single_use(const Graph& g, const std::string& t) {
  return g.use_count(t) == 1 && !g.is_graph_output(t);
}

}  // namespace

void remove_identities(Graph& g) {
  for (size_t i = 0; i < g.nodes.size();) {
    Node& n = g.nodes[i];
    const bool dropout = n.op_type == "Dropout";
    if (dropout && n.outputs.size() > 1 && g.use_count(n.outputs[1]) > 0)
      throw ConvertError(n.describe() + ": its mask output '" + n.outputs[1] +
                         "' is read; only inference Dropout (a copy) is supported");
    if (!(n.op_type == "Identity" && n.inputs.size() == 1) && !(dropout && !n.inputs.empty()) ) {
      ++i;
      continue;
    }
    n.inputs.resize(1);
    n.outputs.resize(1);
    const std::string x = n.inputs[0], y = n.outputs[0];
    if (!g.is_graph_output(y)) {
      g.rename_uses(y, x);
    } else {
      Node* p = g.producer(x);
      if (p == nullptr || !single_use(g, x)) {
        ++i;  // y must keep its name and x is needed elsewhere: keep the copy
        continue;
      }
      for (auto& o : p->outputs)
        if (o == x) o = y;
    }
    g.shapes.erase(y);
    g.nodes.erase(g.nodes.begin() + i);
  }
}

void fold_batch_norm(Graph& g) {
  for (size_t i = 0; i < g.nodes.size();) {
    const Node bn = g.nodes[i];
    Node* conv = bn.op_type == "BatchNormalization" ? g.producer(bn.input(0)) : nullptr;
    if (!conv || conv->op_type != "Conv" || !single_use(g, bn.input(0)) ||
        conv->fused_activation != FusedActivation::kNone || !g.is_initializer(conv->input(1)) ||
        (!conv->input(2).empty() && !g.is_initializer(conv->input(2)))) {
      ++i;
      continue;
    }
    bool consts = true;
    for (int k = 1; k < 5; ++k) consts = consts && g.is_initializer(bn.input(k));
    if (!consts) {
      ++i;
      continue;
    }
    if (g.fixed_constants.count(conv->input(1)))
      throw ConvertError(bn.describe() + ": follows conv '" + conv->name + "' whose weights '" + conv->input(1) +
                         "' are quantized by the model (DequantizeLinear); folding BN would change their integers. "
                         "Fold BN into the conv before quantizing");
    const Tensor& w = g.initializers.at(conv->input(1));
    const Tensor& gamma = g.initializers.at(bn.input(1));
    const Tensor& beta = g.initializers.at(bn.input(2));
    const Tensor& mean = g.initializers.at(bn.input(3));
    const Tensor& var = g.initializers.at(bn.input(4));
    const int64_t m = w.shape.at(0);
    for (const Tensor* t : {&gamma, &beta, &mean, &var})
      if (t->size() != m)
        throw ConvertError(bn.describe() + ": parameters have " + std::to_string(t->size()) +
                           " values, but conv '" + conv->name + "' has " + std::to_string(m) + " output channels");
    const double eps = bn.get_float("epsilon", 1e-5f);
    const int64_t per = w.size() / m;
    Tensor nw(w.shape), nb({m});
    for (int64_t c = 0; c < m; ++c) {
      const double s = static_cast<double>(gamma.data[c]) / std::sqrt(static_cast<double>(var.data[c]) + eps);
      for (int64_t j = 0; j < per; ++j)
        nw.data[c * per + j] = static_cast<float>(static_cast<double>(w.data[c * per + j]) * s);
      const double b = conv->input(2).empty() ? 0.0 : g.initializers.at(conv->input(2)).data[c];
      nb.data[c] = static_cast<float>((b - mean.data[c]) * s + beta.data[c]);
    }
    const std::string wname = unique_initializer_name(g, conv->input(1) + "_bnfold");
    g.initializers[wname] = std::move(nw);
    g.shapes[wname] = w.shape;
    const std::string bname = unique_initializer_name(g, conv->name + "_bias_bnfold");
    g.initializers[bname] = std::move(nb);
    g.shapes[bname] = {m};
    conv->inputs.resize(3);
    conv->inputs[1] = wname;
    conv->inputs[2] = bname;
    g.shapes.erase(conv->outputs[0]);
    conv->outputs[0] = bn.outputs[0];
    g.nodes.erase(g.nodes.begin() + i);
  }
  remove_dead_nodes(g);  // drop the unfolded weights and BN parameters
}

void fuse_activations(Graph& g) {
  for (size_t i = 0; i < g.nodes.size();) {
    const Node act = g.nodes[i];
    FusedActivation kind = FusedActivation::kNone;
    if (act.op_type == "Relu") {
      kind = FusedActivation::kRelu;
    } else if (act.op_type == "Clip" && act.inputs.size() == 1 && act.has_attr("min") && act.has_attr("max") &&
               act.get_float("min") == 0.0f && act.get_float("max") == 6.0f) {
      kind = FusedActivation::kRelu6;
    }
    Node* p = kind != FusedActivation::kNone ? g.producer(act.input(0)) : nullptr;
    if (!p || p->fused_activation != FusedActivation::kNone || !single_use(g, act.input(0)) ||
        !(p->op_type == "Conv" || p->op_type == "Gemm" || p->op_type == "MatMul" || p->op_type == "Add" ||
          p->op_type == "BatchNormalization")) {  // an unfolded BN (DenseNet: Concat -> BN -> Relu)
      ++i;
      continue;
    }
    p->fused_activation = kind;
    g.shapes.erase(p->outputs[0]);
    p->outputs[0] = act.outputs[0];
    g.nodes.erase(g.nodes.begin() + i);
  }
}

void remove_dead_nodes(Graph& g) {
  std::set<std::string> live(g.outputs.begin(), g.outputs.end());
  std::vector<bool> keep(g.nodes.size(), false);
  for (size_t i = g.nodes.size(); i-- > 0;) {
    for (const auto& o : g.nodes[i].outputs)
      if (live.count(o)) keep[i] = true;
    if (keep[i])
      for (const auto& in : g.nodes[i].inputs) live.insert(in);
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (keep[i]) {
      kept.push_back(std::move(g.nodes[i]));
    } else {
      for (const auto& o : g.nodes[i].outputs) g.shapes.erase(o);
    }
  }
  g.nodes = std::move(kept);
  for (auto it = g.initializers.begin(); it != g.initializers.end();) {
    if (live.count(it->first)) {
      ++it;
    } else {
      g.shapes.erase(it->first);
      it = g.initializers.erase(it);
    }
  }
}

void run_default_passes(Graph& g) {
  fold_constants(g);  // also infers every shape
  remove_identities(g);
  normalize_shape_ops(g);
  remove_identities(g);  // the trivial Reshape/Slice/Pad/Sum
  fold_pads(g);
  rewrite_activation_patterns(g);
  fold_affine_into_layers(g);  // Conv -> Add(bias) -> BN (Caffe2) folds the bias first
  fold_batch_norm(g);
  fold_affine_into_layers(g);
  scalar_affine_to_qrt_affine(g);
  recognize_channel_shuffle(g);
  fuse_activations(g);
  remove_dead_nodes(g);
  infer_shapes(g);
  g.validate();
}

}  // namespace graph
}  // namespace qrt
