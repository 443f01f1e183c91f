// Shape inference + float execution of the ops of data_ops.h. Every op
// resolves its parameters once (resolve_*), from which both the output
// shape and the kernel call follow.
#include "graph/data_ops.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "graph/op_helpers.h"
#include "graph/tensor_ops.h"

namespace qrt {
namespace graph {

namespace {

[[noreturn]] void fail(const Node& n, const std::string& msg) { throw ConvertError(n.describe() + ": " + msg); }

// A value from a tensor for a message: a whole number as one ("7"), else
// as %g ("2.5", "inf", "nan", "1e+30"), never through an int64 cast.
std::string format_float(float v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15f) return std::to_string(int64_t(v));
  char text[32];
  std::snprintf(text, sizeof text, "%g", double(v));
  return text;
}

const std::set<std::string>& binary_ops() {
  static const std::set<std::string> s = {"Sub",   "Mul",          "Div",            "Pow", "Equal", "Less",
                                          "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or",    "PRelu"};
  return s;
}
const std::set<std::string>& variadic_ops() {
  static const std::set<std::string> s = {"Min", "Max", "Sum", "Mean"};
  return s;
}
const std::set<std::string>& unary_ops() {
  static const std::set<std::string> s = {"Sqrt", "Floor", "Ceil", "Neg", "Abs", "Exp", "Log", "Reciprocal", "Not"};
  return s;
}
const std::set<std::string>& reduce_ops() {
  static const std::set<std::string> s = {"ReduceMean", "ReduceSum", "ReduceProd", "ReduceMax", "ReduceMin",
                                          "ReduceSumSquare"};
  return s;
}

int64_t norm_axis(const Node& n, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    fail(n, "axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

// Input i's constant value, or nullptr when the input is absent; throws
// when it is present but computed at run time.
const Tensor* const_input(const Node& n, const std::vector<const Tensor*>& c, size_t i, const char* what) {
  if (n.input(i).empty()) return nullptr;
  if (i >= c.size() || c[i] == nullptr)
    fail(n, std::string("input '") + n.input(i) + "' (" + what +
                ") must be a constant (initializer or foldable subgraph), but it is computed at run time");
  return c[i];
}

// An integer parameter from input i (newer opsets) or attribute `attr`
// (older opsets); false if neither is given.
bool int_operand(const Node& n, const std::vector<const Tensor*>& c, size_t i, const char* attr,
                 std::vector<int64_t>* out) {
  if (const Tensor* t = const_input(n, c, i, attr)) {
    *out = int_values(n, *t, attr);
    return true;
  }
  if (n.has_attr(attr)) {
    *out = n.get_ints(attr);
    return true;
  }
  return false;
}

std::vector<int64_t> norm_axes(const Node& n, std::vector<int64_t> axes, int64_t rank) {
  for (int64_t& a : axes) a = norm_axis(n, a, rank);
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) fail(n, "repeated axis");
  return axes;
}

}  // namespace

SliceSpec resolve_slice(const Node& n, const Shape& x, const std::vector<const Tensor*>& c) {
  std::vector<double> starts, ends;
  std::vector<int64_t> axes, steps;
  auto doubles = [&](size_t i, const char* name, std::vector<double>& v) {
    if (const Tensor* t = const_input(n, c, i, name)) {
      for (float f : t->data) {
        if (std::isnan(f) || (std::isfinite(f) && f != std::floor(f))) fail(n, std::string(name) + " must be integers");
        v.push_back(f);
      }
    } else if (n.has_attr(name)) {
      for (int64_t s : n.get_ints(name)) v.push_back(double(s));
    } else {
      fail(n, std::string("missing ") + name);
    }
  };
  doubles(1, "starts", starts);
  doubles(2, "ends", ends);
  if (starts.size() != ends.size()) fail(n, "starts and ends differ in length");
  const int64_t r = static_cast<int64_t>(x.size());
  if (!int_operand(n, c, 3, "axes", &axes))
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(int64_t(i));
  if (!int_operand(n, c, 4, "steps", &steps)) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size()) fail(n, "starts/ends/axes/steps differ in length");
  SliceSpec s;
  s.start.assign(r, 0);
  s.step.assign(r, 1);
  s.count = x;
  std::set<int64_t> seen;
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t a = norm_axis(n, axes[i], r);
    if (!seen.insert(a).second) fail(n, "repeated axis " + std::to_string(a));
    const int64_t step = steps[i];
    if (step == 0) fail(n, "step 0");
    const double dim = double(x[a]);
    double b = starts[i] < 0 ? starts[i] + dim : starts[i];
    double e = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (step > 0) {
      b = std::clamp(b, 0.0, dim);
      e = std::clamp(e, 0.0, dim);
    } else {
      b = std::clamp(b, 0.0, dim - 1);
      e = std::clamp(e, -1.0, dim - 1);
    }
    const double cnt = step > 0 ? std::ceil((e - b) / double(step)) : std::ceil((b - e) / double(-step));
    s.start[a] = static_cast<int64_t>(b);
    s.step[a] = step;
    s.count[a] = std::max<int64_t>(0, static_cast<int64_t>(cnt));
  }
  return s;
}

