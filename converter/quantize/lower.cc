// Lowering driver: tensor bookkeeping, QUANTIZE/DEQUANTIZE insertion,
// weight and bias tensors. The per-op code is in lower_ops.cc.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "graph/elementwise.h"
#include "quantize/lower_internal.h"
#include "quantize/weight_methods.h"
#include "qrt/kernels/accumulation.h"
#include "quantize/quant_math.h"

namespace qrt::quantize {

std::vector<int32_t> to_nhwc_shape(const graph::Shape& shape, const std::string& tensor) {
  std::vector<int32_t> out;
  for (int64_t d : shape) {
    if (d < 0 || d > std::numeric_limits<int32_t>::max())
      throw ConvertError("tensor '" + tensor + "': dimension " + std::to_string(d) + " out of range");
    out.push_back(int32_t(d));
  }
  if (out.size() == 4) out = {out[0], out[2], out[3], out[1]};
  return out;
}

std::vector<float> oihw_to_ohwi(const std::vector<float>& w, int64_t o, int64_t i, int64_t kh, int64_t kw) {
  std::vector<float> out(w.size());
  for (int64_t a = 0; a < o; ++a)
    for (int64_t b = 0; b < i; ++b)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x)
          out[size_t(((a * kh + y) * kw + x) * i + b)] = w[size_t(((a * i + b) * kh + y) * kw + x)];
  return out;
}

std::vector<int64_t> chw_to_hwc_order(int64_t c, int64_t h, int64_t wdim) {
  std::vector<int64_t> order(size_t(c * h * wdim));
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < wdim; ++x) order[size_t((y * wdim + x) * c + ch)] = (ch * h + y) * wdim + x;
  return order;
}

std::vector<float> permute_fc_columns_chw_to_hwc(const std::vector<float>& w, int64_t out, int64_t c, int64_t h,
                                                 int64_t wdim) {
  const std::vector<int64_t> order = chw_to_hwc_order(c, h, wdim);
  const int64_t k = int64_t(order.size());
  std::vector<float> r(w.size());
  for (int64_t n = 0; n < out; ++n)
    for (int64_t i = 0; i < k; ++i) r[size_t(n * k + i)] = w[size_t(n * k + order[size_t(i)])];
  return r;
}

bool int16_eligible(const LowerOptions& o, int weight_bits) {
  return o.int16_accumulation && weight_bits + o.activation_bits <= 14;
}

