// Pattern rewrites of passes.h: the activation forms exporters spell out
// (SiLU, HardSwish), constant affine steps folded into a Conv/Gemm or
// turned into QrtAffine, and the channel shuffle. Each rewrite keeps the
// ONNX value of the tensors that remain (passes_test checks the float
// outputs before and after).
#include <algorithm>
#include <cmath>

#include "graph/op_helpers.h"
#include "graph/passes.h"

namespace qrt {
namespace graph {

namespace {

bool single_use(const Graph& g, const std::string& t) { return g.use_count(t) == 1 && !g.is_graph_output(t); }

// The input of binary `n` that is not `x`, or nullptr.
const std::string* other_input(const Node& n, const std::string& x) {
  if (n.inputs.size() != 2) return nullptr;
  if (n.inputs[0] == x) return &n.inputs[1];
  if (n.inputs[1] == x) return &n.inputs[0];
  return nullptr;
}

// Initializer `t` when it holds one value (any rank), else NaN.
float scalar_const(const Graph& g, const std::string& t) {
  auto it = g.initializers.find(t);
  if (it == g.initializers.end() || it->second.size() != 1) return NAN;
  return it->second.data[0];
}

bool near(float a, float b) { return std::fabs(a - b) <= 1e-6f * std::max(1.0f, std::fabs(b)); }

// `t` is Div(v, 6) or Mul(v, 1/6) (either operand order for Mul): v, else "".
std::string divided_by_six(const Graph& g, const Node& n) {
  if (n.op_type == "Div" && n.inputs.size() == 2 && near(scalar_const(g, n.inputs[1]), 6.0f)) return n.inputs[0];
  if (n.op_type == "Mul" && n.inputs.size() == 2) {
    if (near(scalar_const(g, n.inputs[1]), 1.0f / 6.0f)) return n.inputs[0];
    if (near(scalar_const(g, n.inputs[0]), 1.0f / 6.0f)) return n.inputs[1];
  }
  return "";
}

// `t` = Clip(Add(x, 3), 0, 6) (or Add(3, x)): x, else "".
std::string relu6_of_x_plus_3(const Graph& g, const std::string& t) {
  const Node* clip = g.producer(t);
  if (!clip || clip->op_type != "Clip" || clip->inputs.size() != 1 || clip->get_float("min", NAN) != 0.0f ||
      clip->get_float("max", NAN) != 6.0f)
    return "";
  const Node* add = g.producer(clip->input(0));
  if (!add || add->op_type != "Add" || add->inputs.size() != 2) return "";
  if (near(scalar_const(g, add->inputs[1]), 3.0f) && !g.is_initializer(add->inputs[0])) return add->inputs[0];
  if (near(scalar_const(g, add->inputs[0]), 3.0f) && !g.is_initializer(add->inputs[1])) return add->inputs[1];
  return "";
}

void become_unary(Node& n, const std::string& op, const std::string& x) {
  n.op_type = op;
  n.inputs = {x};
  n.attributes.clear();
}

// Per-output-channel (s, o) of y' = s * y + o for `n` = Mul/Add/Sub/Div of
// y (the output of a node with `channels` channels at dim 1) by a
// constant; false if the constant is not per-channel or the op is not affine in y.
bool channel_affine(const Graph& g, const Node& n, const std::string& y, int64_t channels, size_t out_rank,
                    std::vector<double>* s, std::vector<double>* o) {
  const std::string* c = other_input(n, y);
  if (!c || *c == y || !g.is_initializer(*c)) return false;
  const Tensor& t = g.initializers.at(*c);
  if (t.shape.size() > out_rank) return false;
  // Right-aligned with the output, every dim but the channel dim (1) is 1.
  int64_t per = 1;
  for (size_t i = 0; i < t.shape.size(); ++i) {
    const size_t d = i + out_rank - t.shape.size();
    if (d == 1) per = t.shape[i];
    else if (t.shape[i] != 1) return false;
  }
  if (per != 1 && per != channels) return false;
  const bool y_first = n.inputs[0] == y;
  s->assign(channels, 1.0);
  o->assign(channels, 0.0);
  for (int64_t m = 0; m < channels; ++m) {
    const double v = t.data[per == 1 ? 0 : m];
    if (n.op_type == "Mul") (*s)[m] = v;
    else if (n.op_type == "Add") (*o)[m] = v;
    else if (n.op_type == "Sub") (*s)[m] = y_first ? 1.0 : -1.0, (*o)[m] = y_first ? -v : v;
    else if (n.op_type == "Div" && y_first && v != 0.0) (*s)[m] = 1.0 / v;
    else return false;
  }
  return true;
}

std::string fresh_initializer(const Graph& g, const std::string& base) {
  std::string name = base;
  for (int i = 1; g.initializers.count(name) || g.shapes.count(name) || g.producer_index(name) >= 0; ++i)
    name = base + "_" + std::to_string(i);
  return name;
}

}  // namespace

void rewrite_activation_patterns(Graph& g) {
  // Clip(x + 3, 0, 6) / 6 -> HardSigmoid(x, 1/6, 0.5) first, so that
  // x * that becomes HardSwish below like the exported HardSigmoid form.
  for (Node& n : g.nodes) {
    const std::string v = divided_by_six(g, n);
    if (v.empty()) continue;
    const std::string x = relu6_of_x_plus_3(g, v);
    if (!x.empty()) {
      become_unary(n, "HardSigmoid", x);
      n.set_float("alpha", 1.0f / 6.0f);
      n.set_float("beta", 0.5f);
      continue;
    }
    // (x * Clip(x + 3, 0, 6)) / 6 -> HardSwish(x)
    const Node* mul = g.producer(v);
    if (!mul || mul->op_type != "Mul" || mul->inputs.size() != 2) continue;
    for (int k = 0; k < 2; ++k)
      if (relu6_of_x_plus_3(g, mul->inputs[1 - k]) == mul->inputs[k] && !mul->inputs[k].empty()) {
        const std::string xin = mul->inputs[k];
        become_unary(n, "HardSwish", xin);
        break;
      }
  }
  for (Node& n : g.nodes) {
    if (n.op_type != "Mul" || n.inputs.size() != 2) continue;
    for (int k = 0; k < 2; ++k) {
      const std::string x = n.inputs[k];
      const Node* act = g.producer(n.inputs[1 - k]);
      if (!act || act->input(0) != x || x.empty()) continue;
      if (act->op_type == "Sigmoid") {
        become_unary(n, "QrtSilu", x);
        break;
      }
      if (act->op_type == "HardSigmoid" && near(act->get_float("alpha", 0.2f), 1.0f / 6.0f) &&
          near(act->get_float("beta", 0.5f), 0.5f)) {
        become_unary(n, "HardSwish", x);
        break;
      }
    }
  }
  remove_dead_nodes(g);
}

void fold_affine_into_layers(Graph& g) {
  for (size_t i = 0; i < g.nodes.size();) {
    const Node n = g.nodes[i];
    const bool affine_op = n.op_type == "Mul" || n.op_type == "Add" || n.op_type == "Sub" || n.op_type == "Div";
    Node* layer = nullptr;
    std::string y;
    for (size_t k = 0; affine_op && n.inputs.size() == 2 && k < 2 && !layer; ++k)
      if (g.is_initializer(n.inputs[1 - k]) && !g.is_initializer(n.inputs[k])) {
        y = n.inputs[k];
        layer = g.producer(y);
      }
    std::vector<double> s, o;
    bool ok = layer && (layer->op_type == "Conv" || layer->op_type == "Gemm") &&
              layer->fused_activation == FusedActivation::kNone && single_use(g, y) &&
              g.is_initializer(layer->input(1)) && !g.fixed_constants.count(layer->input(1)) &&
              (layer->input(2).empty() || (g.is_initializer(layer->input(2)) && !g.fixed_constants.count(layer->input(2))));
    const Shape ys = ok ? g.shape(y) : Shape();
    const bool gemm = ok && layer->op_type == "Gemm";
    const bool trans_b = gemm && layer->get_int("transB", 0) != 0;
    const Tensor* w = ok ? &g.initializers.at(layer->input(1)) : nullptr;
    const int64_t m = ok ? (gemm ? (trans_b ? w->shape[0] : w->shape[1]) : w->shape[0]) : 0;
    ok = ok && ys.size() >= 2 && channel_affine(g, n, y, m, ys.size(), &s, &o);
    if (ok && gemm && !layer->input(2).empty()) {  // bias must be per column: [M] or [1, M]
      const Tensor& c = g.initializers.at(layer->input(2));
      ok = c.size() == m || c.size() == 1;
    }
    if (!ok) {
      ++i;
      continue;
    }
    Tensor nw = *w;
    const int64_t per = nw.size() / m;
    for (int64_t k = 0; k < nw.size(); ++k) {
      const int64_t ch = gemm && !trans_b ? k % m : k / per;
      nw.data[k] = static_cast<float>(double(w->data[k]) * s[ch]);
    }
    const float beta = gemm ? layer->get_float("beta", 1.0f) : 1.0f;
    Tensor nb({m});
    for (int64_t ch = 0; ch < m; ++ch) {
      double b = 0.0;
      if (!layer->input(2).empty()) {
        const Tensor& c = g.initializers.at(layer->input(2));
        b = double(beta) * c.data[c.size() == 1 ? 0 : ch];
      }
      nb.data[ch] = static_cast<float>(b * s[ch] + o[ch]);
    }
    const std::string wname = fresh_initializer(g, layer->input(1) + "_affine");
    g.initializers[wname] = std::move(nw);
    g.shapes[wname] = w->shape;
    const std::string bname = fresh_initializer(g, layer->name + "_bias_affine");
    g.initializers[bname] = std::move(nb);
    g.shapes[bname] = {m};
    layer->inputs.resize(3);
    layer->inputs[1] = wname;
    layer->inputs[2] = bname;
    if (gemm) layer->set_float("beta", 1.0f);
    g.shapes.erase(layer->outputs[0]);
    layer->outputs[0] = n.outputs[0];
    g.nodes.erase(g.nodes.begin() + i);
    i = 0;  // the layer may take the next affine step too
  }
  remove_dead_nodes(g);
}

void scalar_affine_to_qrt_affine(Graph& g) {
  for (Node& n : g.nodes) {
    const std::string& op = n.op_type;
    if ((op != "Mul" && op != "Add" && op != "Sub" && op != "Div") || n.inputs.size() != 2) continue;
    const bool c0 = g.is_initializer(n.inputs[0]), c1 = g.is_initializer(n.inputs[1]);
    if (c0 == c1) continue;
    const std::string x = c1 ? n.inputs[0] : n.inputs[1];
    const float v = scalar_const(g, c1 ? n.inputs[1] : n.inputs[0]);
    if (std::isnan(v) || g.shape(n.outputs[0]) != g.shape(x)) continue;  // the constant must not broadcast x up
    float scale = 1.0f, offset = 0.0f;
    if (op == "Mul") scale = v;
    else if (op == "Add") offset = v;
    else if (op == "Sub") scale = c1 ? 1.0f : -1.0f, offset = c1 ? -v : v;
    else if (c1 && v != 0.0f) scale = static_cast<float>(1.0 / double(v));  // Div(x, c)
    else continue;  // c / x is not affine
    become_unary(n, "QrtAffine", x);
    n.set_float("scale", scale);
    n.set_float("offset", offset);
  }
  remove_dead_nodes(g);
}

void recognize_channel_shuffle(Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& r2 = g.nodes[i];
    if (r2.op_type != "Reshape") continue;
    Node* t = g.producer(r2.input(0));
    if (!t || t->op_type != "Transpose" || !single_use(g, r2.input(0))) continue;
    Node* r1 = g.producer(t->input(0));
    if (!r1 || r1->op_type != "Reshape" || !single_use(g, t->input(0))) continue;
    const Shape& x = g.shape(r1->input(0));
    const Shape& mid = g.shape(r1->outputs[0]);
    const Shape& y = g.shape(r2.outputs[0]);
    // [N, C, H, W] -> [N, g, C/g, spatial...] (H, W kept or merged), swap
    // dims 1 and 2, back to [N, C, H, W].
    if (x.size() != 4 || y != x || mid.size() < 3 || mid[0] != x[0] || mid[1] * mid[2] != x[1] ||
        num_elements(Shape(mid.begin() + 3, mid.end())) != x[2] * x[3])
      continue;
    std::vector<int64_t> perm = {0, 2, 1};
    for (size_t d = 3; d < mid.size(); ++d) perm.push_back(int64_t(d));
    if (t->get_ints("perm", {}) != perm) continue;
    const int64_t group = mid[1];
    const std::string in = r1->input(0);
    r2.op_type = "QrtChannelShuffle";
    r2.inputs = {in};
    r2.attributes.clear();
    r2.set_int("group", group);
  }
  remove_dead_nodes(g);
}

}  // namespace graph
}  // namespace qrt