namespace {

// Split sizes along the axis.
std::vector<int64_t> resolve_split(const Node& n, const Shape& x, const std::vector<const Tensor*>& c, int64_t axis) {
  std::vector<int64_t> split;
  const int64_t dim = x[axis];
  if (!int_operand(n, c, 1, "split", &split)) {
    const int64_t parts = n.has_attr("num_outputs") ? n.get_int("num_outputs") : int64_t(n.outputs.size());
    if (parts < 1) fail(n, "no outputs");
    const int64_t each = (dim + parts - 1) / parts;
    if (!n.has_attr("num_outputs") && dim % parts != 0)
      fail(n, "dimension " + std::to_string(dim) + " does not split evenly into " + std::to_string(parts));
    for (int64_t p = 0, left = dim; p < parts; ++p, left -= each) split.push_back(std::min(each, left));
  }
  int64_t sum = 0;
  for (int64_t v : split) {
    if (v < 0) fail(n, "negative split size");
    sum += v;
  }
  if (sum != dim) fail(n, "split sizes sum to " + std::to_string(sum) + ", dimension is " + std::to_string(dim));
  if (split.size() != n.outputs.size()) fail(n, "split has " + std::to_string(split.size()) + " parts for " +
                                                    std::to_string(n.outputs.size()) + " outputs");
  return split;
}

std::vector<int64_t> resolve_perm(const Node& n, size_t rank) {
  std::vector<int64_t> perm = n.get_ints("perm", {});
  if (perm.empty())
    for (size_t i = rank; i-- > 0;) perm.push_back(int64_t(i));
  if (perm.size() != rank) fail(n, "perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(rank));
  std::vector<int64_t> sorted = norm_axes(n, perm, int64_t(rank));
  for (size_t i = 0; i < rank; ++i)
    if (sorted[i] != int64_t(i)) fail(n, "perm is not a permutation");
  for (int64_t& p : perm) p = norm_axis(n, p, int64_t(rank));
  return perm;
}

// Reduce axes (sorted, non-negative), or all axes.
std::vector<int64_t> resolve_reduce_axes(const Node& n, const Shape& x, const std::vector<const Tensor*>& c,
                                         bool* noop) {
  std::vector<int64_t> axes;
  int_operand(n, c, 1, "axes", &axes);
  *noop = axes.empty() && n.get_int("noop_with_empty_axes", 0) != 0;
  if (axes.empty())
    for (size_t i = 0; i < x.size(); ++i) axes.push_back(int64_t(i));
  return norm_axes(n, axes, int64_t(x.size()));
}

}  // namespace

PadSpec resolve_pad(const Node& n, const Shape& x, const std::vector<const Tensor*>& c) {
  PadSpec p;
  p.mode = n.get_string("mode", "constant");
  std::vector<int64_t> pads;
  if (!int_operand(n, c, 1, "pads", &pads) && !(n.has_attr("paddings") && (pads = n.get_ints("paddings"), true)))
    fail(n, "missing pads");
  const int64_t r = int64_t(x.size());
  std::vector<int64_t> axes;
  if (int_operand(n, c, 3, "axes", &axes)) {
    if (pads.size() != 2 * axes.size()) fail(n, "pads must have 2 values per axis");
    p.pads.assign(2 * r, 0);
    for (size_t i = 0; i < axes.size(); ++i) {
      const int64_t a = norm_axis(n, axes[i], r);
      p.pads[a] = pads[i];
      p.pads[a + r] = pads[i + axes.size()];
    }
  } else {
    p.pads = pads;
  }
  if (int64_t(p.pads.size()) != 2 * r)
    fail(n, "pads has " + std::to_string(p.pads.size()) + " values, the input has rank " + std::to_string(r));
  for (int64_t v : p.pads)
    if (v < 0) fail(n, "negative pads (cropping) are not supported");
  if (const Tensor* v = const_input(n, c, 2, "constant_value")) {
    if (v->size() != 1) fail(n, "constant_value must be a scalar");
    p.value = v->data[0];
  } else {
    p.value = n.get_float("value", 0.0f);
  }
  if (p.mode != "constant") fail(n, "mode '" + p.mode + "' is not supported (constant padding only)");
  return p;
}

namespace {

}  // namespace

Tensor constant_value(const Node& n) {
  Tensor t;
  if (n.has_attr("value")) {
    t = n.get_tensor("value");
  } else if (n.has_attr("value_float")) {
    t = Tensor({}, {n.get_float("value_float")});
  } else if (n.has_attr("value_floats")) {
    auto v = n.get_floats("value_floats");
    t = Tensor({static_cast<int64_t>(v.size())}, v);
  } else if (n.has_attr("value_int") || n.has_attr("value_ints")) {
    const bool one = n.has_attr("value_int");
    std::vector<int64_t> iv = one ? std::vector<int64_t>{n.get_int("value_int")} : n.get_ints("value_ints");
    std::vector<float> v;
    for (int64_t x : iv) v.push_back(x >= INT32_MAX ? INFINITY : x <= INT32_MIN ? -INFINITY : static_cast<float>(x));
    t = one ? Tensor({}, v) : Tensor({static_cast<int64_t>(v.size())}, v);
    t.is_integer = true;
  } else {
    fail(n, "only value, value_float(s) and value_int(s) constants are supported");
  }
  return t;
}

namespace {

bool float_only(const std::string& op) {
  return op == "Sqrt" || op == "Exp" || op == "Log" || op == "Reciprocal" || op == "ReduceMean" || op == "LRN" ||
         op == "Mean";
}

}  // namespace

std::vector<int64_t> int_values(const Node& n, const Tensor& t, const std::string& what) {
  std::vector<int64_t> v;
  for (float f : t.data) {
    if (!std::isfinite(f) || f != std::floor(f))
      fail(n, what + " must hold finite integers, got " + std::to_string(f));
    v.push_back(static_cast<int64_t>(f));
  }
  return v;
}

bool is_data_op(const std::string& op) {
  static const std::set<std::string> s = {"Constant", "Shape", "Size", "Gather", "Unsqueeze", "Squeeze", "Cast", "Range",
                                          "ConstantOfShape", "Slice", "Split", "Transpose", "Expand", "Tile",
                                          "Where", "Pad", "LRN", "QrtChannelShuffle", "Dropout"};
  return s.count(op) || binary_ops().count(op) || variadic_ops().count(op) || unary_ops().count(op) ||
         reduce_ops().count(op);
}

bool integer_result(const Node& n, const std::vector<const Tensor*>& in) {
  const std::string& op = n.op_type;
  if (op == "Constant") return constant_value(n).is_integer;
  if (op == "Shape" || op == "Size" || op == "Equal" || op == "Less" || op == "Greater" || op == "LessOrEqual" ||
      op == "GreaterOrEqual" || op == "And" || op == "Or" || op == "Not")
    return true;
  if (op == "Cast") {
    const int64_t to = n.get_int("to");
    return to != 1 && to != 10 && to != 11 && to != 16;  // FLOAT, FLOAT16, DOUBLE, BFLOAT16
  }
  if (op == "ConstantOfShape") return n.has_attr("value") && n.get_tensor("value").is_integer;
  if (op == "Where") return in.size() > 1 && in[1] && in[1]->is_integer;
  if (float_only(op)) return false;
  bool all = !in.empty();
  for (const Tensor* t : in) all = all && (t == nullptr || t->is_integer);
  // Data movement carries input 0's type; arithmetic needs every operand integer.
  if (op == "Gather" || op == "Unsqueeze" || op == "Squeeze" || op == "Reshape" || op == "Slice" || op == "Split" ||
      op == "Transpose" || op == "Expand" || op == "Tile" || op == "Flatten" || op == "Identity" || op == "Pad" ||
      op == "Concat" || op == "Dropout" || reduce_ops().count(op))
    return in.size() > 0 && in[0] && in[0]->is_integer;
  return all;
}

std::vector<Shape> data_op_shapes(const Node& n, const std::vector<Shape>& in, const std::vector<const Tensor*>& c) {
  const std::string& op = n.op_type;
  auto need = [&](size_t lo, size_t hi) {
    if (n.inputs.size() < lo || n.inputs.size() > hi || n.inputs[0].empty())
      fail(n, "expects " + std::to_string(lo) + ".." + std::to_string(hi) + " inputs, has " +
                  std::to_string(n.inputs.size()));
  };
  const Shape& x = in.empty() ? Shape() : in[0];
  const int64_t r = int64_t(x.size());
  if (op == "Shape") {
    need(1, 1);
    int64_t start = n.get_int("start", 0), end = n.get_int("end", r);
    start = std::clamp(start < 0 ? start + r : start, int64_t{0}, r);
    end = std::clamp(end < 0 ? end + r : end, int64_t{0}, r);
    return {{std::max<int64_t>(0, end - start)}};
  }
  if (op == "Size") return {{}};
  if (op == "Constant") return {constant_value(n).shape};
  if (op == "Gather") {
    need(2, 2);
    const int64_t axis = norm_axis(n, n.get_int("axis", 0), r);
    Shape s(x.begin(), x.begin() + axis);
    s.insert(s.end(), in[1].begin(), in[1].end());
    s.insert(s.end(), x.begin() + axis + 1, x.end());
    return {s};
  }
  if (op == "Unsqueeze") {
    need(1, 2);
    std::vector<int64_t> axes;
    if (!int_operand(n, c, 1, "axes", &axes)) fail(n, "missing axes");
    const int64_t ro = r + int64_t(axes.size());
    axes = norm_axes(n, axes, ro);
    Shape s;
    for (int64_t d = 0, k = 0; d < ro; ++d)
      s.push_back(std::binary_search(axes.begin(), axes.end(), d) ? 1 : x[k++]);
    return {s};
  }
  if (op == "Squeeze") {
    need(1, 2);
    std::vector<int64_t> axes;
    const bool given = int_operand(n, c, 1, "axes", &axes);
    axes = norm_axes(n, axes, r);
    Shape s;
    for (int64_t d = 0; d < r; ++d) {
      const bool listed = std::binary_search(axes.begin(), axes.end(), d);
      if (listed && x[d] != 1) fail(n, "cannot squeeze axis " + std::to_string(d) + " of size " + std::to_string(x[d]));
      if (!(listed || (!given && x[d] == 1))) s.push_back(x[d]);
    }
    return {s};
  }
  if (op == "Cast" || op == "Dropout" || unary_ops().count(op)) {
    need(1, 3);
    return std::vector<Shape>(std::max<size_t>(1, n.outputs.size()), x);
  }
  if (op == "Range") {
    need(3, 3);
    const Tensor *s = const_input(n, c, 0, "start"), *l = const_input(n, c, 1, "limit"), *d = const_input(n, c, 2, "delta");
    if (s->size() != 1 || l->size() != 1 || d->size() != 1) fail(n, "start, limit and delta must be scalars");
    if (d->data[0] == 0.0f) fail(n, "delta 0");
    const double cnt = std::ceil((double(l->data[0]) - s->data[0]) / d->data[0]);
    if (!(cnt < double(1 << 24))) fail(n, "range too long");
    // -inf or a huge negative count is an empty range, clamped before the
    // cast (a double -> int64 cast out of range is undefined).
    return {{cnt > 0 ? static_cast<int64_t>(cnt) : 0}};
  }
  if (op == "ConstantOfShape") {
    need(1, 1);
    const Tensor* s = const_input(n, c, 0, "shape");
    return {int_values(n, *s, "shape")};
  }
  if (op == "Slice") {
    need(1, 5);
    return {resolve_slice(n, x, c).count};
  }
  if (op == "Split") {
    need(1, 2);
    const int64_t axis = norm_axis(n, n.get_int("axis", 0), r);
    std::vector<Shape> outs;
    for (int64_t len : resolve_split(n, x, c, axis)) {
      outs.push_back(x);
      outs.back()[axis] = len;
    }
    return outs;
  }
  if (op == "Transpose") {
    need(1, 1);
    const auto perm = resolve_perm(n, x.size());
    Shape s;
    for (int64_t p : perm) s.push_back(x[p]);
    return {s};
  }
  if (op == "Expand") {
    need(2, 2);
    return {broadcast_shapes(n, x, int_values(n, *const_input(n, c, 1, "shape"), "shape"))};
  }
  if (op == "Tile") {
    need(2, 2);
    const auto reps = int_values(n, *const_input(n, c, 1, "repeats"), "repeats");
    if (int64_t(reps.size()) != r) fail(n, "repeats must have one value per input dimension");
    Shape s = x;
    for (int64_t d = 0; d < r; ++d) s[d] *= reps[d];
    return {s};
  }
  if (binary_ops().count(op)) {
    need(2, 2);
    const Shape s = broadcast_shapes(n, x, in[1]);
    if (op == "PRelu" && s != x) fail(n, "slope " + shape_to_string(in[1]) + " does not broadcast to " + shape_to_string(x));
    return {s};
  }
  if (variadic_ops().count(op)) {
    need(1, 1 << 20);
    Shape s = x;
    for (size_t i = 1; i < in.size(); ++i) s = broadcast_shapes(n, s, in[i]);
    return {s};
  }
  if (op == "Where") {
    need(3, 3);
    return {broadcast_shapes(n, broadcast_shapes(n, x, in[1]), in[2])};
  }
  if (reduce_ops().count(op)) {
    need(1, 2);
    bool noop = false;
    const auto axes = resolve_reduce_axes(n, x, c, &noop);
    if (noop) return {x};
    const bool keep = n.get_int("keepdims", 1) != 0;
    Shape s;
    for (int64_t d = 0; d < r; ++d) {
      if (!std::binary_search(axes.begin(), axes.end(), d)) s.push_back(x[d]);
      else if (keep) s.push_back(1);
    }
    return {s};
  }
  if (op == "Pad") {
    need(1, 4);
    const PadSpec p = resolve_pad(n, x, c);
    Shape s = x;
    for (int64_t d = 0; d < r; ++d) s[d] += p.pads[d] + p.pads[d + r];
    return {s};
  }
  if (op == "LRN") {
    need(1, 1);
    if (r < 3) fail(n, "input must have rank >= 3 (N, C, ...)");
    if (n.get_int("size") < 1) fail(n, "size must be >= 1");
    return {x};
  }
  if (op == "QrtChannelShuffle") {
    need(1, 1);
    const int64_t g = n.get_int("group");
    if (r < 2 || g < 1 || x[1] % g != 0) fail(n, "channels " + shape_to_string(x) + " do not split into " + std::to_string(g) + " groups");
    return {x};
  }
  fail(n, "not a data op");
}

std::vector<Tensor> data_op_run(const Node& n, const std::vector<const Tensor*>& in) {
  const std::string& op = n.op_type;
  std::vector<Shape> shapes;
  for (const Tensor* t : in) shapes.push_back(t ? t->shape : Shape());
  const std::vector<Shape> outs = data_op_shapes(n, shapes, in);
  for (size_t i = 0; i < outs.size(); ++i) {  // before anything is allocated (ConstantOfShape, Tile, Expand)
    int64_t count = 0;
    if (!num_elements_within(outs[i], kMaxTensorElements, &count))
      fail(n, "output " + std::to_string(i) + " would have shape " + shape_to_string(outs[i]) + ", more than the " +
                  std::to_string(kMaxTensorElements) + " elements a tensor may have");
  }
  if (op == "Constant") return {constant_value(n)};
  const Tensor& x = *in.at(0);
  const int64_t r = int64_t(x.shape.size());
  auto same = [&](float (*f)(float)) {
    Tensor y(x.shape);
    for (int64_t i = 0; i < y.size(); ++i) y.data[i] = f(x.data[i]);
    return y;
  };
  if (op == "Shape") {
    const int64_t start = std::clamp(n.get_int("start", 0) < 0 ? n.get_int("start", 0) + r : n.get_int("start", 0),
                                     int64_t{0}, r);
    Tensor y(outs[0]);
    for (int64_t i = 0; i < y.size(); ++i) y.data[i] = float(x.shape[start + i]);
    return {y};
  }
  if (op == "Size") return {Tensor({}, {float(x.size())})};
  if (op == "Gather") {
    const int64_t axis = norm_axis(n, n.get_int("axis", 0), r);
    Tensor idx = *in[1];
    for (float& v : idx.data) {
      const float given = v;  // printed as a float: inf, NaN and 1e30 have no int64
      if (v < 0) v += float(x.shape[axis]);
      if (!(v >= 0 && v < float(x.shape[axis])) || v != std::floor(v))
        fail(n, "index " + format_float(given) + " out of range for axis " + std::to_string(axis) + " of size " +
                    std::to_string(x.shape[axis]) + " (input " + shape_to_string(x.shape) + ")");
    }
    return {ops::gather(x, idx, axis)};
  }
  if (op == "Unsqueeze" || op == "Squeeze" || op == "Dropout") {
    std::vector<Tensor> ys{Tensor(outs[0], x.data)};
    if (op == "Dropout" && n.outputs.size() > 1) ys.push_back(Tensor(x.shape, std::vector<float>(x.size(), 1.0f)));
    return ys;
  }
  if (op == "Cast") {
    const int64_t to = n.get_int("to");
    Tensor y = x;
    if (to == 9) for (float& v : y.data) v = v != 0.0f ? 1.0f : 0.0f;
    else if (integer_result(n, in)) for (float& v : y.data) v = std::trunc(v);
    return {y};
  }
  if (op == "Range") {
    Tensor y(outs[0]);
    for (int64_t i = 0; i < y.size(); ++i) y.data[i] = in[0]->data[0] + float(i) * in[2]->data[0];
    return {y};
  }
  if (op == "ConstantOfShape") {
    const float v = n.has_attr("value") ? n.get_tensor("value").data.at(0) : 0.0f;
    return {Tensor(outs[0], std::vector<float>(num_elements(outs[0]), v))};
  }
  if (op == "Slice") {
    const SliceSpec s = resolve_slice(n, x.shape, in);
    return {ops::strided_slice(x, s.start, s.step, s.count)};
  }
  if (op == "Split") {
    const int64_t axis = norm_axis(n, n.get_int("axis", 0), r);
    std::vector<Tensor> ys;
    std::vector<int64_t> start(r, 0), step(r, 1);
    for (const Shape& s : outs) {
      ys.push_back(ops::strided_slice(x, start, step, s));
      start[axis] += s[axis];
    }
    return ys;
  }
  if (op == "Transpose") return {ops::transpose(x, resolve_perm(n, x.shape.size()))};
  if (op == "Expand") return {ops::broadcast_to(x, outs[0])};
  if (op == "Tile") {
    Tensor y(outs[0]);
    const auto reps = int_values(n, *in[1], "repeats");
    std::vector<int64_t> idx(r, 0);
    for (int64_t i = 0; i < y.size(); ++i) {
      int64_t src = 0;
      for (int64_t d = 0, rem = i, stride = y.size(); d < r; ++d) {
        stride /= outs[0][d];
        idx[d] = rem / stride;
        rem %= stride;
        src = src * x.shape[d] + idx[d] % x.shape[d];
      }
      y.data[i] = x.data[src];
    }
    return {y};
  }
  if (binary_ops().count(op)) {
    static const std::map<std::string, ops::Binary> k = {
        {"Sub", ops::Binary::kSub},     {"Mul", ops::Binary::kMul},     {"Div", ops::Binary::kDiv},
        {"Pow", ops::Binary::kPow},     {"Equal", ops::Binary::kEqual}, {"Less", ops::Binary::kLess},
        {"Greater", ops::Binary::kGreater}, {"LessOrEqual", ops::Binary::kLessEqual},
        {"GreaterOrEqual", ops::Binary::kGreaterEqual}, {"And", ops::Binary::kAnd}, {"Or", ops::Binary::kOr},
        {"PRelu", ops::Binary::kPRelu}};
    return {ops::binary(x, *in[1], outs[0], k.at(op), x.is_integer && in[1]->is_integer)};
  }
  if (variadic_ops().count(op)) {
    const ops::Binary b = op == "Min" ? ops::Binary::kMin : op == "Max" ? ops::Binary::kMax : ops::Binary::kAdd;
    Tensor acc = x;
    for (size_t i = 1; i < in.size(); ++i)
      acc = ops::binary(acc, *in[i], broadcast_shapes(n, acc.shape, in[i]->shape), b, false);
    if (acc.shape != outs[0]) acc = ops::broadcast_to(acc, outs[0]);
    if (op == "Mean")
      for (float& v : acc.data) v /= float(in.size());
    return {acc};
  }
  if (op == "Where") {
    const Tensor c = ops::broadcast_to(x, outs[0]), a = ops::broadcast_to(*in[1], outs[0]),
                 b = ops::broadcast_to(*in[2], outs[0]);
    Tensor y(outs[0]);
    for (int64_t i = 0; i < y.size(); ++i) y.data[i] = c.data[i] != 0.0f ? a.data[i] : b.data[i];
    return {y};
  }
  if (unary_ops().count(op)) {
    if (op == "Sqrt") return {same([](float v) { return std::sqrt(v); })};
    if (op == "Floor") return {same([](float v) { return std::floor(v); })};
    if (op == "Ceil") return {same([](float v) { return std::ceil(v); })};
    if (op == "Neg") return {same([](float v) { return -v; })};
    if (op == "Abs") return {same([](float v) { return std::fabs(v); })};
    if (op == "Exp") return {same([](float v) { return std::exp(v); })};
    if (op == "Log") return {same([](float v) { return std::log(v); })};
    if (op == "Reciprocal") return {same([](float v) { return 1.0f / v; })};
    return {same([](float v) { return v != 0.0f ? 0.0f : 1.0f; })};  // Not
  }
  if (reduce_ops().count(op)) {
    bool noop = false;
    const auto axes = resolve_reduce_axes(n, x.shape, in, &noop);
    if (noop) return {x};
    static const std::map<std::string, ops::Reduce> k = {{"ReduceMean", ops::Reduce::kMean},
                                                        {"ReduceSum", ops::Reduce::kSum},
                                                        {"ReduceProd", ops::Reduce::kProd},
                                                        {"ReduceMax", ops::Reduce::kMax},
                                                        {"ReduceMin", ops::Reduce::kMin},
                                                        {"ReduceSumSquare", ops::Reduce::kSumSquare}};
    return {ops::reduce(x, axes, n.get_int("keepdims", 1) != 0, k.at(op))};
  }
  if (op == "Pad") {
    const PadSpec p = resolve_pad(n, x.shape, in);
    return {ops::pad_constant(x, p.pads, p.value)};
  }
  if (op == "LRN")
    return {ops::lrn(x, n.get_int("size"), n.get_float("alpha", 1e-4f), n.get_float("beta", 0.75f),
                     n.get_float("bias", 1.0f))};
  if (op == "QrtChannelShuffle") return {ops::channel_shuffle(x, n.get_int("group"))};
  fail(n, "not a data op");
}

}  // namespace graph
}  // namespace qrt
