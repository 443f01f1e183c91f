#include "quantize/gptq.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "graph/graph.h"

namespace qrt::quantize {
namespace {

constexpr int kClipRatios = 80;     // r = 1 - i / 100, i = 0..79
constexpr int kDampRetries = 3;     // 10x, 100x, 1000x options.damp
constexpr int64_t kPanel = 64;      // columns per factorization panel, rows per inverse group
constexpr int64_t kTile = 256;      // columns per cache tile of the rank updates
constexpr int64_t kRowChunk = 64;   // rows of U per cache chunk of the inverse

void check_bits(int bits) {
  if (bits < 4 || bits > 8) throw ConvertError("weight bits must be 4..8, got " + std::to_string(bits));
}

// clamp(round-half-to-even(x), -qmax, qmax), as quantize_weights_per_channel.
double round_clamp(double x, double qmax) { return std::min(std::max(std::nearbyint(x), -qmax), qmax); }

float minmax_scale(float amax, int qmax) { return amax > 0.0f ? amax / float(qmax) : 1.0f; }

// sum (w - s q)^2 over one channel; stops early (returning something >=
// bound) once the partial sum reaches `bound`: the terms are non-negative, so
// the full sum could not be smaller.
double channel_sq_error(const float* w, int64_t k, float scale, double qmax, double bound) {
  const double s = double(scale);
  double sum = 0.0;
  for (int64_t i = 0; i < k; ++i) {
    const double e = double(w[i]) - s * round_clamp(double(w[i]) / s, qmax);
    sum += e * e;
    if (sum >= bound) break;
  }
  return sum;
}

// y[i] -= sum_m coef[m] * x[m * ld + i] for i in [from, to), m in [0, n):
// the one inner loop of every rank update below (contiguous in i, so the
// compiler vectorizes it; four rows of x per pass over y).
void subtract_combination(double* y, int64_t from, int64_t to, const double* coef, const double* x, int64_t ld,
                          int64_t n) {
  int64_t m = 0;
  for (; m + 4 <= n; m += 4) {
    const double c0 = coef[m], c1 = coef[m + 1], c2 = coef[m + 2], c3 = coef[m + 3];
    const double* x0 = x + m * ld;
    const double* x1 = x0 + ld;
    const double* x2 = x1 + ld;
    const double* x3 = x2 + ld;
    for (int64_t i = from; i < to; ++i) y[i] -= c0 * x0[i] + c1 * x1[i] + c2 * x2[i] + c3 * x3[i];
  }
  for (; m < n; ++m) {
    const double c = coef[m];
    const double* x0 = x + m * ld;
    for (int64_t i = from; i < to; ++i) y[i] -= c * x0[i];
  }
}

// The working copy of H': h's upper triangle, dead inputs made live with
// diagonal 1 and no coupling, `damp` times the mean diagonal added; strict
// lower triangle 0 (the inverse relies on it).
void load_damped(const double* h, int64_t k, const std::vector<bool>& dead, double damp, std::vector<double>& a) {
  std::fill(a.begin(), a.end(), 0.0);
  double diag_sum = 0.0;
  for (int64_t i = 0; i < k; ++i) {
    double* ai = a.data() + i * k;
    if (dead[size_t(i)]) {
      ai[i] = 1.0;
    } else {
      for (int64_t j = i; j < k; ++j) ai[j] = dead[size_t(j)] ? 0.0 : h[i * k + j];
    }
    diag_sum += ai[i];
  }
  const double add = damp * diag_sum / double(k);
  for (int64_t i = 0; i < k; ++i) a[size_t(i * k + i)] += add;
}

// H' = R R^T with R upper triangular, positive diagonal: the Cholesky
// factorization run from the last index to the first. `a` (row-major, upper
// triangle = H') is overwritten in its upper triangle with R. Right-looking,
// in panels of kPanel columns [j0, j1) from the right: the panel's diagonal
// block first, then the rows above it one at a time (each row's kPanel values
// are contiguous and the block's factor, transposed, stays in L1), then the
// leading block [0, j0)^2 takes the rank-kPanel product of the panel's rows,
// in tiles of kTile columns. False when a pivot is not positive and finite.
bool factor_reverse_cholesky(double* a, int64_t k) {
  std::vector<double> diag_t(size_t(kPanel * kPanel));  // diag_t[(j - j0) * kPanel + (i - j0)] = R[i][j]
  std::vector<double> panel_t;                          // panel_t[m * kTile + i - t0] = R[i][j0 + m]
  for (int64_t j1 = k; j1 > 0; j1 -= kPanel) {
    const int64_t j0 = std::max<int64_t>(0, j1 - kPanel);
    const int64_t nb = j1 - j0;
    // The diagonal block, right-looking inside it.
    for (int64_t j = j1 - 1; j >= j0; --j) {
      const double d = a[j * k + j];
      if (!(d > 0.0) || !std::isfinite(d)) return false;
      const double r = std::sqrt(d);
      a[j * k + j] = r;
      for (int64_t i = j0; i < j; ++i) a[i * k + j] /= r;
      for (int64_t i = j0; i < j; ++i) {
        const double rij = a[i * k + j];
        for (int64_t l = i; l < j; ++l) a[i * k + l] -= rij * a[l * k + j];
      }
      for (int64_t i = j0; i <= j; ++i) diag_t[size_t((j - j0) * kPanel + (i - j0))] = a[i * k + j];
    }
    if (j0 == 0) break;
    // The rows above it: R[i][j] = (a[i][j] - sum over m in (j, j1) of R[i][m] R[j][m]) / R[j][j].
    for (int64_t i = 0; i < j0; ++i) {
      double* ai = a + i * k;
      for (int64_t j = j1 - 1; j >= j0; --j) {
        const double* dj = diag_t.data() + (j - j0) * kPanel;  // dj[l - j0] = R[l][j]
        const double rij = ai[j] / dj[j - j0];
        ai[j] = rij;
        for (int64_t l = j0; l < j; ++l) ai[l] -= rij * dj[l - j0];
      }
    }
    // The leading block: a[l][i] -= sum over the panel's m of R[l][m] R[i][m],
    // l <= i < j0, tile by tile; each tile's part of the panel, transposed,
    // contiguous (nb x kTile).
    panel_t.resize(size_t(nb * kTile));
    for (int64_t t0 = 0; t0 < j0; t0 += kTile) {
      const int64_t t1 = std::min(j0, t0 + kTile);
      for (int64_t i = t0; i < t1; ++i)
        for (int64_t m = 0; m < nb; ++m) panel_t[size_t(m * kTile + (i - t0))] = a[i * k + j0 + m];
      for (int64_t l = 0; l < t1; ++l)
        subtract_combination(a + l * k + t0, std::max(l, t0) - t0, t1 - t0, a + l * k + j0, panel_t.data(), kTile, nb);
    }
  }
  return true;
}

// U = R^-1 in place (`a`'s upper triangle holds R, its strict lower triangle
// 0). Rows from the last up, in groups of kPanel: row i of U is
// -(sum over m > i of R[i][m] U[m][.]) / R[i][i], U[i][i] = 1 / R[i][i]. The
// group's rows first take the finished rows below the group (tiles of kTile
// columns, chunks of kRowChunk rows, zeros below U's diagonal included), then
// each other inside the group.
void invert_upper(double* a, int64_t k) {
  std::vector<double> r_group(size_t(kPanel * k));  // the group's rows of R
  for (int64_t i1 = k; i1 > 0; i1 -= kPanel) {
    const int64_t i0 = std::max<int64_t>(0, i1 - kPanel);
    for (int64_t i = i0; i < i1; ++i) {
      std::copy(a + i * k + i, a + i * k + k, r_group.begin() + (i - i0) * k + i);
      std::fill(a + i * k + i, a + i * k + k, 0.0);  // becomes -(sum), then U's row
    }
    for (int64_t t0 = i1; t0 < k; t0 += kTile) {
      const int64_t t1 = std::min(k, t0 + kTile);
      for (int64_t m0 = i1; m0 < t1; m0 += kRowChunk) {
        const int64_t m1 = std::min(t1, m0 + kRowChunk);
        for (int64_t i = i0; i < i1; ++i)
          subtract_combination(a + i * k, std::max(t0, m0), t1, r_group.data() + (i - i0) * k + m0, a + m0 * k, k,
                               m1 - m0);
      }
    }
    for (int64_t i = i1 - 1; i >= i0; --i) {
      const double* ri = r_group.data() + (i - i0) * k;
      double* ui = a + i * k;
      for (int64_t m = i + 1; m < i1; ++m) {
        const double c = ri[m];
        const double* um = a + m * k;
        for (int64_t j = m; j < k; ++j) ui[j] -= c * um[j];
      }
      const double d = ri[i];
      ui[i] = 1.0 / d;
      for (int64_t j = i + 1; j < k; ++j) ui[j] /= d;
    }
  }
}

// GPTQ proper on the double weights `wd` (channels x k) with U in `u`.
// `zero` marks weights that were exactly 0 (pruned): they stay 0 whatever
// the updates moved them to, and push no error on.
void gptq_columns(double* wd, int channels, int64_t k, const double* u, const std::vector<float>& scales, int qmax,
                  int64_t block, const std::vector<bool>& zero, int8_t* out) {
  const double qm = double(qmax);
  std::vector<double> err(size_t(channels) * size_t(block));
  for (int64_t b0 = 0; b0 < k; b0 += block) {
    const int64_t b1 = std::min(k, b0 + block);
    const int64_t nb = b1 - b0;
    for (int c = 0; c < channels; ++c) {
      double* wc = wd + int64_t(c) * k;
      double* ec = err.data() + int64_t(c) * nb;
      int8_t* qc = out + int64_t(c) * k;
      const double s = double(scales[size_t(c)]);
      for (int64_t j = b0; j < b1; ++j) {
        if (zero[size_t(int64_t(c) * k + j)]) wc[j] = 0.0;
        const double q = round_clamp(wc[j] / s, qm);
        qc[j] = static_cast<int8_t>(q);
        const double* uj = u + j * k;
        const double e = (wc[j] - q * s) / uj[j];
        ec[j - b0] = e;
        for (int64_t l = j + 1; l < b1; ++l) wc[l] -= e * uj[l];
      }
    }
    // The lazy update: every later column takes the block's errors at once.
    for (int64_t t0 = b1; t0 < k; t0 += kTile) {
      const int64_t t1 = std::min(k, t0 + kTile);
      for (int c = 0; c < channels; ++c)
        subtract_combination(wd + int64_t(c) * k, t0, t1, err.data() + int64_t(c) * nb, u + b0 * k, k, nb);
    }
  }
}

}  // namespace

std::vector<float> mse_channel_scales(const float* w, int channels, int64_t k, int bits) {
  check_bits(bits);
  const int qmax = s8_qmax(bits);
  std::vector<float> scales(size_t(std::max(channels, 0)));
  for (int c = 0; c < channels; ++c) {
    const float* wc = w + int64_t(c) * k;
    float amax = 0.0f;
    for (int64_t i = 0; i < k; ++i) amax = std::max(amax, std::fabs(wc[i]));
    float best = minmax_scale(amax, qmax);
    if (amax > 0.0f) {
      double best_err = channel_sq_error(wc, k, best, double(qmax), HUGE_VAL);
      for (int r = 1; r < kClipRatios && best_err > 0.0; ++r) {
        const float s = float(double(amax) * (double(100 - r) / 100.0) / double(qmax));
        if (!(s > 0.0f)) break;
        const double e = channel_sq_error(wc, k, s, double(qmax), best_err);
        if (e < best_err) {
          best_err = e;
          best = s;
        }
      }
    }
    scales[size_t(c)] = best;
  }
  return scales;
}

QuantizedWeights quantize_weights_gptq(const float* w, int channels, int64_t k, const double* h, int bits,
                                       const GptqOptions& options, GptqReport* report) {
  check_bits(bits);
  if (channels < 0 || k < 0) throw ConvertError("gptq: negative weight shape");
  if (!(options.damp > 0.0) || !std::isfinite(options.damp))
    throw ConvertError("gptq: damp must be > 0, got " + std::to_string(options.damp));
  if (options.block < 1) throw ConvertError("gptq: block must be >= 1, got " + std::to_string(options.block));
  const size_t n = size_t(channels) * size_t(k);
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(w[i])) throw ConvertError("gptq: non-finite weight at index " + std::to_string(i));
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = i; j < k; ++j)
      if (!std::isfinite(h[i * k + j]))
        throw ConvertError("gptq: non-finite H entry at (" + std::to_string(i) + ", " + std::to_string(j) + ")");

  GptqReport local;
  GptqReport& rep = report ? *report : local;
  rep = GptqReport{};

  // Dead inputs: weights 0, and the scales come from the live weights only.
  std::vector<bool> dead(static_cast<size_t>(k));
  std::vector<float> live(w, w + n);
  for (int64_t i = 0; i < k; ++i) {
    if (h[i * k + i] != 0.0) continue;
    dead[size_t(i)] = true;
    ++rep.dead_inputs;
    for (int c = 0; c < channels; ++c) live[size_t(int64_t(c) * k + i)] = 0.0f;
  }

  const int qmax = s8_qmax(bits);
  QuantizedWeights out;
  out.values.resize(n);
  if (options.clip_search) {
    out.scales = mse_channel_scales(live.data(), channels, k, bits);
  } else {
    out.scales.resize(size_t(channels));
    for (int c = 0; c < channels; ++c) {
      float amax = 0.0f;
      for (int64_t i = 0; i < k; ++i) amax = std::max(amax, std::fabs(live[size_t(int64_t(c) * k + i)]));
      out.scales[size_t(c)] = minmax_scale(amax, qmax);
    }
  }
  if (n == 0) return out;

  if (options.act_order) {
    // Inputs in order of decreasing h[i][i] (ties: index order), so the
    // inputs carrying the most signal are rounded first, while the most
    // inputs remain to take their error; dead inputs (h 0) last.
    std::vector<int64_t> perm(static_cast<size_t>(k));
    for (int64_t i = 0; i < k; ++i) perm[size_t(i)] = i;
    std::stable_sort(perm.begin(), perm.end(),
                     [&](int64_t x, int64_t y) { return h[x * k + x] > h[y * k + y]; });
    std::vector<double> hp(size_t(k) * size_t(k));
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = i; j < k; ++j) {
        const int64_t a0 = std::min(perm[size_t(i)], perm[size_t(j)]), a1 = std::max(perm[size_t(i)], perm[size_t(j)]);
        hp[size_t(i * k + j)] = h[a0 * k + a1];
      }
    std::vector<float> wp(n);
    for (int c = 0; c < channels; ++c)
      for (int64_t i = 0; i < k; ++i) wp[size_t(int64_t(c) * k + i)] = w[int64_t(c) * k + perm[size_t(i)]];
    GptqOptions inner = options;
    inner.act_order = false;
    QuantizedWeights qp = quantize_weights_gptq(wp.data(), channels, k, hp.data(), bits, inner, report);
    for (int c = 0; c < channels; ++c)
      for (int64_t i = 0; i < k; ++i)
        out.values[size_t(int64_t(c) * k + perm[size_t(i)])] = qp.values[size_t(int64_t(c) * k + i)];
    out.scales = qp.scales;
    return out;
  }

  std::vector<double> a(size_t(k) * size_t(k));
  bool factored = false;
  double damp = options.damp;
  for (int attempt = 0; attempt <= kDampRetries && !factored; ++attempt, damp *= 10.0) {
    load_damped(h, k, dead, damp, a);
    factored = factor_reverse_cholesky(a.data(), k);
    rep.damp = damp;
    rep.damp_retries = attempt;
  }
  if (!factored) {
    // Round-to-nearest with the same scales (the documented fallback).
    rep.fell_back_to_rtn = true;
    for (int c = 0; c < channels; ++c) {
      const double s = double(out.scales[size_t(c)]);
      for (int64_t i = 0; i < k; ++i) {
        const size_t at = size_t(int64_t(c) * k + i);
        out.values[at] = static_cast<int8_t>(round_clamp(double(live[at]) / s, double(qmax)));
      }
    }
    return out;
  }
  invert_upper(a.data(), k);

  std::vector<bool> zero(n);
  for (size_t i = 0; i < n; ++i) zero[i] = w[i] == 0.0f;
  std::vector<double> wd(live.begin(), live.end());
  live = {};
  gptq_columns(wd.data(), channels, k, a.data(), out.scales, qmax, int64_t(options.block), zero, out.values.data());
  return out;
}

}  // namespace qrt::quantize
