#include "graph_harness.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "calib/calibration.h"
#include "emit/serialize.h"
#include "graph/elementwise.h"
#include "graph/float_executor.h"
#include "onnx_builder.h"
#include "test_util.h"

namespace qrt::testing {

using graph::Node;
using graph::Shape;
using graph::Tensor;

GraphBuilder::GraphBuilder() { g.opset = 13; }

GraphBuilder& GraphBuilder::input(const std::string& name, Shape shape) {
  g.inputs.push_back({name, shape});
  g.shapes[name] = shape;
  return *this;
}

GraphBuilder& GraphBuilder::initializer(const std::string& name, Tensor t) {
  g.shapes[name] = t.shape;
  g.initializers[name] = std::move(t);
  return *this;
}

Node& GraphBuilder::node(const std::string& op, std::vector<std::string> inputs, const std::string& out,
                         Shape out_shape) {
  Node n;
  n.name = out + "_node";
  n.op_type = op;
  n.outputs = {out};
  g.shapes[out] = out_shape.empty() ? g.shapes.at(inputs.at(0)) : out_shape;
  n.inputs = std::move(inputs);
  g.nodes.push_back(std::move(n));
  return g.nodes.back();
}

GraphBuilder& GraphBuilder::output(const std::string& name) {
  g.outputs.push_back(name);
  return *this;
}

namespace {

// Flat index of a 4-D NCHW position.
size_t at4(const Shape& s, int64_t n, int64_t c, int64_t h, int64_t w) {
  return size_t(((n * s[1] + c) * s[2] + h) * s[3] + w);
}

// Numpy broadcasting of two tensors of equal rank (dims equal or 1).
Tensor mul_broadcast(const Tensor& a, const Tensor& b, const Shape& out) {
  Tensor y(out);
  const size_t rank = out.size();
  std::vector<int64_t> idx(rank, 0);
  for (int64_t i = 0; i < y.size(); ++i) {
    int64_t r = i, ia = 0, ib = 0;
    for (size_t d = rank; d-- > 0;) {
      idx[d] = r % out[d];
      r /= out[d];
    }
    for (size_t d = 0; d < rank; ++d) {
      ia = ia * a.shape[d] + (a.shape[d] == 1 ? 0 : idx[d]);
      ib = ib * b.shape[d] + (b.shape[d] == 1 ? 0 : idx[d]);
    }
    y.data[size_t(i)] = a.data[size_t(ia)] * b.data[size_t(ib)];
  }
  return y;
}

// One node through the float executor (ops it knows: Conv, pools, ...).
Tensor via_executor(const graph::Graph& g, const Node& n, const std::map<std::string, Tensor>& env) {
  graph::Graph one;
  one.opset = g.opset;
  std::map<std::string, Tensor> in;
  for (const std::string& name : n.inputs) {
    if (name.empty()) continue;
    one.shapes[name] = g.shapes.at(name);
    if (g.is_initializer(name)) {
      one.initializers[name] = g.initializers.at(name);
    } else if (!in.count(name)) {
      one.inputs.push_back({name, g.shapes.at(name)});
      in[name] = env.at(name);
    }
  }
  one.nodes = {n};
  one.outputs = {n.outputs[0]};
  one.shapes[n.outputs[0]] = g.shapes.at(n.outputs[0]);
  return graph::run_float(one, in).at(n.outputs[0]);
}

Tensor eval_node(const graph::Graph& g, const Node& n, const std::map<std::string, Tensor>& env) {
  const std::string& op = n.op_type;
  auto arg = [&](size_t i) -> const Tensor& {
    return g.is_initializer(n.input(i)) ? g.initializers.at(n.input(i)) : env.at(n.input(i));
  };
  const Shape& ys = g.shapes.at(n.outputs[0]);
  if (graph::is_unary_elementwise(op)) {
    Tensor y = arg(0);
    for (float& v : y.data) v = graph::unary_value(n, v);
    return y;
  }
  if (op == "Mul") return mul_broadcast(arg(0), arg(1), ys);
  if (op == "QrtChannelShuffle") {  // NCHW: output channel j * g + i = input channel i * (C / g) + j
    const Tensor& x = arg(0);
    const int64_t g = n.get_int("group"), k = x.shape[1] / g;
    Tensor y(ys);
    for (int64_t b = 0; b < x.shape[0]; ++b)
      for (int64_t i = 0; i < g; ++i)
        for (int64_t j = 0; j < k; ++j)
          for (int64_t h = 0; h < x.shape[2]; ++h)
            for (int64_t w = 0; w < x.shape[3]; ++w)
              y.data[at4(ys, b, j * g + i, h, w)] = x.data[at4(x.shape, b, i * k + j, h, w)];
    return y;
  }
  if (op == "PRelu") {  // one slope per channel (axis 1), or one for all
    Tensor y = arg(0);
    const Tensor& slope = arg(1);
    const int64_t c = y.shape[1], inner = y.size() / (y.shape[0] * c);
    for (int64_t i = 0; i < y.size(); ++i) {
      const float sl = slope.size() == 1 ? slope.data[0] : slope.data[size_t((i / inner) % c)];
      float& v = y.data[size_t(i)];
      if (v < 0) v *= sl;
    }
    return y;
  }
  if (op == "LRN") {  // ONNX: x / (bias + alpha / size * sum of squares over the channel window)^beta
    const Tensor& x = arg(0);
    const int64_t size = n.get_int("size");
    const float alpha = n.get_float("alpha", 1e-4f), beta = n.get_float("beta", 0.75f), bias = n.get_float("bias", 1.0f);
    Tensor y(ys);
    for (int64_t b = 0; b < ys[0]; ++b)
      for (int64_t c = 0; c < ys[1]; ++c)
        for (int64_t h = 0; h < ys[2]; ++h)
          for (int64_t w = 0; w < ys[3]; ++w) {
            double sum = 0;
            for (int64_t k = std::max<int64_t>(0, c - (size - 1) / 2); k <= std::min(ys[1] - 1, c + size / 2); ++k)
              sum += double(x.data[at4(ys, b, k, h, w)]) * x.data[at4(ys, b, k, h, w)];
            y.data[at4(ys, b, c, h, w)] =
                float(x.data[at4(ys, b, c, h, w)] / std::pow(double(bias) + alpha / double(size) * sum, double(beta)));
          }
    return y;
  }
  if (op == "Slice" || op == "Pad") {  // 4-D: y[p] = x[p + begin] / x[p - before] or the pad value
    const Tensor& x = arg(0);
    int64_t off[4] = {0, 0, 0, 0};
    if (op == "Slice") {
      const std::vector<int64_t> st = n.get_ints("starts"), ax = n.get_ints("axes");
      for (size_t i = 0; i < st.size(); ++i) off[ax[i]] = st[i];
    } else {
      const std::vector<int64_t> pads = n.get_ints("pads");
      for (size_t a = 0; a < 4; ++a) off[a] = -pads[a];
    }
    Tensor y(ys);
    for (int64_t b = 0; b < ys[0]; ++b)
      for (int64_t c = 0; c < ys[1]; ++c)
        for (int64_t h = 0; h < ys[2]; ++h)
          for (int64_t w = 0; w < ys[3]; ++w) {
            const int64_t p[4] = {b + off[0], c + off[1], h + off[2], w + off[3]};
            bool in = true;
            for (int a = 0; a < 4; ++a) in = in && p[a] >= 0 && p[a] < x.shape[size_t(a)];
            y.data[at4(ys, b, c, h, w)] = in ? x.data[at4(x.shape, p[0], p[1], p[2], p[3])] : n.get_float("value", 0.0f);
          }
    return y;
  }
  return via_executor(g, n, env);
}

}  // namespace

std::map<std::string, Tensor> reference_eval(const graph::Graph& g, const Feeds& feeds) {
  std::map<std::string, Tensor> env = feeds;
  for (const Node& n : g.nodes) {
    Tensor y = eval_node(g, n, env);
    if (n.fused_activation == graph::FusedActivation::kRelu)
      for (float& v : y.data) v = std::max(v, 0.0f);
    if (n.fused_activation == graph::FusedActivation::kRelu6)
      for (float& v : y.data) v = std::min(std::max(v, 0.0f), 6.0f);
    REQUIRE(y.shape == g.shapes.at(n.outputs[0]));
    env[n.outputs[0]] = std::move(y);
  }
  return env;
}


std::vector<schema::OpType> lowered_ops(const quantize::LoweredModel& m) {
  std::vector<schema::OpType> t;
  for (const quantize::LOperator& op : m.operators) t.push_back(op.type);
  return t;
}

quantize::LoweredModel check_lowered(const graph::Graph& g, float tol, quantize::LowerOptions o, int samples,
                                     float lo, float hi) {
  std::vector<Feeds> feeds(static_cast<size_t>(samples));
  std::vector<std::map<std::string, Tensor>> refs;
  std::map<std::string, calib::Range> ranges;
  for (int s = 0; s < samples; ++s) {
    for (size_t k = 0; k < g.inputs.size(); ++k)
      feeds[size_t(s)][g.inputs[k].name] = random_tensor(g.inputs[k].shape, unsigned(100 * s + k + 1), lo, hi);
    refs.push_back(reference_eval(g, feeds[size_t(s)]));
    for (const auto& [name, t] : refs.back()) {
      auto [it, fresh] = ranges.emplace(name, calib::Range{0.0f, 0.0f});
      (void)fresh;
      for (float v : t.data) {
        it->second.lo = std::min(it->second.lo, v);
        it->second.hi = std::max(it->second.hi, v);
      }
    }
    // Where the float executor runs the graph, it agrees with the local reference.
    std::map<std::string, Tensor> fl;
    bool executor_runs = true;
    try {
      fl = graph::run_float(g, feeds[size_t(s)]);
    } catch (const ConvertError&) {
      executor_runs = false;
    }
    if (executor_runs)
      for (const std::string& out : g.outputs) {
        const Tensor& a = fl.at(out);
        const Tensor& b = refs.back().at(out);
        REQUIRE(a.data.size() == b.data.size());
        for (size_t i = 0; i < a.data.size(); ++i) REQUIRE(std::fabs(a.data[i] - b.data[i]) <= 1e-5f * (1 + std::fabs(b.data[i])));
      }
  }
  quantize::LoweredModel m = quantize::lower_graph(g, ranges, o);
  const std::vector<uint8_t> bytes = emit::serialize_model(m);
  for (int s = 0; s < samples; ++s) {
    std::vector<Tensor> in;
    for (const graph::ValueInfo& v : g.inputs) in.push_back(feeds[size_t(s)].at(v.name));
    const std::vector<float> got = run_qrt_inputs(bytes, in);
    const Tensor& ref = refs[size_t(s)].at(g.outputs[0]);
    REQUIRE(got.size() == ref.data.size());
    float ref_max = 0, diff_max = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      ref_max = std::max(ref_max, std::fabs(ref.data[i]));
      diff_max = std::max(diff_max, std::fabs(ref.data[i] - got[i]));
    }
    INFO("sample " << s << ": max |diff| " << diff_max << " vs max |ref| " << ref_max);
    REQUIRE(ref_max > 0.0f);
    REQUIRE(diff_max <= tol * ref_max);
  }
  return m;
}

}  // namespace qrt::testing
