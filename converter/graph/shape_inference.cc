// infer_shapes(): output shape of every node, with the checks that go with
// it (channel counts, broadcasting, constant shape inputs), naming the node.
#include <algorithm>
#include <cmath>

#include "graph/data_ops.h"
#include "graph/elementwise.h"
#include "graph/op_helpers.h"
#include "graph/passes.h"

namespace qrt {
namespace graph {

namespace {

[[noreturn]] void fail(const Node& n, const std::string& msg) {
  throw ConvertError(n.describe() + ": " + msg);
}

int64_t out_dim(int64_t in, int64_t pads, int64_t k, int64_t s, int64_t d, bool ceil_mode, int64_t pad_before) {
  const int64_t span = in + pads - ((k - 1) * d + 1);
  if (span < 0) return 0;
  int64_t o = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (o - 1) * s >= in + pad_before) --o;  // last window must start inside
  return o;
}

}  // namespace

Window2d resolve_window2d(const Node& n, int64_t ih, int64_t iw, int64_t kh, int64_t kw, bool ceil_mode) {
  Window2d w;
  w.kh = kh;
  w.kw = kw;
  auto strides = n.get_ints("strides", {1, 1});
  auto dil = n.get_ints("dilations", {1, 1});
  if (strides.size() != 2 || dil.size() != 2) fail(n, "strides/dilations must have 2 values (2-D only)");
  // Far past any real model, and small enough that the window arithmetic
  // below cannot overflow.
  constexpr int64_t kMaxWindowValue = int64_t{1} << 20;
  const auto check_range = [&](const char* what, const std::vector<int64_t>& v) {
    for (int64_t x : v)
      if (x > kMaxWindowValue)
        fail(n, std::string(what) + " " + shape_to_string(v) + " out of range: each at most " +
                    std::to_string(kMaxWindowValue));
  };
  if (kh < 1 || kw < 1)
    fail(n, "kernel_shape " + shape_to_string({kh, kw}) + ": each kernel side must be >= 1");
  check_range("strides", strides);
  check_range("dilations", dil);
  if (kh > kMaxWindowValue || kw > kMaxWindowValue) check_range("kernel_shape", {kh, kw});
  w.sh = strides[0], w.sw = strides[1], w.dh = dil[0], w.dw = dil[1];
  if (w.sh < 1 || w.sw < 1 || w.dh < 1 || w.dw < 1) fail(n, "strides and dilations must be >= 1");
  const std::string auto_pad = n.get_string("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    auto pads = n.get_ints("pads", {0, 0, 0, 0});
    if (pads.size() != 4) fail(n, "pads must have 4 values (2-D only)");
    check_range("pads", pads);
    w.pt = pads[0], w.pl = pads[1], w.pb = pads[2], w.pr = pads[3];
    if (w.pt < 0 || w.pl < 0 || w.pb < 0 || w.pr < 0) fail(n, "negative pads are not supported");
  } else if (auto_pad == "VALID") {
    // no padding
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    const bool upper = auto_pad == "SAME_UPPER";
    auto same = [&](int64_t in, int64_t k, int64_t s, int64_t d, int64_t& before, int64_t& after) {
      const int64_t out = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + (k - 1) * d + 1 - in);
      before = upper ? total / 2 : total - total / 2;
      after = total - before;
    };
    same(ih, kh, w.sh, w.dh, w.pt, w.pb);
    same(iw, kw, w.sw, w.dw, w.pl, w.pr);
  } else {
    fail(n, "unknown auto_pad '" + auto_pad + "'");
  }
  w.oh = out_dim(ih, w.pt + w.pb, kh, w.sh, w.dh, ceil_mode, w.pt);
  w.ow = out_dim(iw, w.pl + w.pr, kw, w.sw, w.dw, ceil_mode, w.pl);
  if (w.oh <= 0 || w.ow <= 0) fail(n, "window larger than the padded input");
  return w;
}

