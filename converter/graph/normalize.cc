// The normalizing passes of passes.h: after them every node has one of the
// forms docs/onnx-import.md ("The IR after the passes") lists, which is
// what lowering (quantize/) relies on. All run after fold_constants(), so
// every shape is known and every parameter input is an initializer.
#include <algorithm>
#include <cmath>

#include "graph/data_ops.h"
#include "graph/op_helpers.h"
#include "graph/passes.h"

namespace qrt {
namespace graph {

namespace {

// A tensor/node name not used yet.
std::string fresh_name(const Graph& g, const std::string& base) {
  std::string name = base;
  for (int i = 1; g.initializers.count(name) || g.shapes.count(name) || g.producer_index(name) >= 0 ||
                  g.is_graph_input(name);
       ++i)
    name = base + "_" + std::to_string(i);
  return name;
}

std::string add_initializer(Graph& g, const std::string& base, Tensor t) {
  const std::string name = fresh_name(g, base);
  g.shapes[name] = t.shape;
  g.initializers[name] = std::move(t);
  return name;
}

Tensor shape_tensor(const Shape& s) {
  Tensor t({int64_t(s.size())});
  for (size_t i = 0; i < s.size(); ++i) t.data[i] = float(s[i]);
  t.is_integer = true;
  return t;
}

bool single_use(const Graph& g, const std::string& t) { return g.use_count(t) == 1 && !g.is_graph_output(t); }

// The only node reading `t`, or nullptr.
Node* sole_consumer(Graph& g, const std::string& t) {
  if (!single_use(g, t)) return nullptr;
  for (Node& n : g.nodes)
    for (const auto& in : n.inputs)
      if (in == t) return &n;
  return nullptr;
}

void make_identity(Node& n) {
  n.op_type = "Identity";
  n.inputs.resize(1);
  n.attributes.clear();
}

// Nodes of `g` in order, inserting `extra` before node index `at`.
void insert_before(Graph& g, size_t at, std::vector<Node> extra) {
  g.nodes.insert(g.nodes.begin() + at, std::make_move_iterator(extra.begin()), std::make_move_iterator(extra.end()));
}

// `n` becomes a MaxPool whose window is the whole H x W map of the 4-D
// input shape `x` (int8 MAX_POOL_2D), with the explicit window attributes
// infer_shapes() would write.
void make_whole_map_max_pool(Node& n, const Shape& x) {
  n.op_type = "MaxPool";
  n.attributes.clear();
  n.set_string("auto_pad", "NOTSET");
  n.set_ints("kernel_shape", {x[2], x[3]});
  n.set_ints("strides", {1, 1});
  n.set_ints("dilations", {1, 1});
  n.set_ints("pads", {0, 0, 0, 0});
}

}  // namespace

void normalize_shape_ops(Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    const std::string& op = n.op_type;
    if (op == "Squeeze" || op == "Unsqueeze" || op == "Flatten" || op == "Reshape") {
      const Shape& in = g.shape(n.input(0));
      const Shape out = g.shape(n.outputs.at(0));
      if (in == out) {
        make_identity(n);
        continue;
      }
      const std::string spec = add_initializer(g, n.name + "_shape", shape_tensor(out));
      n.op_type = "Reshape";
      n.attributes.clear();
      if (std::count(out.begin(), out.end(), 0)) n.set_int("allowzero", 1);  // an empty dim, not "copy"
      n.inputs = {n.inputs[0], spec};
    } else if (op == "Sum") {
      if (n.inputs.size() == 1) {
        make_identity(n);
        continue;
      }
      // Sum(a, b, c, ...) -> Add(Add(a, b), c) ...
      const Node sum = n;
      std::vector<Node> chain;
      std::string acc = sum.inputs[0];
      for (size_t k = 1; k < sum.inputs.size(); ++k) {
        Node a;
        a.op_type = "Add";
        a.name = k + 1 == sum.inputs.size() ? sum.name : fresh_name(g, sum.name + "_add" + std::to_string(k));
        a.outputs = {k + 1 == sum.inputs.size() ? sum.outputs[0] : fresh_name(g, sum.outputs[0] + "_part" + std::to_string(k))};
        a.inputs = {acc, sum.inputs[k]};
        acc = a.outputs[0];
        g.shapes[acc] = broadcast_shapes(a, g.shape(a.inputs[0]), g.shape(a.inputs[1]));
        chain.push_back(std::move(a));
      }
      g.nodes.erase(g.nodes.begin() + i);
      const size_t added = chain.size();
      insert_before(g, i, std::move(chain));
      i += added - 1;
    } else if (op == "GlobalMaxPool" && g.shape(n.input(0)).size() == 4) {
      make_whole_map_max_pool(n, g.shape(n.input(0)));
    } else if (op == "ReduceMean" || op == "ReduceMax") {
      const Shape x = g.shape(n.input(0));
      std::vector<int64_t> axes = n.get_ints("axes", {});
      if (n.inputs.size() > 1 && !n.input(1).empty()) axes = int_values(n, g.initializer(n.input(1), n), "axes");
      for (int64_t& a : axes) a = a < 0 ? a + int64_t(x.size()) : a;
      std::sort(axes.begin(), axes.end());
      if (x.size() != 4 || axes != std::vector<int64_t>{2, 3}) continue;  // stays a float reduction
      const bool keep = n.get_int("keepdims", 1) != 0;
      const std::string out = n.outputs[0];
      n.attributes.clear();
      n.inputs.resize(1);
      if (op == "ReduceMean") {
        n.op_type = "GlobalAveragePool";
      } else {
        make_whole_map_max_pool(n, x);
      }
      if (keep) continue;
      const std::string pooled = fresh_name(g, out + "_gap");
      n.outputs[0] = pooled;
      g.shapes[pooled] = {x[0], x[1], 1, 1};
      Node r;
      r.op_type = "Reshape";
      r.name = fresh_name(g, n.name + "_reshape");
      r.inputs = {pooled, add_initializer(g, r.name + "_shape", shape_tensor({x[0], x[1]}))};
      r.outputs = {out};
      insert_before(g, i + 1, {std::move(r)});
    } else if (op == "Split") {
      const Shape x = g.shape(n.input(0));
      const int64_t axis = n.get_int("axis", 0) < 0 ? n.get_int("axis", 0) + int64_t(x.size()) : n.get_int("axis", 0);
      const Node split = n;
      std::vector<Node> slices;
      int64_t start = 0;
      for (size_t k = 0; k < split.outputs.size(); ++k) {
        const int64_t len = g.shape(split.outputs[k])[axis];
        if (!split.outputs[k].empty()) {
          Node s;
          s.op_type = "Slice";
          s.name = fresh_name(g, split.name + "_" + std::to_string(k));
          s.inputs = {split.inputs[0]};
          s.outputs = {split.outputs[k]};
          s.set_ints("starts", {start});
          s.set_ints("ends", {start + len});
          s.set_ints("axes", {axis});
          s.set_ints("steps", {1});
          slices.push_back(std::move(s));
        }
        start += len;
      }
      g.nodes.erase(g.nodes.begin() + i);
      const size_t added = slices.size();
      insert_before(g, i, std::move(slices));
      i += added - 1;
    } else if (op == "Slice") {
      // One input; attributes for the sliced axes only, clamped, steps >= 1.
      const Shape& x = g.shape(n.input(0));
      std::vector<const Tensor*> consts;
      for (const auto& in : n.inputs) consts.push_back(g.is_initializer(in) ? &g.initializers.at(in) : nullptr);
      const SliceSpec s = resolve_slice(n, x, consts);
      std::vector<int64_t> starts, ends, axes, steps;
      bool negative = false;
      for (size_t d = 0; d < x.size(); ++d) {
        if (s.start[d] == 0 && s.step[d] == 1 && s.count[d] == x[d]) continue;
        negative = negative || s.step[d] < 0;
        axes.push_back(int64_t(d));
        starts.push_back(s.start[d]);
        ends.push_back(s.count[d] == 0 ? s.start[d] : s.start[d] + (s.count[d] - 1) * s.step[d] + 1);
        steps.push_back(s.step[d]);
      }
      if (negative) continue;  // kept in its input form (lowering refuses negative steps)
      if (axes.empty()) {
        make_identity(n);
        continue;
      }
      n.inputs.resize(1);
      n.attributes.clear();
      n.set_ints("starts", starts);
      n.set_ints("ends", ends);
      n.set_ints("axes", axes);
      n.set_ints("steps", steps);
    } else if (op == "Pad") {
      const Shape& x = g.shape(n.input(0));
      std::vector<const Tensor*> consts;
      for (const auto& in : n.inputs) consts.push_back(g.is_initializer(in) ? &g.initializers.at(in) : nullptr);
      const PadSpec p = resolve_pad(n, x, consts);
      if (std::all_of(p.pads.begin(), p.pads.end(), [](int64_t v) { return v == 0; })) {
        make_identity(n);
        continue;
      }
      n.inputs.resize(1);
      n.attributes.clear();
      n.set_ints("pads", p.pads);
      n.set_float("value", p.value);
      n.set_string("mode", "constant");
    } else if (op == "PRelu") {
      const Tensor* slope = g.is_initializer(n.input(1)) ? &g.initializers.at(n.input(1)) : nullptr;
      if (slope && slope->size() == 1) {
        const float alpha = slope->data[0];
        n.op_type = "LeakyRelu";
        n.inputs.resize(1);
        n.attributes.clear();
        n.set_float("alpha", alpha);
      }
    }
  }
}

void fold_pads(Graph& g) {
  for (size_t i = 0; i < g.nodes.size();) {
    const Node pad = g.nodes[i];
    Node* next = pad.op_type == "Pad" && pad.inputs.size() == 1 ? sole_consumer(g, pad.outputs[0]) : nullptr;
    bool ok = next && g.shape(pad.input(0)).size() == 4 && next->input(0) == pad.outputs[0] && pad.get_float("value", 0.0f) == 0.0f &&
              pad.get_string("mode", "constant") == "constant";
    std::vector<int64_t> p = ok ? pad.get_ints("pads") : std::vector<int64_t>();
    ok = ok && p.size() == 8 && p[0] == 0 && p[1] == 0 && p[4] == 0 && p[5] == 0;
    if (ok && next->op_type == "AveragePool") {
      // Padded zeros count in the average: count_include_pad, with no window
      // that ceil_mode could start inside the padding.
      const auto own = next->get_ints("pads", {0, 0, 0, 0});
      ok = next->get_int("ceil_mode", 0) == 0 &&
           (next->get_int("count_include_pad", 0) != 0 || own == std::vector<int64_t>{0, 0, 0, 0});
      if (ok) next->set_int("count_include_pad", 1);
    } else {
      ok = ok && next->op_type == "Conv";
    }
    if (!ok || next->get_string("auto_pad", "NOTSET") != "NOTSET") {
      ++i;
      continue;
    }
    auto cp = next->get_ints("pads", {0, 0, 0, 0});
    cp[0] += p[2], cp[1] += p[3], cp[2] += p[6], cp[3] += p[7];  // top, left, bottom, right
    next->set_ints("pads", cp);
    next->inputs[0] = pad.inputs[0];
    g.shapes.erase(pad.outputs[0]);
    g.nodes.erase(g.nodes.begin() + i);
  }
}

}  // namespace graph
}  // namespace qrt
