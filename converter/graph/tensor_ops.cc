// Data-movement, broadcasting and reduction kernels (tensor_ops.h). Plain
// index arithmetic: they run on shape subgraphs at conversion time and on
// the small tensors of SE blocks and shuffles during calibration.
#include "graph/tensor_ops.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qrt {
namespace graph {
namespace ops {

namespace {

// Row-major strides of `s`.
std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

// Strides of `s` seen through a broadcast to `out` (0 on broadcast dims).
std::vector<int64_t> broadcast_strides(const Shape& s, const Shape& out) {
  std::vector<int64_t> st(out.size(), 0);
  const auto own = strides_of(s);
  for (size_t i = 0; i < s.size(); ++i) {
    const size_t o = i + (out.size() - s.size());
    st[o] = s[i] == 1 ? 0 : own[i];
  }
  return st;
}

// Calls f(out_index, offset) for every element of `out`, with the offset
// into a tensor whose strides (through the broadcast) are `st`.
template <typename F>
void for_each_offset(const Shape& out, const std::vector<int64_t>& st, F f) {
  const int64_t n = num_elements(out);
  std::vector<int64_t> idx(out.size(), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < n; ++i) {
    f(i, off);
    for (size_t d = out.size(); d-- > 0;) {
      off += st[d];
      if (++idx[d] < out[d]) break;
      off -= st[d] * out[d];
      idx[d] = 0;
    }
  }
}

float apply(Binary op, float a, float b, bool integer) {
  switch (op) {
    case Binary::kAdd: return a + b;
    case Binary::kSub: return a - b;
    case Binary::kMul: return integer ? static_cast<float>(double(a) * double(b)) : a * b;
    case Binary::kDiv:
      if (integer) return b == 0.0f ? std::numeric_limits<float>::quiet_NaN() : std::trunc(a / b);
      return a / b;
    case Binary::kPow: return std::pow(a, b);
    case Binary::kMin: return std::min(a, b);
    case Binary::kMax: return std::max(a, b);
    case Binary::kEqual: return a == b ? 1.0f : 0.0f;
    case Binary::kLess: return a < b ? 1.0f : 0.0f;
    case Binary::kGreater: return a > b ? 1.0f : 0.0f;
    case Binary::kLessEqual: return a <= b ? 1.0f : 0.0f;
    case Binary::kGreaterEqual: return a >= b ? 1.0f : 0.0f;
    case Binary::kAnd: return a != 0.0f && b != 0.0f ? 1.0f : 0.0f;
    case Binary::kOr: return a != 0.0f || b != 0.0f ? 1.0f : 0.0f;
    case Binary::kPRelu: return a >= 0.0f ? a : a * b;
  }
  return 0.0f;
}

}  // namespace

Tensor binary(const Tensor& a, const Tensor& b, const Shape& out_shape, Binary op, bool integer) {
  Tensor out(out_shape);
  if (a.shape == out_shape && b.shape == out_shape) {
    for (int64_t i = 0; i < out.size(); ++i) out.data[i] = apply(op, a.data[i], b.data[i], integer);
    return out;
  }
  const Tensor ea = a.shape == out_shape ? a : broadcast_to(a, out_shape);
  const auto sb = broadcast_strides(b.shape, out_shape);
  for_each_offset(out_shape, sb,
                  [&](int64_t i, int64_t ob) { out.data[i] = apply(op, ea.data[i], b.data[ob], integer); });
  return out;
}

Tensor broadcast_to(const Tensor& x, const Shape& out_shape) {
  Tensor out(out_shape);
  for_each_offset(out_shape, broadcast_strides(x.shape, out_shape),
                  [&](int64_t i, int64_t o) { out.data[i] = x.data[o]; });
  return out;
}

Tensor transpose(const Tensor& x, const std::vector<int64_t>& perm) {
  Shape out_shape(perm.size());
  const auto st = strides_of(x.shape);
  std::vector<int64_t> pst(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out_shape[i] = x.shape[perm[i]], pst[i] = st[perm[i]];
  Tensor out(out_shape);
  for_each_offset(out_shape, pst, [&](int64_t i, int64_t o) { out.data[i] = x.data[o]; });
  return out;
}

Tensor strided_slice(const Tensor& x, const std::vector<int64_t>& start, const std::vector<int64_t>& step,
                     const Shape& count) {
  const auto st = strides_of(x.shape);
  std::vector<int64_t> sst(st.size());
  int64_t base = 0;
  for (size_t i = 0; i < st.size(); ++i) sst[i] = st[i] * step[i], base += start[i] * st[i];
  Tensor out(count);
  if (out.size() == 0) return out;
  for_each_offset(count, sst, [&](int64_t i, int64_t o) { out.data[i] = x.data[base + o]; });
  return out;
}

Tensor gather(const Tensor& x, const Tensor& indices, int64_t axis) {
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape[d];
  for (size_t d = axis + 1; d < x.shape.size(); ++d) inner *= x.shape[d];
  Shape s(x.shape.begin(), x.shape.begin() + axis);
  s.insert(s.end(), indices.shape.begin(), indices.shape.end());
  s.insert(s.end(), x.shape.begin() + axis + 1, x.shape.end());
  Tensor out(s);
  const int64_t len = x.shape[axis], ni = indices.size();
  float* dst = out.data.data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < ni; ++k) {
      const float* src = x.data.data() + (o * len + static_cast<int64_t>(indices.data[k])) * inner;
      dst = std::copy(src, src + inner, dst);
    }
  return out;
}

Tensor pad_constant(const Tensor& x, const std::vector<int64_t>& pads, float value) {
  const size_t r = x.shape.size();
  Shape s = x.shape;
  for (size_t d = 0; d < r; ++d) s[d] += pads[d] + pads[d + r];
  Tensor out(s);
  std::fill(out.data.begin(), out.data.end(), value);
  const auto ost = strides_of(s);
  int64_t base = 0;
  for (size_t d = 0; d < r; ++d) base += pads[d] * ost[d];
  // Walk x's elements; each lands at base + sum idx[d] * ost[d].
  for_each_offset(x.shape, ost, [&](int64_t i, int64_t o) { out.data[base + o] = x.data[i]; });
  return out;
}

Tensor reduce(const Tensor& x, const std::vector<int64_t>& axes, bool keepdims, Reduce kind) {
  Shape kept = x.shape;  // reduced dims set to 1
  for (int64_t a : axes) kept[a] = 1;
  const int64_t n = num_elements(kept);
  std::vector<double> acc(n, kind == Reduce::kProd ? 1.0
                             : kind == Reduce::kMax ? -std::numeric_limits<double>::infinity()
                             : kind == Reduce::kMin ? std::numeric_limits<double>::infinity()
                                                    : 0.0);
  for_each_offset(x.shape, broadcast_strides(kept, x.shape), [&](int64_t i, int64_t o) {
    const double v = x.data[i];
    switch (kind) {
      case Reduce::kSum:
      case Reduce::kMean: acc[o] += v; break;
      case Reduce::kProd: acc[o] *= v; break;
      case Reduce::kMax: acc[o] = std::max(acc[o], v); break;
      case Reduce::kMin: acc[o] = std::min(acc[o], v); break;
      case Reduce::kSumSquare: acc[o] += v * v; break;
    }
  });
  const double count = n ? double(x.size()) / double(n) : 1.0;
  Shape s;
  for (size_t d = 0; d < x.shape.size(); ++d)
    if (keepdims || std::find(axes.begin(), axes.end(), int64_t(d)) == axes.end()) s.push_back(kept[d]);
  Tensor out(s);
  for (int64_t i = 0; i < n; ++i) out.data[i] = static_cast<float>(kind == Reduce::kMean ? acc[i] / count : acc[i]);
  return out;
}

Tensor lrn(const Tensor& x, int64_t size, float alpha, float beta, float bias) {
  Tensor out(x.shape);
  const int64_t n = x.shape[0], c = x.shape[1], inner = x.size() / std::max<int64_t>(1, n * c);
  const int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < inner; ++i) {
        double sq = 0.0;
        for (int64_t k = std::max<int64_t>(0, ch - lo); k <= std::min(c - 1, ch + hi); ++k) {
          const double v = x.data[(b * c + k) * inner + i];
          sq += v * v;
        }
        const int64_t at = (b * c + ch) * inner + i;
        out.data[at] = static_cast<float>(x.data[at] / std::pow(bias + alpha / double(size) * sq, double(beta)));
      }
  return out;
}

Tensor channel_shuffle(const Tensor& x, int64_t group) {
  Tensor out(x.shape);
  const int64_t n = x.shape[0], c = x.shape[1], inner = x.size() / std::max<int64_t>(1, n * c);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t o = 0; o < c; ++o) {
      const int64_t src = (o % group) * (c / group) + o / group;
      std::copy_n(x.data.begin() + (b * c + src) * inner, inner, out.data.begin() + (b * c + o) * inner);
    }
  return out;
}

}  // namespace ops
}  // namespace graph
}  // namespace qrt
