// Per-op lowering of the elementwise int8 ops: every unary elementwise op
// (graph/elementwise.h) becomes LOOKUP_TABLE with a 256-entry table
// computed here, and Mul of two activations becomes MUL. Also LRN, which
// stays float (LRN, F32 in and out).
//
// The table is the op's whole contract (docs/integer-semantics.md,
// "Lookup table"): entry i answers the input's int8 storage code
// q = i - 128 with exactly what DEQUANTIZE -> the float function ->
// QUANTIZE would give, all fp32:
//   x = (float)(q - zx) * sx;  v = graph::unary_value(node, x);
//   y = round(clamp(v * (1.0f / sy), lo - zy, hi - zy)) + zy
// (storage zero points and range, round half to even). The float function
// has one owner, graph::unary_value, which the float executor (and so the
// calibration) runs too.
#include <cmath>
#include <cstring>

#include "graph/elementwise.h"
#include "qrt/kernels/requantize.h"
#include "quantize/lower_internal.h"

namespace qrt::quantize {
namespace {

// The storage zero point of an int8 activation (U8 held as q - 128).
int32_t storage_zero_point(const LTensor& t) {
  const int32_t zp = t.zero_point.empty() ? 0 : t.zero_point[0];
  return t.dtype == schema::DType::U8 ? zp - 128 : zp;
}

}  // namespace

std::vector<int8_t> lookup_table_codes(const graph::Node& n, const LTensor& x, const LTensor& y) {
  const float sx = x.scale.at(0), sy = y.scale.at(0);
  const int32_t zx = storage_zero_point(x), zy = storage_zero_point(y);
  int32_t lo = 0, hi = 0;
  storage_range(y, &lo, &hi);
  const float inv = 1.0f / sy;
  std::vector<int8_t> table(256);
  for (int32_t i = 0; i < 256; ++i) {
    const float xv = float((i - 128) - zx) * sx;
    const float v = graph::unary_value(n, xv);
    const float c = qrt_clamp_f32(v * inv, float(lo - zy), float(hi - zy));
    table[size_t(i)] = int8_t(qrt_round_half_even_f32(c) + zy);
  }
  return table;
}

void Lowerer::lower_unary(const graph::Node& n) {
  if (n.inputs.size() != 1)
    throw ConvertError(n.describe() + ": expected one input (after the graph passes), got " +
                       std::to_string(n.inputs.size()));
  const int32_t x = input(n, 0);
  const int32_t y = define_output(n, n.outputs[0]);
  const LTensor& xt = m_.tensors[size_t(x)];
  const LTensor& yt = m_.tensors[size_t(y)];
  const std::vector<int8_t> codes = lookup_table_codes(n, xt, yt);
  LTensor t;
  t.name = n.outputs[0] + "/table";
  t.dtype = yt.dtype;
  t.shape = {256};
  t.scale = yt.scale;
  t.zero_point = yt.zero_point;
  t.bits = yt.bits;
  std::vector<uint8_t> bytes(256);
  for (size_t i = 0; i < 256; ++i)  // a U8 constant is stored as its file code (storage + 128)
    bytes[i] = uint8_t(yt.dtype == schema::DType::U8 ? int32_t(codes[i]) + 128 : int32_t(codes[i]));
  t.buffer = m_.add_buffer(std::move(bytes));
  const int32_t table = m_.add_tensor(std::move(t));
  add_op(schema::OpType::LOOKUP_TABLE, n, {x, table}, {y});
}

void Lowerer::lower_mul(const graph::Node& n) {
  if (n.inputs.size() != 2) throw ConvertError(n.describe() + ": expected 2 inputs");
  for (size_t i = 0; i < 2; ++i)
    if (flatten_origin_.count(n.input(i)))
      throw ConvertError(n.describe() + ": input '" + n.input(i) + "' is an NHWC-flattened tensor");
  const graph::Shape& s0 = g_.shape(n.input(0));
  const graph::Shape& s1 = g_.shape(n.input(1));
  // The second runtime input may be broadcast: [N,C,1,1] against [N,C,H,W].
  auto per_channel_of = [](const graph::Shape& small, const graph::Shape& big) {
    return small.size() == 4 && big.size() == 4 && small[0] == big[0] && small[1] == big[1] && small[2] == 1 &&
           small[3] == 1;
  };
  size_t first = 0;
  if (s0 == s1 || per_channel_of(s1, s0)) first = 0;
  else if (per_channel_of(s0, s1)) first = 1;
  else
    throw ConvertError(n.describe() + ": inputs of shapes " + graph::shape_to_string(s0) + " and " +
                       graph::shape_to_string(s1) +
                       "; only equal shapes or [N,C,H,W] x [N,C,1,1] (per channel) are supported");
  const int32_t a = input(n, first), b = input(n, 1 - first);
  LOptions opts;
  opts.activation = activation(n);
  const int32_t y = define_output(n, n.outputs[0]);
  add_op(schema::OpType::MUL, n, {a, b}, {y}, opts);
}

}  // namespace qrt::quantize

namespace qrt::quantize {

// LRN stays float (a float island): placement makes its input and output
// F32, so QUANTIZE / DEQUANTIZE sit at its edges (or the conv before it
// writes F32 through its dequantizing epilogue).
void Lowerer::lower_lrn(const graph::Node& n) {
  const graph::Shape& xs = g_.shape(n.input(0));
  if ((xs.size() != 4 && xs.size() != 2) || flatten_origin_.count(n.input(0)))
    throw ConvertError(n.describe() + ": input " + graph::shape_to_string(xs) +
                       " must be [N,C,H,W] or [N,C] (channels become the last NHWC axis)");
  const int64_t size = n.get_int("size");
  if (size < 1) throw ConvertError(n.describe() + ": size " + std::to_string(size) + " must be >= 1");
  LOptions opts;
  opts.lrn_size = int(size);
  opts.lrn_alpha = n.get_float("alpha", 0.0001f);
  opts.lrn_beta = n.get_float("beta", 0.75f);
  opts.lrn_bias = n.get_float("bias", 1.0f);
  const int32_t x = input(n, 0);
  const int32_t y = define_output(n, n.outputs[0]);
  add_op(schema::OpType::LRN, n, {x}, {y}, opts);
}

}  // namespace qrt::quantize

