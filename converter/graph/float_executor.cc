// Float executor: walks the nodes in order, reads attributes, calls the
// kernels in float_ops.cc, applies fused activations, reports to the
// observer, and frees each tensor after its last use.
#include "graph/float_executor.h"

#include <functional>
#include <limits>
#include <unordered_map>

#include "graph/data_ops.h"
#include "graph/elementwise.h"
#include "graph/float_ops.h"
#include "graph/op_helpers.h"
#include "graph/passes.h"

namespace qrt {
namespace graph {

FloatExecutor::FloatExecutor(const Graph& graph) : graph_(graph) {}

namespace {

[[noreturn]] void fail(const Node& n, const std::string& msg) {
  throw ConvertError(n.describe() + ": " + msg);
}

Window2d window_of(const Node& n, const Shape& x, int64_t kh, int64_t kw) {
  return resolve_window2d(n, x[2], x[3], kh, kw, n.get_int("ceil_mode", 0) != 0);
}

Tensor run_node(const Node& n, const std::vector<const Tensor*>& in) {
  const std::string& op = n.op_type;
  auto arg = [&](size_t i) -> const Tensor& {
    if (i >= in.size() || !in[i]) fail(n, "missing input " + std::to_string(i));
    return *in[i];
  };
  auto rank4 = [&](const Tensor& t) {
    if (t.shape.size() != 4) fail(n, "expects a 4-D NCHW input, got " + shape_to_string(t.shape));
  };
  if (op == "Conv") {
    const Tensor &x = arg(0), &w = arg(1);
    rank4(x);
    if (w.shape.size() != 4) fail(n, "expects 4-D weights");
    const int64_t group = n.get_int("group", 1);
    if (group < 1 || x.shape[1] != w.shape[1] * group || w.shape[0] % group != 0)
      fail(n, "channel mismatch: input " + shape_to_string(x.shape) + ", weights " + shape_to_string(w.shape));
    const Tensor* bias = in.size() > 2 ? in[2] : nullptr;
    return ops::conv2d(x, w, bias, window_of(n, x.shape, w.shape[2], w.shape[3]), group);
  }
  if (op == "MaxPool" || op == "AveragePool") {
    const Tensor& x = arg(0);
    rank4(x);
    auto ks = n.get_ints("kernel_shape");
    if (ks.size() != 2) fail(n, "kernel_shape must have 2 values");
    const Window2d win = window_of(n, x.shape, ks[0], ks[1]);
    return op == "MaxPool" ? ops::max_pool2d(x, win)
                           : ops::average_pool2d(x, win, n.get_int("count_include_pad", 0) != 0);
  }
  if (op == "GlobalAveragePool") return ops::global_average_pool(arg(0));
  if (op == "GlobalMaxPool") {  // normalize_shape_ops makes it a MaxPool; the same result here
    const Tensor& x = arg(0);
    rank4(x);
    return ops::max_pool2d(x, window_of(n, x.shape, x.shape[2], x.shape[3]));
  }
  if (op == "BatchNormalization")
    return ops::batch_norm(arg(0), arg(1), arg(2), arg(3), arg(4), n.get_float("epsilon", 1e-5f));
  if (op == "Relu") {
    Tensor y = arg(0);
    ops::clip_inplace(y, 0.0f, std::numeric_limits<float>::infinity());
    return y;
  }
  if (op == "Clip") {
    float lo = n.get_float("min", -std::numeric_limits<float>::infinity());
    float hi = n.get_float("max", std::numeric_limits<float>::infinity());
    if (in.size() > 1 && in[1]) lo = in[1]->data.at(0);
    if (in.size() > 2 && in[2]) hi = in[2]->data.at(0);
    Tensor y = arg(0);
    ops::clip_inplace(y, lo, hi);
    return y;
  }
  if (op == "Identity") return arg(0);
  if (is_unary_elementwise(op) && op != "Relu" && op != "Clip") {
    Tensor y = arg(0);
    const std::function<float(float)> f = unary_function(n);
    for (float& v : y.data) v = f(v);
    return y;
  }
  if (op == "Add") return ops::add(arg(0), arg(1), broadcast_shapes(n, arg(0).shape, arg(1).shape));
  if (op == "Flatten") {
    const Tensor& x = arg(0);
    int64_t axis = n.get_int("axis", 1);
    if (axis < 0) axis += static_cast<int64_t>(x.shape.size());
    int64_t a = 1;
    for (int64_t d = 0; d < axis; ++d) a *= x.shape[d];
    return Tensor({a, x.size() / std::max<int64_t>(a, 1)}, x.data);
  }
  if (op == "Reshape") {
    if (n.input(1).empty() && n.has_attr("shape")) {  // opset < 5
      std::vector<float> spec;
      for (int64_t d : n.get_ints("shape")) spec.push_back(float(d));
      return Tensor(reshape_target(n, arg(0).shape, Tensor({int64_t(spec.size())}, spec)), arg(0).data);
    }
    return Tensor(reshape_target(n, arg(0).shape, arg(1)), arg(0).data);
  }
  if (op == "Gemm") {
    const Tensor* c = in.size() > 2 ? in[2] : nullptr;
    return ops::gemm(arg(0), arg(1), c, n.get_float("alpha", 1.0f), n.get_float("beta", 1.0f),
                     n.get_int("transA", 0) != 0, n.get_int("transB", 0) != 0);
  }
  if (op == "MatMul") return ops::matmul(arg(0), arg(1), matmul_shape(n, arg(0).shape, arg(1).shape));
  if (op == "Concat") {
    int64_t axis = n.get_int("axis");
    if (axis < 0) axis += static_cast<int64_t>(arg(0).shape.size());
    std::vector<const Tensor*> xs;
    for (size_t i = 0; i < in.size(); ++i) xs.push_back(&arg(i));
    return ops::concat(xs, axis);
  }
  if (op == "Softmax") {
    const Tensor& x = arg(0);
    const bool legacy = n.get_int("qrt_legacy_2d", 0) != 0;
    int64_t axis = n.get_int("axis", legacy ? 1 : -1);
    if (axis < 0) axis += static_cast<int64_t>(x.shape.size());
    return ops::softmax(x, axis, legacy, n.get_int("qrt_log", 0) != 0);
  }
  fail(n, "the float executor does not implement this operator");
}

// Applies the transform to one produced tensor; it must keep the shape.
void apply_transform(const TensorTransform& transform, const std::string& name, Tensor& value) {
  if (!transform) return;
  const Shape shape = value.shape;
  const size_t size = value.data.size();
  transform(name, value);
  if (value.shape != shape || value.data.size() != size)
    throw ConvertError("tensor '" + name + "': the executor's transform changed its shape");
}

}  // namespace

std::vector<Tensor> evaluate_node(const Node& n, const std::vector<const Tensor*>& in) {
  if (n.has_attr("axis") && n.get_int("broadcast", 0) != 0 && in.size() == 2 && in[0] && in[1] &&
      (n.op_type == "Add" || n.op_type == "Sub" || n.op_type == "Mul" || n.op_type == "Div")) {
    // opset < 7: B's dims align with A's from `axis` (fold_constants rewrites
    // this form; here for graphs run before the passes).
    int64_t axis = n.get_int("axis");
    if (axis < 0) axis += int64_t(in[0]->shape.size());
    Tensor b = *in[1];
    const int64_t trailing = int64_t(in[0]->shape.size()) - axis - int64_t(b.shape.size());
    if (axis < 0 || trailing < 0) fail(n, "broadcast axis out of range");
    b.shape.insert(b.shape.end(), size_t(trailing), 1);
    Node plain = n;
    plain.attributes.erase("axis");
    plain.attributes.erase("broadcast");
    return evaluate_node(plain, {in[0], &b});
  }
  std::vector<Tensor> ys;
  if (is_data_op(n.op_type)) ys = data_op_run(n, in);
  else ys.push_back(run_node(n, in));
  const bool integer = integer_result(n, in);
  for (Tensor& y : ys) y.is_integer = integer;
  return ys;
}

std::map<std::string, Tensor> FloatExecutor::run(const std::map<std::string, Tensor>& inputs,
                                                 const TensorObserver& observer,
                                                 const TensorTransform& transform) const {
  const Graph& g = graph_;
  std::unordered_map<std::string, Tensor> values;
  for (const auto& in : g.inputs) {
    auto it = inputs.find(in.name);
    if (it == inputs.end()) throw ConvertError("graph input '" + in.name + "' was not given");
    if (!in.shape.empty() && it->second.shape != in.shape)
      throw ConvertError("graph input '" + in.name + "': expected shape " + shape_to_string(in.shape) +
                         ", got " + shape_to_string(it->second.shape));
    if (it->second.size() != num_elements(it->second.shape))
      throw ConvertError("graph input '" + in.name + "': data size does not match its shape");
    values[in.name] = it->second;
    if (observer) observer(in.name, it->second);
    apply_transform(transform, in.name, values[in.name]);
  }
  // Last node index reading each computed tensor, to free it afterwards.
  std::unordered_map<std::string, size_t> last_use;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (const auto& name : g.nodes[i].inputs) last_use[name] = i;

  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    std::vector<const Tensor*> in;
    for (const auto& name : n.inputs) {
      if (name.empty()) {
        in.push_back(nullptr);
        continue;
      }
      auto it = values.find(name);
      if (it != values.end()) {
        in.push_back(&it->second);
        continue;
      }
      auto init = g.initializers.find(name);
      if (init == g.initializers.end()) fail(n, "input '" + name + "' is not defined");
      in.push_back(&init->second);
    }
    std::vector<Tensor> ys = evaluate_node(n, in);
    if (ys.size() < n.outputs.size()) fail(n, "has more outputs than the operator produces");
    if (n.fused_activation == FusedActivation::kRelu)
      ops::clip_inplace(ys[0], 0.0f, std::numeric_limits<float>::infinity());
    else if (n.fused_activation == FusedActivation::kRelu6)
      ops::clip_inplace(ys[0], 0.0f, 6.0f);
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      if (n.outputs[k].empty()) continue;  // optional output not used
      if (observer) observer(n.outputs[k], ys[k]);
      apply_transform(transform, n.outputs[k], ys[k]);
      values[n.outputs[k]] = std::move(ys[k]);
    }
    for (const auto& name : n.inputs) {
      auto lu = last_use.find(name);
      if (lu != last_use.end() && lu->second == i && !g.is_graph_output(name)) values.erase(name);
    }
  }
  std::map<std::string, Tensor> out;
  for (const auto& o : g.outputs) {
    auto it = values.find(o);
    if (it != values.end()) {
      out[o] = it->second;
    } else if (g.is_initializer(o)) {
      out[o] = g.initializers.at(o);
    } else {
      throw ConvertError("graph output '" + o + "' was not computed");
    }
  }
  return out;
}

std::map<std::string, Tensor> run_float(const Graph& graph, const std::map<std::string, Tensor>& inputs,
                                        const TensorObserver& observer) {
  return FloatExecutor(graph).run(inputs, observer);
}

}  // namespace graph
}  // namespace qrt