namespace {

void write_window(Node& n, const Window2d& w) {
  n.set_string("auto_pad", "NOTSET");
  n.set_ints("kernel_shape", {w.kh, w.kw});
  n.set_ints("strides", {w.sh, w.sw});
  n.set_ints("dilations", {w.dh, w.dw});
  n.set_ints("pads", {w.pt, w.pl, w.pb, w.pr});
}

int64_t norm_axis(const Node& n, int64_t axis, size_t rank, bool allow_rank = false) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis > (allow_rank ? r : r - 1))
    fail(n, "axis " + std::to_string(axis) + " out of range for rank " + std::to_string(r));
  return axis < 0 ? axis + r : axis;
}

}  // namespace

Shape broadcast_shapes(const Node& n, const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()));
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (da != db && da != 1 && db != 1)
      fail(n, "shapes " + shape_to_string(a) + " and " + shape_to_string(b) + " cannot be broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Shape reshape_target(const Node& n, const Shape& in, const Tensor& spec) {
  const bool allowzero = n.get_int("allowzero", 0) != 0;
  Shape out;
  int64_t infer = -1, known = 1;
  for (size_t i = 0; i < spec.data.size(); ++i) {
    // The spec arrives as floats (graph tensors are float): an entry that is
    // not a whole number from -1 to the element limit is refused before the
    // cast to int64, which is undefined for inf, NaN and huge values.
    const float v = spec.data[i];
    if (!(v >= -1.0f && v <= float(kMaxTensorElements)) || v != std::trunc(v))
      fail(n, "shape entry " + std::to_string(v) + " at index " + std::to_string(i) +
                  " is not a dimension (a whole number from -1 to " + std::to_string(kMaxTensorElements) + ")");
    int64_t d = static_cast<int64_t>(v);
    if (d == 0 && !allowzero) {
      if (i >= in.size()) fail(n, "shape entry 0 at index " + std::to_string(i) + " beyond input rank");
      d = in[i];
    }
    if (d == -1) {
      if (infer >= 0) fail(n, "more than one -1 in the target shape");
      infer = static_cast<int64_t>(i);
      out.push_back(1);
      continue;
    }
    if (d < 0) fail(n, "invalid target dimension " + std::to_string(d));
    if (__builtin_mul_overflow(known, d, &known) || known > kMaxTensorElements)
      fail(n, "target shape has more than " + std::to_string(kMaxTensorElements) + " elements (at index " +
                  std::to_string(i) + ")");
    out.push_back(d);
  }
  const int64_t total = num_elements(in);
  if (infer >= 0) {
    if (known == 0 || total % known != 0)
      fail(n, "cannot reshape " + shape_to_string(in) + " with a -1 dimension");
    out[infer] = total / known;
  }
  if (num_elements(out) != total)
    fail(n, "cannot reshape " + shape_to_string(in) + " (" + std::to_string(total) + " elements) to " +
                shape_to_string(out));
  return out;
}

Shape matmul_shape(const Node& n, const Shape& a, const Shape& b) {
  if (a.empty() || b.empty()) fail(n, "MatMul inputs must have rank >= 1");
  Shape a2 = a, b2 = b;
  if (a2.size() == 1) a2.insert(a2.begin(), 1);
  if (b2.size() == 1) b2.push_back(1);
  const int64_t k = a2.back();
  if (b2[b2.size() - 2] != k)
    fail(n, "inner dimensions differ: " + shape_to_string(a) + " x " + shape_to_string(b));
  Shape batch = broadcast_shapes(n, Shape(a2.begin(), a2.end() - 2), Shape(b2.begin(), b2.end() - 2));
  if (a.size() != 1) batch.push_back(a2[a2.size() - 2]);
  if (b.size() != 1) batch.push_back(b2.back());
  return batch;
}