namespace qrt::quantize {

// PRelu with one slope per channel -> PRELU (int8 in and out, the slopes
// as an F32 constant of C values; a single slope is repeated).
void Lowerer::lower_prelu(const graph::Node& n) {
  const graph::Shape& xs = g_.shape(n.input(0));
  if ((xs.size() != 4 && xs.size() != 2) || flatten_origin_.count(n.input(0)))
    throw ConvertError(n.describe() + ": input " + graph::shape_to_string(xs) +
                       " must be [N,C,H,W] or [N,C] (one slope per channel)");
  const graph::Tensor& slope = g_.initializer(n.input(1), n);
  const int64_t c = xs[1];
  if (slope.size() != c && slope.size() != 1)
    throw ConvertError(n.describe() + ": slope '" + n.input(1) + "' of shape " +
                       graph::shape_to_string(slope.shape) + " is not one value per channel (" +
                       std::to_string(c) + ")");
  LTensor t;
  t.name = n.input(1);
  t.shape = {int32_t(c)};
  std::vector<uint8_t> bytes(size_t(c) * 4);
  for (int64_t k = 0; k < c; ++k)  // little-endian host, as the rest of the file
    std::memcpy(&bytes[size_t(k) * 4], &slope.data[slope.size() == 1 ? 0 : size_t(k)], 4);
  t.buffer = m_.add_buffer(std::move(bytes));
  const int32_t s = m_.add_tensor(std::move(t));
  const int32_t x = input(n, 0);
  const int32_t y = define_output(n, n.outputs[0]);
  add_op(schema::OpType::PRELU, n, {x, s}, {y});
}

}  // namespace qrt::quantize

namespace qrt::quantize {

// A BatchNormalization the graph passes could not fold into a conv (it
// follows a Concat or a pool: DenseNet's BN -> ReLU -> Conv) is a
// per-channel affine map, y = s[c] * x + t[c] with s = gamma /
// sqrt(var + eps) and t = beta - mean * s (double, as fold_batch_norm):
// a depthwise 1x1 CONV_2D (weights [C,1,1,1], one value per channel, so
// per-channel quantization stores each s[c] as +-qmax times its scale).
void Lowerer::lower_batch_norm(const graph::Node& n) {
  const graph::Shape& xs = g_.shape(n.input(0));
  if (xs.size() != 4 || flatten_origin_.count(n.input(0)))
    throw ConvertError(n.describe() + ": a BatchNormalization not folded into a conv needs a 4-D [N,C,H,W] input, got " +
                       graph::shape_to_string(xs));
  const int64_t c = xs[1];
  std::vector<const graph::Tensor*> p;
  for (size_t k = 1; k <= 4; ++k) {
    p.push_back(&g_.initializer(n.input(k), n));
    if (p.back()->size() != c)
      throw ConvertError(n.describe() + ": parameter '" + n.input(k) + "' has " + std::to_string(p.back()->size()) +
                         " values for " + std::to_string(c) + " channels");
  }
  const double eps = n.get_float("epsilon", 1e-5f);
  std::vector<float> s(static_cast<size_t>(c)), t(static_cast<size_t>(c));
  for (int64_t k = 0; k < c; ++k) {
    const double sc = double(p[0]->data[size_t(k)]) / std::sqrt(double(p[3]->data[size_t(k)]) + eps);
    s[size_t(k)] = float(sc);
    t[size_t(k)] = float(double(p[1]->data[size_t(k)]) - double(p[2]->data[size_t(k)]) * sc);
  }
  const int bits = opt_.weight_bits_for(n.name);
  QuantizedWeights q = opt_.per_channel_weights ? quantize_weights_per_channel(s.data(), int(c), 1, bits)
                                                : quantize_weights_per_tensor(s.data(), c, bits);
  if (q.scales.size() == 1) q.scales.assign(size_t(c), q.scales[0]);
  const int32_t x = input(n, 0);
  const float sx = m_.tensors[size_t(x)].scale.at(0);
  LTensor w;
  w.name = n.name + "/depthwise_weights";
  w.dtype = schema::DType::S8;
  w.shape = {int32_t(c), 1, 1, 1};
  w.scale = q.scales;
  w.zero_point.assign(q.scales.size(), 0);
  w.axis = 0;
  w.bits = bits;
  std::vector<uint8_t> bytes = bits < 8 ? pack_bits(q.values, bits) : std::vector<uint8_t>(q.values.begin(), q.values.end());
  w.buffer = m_.add_buffer(std::move(bytes), uint8_t(bits < 8 ? bits : 0));
  const int32_t wt = m_.add_tensor(std::move(w));
  const int32_t bias = add_bias(n, n.name + "/depthwise_bias", t, sx, q.scales, x, q.values);
  LOptions opts;
  opts.kernel_h = opts.kernel_w = 1;
  opts.groups = int(c);
  opts.activation = activation(n);
  plan_accumulator(n, x, q.values, c, bits, &opts);
  const int32_t y = define_output(n, n.outputs[0]);
  add_op(schema::OpType::CONV_2D, n, {x, wt, bias}, {y}, opts);
}

}  // namespace qrt::quantize
