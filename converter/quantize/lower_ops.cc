// Per-op lowering: one function per ONNX op lowering accepts.
#include <algorithm>

#include "quantize/lower_internal.h"

namespace qrt::quantize {
namespace {

using graph::Shape;

// Element order of an NCHW tensor equals its NHWC order (rank != 4, one
// channel, or 1x1 spatial).
bool layout_neutral(const Shape& s) { return s.size() != 4 || s[1] == 1 || s[2] * s[3] == 1; }

struct Window {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;
};

// Reads strides/dilations/pads/auto_pad of a Conv or pool node.
Window read_window(const graph::Node& n, int64_t kh, int64_t kw, const Shape& in) {
  Window w;
  w.kh = kh;
  w.kw = kw;
  const std::vector<int64_t> strides = n.get_ints("strides", {1, 1});
  const std::vector<int64_t> dil = n.get_ints("dilations", {1, 1});
  const std::vector<int64_t> pads = n.get_ints("pads", {0, 0, 0, 0});
  if (strides.size() != 2 || dil.size() != 2 || pads.size() != 4)
    throw ConvertError(n.describe() + ": only 2-D windows are supported (strides/dilations/pads)");
  w.sh = strides[0];
  w.sw = strides[1];
  w.dh = dil[0];
  w.dw = dil[1];
  w.pt = pads[0];
  w.pl = pads[1];
  w.pb = pads[2];
  w.pr = pads[3];
  const std::string auto_pad = n.get_string("auto_pad", "NOTSET");
  if (auto_pad == "VALID") {
    w.pt = w.pl = w.pb = w.pr = 0;
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    auto same = [&](int64_t size, int64_t k, int64_t s, int64_t d, int64_t* begin, int64_t* end) {
      const int64_t out = (size + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + (k - 1) * d + 1 - size);
      *begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      *end = total - *begin;
    };
    same(in[2], kh, w.sh, w.dh, &w.pt, &w.pb);
    same(in[3], kw, w.sw, w.dw, &w.pl, &w.pr);
  } else if (auto_pad != "NOTSET") {
    throw ConvertError(n.describe() + ": auto_pad '" + auto_pad + "' is not supported");
  }
  // What the runtime refuses (and shape inference cannot mean).
  if (w.kh < 1 || w.kw < 1 || w.sh < 1 || w.sw < 1 || w.dh < 1 || w.dw < 1 || w.pt < 0 || w.pl < 0 ||
      w.pb < 0 || w.pr < 0)
    throw ConvertError(n.describe() + ": kernel " + std::to_string(w.kh) + "x" + std::to_string(w.kw) +
                       ", strides " + std::to_string(w.sh) + "x" + std::to_string(w.sw) + ", dilations " +
                       std::to_string(w.dh) + "x" + std::to_string(w.dw) +
                       ": kernel sizes, strides and dilations must be >= 1 and pads >= 0");
  return w;
}

int64_t window_out(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1) {
  return (in + p0 + p1 - ((k - 1) * d + 1)) / s + 1;
}

void set_window(LOptions* o, const Window& w) {
  o->kernel_h = int(w.kh);
  o->kernel_w = int(w.kw);
  o->stride_h = int(w.sh);
  o->stride_w = int(w.sw);
  o->dilation_h = int(w.dh);
  o->dilation_w = int(w.dw);
  o->pad_top = int(w.pt);
  o->pad_left = int(w.pl);
  o->pad_bottom = int(w.pb);
  o->pad_right = int(w.pr);
}

}  // namespace

void Lowerer::lower_conv(const graph::Node& n) {
  const Shape& xs = g_.shape(n.input(0));
  const graph::Tensor& W = g_.initializer(n.input(1), n);
  if (xs.size() != 4 || W.shape.size() != 4)
    throw ConvertError(n.describe() + ": only 2-D convolutions (4-D input and weights) are supported");
  const int64_t o = W.shape[0], ipg = W.shape[1], kh = W.shape[2], kw = W.shape[3];
  const int64_t groups = n.get_int("group", 1);
  if (groups < 1 || xs[1] != ipg * groups || o % groups != 0)
    throw ConvertError(n.describe() + ": weights " + graph::shape_to_string(W.shape) + " do not fit input " +
                       graph::shape_to_string(xs) + " with group " + std::to_string(groups));
  const Window w = read_window(n, kh, kw, xs);
  LOptions opts;
  set_window(&opts, w);
  opts.groups = int(groups);
  opts.activation = activation(n);

  const int32_t x = input(n, 0);
  const float sx = m_.tensors[size_t(x)].scale.at(0);
  std::vector<float> b(size_t(o), 0.0f);
  if (!n.input(2).empty()) {
    const graph::Tensor& B = g_.initializer(n.input(2), n);
    if (B.size() != o)
      throw ConvertError(n.describe() + ": bias '" + n.input(2) + "' has " + std::to_string(B.size()) +
                         " values for " + std::to_string(o) + " output channels");
    b = B.data;
  }
  std::vector<float> sw;
  std::vector<int8_t> wq;
  int bits = 8;
  const bool fixed = g_.fixed_constants.count(n.input(1)) > 0;  // a QDQ model's weights
  const int32_t wt = add_weights(n, oihw_to_ohwi(W.data, o, ipg, kh, kw), o, groups, 0,
                                 {int32_t(o), int32_t(kh), int32_t(kw), int32_t(ipg)},
                                 fixed ? nullptr : layer_stats_for(n), &b, sx, &sw, &wq, &bits);
  plan_accumulator(n, x, wq, o, bits, &opts);
  // A bias the graph has, or one the bias correction made (named after the
  // weights: the graph has no tensor for it).
  int32_t bias = -1;
  if (!n.input(2).empty()) bias = add_bias(n, n.input(2), b, sx, sw, x, wq);
  else if (opt_.bias_correction && !fixed) bias = add_bias(n, n.input(1) + ".bias_correction", b, sx, sw, x, wq);
  const int32_t y = define_output(n, n.outputs[0]);
  add_op(schema::OpType::CONV_2D, n, {x, wt, bias}, {y}, opts);
}

void Lowerer::lower_fc(const graph::Node& n) {
  const std::string& a = n.input(0);
  const Shape& as = g_.shape(a);
  if (as.size() != 2)
    throw ConvertError(n.describe() + ": input '" + a + "' has shape " + graph::shape_to_string(as) +
                       "; only 2-D [N, K] inputs are supported");
  const int64_t k = as[1];
  const graph::Tensor& B = g_.initializer(n.input(1), n);
  if (B.shape.size() != 2) throw ConvertError(n.describe() + ": weights '" + n.input(1) + "' must be 2-D");
  const bool gemm = n.op_type == "Gemm";
  if (gemm && n.get_int("transA", 0) != 0)
    throw ConvertError(n.describe() + ": transA = 1 is not supported");
  const bool trans_b = gemm && n.get_int("transB", 0) != 0;
  const float alpha = gemm ? n.get_float("alpha", 1.0f) : 1.0f;
  const float beta = gemm ? n.get_float("beta", 1.0f) : 1.0f;
  const int64_t out = trans_b ? B.shape[0] : B.shape[1];
  if ((trans_b ? B.shape[1] : B.shape[0]) != k)
    throw ConvertError(n.describe() + ": weights " + graph::shape_to_string(B.shape) + " do not fit input " +
                       graph::shape_to_string(as));
  std::vector<float> w(size_t(out * k));  // [out, in]
  for (int64_t r = 0; r < out; ++r)
    for (int64_t c = 0; c < k; ++c)
      w[size_t(r * k + c)] = alpha * (trans_b ? B.data[size_t(r * k + c)] : B.data[size_t(c * out + r)]);
  auto origin = flatten_origin_.find(a);
  if (origin != flatten_origin_.end())
    w = permute_fc_columns_chw_to_hwc(w, out, origin->second.c, origin->second.h, origin->second.w);

  const bool fixed = g_.fixed_constants.count(n.input(1)) > 0;  // a QDQ model's weights
  if (fixed && alpha != 1.0f)
    throw ConvertError(n.describe() + ": alpha " + std::to_string(alpha) + " with QDQ weights '" + n.input(1) +
                       "' is not supported (fold alpha into the weights before quantizing)");
  if (gemm && !n.input(2).empty() && beta != 1.0f && g_.fixed_constants.count(n.input(2)))
    throw ConvertError(n.describe() + ": beta " + std::to_string(beta) + " with a QDQ bias '" + n.input(2) +
                       "' is not supported");
  // The statistics in the lowered column order (HWC after a Flatten).
  const calib::LayerStats* stats = fixed ? nullptr : layer_stats_for(n);
  calib::LayerStats permuted;
  if (stats != nullptr && origin != flatten_origin_.end()) {
    permuted = *stats;
    calib::permute_layer_inputs(permuted, chw_to_hwc_order(origin->second.c, origin->second.h, origin->second.w));
    stats = &permuted;
  }

  const int32_t x = input(n, 0);
  const float sx = m_.tensors[size_t(x)].scale.at(0);
  const bool has_bias = gemm && !n.input(2).empty();
  std::vector<float> b(static_cast<size_t>(out), 0.0f);
  if (has_bias) {
    const graph::Tensor& C = g_.initializer(n.input(2), n);
    if (C.size() != out && C.size() != 1)
      throw ConvertError(n.describe() + ": bias '" + n.input(2) + "' of shape " + graph::shape_to_string(C.shape) +
                         " is not broadcastable to [" + std::to_string(out) + "] per output");
    for (int64_t i = 0; i < out; ++i) b[size_t(i)] = beta * C.data[C.size() == 1 ? 0 : size_t(i)];
  }
  std::vector<float> sw;
  std::vector<int8_t> wq;
  int bits = 8;
  const int32_t wt =
      add_weights(n, w, out, 1, trans_b ? 0 : 1, {int32_t(out), int32_t(k)}, stats, &b, sx, &sw, &wq, &bits);
  int32_t bias = -1;
  if (has_bias) bias = add_bias(n, n.input(2), b, sx, sw, x, wq);
  else if (opt_.bias_correction && !fixed) bias = add_bias(n, n.input(1) + ".bias_correction", b, sx, sw, x, wq);
  LOptions opts;
  opts.activation = activation(n);
  plan_accumulator(n, x, wq, out, bits, &opts);
  const int32_t y = define_output(n, n.outputs[0]);
  add_op(schema::OpType::FULLY_CONNECTED, n, {x, wt, bias}, {y}, opts);
}

void Lowerer::lower_add(const graph::Node& n) {
  if (n.inputs.size() != 2) throw ConvertError(n.describe() + ": expected 2 inputs");
  const Shape& s0 = g_.shape(n.input(0));
  const Shape& s1 = g_.shape(n.input(1));
  if (s0 != s1)
    throw ConvertError(n.describe() + ": inputs of shapes " + graph::shape_to_string(s0) + " and " +
                       graph::shape_to_string(s1) + "; broadcasting adds are not supported");
  const int32_t a = input(n, 0), b = input(n, 1);
  LOptions opts;
  opts.activation = activation(n);
  const int32_t y = define_output(n, n.outputs[0]);
  add_op(schema::OpType::ADD, n, {a, b}, {y}, opts);
}

void Lowerer::lower_pool(const graph::Node& n) {
  const Shape& xs = g_.shape(n.input(0));
  const Shape& ys = g_.shape(n.outputs[0]);
  if (xs.size() != 4) throw ConvertError(n.describe() + ": only 2-D pooling of 4-D tensors is supported");
  const std::vector<int64_t> k = n.get_ints("kernel_shape");
  if (k.size() != 2) throw ConvertError(n.describe() + ": kernel_shape must have 2 values");
  Window w = read_window(n, k[0], k[1], xs);
  if (w.dh != 1 || w.dw != 1) throw ConvertError(n.describe() + ": dilated pooling is not supported");
  if (w.pt >= w.kh || w.pb >= w.kh || w.pl >= w.kw || w.pr >= w.kw)
    throw ConvertError(n.describe() + ": pads " + std::to_string(w.pt) + "," + std::to_string(w.pl) + "," +
                       std::to_string(w.pb) + "," + std::to_string(w.pr) + " with kernel " + std::to_string(w.kh) +
                       "x" + std::to_string(w.kw) + ": a pooling pad must be smaller than the kernel");
  const bool is_max = n.op_type == "MaxPool";
  const int64_t oh = window_out(xs[2], w.kh, w.sh, 1, w.pt, w.pb);
  const int64_t ow = window_out(xs[3], w.kw, w.sw, 1, w.pl, w.pr);
  int64_t ceil_b = 0, ceil_r = 0;
  if (oh != ys[2] || ow != ys[3]) {
    // ceil_mode: extra windows hang over the bottom/right edge. For max
    // pooling, padding never wins, so extending the padding is exact. For
    // average pooling the overhang goes to ceil_bottom/right, which the
    // divisor ignores with count_include_pad (ONNX: the window clipped to
    // the explicitly padded input) and which never hold inputs otherwise.
    if (n.get_int("ceil_mode", 0) == 0)
      throw ConvertError(n.describe() + ": output " + graph::shape_to_string(ys) + " does not match the window");
    ceil_b = (ys[2] - 1) * w.sh + w.kh - xs[2] - w.pt - w.pb;
    ceil_r = (ys[3] - 1) * w.sw + w.kw - xs[3] - w.pl - w.pr;
    if (ceil_b < 0 || ceil_r < 0 || w.pb + ceil_b >= w.kh || w.pr + ceil_r >= w.kw)
      throw ConvertError(n.describe() + ": ceil_mode output " + graph::shape_to_string(ys) +
                         " has a window outside the padded input");
    if (is_max) {
      w.pb += ceil_b;
      w.pr += ceil_r;
      ceil_b = ceil_r = 0;
    }
  }
  LOptions opts;
  set_window(&opts, w);
  opts.ceil_bottom = int(ceil_b);
  opts.ceil_right = int(ceil_r);
  opts.dilation_h = opts.dilation_w = 1;
  opts.count_include_pad = !is_max && n.get_int("count_include_pad", 0) != 0;
  const int32_t x = input(n, 0);
  const bool quantized = m_.tensors[size_t(x)].quantized();
  const int32_t y = define_output(n, n.outputs[0], is_max && quantized ? x : -1);
  add_op(is_max ? schema::OpType::MAX_POOL_2D : schema::OpType::AVERAGE_POOL_2D, n, {x}, {y}, opts);
}

void Lowerer::lower_global_average_pool(const graph::Node& n) {
  if (g_.shape(n.input(0)).size() != 4) throw ConvertError(n.describe() + ": input must be 4-D");
  const int32_t x = input(n, 0);
  const int32_t y = define_output(n, n.outputs[0]);
  add_op(schema::OpType::GLOBAL_AVERAGE_POOL, n, {x}, {y});
}

void Lowerer::lower_reshape(const graph::Node& n) {
  const std::string& in = n.input(0);
  const std::string& out = n.outputs[0];
  const Shape& xs = g_.shape(in);
  const Shape& ys = g_.shape(out);
  if (flatten_origin_.count(in))
    throw ConvertError(n.describe() + ": reshaping an already NHWC-flattened tensor '" + in + "' is not supported");
  if (!(layout_neutral(xs) && layout_neutral(ys))) {
    // The runtime flattens NHWC memory: (h, w, c) order instead of ONNX's
    // (c, h, w). A Gemm/MatMul reader absorbs that by permuting its weight
    // columns; any other reader would see a different tensor.
    if (!(xs.size() == 4 && ys.size() == 2 && ys[0] == xs[0]))
      throw ConvertError(n.describe() + ": reshape " + graph::shape_to_string(xs) + " -> " +
                         graph::shape_to_string(ys) + " changes element order between NCHW and NHWC");
    for (const graph::Node* c : g_.consumers(out))
      if ((c->op_type != "Gemm" && c->op_type != "MatMul") || c->input(0) != out || c->input(1) == out)
        throw ConvertError(n.describe() + ": flattening " + graph::shape_to_string(xs) +
                           " (H*W > 1) is supported only when Gemm/MatMul nodes read it; " + c->describe() +
                           " reads it too");
    flatten_origin_[out] = FlattenOrigin{xs[1], xs[2], xs[3]};
  }
  const int32_t x = input(n, 0);
  const int32_t y = define_output(n, out, m_.tensors[size_t(x)].quantized() ? x : -1);
  add_op(schema::OpType::RESHAPE, n, {x}, {y});
}

void Lowerer::lower_concat(const graph::Node& n) {
  const Shape& ys = g_.shape(n.outputs[0]);
  const int64_t rank = int64_t(ys.size());
  int64_t axis = n.get_int("axis");
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) throw ConvertError(n.describe() + ": axis out of range");
  if (rank == 4) axis = axis == 0 ? 0 : axis == 1 ? 3 : axis - 1;  // NCHW -> NHWC
  std::vector<int32_t> ins;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (flatten_origin_.count(n.input(i)))
      throw ConvertError(n.describe() + ": input '" + n.input(i) + "' is an NHWC-flattened tensor");
    ins.push_back(input(n, i));
  }
  LOptions opts;
  opts.axis = int(axis);
  const int32_t y = define_output(n, n.outputs[0]);
  add_op(schema::OpType::CONCAT, n, ins, {y}, opts);
}

void Lowerer::lower_softmax(const graph::Node& n) {
  const Shape& xs = g_.shape(n.input(0));
  const int64_t rank = int64_t(xs.size());
  if (n.has_attr("qrt_legacy_2d"))
    throw ConvertError(n.describe() + ": opset < 13 Softmax over a non-last axis is not supported");
  int64_t axis = n.get_int("axis", g_.opset >= 13 ? -1 : 1);
  if (axis < 0) axis += rank;
  const bool last_in_nhwc = rank == 4 ? axis == 1 : axis == rank - 1;
  if (!last_in_nhwc || flatten_origin_.count(n.input(0)))
    throw ConvertError(n.describe() + ": softmax axis " + std::to_string(axis) + " of " +
                       graph::shape_to_string(xs) + " is not the channel/last axis");
  const int32_t x = input(n, 0);
  const int32_t y = define_output(n, n.outputs[0]);
  LOptions opts;
  opts.axis = -1;
  opts.log = n.get_int("qrt_log", 0) != 0;
  add_op(schema::OpType::SOFTMAX, n, {x}, {y}, opts);
}

}  // namespace qrt::quantize