void infer_node_shapes(Graph& g, Node& n) {
  {
    std::vector<Shape> in;
    std::vector<const Tensor*> consts;
    for (const auto& name : n.inputs) {
      auto init = name.empty() ? g.initializers.end() : g.initializers.find(name);
      consts.push_back(init == g.initializers.end() ? nullptr : &init->second);
      if (name.empty()) {
        in.emplace_back();
        continue;
      }
      auto it = g.shapes.find(name);
      if (it == g.shapes.end()) fail(n, "input '" + name + "' has no known shape (undefined tensor?)");
      in.push_back(it->second);
    }
    auto need = [&](size_t lo, size_t hi) {
      if (n.inputs.size() < lo || n.inputs.size() > hi || n.inputs[0].empty())
        fail(n, "expects " + std::to_string(lo) + ".." + std::to_string(hi) + " inputs, has " +
                    std::to_string(n.inputs.size()));
    };
    const std::string& op = n.op_type;
    Shape out;
    if (op == "Conv") {
      need(2, 3);
      const Shape& x = in[0];
      const Shape& w = in[1];
      if (x.size() != 4 || w.size() != 4)
        fail(n, "only 2-D convolution (4-D NCHW input and OIHW weights) is supported, got input " +
                    shape_to_string(x) + " weights " + shape_to_string(w));
      const int64_t group = n.get_int("group", 1);
      if (group < 1 || x[1] % group != 0 || w[0] % group != 0 || w[1] * group != x[1])
        fail(n, "channel mismatch: input " + shape_to_string(x) + ", weights " + shape_to_string(w) +
                    ", group " + std::to_string(group));
      if (n.inputs.size() == 3 && !n.inputs[2].empty() && in[2] != Shape{w[0]})
        fail(n, "bias shape " + shape_to_string(in[2]) + " must be [" + std::to_string(w[0]) + "]");
      auto ks = n.get_ints("kernel_shape", {w[2], w[3]});
      if (ks != Shape{w[2], w[3]}) fail(n, "kernel_shape disagrees with the weight shape");
      Window2d win = resolve_window2d(n, x[2], x[3], w[2], w[3], false);
      write_window(n, win);
      out = {x[0], w[0], win.oh, win.ow};
    } else if (op == "MaxPool" || op == "AveragePool") {
      need(1, 1);
      const Shape& x = in[0];
      if (x.size() != 4) fail(n, "only 2-D pooling (4-D NCHW input) is supported, got " + shape_to_string(x));
      auto ks = n.get_ints("kernel_shape");
      if (ks.size() != 2) fail(n, "kernel_shape must have 2 values");
      if (op == "AveragePool" && n.has_attr("dilations") && n.get_ints("dilations") != Shape{1, 1})
        fail(n, "dilations are not supported for AveragePool");
      if (op == "MaxPool" && n.get_int("storage_order", 0) != 0) fail(n, "storage_order=1 is not supported");
      Window2d win = resolve_window2d(n, x[2], x[3], ks[0], ks[1], n.get_int("ceil_mode", 0) != 0);
      write_window(n, win);
      out = {x[0], x[1], win.oh, win.ow};
    } else if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
      need(1, 1);
      if (in[0].size() < 3) fail(n, "input must have rank >= 3");
      out = in[0];
      for (size_t i = 2; i < out.size(); ++i) out[i] = 1;
    } else if (op == "BatchNormalization") {
      need(5, 5);
      if (in[0].size() < 2) fail(n, "input must have rank >= 2");
      for (int i = 1; i < 5; ++i)
        if (in[i] != Shape{in[0][1]})
          fail(n, "input '" + n.inputs[i] + "' has shape " + shape_to_string(in[i]) + ", expected [" +
                      std::to_string(in[0][1]) + "]");
      out = in[0];
    } else if (op == "Relu" || op == "Identity") {
      need(1, 1);
      out = in[0];
    } else if (op == "Clip") {
      need(1, 3);
      for (size_t i = 1; i < in.size(); ++i)
        if (!n.inputs[i].empty() && num_elements(in[i]) != 1) fail(n, "min/max must be scalars");
      out = in[0];
    } else if (op == "Softmax") {
      need(1, 1);
      const bool legacy = n.get_int("qrt_legacy_2d", 0) != 0;
      const int64_t axis = norm_axis(n, n.get_int("axis", legacy ? 1 : -1), in[0].size());
      n.set_int("axis", axis);
      if (legacy && axis == static_cast<int64_t>(in[0].size()) - 1) n.attributes.erase("qrt_legacy_2d");
      out = in[0];
    } else if (op == "Add") {
      need(2, 2);
      out = broadcast_shapes(n, in[0], in[1]);
    } else if (op == "Flatten") {
      need(1, 1);
      const int64_t axis = norm_axis(n, n.get_int("axis", 1), in[0].size(), true);
      n.set_int("axis", axis);
      int64_t a = 1, b = 1;
      for (size_t i = 0; i < in[0].size(); ++i) (static_cast<int64_t>(i) < axis ? a : b) *= in[0][i];
      out = {a, b};
    } else if (op == "Reshape") {
      if (n.input(1).empty() && n.has_attr("shape")) {  // opset < 5
        need(1, 1);
        std::vector<float> spec;
        for (int64_t d : n.get_ints("shape")) spec.push_back(float(d));
        out = reshape_target(n, in[0], Tensor({int64_t(spec.size())}, spec));
      } else {
        need(2, 2);
        out = reshape_target(n, in[0], g.initializer(n.inputs[1], n));
      }
    } else if (op == "Gemm") {
      need(2, 3);
      if (in[0].size() != 2 || in[1].size() != 2) fail(n, "A and B must be 2-D");
      const bool ta = n.get_int("transA", 0), tb = n.get_int("transB", 0);
      const int64_t m = ta ? in[0][1] : in[0][0], k = ta ? in[0][0] : in[0][1];
      const int64_t kb = tb ? in[1][1] : in[1][0], nn = tb ? in[1][0] : in[1][1];
      if (k != kb) fail(n, "inner dimensions differ: A " + shape_to_string(in[0]) + ", B " + shape_to_string(in[1]));
      out = {m, nn};
      if (in.size() == 3 && !n.inputs[2].empty() && broadcast_shapes(n, in[2], out) != out)
        fail(n, "C " + shape_to_string(in[2]) + " does not broadcast to " + shape_to_string(out));
    } else if (op == "MatMul") {
      need(2, 2);
      out = matmul_shape(n, in[0], in[1]);
    } else if (op == "Concat") {
      if (n.inputs.empty()) fail(n, "needs at least one input");
      const int64_t axis = norm_axis(n, n.get_int("axis"), in[0].size());
      n.set_int("axis", axis);
      out = in[0];
      for (size_t i = 1; i < in.size(); ++i) {
        if (in[i].size() != out.size()) fail(n, "inputs have different ranks");
        for (size_t d = 0; d < out.size(); ++d)
          if (static_cast<int64_t>(d) != axis && in[i][d] != out[d])
            fail(n, "input '" + n.inputs[i] + "' shape " + shape_to_string(in[i]) + " does not match " +
                        shape_to_string(in[0]) + " outside axis " + std::to_string(axis));
        out[axis] += in[i][axis];
      }
    } else if (is_data_op(op) || is_unary_elementwise(op)) {
      const std::vector<Shape> outs = is_data_op(op) ? data_op_shapes(n, in, consts) : std::vector<Shape>{in.at(0)};
      if (outs.size() < n.outputs.size()) fail(n, "has more outputs than the operator produces");
      for (size_t k = 0; k < n.outputs.size(); ++k)
        if (!n.outputs[k].empty()) g.shapes[n.outputs[k]] = outs[k];
      return;
    } else {
      fail(n, "no shape inference for this operator");
    }
    if (n.outputs.size() != 1) fail(n, "expects exactly 1 output");
    g.shapes[n.outputs[0]] = out;
  }
}

void infer_shapes(Graph& g) {
  for (const auto& in : g.inputs) g.shapes[in.name] = in.shape;
  for (const auto& kv : g.initializers) g.shapes[kv.first] = kv.second.shape;
  for (Node& n : g.nodes) {
    infer_node_shapes(g, n);
    for (const std::string& o : n.outputs) {
      const auto it = g.shapes.find(o);
      int64_t count = 0;
      if (it != g.shapes.end() &&
          std::none_of(it->second.begin(), it->second.end(), [](int64_t d) { return d < 0; }) &&
          !num_elements_within(it->second, kMaxTensorElements, &count))
        fail(n, "output '" + o + "' would have shape " + shape_to_string(it->second) + ", more than the " +
                    std::to_string(kMaxTensorElements) +
                    " elements a tensor may have (check the node's pads, strides, kernel_shape or shape inputs)");
    }
  }
  for (const auto& o : g.outputs)
    if (!g.shapes.count(o)) throw ConvertError("graph output '" + o + "' has no shape");
}

}  // namespace graph
}  // namespace qrt
