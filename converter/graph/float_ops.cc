// fp32 kernels. Convolution is im2col + a GEMM tiled over output pixels so
// the working set stays in cache and the inner axpy loop vectorizes;
// depthwise convolution is a direct loop with per-tap valid ranges.
#include "graph/float_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace qrt {
namespace graph {
namespace ops {

namespace {

// out[m][p] += sum_k w[m][k] * col[k][p], for m < mg, p < np (row stride ld).
void gemm_rows(const float* w, const float* col, float* out, int64_t mg, int64_t k, int64_t np) {
  constexpr int64_t kTile = 256;
  for (int64_t p0 = 0; p0 < np; p0 += kTile) {
    const int64_t pn = std::min(kTile, np - p0);
    for (int64_t m = 0; m < mg; ++m) {
      float* __restrict o = out + m * np + p0;
      const float* wm = w + m * k;
      for (int64_t kk = 0; kk < k; ++kk) {
        const float wv = wm[kk];
        const float* __restrict c = col + kk * np + p0;
        for (int64_t p = 0; p < pn; ++p) o[p] += wv * c[p];
      }
    }
  }
}

void conv_depthwise(const float* x, const float* w, float* out, int64_t mult, int64_t c_in, int64_t ih,
                    int64_t iw, const Window2d& win) {
  for (int64_t m = 0; m < c_in * mult; ++m) {
    const float* xc = x + (m / mult) * ih * iw;
    float* o = out + m * win.oh * win.ow;
    for (int64_t ky = 0; ky < win.kh; ++ky) {
      int64_t ylo, yhi;
      conv_valid_range(win.oh, ih, win.sh, win.pt, ky * win.dh, ylo, yhi);
      for (int64_t kx = 0; kx < win.kw; ++kx) {
        int64_t xlo, xhi;
        conv_valid_range(win.ow, iw, win.sw, win.pl, kx * win.dw, xlo, xhi);
        const float wv = w[(m * win.kh + ky) * win.kw + kx];
        for (int64_t oy = ylo; oy < yhi; ++oy) {
          const float* xr = xc + (oy * win.sh - win.pt + ky * win.dh) * iw - win.pl + kx * win.dw;
          float* orow = o + oy * win.ow;
          if (win.sw == 1) {
            for (int64_t ox = xlo; ox < xhi; ++ox) orow[ox] += wv * xr[ox];
          } else {
            for (int64_t ox = xlo; ox < xhi; ++ox) orow[ox] += wv * xr[ox * win.sw];
          }
        }
      }
    }
  }
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, const Window2d& win, int64_t group) {
  const int64_t n = x.shape[0], c = x.shape[1], ih = x.shape[2], iw = x.shape[3];
  const int64_t m = w.shape[0], cg = c / group, mg = m / group;
  const int64_t k = cg * win.kh * win.kw, np = win.oh * win.ow;
  Tensor out({n, m, win.oh, win.ow});
  const bool pointwise = win.kh == 1 && win.kw == 1 && win.sh == 1 && win.sw == 1 && win.pt == 0 &&
                         win.pl == 0 && win.pb == 0 && win.pr == 0;
  const bool depthwise = cg == 1 && group == c;
  std::vector<float> col(pointwise || depthwise ? 0 : k * np);
  for (int64_t b = 0; b < n; ++b) {
    const float* xb = x.data.data() + b * c * ih * iw;
    float* ob = out.data.data() + b * m * np;
    if (bias)
      for (int64_t oc = 0; oc < m; ++oc) std::fill(ob + oc * np, ob + (oc + 1) * np, bias->data[oc]);
    if (depthwise) {
      conv_depthwise(xb, w.data.data(), ob, mg, c, ih, iw, win);
      continue;
    }
    for (int64_t g = 0; g < group; ++g) {
      const float* xg = xb + g * cg * ih * iw;
      if (!pointwise) {
        for (int64_t ci = 0; ci < cg; ++ci)
          for (int64_t ky = 0; ky < win.kh; ++ky)
            for (int64_t kx = 0; kx < win.kw; ++kx) {
              float* row = col.data() + ((ci * win.kh + ky) * win.kw + kx) * np;
              std::fill(row, row + np, 0.0f);
              int64_t ylo, yhi, xlo, xhi;
              conv_valid_range(win.oh, ih, win.sh, win.pt, ky * win.dh, ylo, yhi);
              conv_valid_range(win.ow, iw, win.sw, win.pl, kx * win.dw, xlo, xhi);
              for (int64_t oy = ylo; oy < yhi; ++oy) {
                const float* xr = xg + ci * ih * iw + (oy * win.sh - win.pt + ky * win.dh) * iw - win.pl + kx * win.dw;
                float* r = row + oy * win.ow;
                for (int64_t ox = xlo; ox < xhi; ++ox) r[ox] = xr[ox * win.sw];
              }
            }
      }
      gemm_rows(w.data.data() + g * mg * k, pointwise ? xg : col.data(), ob + g * mg * np, mg, k, np);
    }
  }
  return out;
}

Tensor max_pool2d(const Tensor& x, const Window2d& win) {
  const int64_t nc = x.shape[0] * x.shape[1], ih = x.shape[2], iw = x.shape[3];
  Tensor out({x.shape[0], x.shape[1], win.oh, win.ow});
  for (int64_t p = 0; p < nc; ++p) {
    const float* xc = x.data.data() + p * ih * iw;
    float* o = out.data.data() + p * win.oh * win.ow;
    for (int64_t oy = 0; oy < win.oh; ++oy)
      for (int64_t ox = 0; ox < win.ow; ++ox) {
        float best = -std::numeric_limits<float>::infinity();
        for (int64_t ky = 0; ky < win.kh; ++ky) {
          const int64_t iy = oy * win.sh - win.pt + ky * win.dh;
          if (iy < 0 || iy >= ih) continue;
          for (int64_t kx = 0; kx < win.kw; ++kx) {
            const int64_t ix = ox * win.sw - win.pl + kx * win.dw;
            if (ix >= 0 && ix < iw) best = std::max(best, xc[iy * iw + ix]);
          }
        }
        o[oy * win.ow + ox] = best;
      }
  }
  return out;
}

Tensor average_pool2d(const Tensor& x, const Window2d& win, bool count_include_pad) {
  const int64_t nc = x.shape[0] * x.shape[1], ih = x.shape[2], iw = x.shape[3];
  Tensor out({x.shape[0], x.shape[1], win.oh, win.ow});
  for (int64_t p = 0; p < nc; ++p) {
    const float* xc = x.data.data() + p * ih * iw;
    float* o = out.data.data() + p * win.oh * win.ow;
    for (int64_t oy = 0; oy < win.oh; ++oy)
      for (int64_t ox = 0; ox < win.ow; ++ox) {
        const int64_t y0 = oy * win.sh - win.pt, x0 = ox * win.sw - win.pl;
        const int64_t y1 = std::min(y0 + win.kh, ih + win.pb), x1 = std::min(x0 + win.kw, iw + win.pr);
        const int64_t ys = std::max<int64_t>(y0, 0), xs = std::max<int64_t>(x0, 0);
        const int64_t ye = std::min(y1, ih), xe = std::min(x1, iw);
        float sum = 0.0f;
        for (int64_t iy = ys; iy < ye; ++iy)
          for (int64_t ix = xs; ix < xe; ++ix) sum += xc[iy * iw + ix];
        const int64_t count = count_include_pad ? (y1 - y0) * (x1 - x0) : (ye - ys) * (xe - xs);
        o[oy * win.ow + ox] = count > 0 ? sum / static_cast<float>(count) : 0.0f;
      }
  }
  return out;
}

Tensor global_average_pool(const Tensor& x) {
  Shape s = x.shape;
  int64_t spatial = 1;
  for (size_t i = 2; i < s.size(); ++i) spatial *= s[i], s[i] = 1;
  Tensor out(s);
  for (int64_t p = 0; p < out.size(); ++p) {
    double sum = 0.0;
    const float* xc = x.data.data() + p * spatial;
    for (int64_t i = 0; i < spatial; ++i) sum += xc[i];
    out.data[p] = static_cast<float>(sum / static_cast<double>(spatial));
  }
  return out;
}

Tensor batch_norm(const Tensor& x, const Tensor& scale, const Tensor& bias, const Tensor& mean,
                  const Tensor& var, float eps) {
  Tensor out(x.shape);
  const int64_t n = x.shape[0], c = x.shape[1], inner = x.size() / std::max<int64_t>(1, n * c);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch) {
      const float s = scale.data[ch] / std::sqrt(var.data[ch] + eps);
      const float sh = bias.data[ch] - mean.data[ch] * s;
      const int64_t base = (b * c + ch) * inner;
      for (int64_t i = 0; i < inner; ++i) out.data[base + i] = x.data[base + i] * s + sh;
    }
  return out;
}

namespace {
// Strides of `s` seen through a broadcast to rank r (0 on broadcast dims).
std::vector<int64_t> bstrides(const Shape& s, const Shape& out) {
  const size_t r = out.size();
  std::vector<int64_t> st(r, 0);
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    const size_t o = i + (r - s.size());
    st[o] = s[i] == 1 ? 0 : acc;
    acc *= s[i];
  }
  return st;
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b, const Shape& out_shape) {
  Tensor out(out_shape);
  if (a.shape == out_shape && b.shape == out_shape) {
    for (int64_t i = 0; i < out.size(); ++i) out.data[i] = a.data[i] + b.data[i];
    return out;
  }
  if (out_shape.empty()) {
    out.data[0] = a.data[0] + b.data[0];
    return out;
  }
  const size_t r = out_shape.size();
  const auto sa = bstrides(a.shape, out_shape), sb = bstrides(b.shape, out_shape);
  const int64_t inner = out_shape[r - 1], outer = out.size() / std::max<int64_t>(inner, 1);
  std::vector<int64_t> idx(r, 0);
  for (int64_t o = 0; o < outer; ++o) {
    int64_t oa = 0, ob = 0;
    for (size_t d = 0; d + 1 < r; ++d) oa += idx[d] * sa[d], ob += idx[d] * sb[d];
    float* dst = out.data.data() + o * inner;
    for (int64_t i = 0; i < inner; ++i) dst[i] = a.data[oa + i * sa[r - 1]] + b.data[ob + i * sb[r - 1]];
    for (size_t d = r - 1; d-- > 0;) {
      if (++idx[d] < out_shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

Tensor gemm(const Tensor& a, const Tensor& b, const Tensor* c, float alpha, float beta, bool trans_a,
            bool trans_b) {
  const int64_t m = trans_a ? a.shape[1] : a.shape[0], k = trans_a ? a.shape[0] : a.shape[1];
  const int64_t n = trans_b ? b.shape[0] : b.shape[1];
  std::vector<float> bt;  // B as [k][n]
  const float* bp = b.data.data();
  if (trans_b) {
    bt.resize(k * n);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t kk = 0; kk < k; ++kk) bt[kk * n + j] = b.data[j * k + kk];
    bp = bt.data();
  }
  Tensor out({m, n});
  std::vector<float> acc(n);
  for (int64_t i = 0; i < m; ++i) {
    std::fill(acc.begin(), acc.end(), 0.0f);
    for (int64_t kk = 0; kk < k; ++kk) {
      const float av = trans_a ? a.data[kk * m + i] : a.data[i * k + kk];
      const float* br = bp + kk * n;
      for (int64_t j = 0; j < n; ++j) acc[j] += av * br[j];
    }
    for (int64_t j = 0; j < n; ++j) out.data[i * n + j] = alpha * acc[j];
  }
  if (c && beta != 0.0f) {
    Tensor cb = add(Tensor(out.shape), *c, out.shape);  // broadcast C to [m, n]
    for (int64_t i = 0; i < out.size(); ++i) out.data[i] += beta * cb.data[i];
  }
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b, const Shape& out_shape) {
  Shape a2 = a.shape, b2 = b.shape;
  if (a2.size() == 1) a2.insert(a2.begin(), 1);
  if (b2.size() == 1) b2.push_back(1);
  const int64_t m = a2[a2.size() - 2], k = a2.back(), n = b2.back();
  Shape batch(out_shape.begin(), out_shape.end() - (a.shape.size() != 1) - (b.shape.size() != 1));
  const Shape ab(a2.begin(), a2.end() - 2), bb(b2.begin(), b2.end() - 2);
  const auto sa = bstrides(ab, batch), sb = bstrides(bb, batch);
  Tensor out(out_shape);
  const int64_t nb = num_elements(batch);
  std::vector<int64_t> idx(batch.size(), 0);
  for (int64_t t = 0; t < nb; ++t) {
    int64_t oa = 0, ob = 0;
    for (size_t d = 0; d < batch.size(); ++d) oa += idx[d] * sa[d], ob += idx[d] * sb[d];
    const float* ap = a.data.data() + oa * m * k;
    const float* bp = b.data.data() + ob * k * n;
    float* op = out.data.data() + t * m * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t kk = 0; kk < k; ++kk) {
        const float av = ap[i * k + kk];
        for (int64_t j = 0; j < n; ++j) op[i * n + j] += av * bp[kk * n + j];
      }
    for (size_t d = batch.size(); d-- > 0;) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

Tensor concat(const std::vector<const Tensor*>& xs, int64_t axis) {
  Shape s = xs[0]->shape;
  s[axis] = 0;
  for (const Tensor* x : xs) s[axis] += x->shape[axis];
  Tensor out(s);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= s[d];
  for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
  float* dst = out.data.data();
  for (int64_t o = 0; o < outer; ++o)
    for (const Tensor* x : xs) {
      const int64_t chunk = x->shape[axis] * inner;
      std::memcpy(dst, x->data.data() + o * chunk, chunk * sizeof(float));
      dst += chunk;
    }
  return out;
}

Tensor softmax(const Tensor& x, int64_t axis, bool legacy_2d, bool log) {
  Tensor out(x.shape);
  int64_t outer = 1, len = 1, inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(x.shape.size()); ++d) {
    if (d < axis) outer *= x.shape[d];
    else if (d == axis || legacy_2d) len *= x.shape[d];
    else inner *= x.shape[d];
  }
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const float* src = x.data.data() + o * len * inner + i;
      float* dst = out.data.data() + o * len * inner + i;
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < len; ++j) mx = std::max(mx, src[j * inner]);
      double sum = 0.0;
      for (int64_t j = 0; j < len; ++j) sum += dst[j * inner] = std::exp(src[j * inner] - mx);
      if (log) {
        const double log_sum = std::log(sum);
        for (int64_t j = 0; j < len; ++j) dst[j * inner] = static_cast<float>(double(src[j * inner] - mx) - log_sum);
        continue;
      }
      const float inv = static_cast<float>(1.0 / sum);
      for (int64_t j = 0; j < len; ++j) dst[j * inner] *= inv;
    }
  return out;
}

void clip_inplace(Tensor& x, float lo, float hi) {
  for (float& v : x.data) v = std::min(std::max(v, lo), hi);
}

}  // namespace ops
}  // namespace graph
}  // namespace qrt