std::map<std::string, int> parse_layer_weight_bits(const std::string& spec) {
  std::map<std::string, int> out;
  size_t start = 0;
  while (start <= spec.size()) {
    const size_t comma = spec.find(',', start);
    const std::string item = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const size_t eq = item.rfind('=');
    const std::string bits = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (eq == 0 || eq == std::string::npos || bits.size() != 1 || bits[0] < '4' || bits[0] > '8')
      throw ConvertError("--layer-weight-bits: '" + item + "' is not NODE=BITS with BITS in 4..8");
    out[item.substr(0, eq)] = bits[0] - '0';
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

void storage_range(const LTensor& t, int32_t* lo, int32_t* hi) {
  if (t.dtype == schema::DType::U8) {  // [0, 2^b - 1] held as q - 128
    *lo = -128;
    *hi = u8_qmax(t.bits) - 128;
  } else {
    *lo = -s8_qmax(t.bits);
    *hi = s8_qmax(t.bits);
  }
}

Lowerer::Lowerer(const graph::Graph& g, const calib::RangeSource& ranges, const LowerOptions& o)
    : g_(g), ranges_(ranges), opt_(o) {}

LTensor Lowerer::fixed_activation_quant(const std::string& name, const graph::FixedActivation& f,
                                        const std::string& where) {
  LTensor t;
  t.zero_point = {0};
  t.bits = f.bits;
  if (f.zero_point == 0) {
    t.dtype = f.is_unsigned ? schema::DType::U8 : schema::DType::S8;
    t.scale = {f.scale};
    return t;
  }
  // Asymmetric: the real range the integers cover, stored S8 symmetric.
  const int32_t qmin = f.is_unsigned ? 0 : -(1 << (f.bits - 1)), qmax = f.is_unsigned ? (1 << f.bits) - 1 : -qmin - 1;
  const float lo = f.scale * float(qmin - f.zero_point), hi = f.scale * float(qmax - f.zero_point);
  if (!opt_.qdq_widen_asymmetric)
    throw ConvertError(where + ": tensor '" + name + "' is quantized with zero point " + std::to_string(f.zero_point) +
                       " (asymmetric, by " + f.origin +
                       "); qrt's activations have zero point 0. Quantize with symmetric activations (ONNX "
                       "Runtime: extra_options={'ActivationSymmetric': True}), or pass --qdq-asymmetric widen to "
                       "store it symmetric over the same range");
  t.dtype = schema::DType::S8;
  t.scale = {activation_scale(lo, hi, false, f.bits)};
  char detail[160];
  std::snprintf(detail, sizeof detail, "zero point %d, scale %.6g: range [%.6g, %.6g] stored S8 with scale %.6g",
                int(f.zero_point), double(f.scale), double(lo), double(hi), double(t.scale[0]));
  m_.warnings.push_back("tensor '" + name + "': asymmetric QDQ widened (" + detail + ")");
  return t;
}

LTensor Lowerer::activation_quant(const std::string& name, bool non_negative, const std::string& where) {
  auto fixed = g_.fixed_activations.find(name);
  if (fixed != g_.fixed_activations.end()) {
    if (qdq_activations_used_.insert(name).second) {
      LTensor t = fixed_activation_quant(name, fixed->second, where);
      fixed_quant_[name] = t;
      return t;
    }
    return fixed_quant_.at(name);
  }
  const bool is_unsigned = non_negative && opt_.unsigned_activations;
  const calib::Range r = ranges_.range(name, is_unsigned, opt_.activation_bits, where);
  LTensor t;
  t.dtype = is_unsigned ? schema::DType::U8 : schema::DType::S8;
  t.scale = {activation_scale(r.lo, r.hi, is_unsigned, opt_.activation_bits)};
  t.zero_point = {0};
  t.bits = opt_.activation_bits;
  return t;
}

schema::Activation Lowerer::activation(const graph::Node& n) const {
  switch (n.fused_activation) {
    case graph::FusedActivation::kRelu: return schema::Activation::RELU;
    case graph::FusedActivation::kRelu6: return schema::Activation::RELU6;
    default: return schema::Activation::NONE;
  }
}

void Lowerer::add_op(schema::OpType type, const graph::Node& n, std::vector<int32_t> in,
                     std::vector<int32_t> out, LOptions opts) {
  LOperator op;
  op.type = type;
  op.name = n.name;
  op.inputs = std::move(in);
  op.outputs = std::move(out);
  op.options = opts;
  m_.operators.push_back(std::move(op));
}

int32_t Lowerer::define_output(const graph::Node& n, const std::string& name, int32_t inherit) {
  const TensorPlacement& p = placement_.at(name);
  LTensor t;
  if (p.storage == Storage::kQuantized) {
    if (inherit >= 0) {
      t = m_.tensors[size_t(inherit)];
      t.buffer = 0;
    } else {
      t = activation_quant(name, p.non_negative, n.describe());
    }
  }
  t.name = name;
  t.shape = to_nhwc_shape(g_.shape(name), name);
  const int32_t id = m_.add_tensor(std::move(t));
  (p.storage == Storage::kQuantized ? quant_id_ : float_id_)[name] = id;
  return id;
}

int32_t Lowerer::as_float(const std::string& name, const std::string& op_name) {
  auto f = float_id_.find(name);
  if (f != float_id_.end()) return f->second;
  auto q = quant_id_.find(name);
  if (q == quant_id_.end()) throw ConvertError("tensor '" + name + "' is not defined before its use");
  LTensor t;
  t.name = name + "/dequantized";
  t.shape = m_.tensors[size_t(q->second)].shape;
  const int32_t id = m_.add_tensor(std::move(t));
  LOperator op;
  op.type = schema::OpType::DEQUANTIZE;
  op.name = op_name;
  op.inputs = {q->second};
  op.outputs = {id};
  m_.operators.push_back(std::move(op));
  float_id_[name] = id;
  return id;
}

int32_t Lowerer::as_quantized(const std::string& name, const std::string& op_name) {
  auto q = quant_id_.find(name);
  if (q != quant_id_.end()) return q->second;
  auto f = float_id_.find(name);
  if (f == float_id_.end()) throw ConvertError("tensor '" + name + "' is not defined before its use");
  LTensor t = activation_quant(name, placement_.at(name).non_negative, "quantize before '" + op_name + "'");
  t.name = name + "/quantized";
  t.shape = m_.tensors[size_t(f->second)].shape;
  const int32_t id = m_.add_tensor(std::move(t));
  LOperator op;
  op.type = schema::OpType::QUANTIZE;
  op.name = op_name;
  op.inputs = {f->second};
  op.outputs = {id};
  m_.operators.push_back(std::move(op));
  quant_id_[name] = id;
  return id;
}

int32_t Lowerer::input(const graph::Node& n, size_t index) {
  const std::string& name = n.input(index);
  if (name.empty() || g_.is_initializer(name))
    throw ConvertError(n.describe() + ": input " + std::to_string(index) + " '" + name +
                       "' must be an activation, not a constant");
  switch (input_need(n, index, placement_)) {
    case InputNeed::kFloat: return as_float(name, n.name);
    case InputNeed::kQuantized: return as_quantized(name, n.name);
    case InputNeed::kAsProduced: break;
  }
  return placement_.at(name).storage == Storage::kQuantized ? as_quantized(name, n.name) : as_float(name, n.name);
}

const calib::LayerStats* layer_stats_for(const LowerOptions& options,
                                         const std::map<std::string, calib::LayerStats>* stats,
                                         const graph::Node& n) {
  if (options.weight_method == "minmax" && !options.bias_correction) return nullptr;
  if (stats == nullptr) throw ConvertError(n.describe() + ": no layer input statistics were collected");
  auto it = stats->find(n.name);
  if (it == stats->end()) throw ConvertError(n.describe() + ": no input statistics for this layer");
  return &it->second;
}

QuantizedWeights quantize_layer(const LowerOptions& options, const graph::Node& n, const std::vector<float>& w,
                                int64_t out, int64_t groups, const calib::LayerStats* stats,
                                std::vector<float>* bias) {
  const int bits = options.weight_bits_for(n.name);
  const int64_t per = int64_t(w.size()) / out;
  QuantizedWeights q =
      options.per_channel_weights
          ? quantize_layer_weights(options.weight_method, w.data(), out, per, groups, bits, stats, n.describe())
          : quantize_weights_per_tensor(w.data(), int64_t(w.size()), bits);
  if (options.bias_correction && bias != nullptr) {
    const std::vector<double> shift = rounding_shift(q, w.data(), out, per, groups, *stats, n.describe());
    for (int64_t c = 0; c < out; ++c) (*bias)[size_t(c)] = float(double((*bias)[size_t(c)]) - shift[size_t(c)]);
  }
  return q;
}

const calib::LayerStats* Lowerer::layer_stats_for(const graph::Node& n) const {
  return quantize::layer_stats_for(opt_, opt_.layer_stats, n);
}

QuantizedWeights Lowerer::fixed_weights(const graph::Node& n, const graph::FixedConstant& f,
                                        const std::vector<float>& w, int64_t out, int out_axis) {
  const std::string& name = n.input(1);
  if (f.bits > 8)
    throw ConvertError(n.describe() + ": weights '" + name + "' are int32 (" + f.origin + "); weights must be int8");
  QuantizedWeights q;
  if (f.scales.size() == 1) {
    q.scales.assign(size_t(out), f.scales[0]);
  } else if (f.axis == out_axis && int64_t(f.scales.size()) == out) {
    q.scales = f.scales;
  } else {
    throw ConvertError(n.describe() + ": weights '" + name + "' have scales along axis " + std::to_string(f.axis) +
                       " (" + f.origin + "), not along the output channels (axis " + std::to_string(out_axis) +
                       "); qrt's weight scales are per output channel");
  }
  const int64_t k = int64_t(w.size()) / out;
  q.values.resize(w.size());
  size_t clamped = 0;
  for (int64_t c = 0; c < out; ++c) {
    const float s = q.scales[size_t(c)];
    for (int64_t j = 0; j < k; ++j) {
      const float v = w[size_t(c * k + j)];
      // v is float(code) * s (the importer's dequantization): the division
      // recovers the code exactly for |code| <= 128.
      const double code = std::nearbyint(double(v) / double(s));
      if (!(std::fabs(code) <= 128.0) || float(code) * s != v)
        throw ConvertError(n.describe() + ": weights '" + name + "' are no longer the integers of " + f.origin +
                           " times their scales: the graph changed them (a BatchNormalization folded into the "
                           "layer, a Gemm alpha != 1); fold such ops before quantizing");
      int32_t qv = int32_t(code);
      if (qv < -127) {
        qv = -127;
        ++clamped;
      }
      q.values[size_t(c * k + j)] = int8_t(qv);
    }
  }
  if (clamped > 0)
    m_.warnings.push_back("weights '" + name + "': " + std::to_string(clamped) +
                          " codes -128 stored as -127 (qrt's weights are symmetric, [-127, 127])");
  ++m_.qdq_weights;
  return q;
}

void Lowerer::fit_bias_scales(const graph::Node& n, const std::vector<float>& w, const std::vector<float>& bias,
                              float input_scale, int bits, QuantizedWeights* q) {
  // Headroom: the bias stays within 2^30 steps, so bias + the channel's
  // (then tiny) dot product cannot overflow the int32 accumulator.
  const double limit = double(int64_t{1} << 30);
  const int64_t out = int64_t(q->scales.size());
  const int64_t k = int64_t(w.size()) / out;
  const int qmax = s8_qmax(bits);
  size_t raised = 0;
  float worst_old = 0.0f;
  for (int64_t c = 0; c < out; ++c) {
    const double need = std::fabs(double(bias[size_t(c)])) / (double(input_scale) * limit);
    float& s = q->scales[size_t(c)];
    if (!(need > double(s)) || !std::isfinite(need)) continue;
    if (raised == 0 || s < worst_old) worst_old = s;
    float ns = float(need * (1.0 + 1e-6));
    for (int i = 0; i < 64 && std::fabs(double(bias[size_t(c)])) / double(input_scale * ns) > limit; ++i)
      ns *= 1.0001f;  // the fp32 product input_scale * ns is what quantize_bias divides by
    if (!(std::isfinite(ns) && input_scale * ns > 0.0f)) continue;
    s = ns;
    for (int64_t j = 0; j < k; ++j) {  // round to nearest with the new scale (the weights are ~0 against it)
      const double v = std::nearbyint(double(w[size_t(c * k + j)]) / double(ns));
      q->values[size_t(c * k + j)] = int8_t(std::max(-double(qmax), std::min(double(qmax), v)));
    }
    ++raised;
  }
  if (raised > 0) {
    char detail[96];
    std::snprintf(detail, sizeof detail, "smallest old weight scale %.3g, input scale %.3g", double(worst_old),
                  double(input_scale));
    m_.warnings.push_back(n.describe() + ": " + std::to_string(raised) + " of " + std::to_string(out) +
                          " output channels have near-zero weights against their bias (" + detail +
                          "); their weight scales were raised so the bias fits int32 (the channel outputs its "
                          "bias, as in float)");
  }
}

int32_t Lowerer::add_weights(const graph::Node& n, const std::vector<float>& w, int64_t out_channels, int64_t groups,
                             int out_axis, std::vector<int32_t> shape, const calib::LayerStats* stats,
                             std::vector<float>* bias, float input_scale, std::vector<float>* scales,
                             std::vector<int8_t>* values, int* bits_out) {
  const std::string& name = n.input(1);
  auto fixed = g_.fixed_constants.find(name);
  const bool is_fixed = fixed != g_.fixed_constants.end();
  const int bits = is_fixed ? std::max(4, fixed->second.bits) : opt_.weight_bits_for(n.name);
  QuantizedWeights q = is_fixed ? fixed_weights(n, fixed->second, w, out_channels, out_axis)
                                : quantize_layer(opt_, n, w, out_channels, groups, stats, bias);
  if (!is_fixed) {
    // A channel whose weights are so small (|w| < ~1e-36) that their scale
    // is 0 or denormal is all zero at any scale: store it as an all-zero
    // channel (scale 1), as an exactly zero channel is. The runtime refuses
    // scales that are not normal floats (docs/integer-semantics.md).
    const size_t k = q.scales.empty() ? 0 : q.values.size() / q.scales.size();
    size_t tiny = 0;
    for (size_t c = 0; c < q.scales.size(); ++c) {
      const float s = q.scales[c];
      if (!std::isfinite(s) || (s > 0.0f && std::isnormal(s))) continue;
      q.scales[c] = 1.0f;
      std::fill(q.values.begin() + std::ptrdiff_t(c * k), q.values.begin() + std::ptrdiff_t((c + 1) * k), 0);
      ++tiny;
    }
    if (tiny > 0)
      m_.warnings.push_back(n.describe() + ": weights '" + name + "': " + std::to_string(tiny) + " of " +
                            std::to_string(q.scales.size()) +
                            " channels have a scale that is 0 or denormal (|w| below ~1e-36); stored as zero");
    ++m_.quantized_layers;
    // Per-channel scales only: one shared scale cannot be raised for one channel.
    if (bias != nullptr && opt_.per_channel_weights) fit_bias_scales(n, w, *bias, input_scale, bits, &q);
  }
  *bits_out = bits;
  if (weight_progress_ && !is_fixed) weight_progress_->update(++weights_done_);
  LTensor t;
  t.name = name;
  t.dtype = schema::DType::S8;
  t.shape = std::move(shape);
  t.scale = q.scales;
  t.zero_point.assign(q.scales.size(), 0);
  t.axis = (is_fixed ? fixed->second.scales.size() > 1 : opt_.per_channel_weights) ? 0 : -1;
  t.bits = bits;
  std::vector<uint8_t> dense;
  if (bits < 8) {
    dense = pack_bits(q.values, bits);
  } else {
    dense.resize(q.values.size());
    std::memcpy(dense.data(), q.values.data(), dense.size());
  }
  std::vector<uint8_t> sparse;
  if (opt_.sparse_weights) sparse = encode_sparse(q.values, bits);
  if (opt_.sparse_weights && sparse.size() < dense.size())
    t.buffer = m_.add_buffer(std::move(sparse), uint8_t(bits < 8 ? bits : 0), true);
  else
    t.buffer = m_.add_buffer(std::move(dense), uint8_t(bits < 8 ? bits : 0));
  *scales = q.scales;
  if (scales->size() == 1) scales->assign(size_t(out_channels), q.scales[0]);
  *values = std::move(q.values);
  return m_.add_tensor(std::move(t));
}

void Lowerer::plan_accumulator(const graph::Node& n, int32_t x, const std::vector<int8_t>& w,
                               int64_t out_channels, int weight_bits, LOptions* opts) {
  opts->accumulator = schema::Accumulator::INT32;
  opts->int16_chunk = 0;
  // The paper's rule with the layer's own bits (a QDQ model's input may
  // have other bits than opt_.activation_bits).
  if (!opt_.int16_accumulation || weight_bits + m_.tensors[size_t(x)].bits > 14) return;
  int32_t lo = 0, hi = 0;
  storage_range(m_.tensors[size_t(x)], &lo, &hi);
  const size_t k = w.size() / size_t(out_channels);
  const size_t chunk = qrt_int16_chunk(w.data(), size_t(out_channels), k, lo, hi);
  // Every single int8 product fits int16 (|w| <= 127, |x| <= 128: 16256),
  // so qrt_int16_chunk returns >= 1 for k >= 1; with bits_w + bits_a <= 14
  // it is at least 2 (|w| <= 127 with |x| <= 128 only for 8 + 6 bits:
  // 2 * 16256 <= 32767). A chunk of 0 would mean k == 0, an empty layer.
  if (chunk < 1 || chunk > size_t(std::numeric_limits<int32_t>::max())) {
    m_.warnings.push_back(n.describe() + ": no valid int16_chunk (" + std::to_string(chunk) +
                          "); accumulating in INT32");
    return;
  }
  opts->accumulator = schema::Accumulator::INT16;
  opts->int16_chunk = int(chunk);
}

int32_t Lowerer::add_bias(const graph::Node& n, const std::string& name, const std::vector<float>& b,
                          float input_scale, const std::vector<float>& weight_scales, int32_t x,
                          const std::vector<int8_t>& wq) {
  // The accumulator bound per channel: |bias| + (128 + |zx|) * sum|w| must
  // fit int32 (the runtime refuses the model otherwise).
  const LTensor& xt = m_.tensors[size_t(x)];
  const int64_t zx = (xt.zero_point.empty() ? 0 : xt.zero_point[0]) - (xt.dtype == schema::DType::U8 ? 128 : 0);
  const int64_t reach = 128 + (zx < 0 ? -zx : zx);
  const size_t k = b.empty() ? 0 : wq.size() / b.size();
  LTensor t;
  t.name = name;
  t.dtype = schema::DType::S32;
  t.shape = {int32_t(b.size())};
  t.axis = 0;
  t.bits = 32;
  std::vector<uint8_t> bytes(b.size() * 4);
  // A QDQ model's int32 bias keeps its codes where its scale is the one
  // the runtime uses (input scale x weight scale, fp32).
  auto fixed = g_.fixed_constants.find(name);
  const graph::FixedConstant* f =
      fixed != g_.fixed_constants.end() && fixed->second.bits == 32 ? &fixed->second : nullptr;
  size_t requantized = 0;
  size_t clamped = 0;
  double worst = 0.0;  // the largest |b| / (input scale * weight scale) that did not fit
  float worst_weight_scale = 0.0f;
  for (size_t c = 0; c < b.size(); ++c) {
    int32_t q = quantize_bias(b[c], input_scale, weight_scales[c]);
    if (f != nullptr) {
      const float fs = f->scales.size() == 1 ? f->scales[0] : f->scales.at(c);
      if (fs == input_scale * weight_scales[c] && f->codes.size() == b.size()) q = int32_t(f->codes[c]);
      else ++requantized;
    }
    int64_t wsum = 0;
    for (size_t j = 0; j < k; ++j) wsum += std::abs(int(wq[c * k + j]));
    const int64_t room = int64_t(std::numeric_limits<int32_t>::max()) - reach * wsum;
    bool beyond = false;
    if (room >= 0 && (q > room || q < -room)) {
      q = int32_t(q > 0 ? room : -room);
      beyond = true;
    }
    std::memcpy(&bytes[c * 4], &q, 4);  // little-endian host
    t.scale.push_back(input_scale * weight_scales[c]);
    const double ratio = std::fabs(double(b[c]) / double(input_scale * weight_scales[c]));
    if (beyond) {
      ++clamped;
      if (ratio > worst) worst_weight_scale = weight_scales[c];
      worst = std::max(worst, ratio);
    }
  }
  if (f != nullptr && requantized == 0) ++m_.qdq_biases;
  if (requantized > 0)
    m_.warnings.push_back("bias '" + name + "': " + std::to_string(requantized) + " of " + std::to_string(b.size()) +
                          " channels have a scale (" + f->origin +
                          ") other than input scale x weight scale; requantized from their float values");
  if (clamped > 0) {
    char detail[128];
    std::snprintf(detail, sizeof detail, "up to %.3g steps; input scale %.3g, weight scale %.3g", worst,
                  double(input_scale), double(worst_weight_scale));
    m_.warnings.push_back(n.describe() + ": bias '" + name + "': " + std::to_string(clamped) + " of " +
                          std::to_string(b.size()) +
                          " channels do not fit the int32 accumulator at scale input x weight (" + detail +
                          "): clamped to |bias| + (128 + |input zero point|) x sum|w| = 2^31 - 1, so those "
                          "output channels are wrong. The bias is huge against the "
                          "channel's weights (near-zero weights, e.g. BN folded with a tiny gamma) or against "
                          "the layer's input on the calibration data");
  }
  t.zero_point.assign(b.size(), 0);
  t.buffer = m_.add_buffer(std::move(bytes));
  return m_.add_tensor(std::move(t));
}

LoweredModel Lowerer::run() {
  placement_ = decide_placement(g_, opt_.placement);
  if (opt_.show_progress && opt_.weight_method != "minmax") {
    size_t layers = 0;
    for (const graph::Node& n : g_.nodes)
      layers += (n.op_type == "Conv" || n.op_type == "Gemm" || n.op_type == "MatMul") &&
                !g_.fixed_constants.count(n.input(1));  // a QDQ model's weights are not quantized here
    if (layers > 0)
      weight_progress_ =
        std::make_unique<calib::Progress>("quantizing weights (" + opt_.weight_method + ")", layers, true);
  }
  for (const graph::ValueInfo& in : g_.inputs) {
    LTensor t;
    t.name = in.name;
    t.shape = to_nhwc_shape(in.shape, in.name);
    const int32_t id = m_.add_tensor(std::move(t));
    float_id_[in.name] = id;
    m_.inputs.push_back(id);
  }
  for (const graph::Node& n : g_.nodes) {
    const std::string& op = n.op_type;
    if (op == "Conv") lower_conv(n);
    else if (op == "Gemm" || op == "MatMul") lower_fc(n);
    else if (op == "Add") lower_add(n);
    else if (op == "MaxPool" || op == "AveragePool") lower_pool(n);
    else if (op == "GlobalAveragePool") lower_global_average_pool(n);
    else if (op == "Reshape" || op == "Flatten") lower_reshape(n);
    else if (op == "Concat") lower_concat(n);
    else if (op == "Softmax") lower_softmax(n);
    else if (graph::is_unary_elementwise(op)) lower_unary(n);
    else if (op == "Mul") lower_mul(n);
    else if (op == "QrtChannelShuffle") lower_channel_shuffle(n);
    else if (op == "Slice") lower_slice(n);
    else if (op == "Pad") lower_pad(n);
    else if (op == "LRN") lower_lrn(n);
    else if (op == "PRelu") lower_prelu(n);
    else if (op == "BatchNormalization") lower_batch_norm(n);
    else throw ConvertError(n.describe() + ": not supported by the backend");
  }
  for (const std::string& out : g_.outputs) {
    if (flatten_origin_.count(out))
      throw ConvertError("graph output '" + out + "' is a Flatten/Reshape of an NCHW tensor with H*W > 1; "
                         "its element order would differ from ONNX");
    const graph::Node* p = g_.producer(out);
    m_.outputs.push_back(as_float(out, p ? p->name : out));
  }
  if (weight_progress_) weight_progress_->finish();
  m_.qdq_activations = qdq_activations_used_.size();
  return std::move(m_);
}

LoweredModel lower_graph(const graph::Graph& graph, const std::map<std::string, calib::Range>& ranges,
                         const LowerOptions& options) {
  return lower_graph(graph, calib::FixedRanges(ranges), options);
}

LoweredModel lower_graph(const graph::Graph& graph, const calib::RangeSource& ranges, const LowerOptions& options) {
  if (options.weight_bits < 4 || options.weight_bits > 8)
    throw ConvertError("--weight-bits must be 4..8, got " + std::to_string(options.weight_bits));
  if (options.activation_bits < 4 || options.activation_bits > 8)
    throw ConvertError("--activation-bits must be 4..8, got " + std::to_string(options.activation_bits));
  check_weight_method(options.weight_method);
  if (!options.per_channel_weights && (options.weight_method != "minmax" || options.bias_correction))
    throw ConvertError("--per-tensor-weights works with --weights minmax and no --bias-correction only");
  for (const auto& [name, bits] : options.layer_weight_bits) {
    const graph::Node* n = nullptr;
    for (const graph::Node& m : graph.nodes)
      if (m.name == name) n = &m;
    if (n == nullptr || (n->op_type != "Conv" && n->op_type != "Gemm" && n->op_type != "MatMul"))
      throw ConvertError("--layer-weight-bits: '" + name + "' is not the name of a Conv, Gemm or MatMul node" +
                         (n ? " (it is a " + n->op_type + ")" : ""));
    if (bits < 4 || bits > 8)
      throw ConvertError("--layer-weight-bits: " + name + "=" + std::to_string(bits) + ": bits must be 4..8");
  }
  return Lowerer(graph, ranges, options).run();
}

}  // namespace qrt::quantize
