// GPTQ weight quantization and the MSE clip search (converter/quantize/gptq.h).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "graph/graph.h"
#include "quantize/gptq.h"
#include "quantize/quant_math.h"

using namespace qrt::quantize;

namespace {

// splitmix64 and Box-Muller: the same numbers on every platform.
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return (double(next() >> 11) + 0.5) * 0x1.0p-53; }  // (0, 1)
  double normal() { return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()); }
};

// A layer's weights and calibration inputs X = Z A (Z standard normal,
// A = D (I + G / sqrt(k)) with G standard normal, D = diag(decay^i): inputs
// correlated through A, more strongly as decay falls below 1), optionally
// through a ReLU as most conv inputs are. H = X^T X.
struct Layer {
  int channels;
  int64_t k, samples;
  std::vector<float> w;   // channels x k
  std::vector<double> x;  // samples x k
  std::vector<double> h;  // k x k
};

Layer make_layer(int channels, int64_t k, int64_t samples, uint64_t seed, bool relu, double decay = 1.0) {
  Rng rng{seed};
  Layer l{channels, k, samples, {}, {}, {}};
  std::vector<double> a(size_t(k * k));
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < k; ++j)
      a[size_t(i * k + j)] = std::pow(decay, double(i)) * ((i == j ? 1.0 : 0.0) + rng.normal() / std::sqrt(double(k)));
  std::vector<double> z(static_cast<size_t>(k));
  l.x.assign(size_t(samples * k), 0.0);
  for (int64_t s = 0; s < samples; ++s) {
    for (double& v : z) v = rng.normal();
    double* xs = l.x.data() + s * k;
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j) xs[j] += z[size_t(i)] * a[size_t(i * k + j)];
    if (relu)
      for (int64_t j = 0; j < k; ++j) xs[j] = std::max(xs[j], 0.0);
  }
  l.h.assign(size_t(k * k), 0.0);
  for (int64_t s = 0; s < samples; ++s) {
    const double* xs = l.x.data() + s * k;
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j) l.h[size_t(i * k + j)] += xs[i] * xs[j];
  }
  l.w.resize(size_t(channels * k));
  for (int c = 0; c < channels; ++c)
    for (int64_t i = 0; i < k; ++i) l.w[size_t(c * k + i)] = float(rng.normal() * (0.5 + c % 3));
  return l;
}

// ||(W - W_q) X^T||_F.
double output_error(const Layer& l, const QuantizedWeights& q) {
  double sum = 0.0;
  for (int c = 0; c < l.channels; ++c) {
    std::vector<double> d(size_t(l.k));
    for (int64_t i = 0; i < l.k; ++i)
      d[size_t(i)] = double(l.w[size_t(c * l.k + i)]) - double(q.values[size_t(c * l.k + i)]) * double(q.scales[size_t(c)]);
    for (int64_t s = 0; s < l.samples; ++s) {
      double y = 0.0;
      for (int64_t i = 0; i < l.k; ++i) y += d[size_t(i)] * l.x[size_t(s * l.k + i)];
      sum += y * y;
    }
  }
  return std::sqrt(sum);
}

// Round-to-nearest with the given scales (quant_math.h's rule).
QuantizedWeights round_to_nearest(const std::vector<float>& w, int channels, int64_t k,
                                  const std::vector<float>& scales, int bits) {
  const double qmax = double(s8_qmax(bits));
  QuantizedWeights q;
  q.scales = scales;
  q.values.resize(w.size());
  for (int c = 0; c < channels; ++c)
    for (int64_t i = 0; i < k; ++i) {
      const double v = std::nearbyint(double(w[size_t(c * k + i)]) / double(scales[size_t(c)]));
      q.values[size_t(c * k + i)] = int8_t(std::min(std::max(v, -qmax), qmax));
    }
  return q;
}

double channel_mse(const float* w, int64_t k, float scale, int bits) {
  const double qmax = double(s8_qmax(bits));
  double sum = 0.0;
  for (int64_t i = 0; i < k; ++i) {
    const double q = std::min(std::max(std::nearbyint(double(w[i]) / double(scale)), -qmax), qmax);
    const double e = double(w[i]) - double(scale) * q;
    sum += e * e;
  }
  return sum;
}

void require_in_range(const QuantizedWeights& q, int bits) {
  const int qmax = s8_qmax(bits);
  for (int8_t v : q.values) {
    REQUIRE(v >= -qmax);
    REQUIRE(v <= qmax);
  }
  for (float s : q.scales) REQUIRE(s > 0.0f);
}

}  // namespace

TEST_CASE("gptq with a diagonal H is round-to-nearest with the same scales", "[gptq]") {
  const int bits = GENERATE(4, 5, 6, 7, 8);
  const bool clip = GENERATE(false, true);
  const int channels = 7;
  const int64_t k = 150;  // one full block of 128 and a partial one
  Rng rng{42};
  std::vector<float> w(size_t(channels * k));
  for (float& v : w) v = float(rng.normal());
  std::vector<double> h(size_t(k * k), 0.0);
  for (int64_t i = 0; i < k; ++i) h[size_t(i * k + i)] = 0.1 + 10.0 * rng.uniform();

  GptqOptions options;
  options.clip_search = clip;
  GptqReport report;
  const QuantizedWeights q = quantize_weights_gptq(w.data(), channels, k, h.data(), bits, options, &report);
  const QuantizedWeights expect =
      clip ? round_to_nearest(w, channels, k, mse_channel_scales(w.data(), channels, k, bits), bits)
           : quantize_weights_per_channel(w.data(), channels, k, bits);
  REQUIRE(q.scales == expect.scales);
  REQUIRE(q.values == expect.values);
  REQUIRE_FALSE(report.fell_back_to_rtn);
  REQUIRE(report.damp_retries == 0);
  REQUIRE(report.dead_inputs == 0);
}

// Textbook GPTQ, written independently of gptq.cc: H'^-1 by Gauss-Jordan,
// its upper Cholesky factor U by the usual formulas, then one column at a
// time with no blocks. MinMax scales.
QuantizedWeights textbook_gptq(const Layer& l, int bits, double damp) {
  const int64_t k = l.k;
  std::vector<double> m(size_t(k * 2 * k), 0.0);  // [H' | I]
  double mean = 0.0;
  for (int64_t i = 0; i < k; ++i) mean += l.h[size_t(i * k + i)] / double(k);
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = 0; j < k; ++j) m[size_t(i * 2 * k + j)] = l.h[size_t(i * k + j)] + (i == j ? damp * mean : 0.0);
    m[size_t(i * 2 * k + k + i)] = 1.0;
  }
  for (int64_t c = 0; c < k; ++c) {
    int64_t p = c;
    for (int64_t r = c + 1; r < k; ++r)
      if (std::fabs(m[size_t(r * 2 * k + c)]) > std::fabs(m[size_t(p * 2 * k + c)])) p = r;
    for (int64_t j = 0; j < 2 * k; ++j) std::swap(m[size_t(c * 2 * k + j)], m[size_t(p * 2 * k + j)]);
    const double piv = m[size_t(c * 2 * k + c)];
    for (int64_t j = 0; j < 2 * k; ++j) m[size_t(c * 2 * k + j)] /= piv;
    for (int64_t r = 0; r < k; ++r) {
      if (r == c) continue;
      const double f = m[size_t(r * 2 * k + c)];
      for (int64_t j = 0; j < 2 * k; ++j) m[size_t(r * 2 * k + j)] -= f * m[size_t(c * 2 * k + j)];
    }
  }
  auto hinv = [&](int64_t i, int64_t j) { return m[size_t(i * 2 * k + k + j)]; };
  std::vector<double> u(size_t(k * k), 0.0);
  for (int64_t i = 0; i < k; ++i) {
    double d = hinv(i, i);
    for (int64_t r = 0; r < i; ++r) d -= u[size_t(r * k + i)] * u[size_t(r * k + i)];
    u[size_t(i * k + i)] = std::sqrt(d);
    for (int64_t j = i + 1; j < k; ++j) {
      double v = hinv(i, j);
      for (int64_t r = 0; r < i; ++r) v -= u[size_t(r * k + i)] * u[size_t(r * k + j)];
      u[size_t(i * k + j)] = v / u[size_t(i * k + i)];
    }
  }
  QuantizedWeights q = quantize_weights_per_channel(l.w.data(), l.channels, k, bits);  // for the scales
  const double qmax = double(s8_qmax(bits));
  for (int c = 0; c < l.channels; ++c) {
    std::vector<double> w(l.w.begin() + c * k, l.w.begin() + (c + 1) * k);
    const double sc = double(q.scales[size_t(c)]);
    for (int64_t j = 0; j < k; ++j) {
      const double v = std::min(std::max(std::nearbyint(w[size_t(j)] / sc), -qmax), qmax);
      q.values[size_t(c * k + j)] = int8_t(v);
      const double e = (w[size_t(j)] - v * sc) / u[size_t(j * k + j)];
      for (int64_t t = j + 1; t < k; ++t) w[size_t(t)] -= e * u[size_t(j * k + t)];
    }
  }
  return q;
}

TEST_CASE("gptq matches a textbook implementation (several panels and tiles, partial blocks)", "[gptq]") {
  const int bits = GENERATE(4, 6);
  const Layer l = make_layer(8, 300, 600, 21, true, 0.99);
  GptqOptions options;
  options.clip_search = false;
  options.act_order = false;  // the textbook's index order
  options.block = 48;
  const QuantizedWeights g = quantize_weights_gptq(l.w.data(), l.channels, l.k, l.h.data(), bits, options);
  const QuantizedWeights t = textbook_gptq(l, bits, options.damp);
  REQUIRE(g.scales == t.scales);
  // The arithmetic differs in rounding only; a value can flip where w / s
  // lands within rounding of a half step, and the flip then moves later columns.
  size_t same = 0;
  for (size_t i = 0; i < g.values.size(); ++i) same += g.values[i] == t.values[i];
  INFO(same << " of " << g.values.size() << " values equal");
  REQUIRE(double(same) >= 0.99 * double(g.values.size()));
  REQUIRE(output_error(l, g) == Approx(output_error(l, t)).epsilon(0.01));
}

TEST_CASE("gptq on correlated inputs: output error below round-to-nearest, never above", "[gptq]") {
  // decay 1: every direction of X about as strong (A = I + G / sqrt(k));
  // decay 0.98: variances spread over 1.5 decades, as in conv inputs.
  const double decay = GENERATE(1.0, 0.98);
  const bool relu = GENERATE(false, true);
  const bool clip = GENERATE(false, true);
  for (uint64_t seed = 1; seed <= 2; ++seed) {
    const Layer l = make_layer(16, 200, 800, seed, relu, decay);
    for (int bits = 4; bits <= 8; ++bits) {
      GptqOptions options;
      options.clip_search = clip;
      const QuantizedWeights g = quantize_weights_gptq(l.w.data(), l.channels, l.k, l.h.data(), bits, options);
      require_in_range(g, bits);
      const QuantizedWeights r = round_to_nearest(l.w, l.channels, l.k, g.scales, bits);  // the same scales
      const double eg = output_error(l, g), er = output_error(l, r);
      const double ratio = eg / er;
      INFO("decay " << decay << " relu " << relu << " clip " << clip << " seed " << seed << " bits " << bits
                    << ": ||(W - Wq) X^T|| gptq " << eg << " rtn " << er << " ratio " << ratio);
      CHECK(eg <= er);
      if (bits == 4 || bits == 6) CHECK(ratio < (decay == 1.0 ? 0.85 : 0.7));  // measured 0.65-0.81 and 0.35-0.63
    }
  }
}

TEST_CASE("gptq: range, positive scales, all-zero channels, dead inputs, k not a multiple of the block", "[gptq]") {
  const int bits = GENERATE(4, 5, 6, 7, 8);
  const int64_t block = GENERATE(int64_t(1), int64_t(16), int64_t(128));
  Layer l = make_layer(6, 77, 300, 9, true);
  // Channel 2 all zero; inputs 5 and 40 dead (zero in every sample), with a
  // large weight on input 40 in channel 0 that must not set its scale.
  for (int64_t i = 0; i < l.k; ++i) l.w[size_t(2 * l.k + i)] = 0.0f;
  for (int64_t dead : {5, 40})
    for (int64_t i = 0; i < l.k; ++i) l.h[size_t(dead * l.k + i)] = l.h[size_t(i * l.k + dead)] = 0.0;
  l.w[size_t(40)] = 1000.0f;

  GptqOptions options;
  options.block = int(block);
  options.clip_search = false;
  GptqReport report;
  const QuantizedWeights q = quantize_weights_gptq(l.w.data(), l.channels, l.k, l.h.data(), bits, options, &report);
  require_in_range(q, bits);
  REQUIRE(q.values.size() == l.w.size());
  REQUIRE(q.scales.size() == size_t(l.channels));
  REQUIRE(report.dead_inputs == 2);
  REQUIRE_FALSE(report.fell_back_to_rtn);
  REQUIRE(q.scales[2] == 1.0f);
  for (int64_t i = 0; i < l.k; ++i) REQUIRE(q.values[size_t(2 * l.k + i)] == 0);
  for (int c = 0; c < l.channels; ++c) {
    REQUIRE(q.values[size_t(c * l.k + 5)] == 0);
    REQUIRE(q.values[size_t(c * l.k + 40)] == 0);
  }
  std::vector<float> live(l.w.begin(), l.w.begin() + l.k);
  live[5] = live[40] = 0.0f;
  REQUIRE(q.scales[0] == quantize_weights_per_channel(live.data(), 1, l.k, bits).scales[0]);
}

TEST_CASE("gptq: block size changes rounding only; k = 1 and empty shapes", "[gptq]") {
  const Layer l = make_layer(8, 100, 400, 3, false);
  GptqOptions options;
  double errors[3];
  int b = 0;
  for (int block : {1, 37, 1000}) {
    options.block = block;
    errors[b++] = output_error(l, quantize_weights_gptq(l.w.data(), l.channels, l.k, l.h.data(), 4, options));
  }
  REQUIRE(errors[1] == Approx(errors[0]).epsilon(0.02));
  REQUIRE(errors[2] == Approx(errors[0]).epsilon(0.02));

  const float w1[2] = {0.3f, -2.0f};
  const double h1[1] = {4.0};
  const QuantizedWeights one = quantize_weights_gptq(w1, 2, 1, h1, 4);
  REQUIRE(one.values == std::vector<int8_t>{7, -7});
  REQUIRE(quantize_weights_gptq(w1, 0, 1, h1, 4).values.empty());
  const QuantizedWeights none = quantize_weights_gptq(w1, 2, 0, h1, 4);
  REQUIRE(none.values.empty());
  REQUIRE(none.scales == std::vector<float>{1.0f, 1.0f});
}

TEST_CASE("gptq act order: index-order gptq on the inputs sorted by decreasing h[i][i]", "[gptq]") {
  const int bits = GENERATE(4, 6);
  const Layer l = make_layer(6, 70, 200, 17, true, 0.95);  // input variances spread: a real reordering
  std::vector<int64_t> perm(size_t(l.k));
  for (int64_t i = 0; i < l.k; ++i) perm[size_t(i)] = i;
  std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
    return l.h[size_t(a * l.k + a)] > l.h[size_t(b * l.k + b)];
  });
  bool moved = false;
  for (int64_t i = 0; i < l.k; ++i) moved |= perm[size_t(i)] != i;
  REQUIRE(moved);
  Layer p = l;
  for (int64_t i = 0; i < l.k; ++i) {
    for (int64_t j = 0; j < l.k; ++j) p.h[size_t(i * l.k + j)] = l.h[size_t(perm[size_t(i)] * l.k + perm[size_t(j)])];
    for (int c = 0; c < l.channels; ++c) p.w[size_t(c * l.k + i)] = l.w[size_t(c * l.k + perm[size_t(i)])];
  }
  GptqOptions index_order;
  index_order.act_order = false;
  const QuantizedWeights sorted = quantize_weights_gptq(p.w.data(), p.channels, p.k, p.h.data(), bits, index_order);
  const QuantizedWeights act = quantize_weights_gptq(l.w.data(), l.channels, l.k, l.h.data(), bits);  // the default
  const QuantizedWeights plain = quantize_weights_gptq(l.w.data(), l.channels, l.k, l.h.data(), bits, index_order);
  REQUIRE(act.scales == sorted.scales);
  for (int c = 0; c < l.channels; ++c)
    for (int64_t i = 0; i < l.k; ++i)
      REQUIRE(act.values[size_t(c * l.k + perm[size_t(i)])] == sorted.values[size_t(c * l.k + i)]);
  CHECK(act.values != plain.values);
}

TEST_CASE("gptq keeps exactly-zero (pruned) weights at code 0", "[gptq][prune]") {
  const int bits = GENERATE(4, 8);
  const bool act_order = GENERATE(false, true);
  Layer l = make_layer(8, 90, 300, 23, true, 0.97);  // correlated inputs: GPTQ moves later weights
  Rng rng{99};
  size_t zeros = 0;
  for (float& v : l.w)
    if (rng.uniform() < 0.4) {  // 40 % unstructured sparsity
      v = 0.0f;
      ++zeros;
    }
  REQUIRE(zeros > 100);
  GptqOptions options;
  options.act_order = act_order;
  const QuantizedWeights g = quantize_weights_gptq(l.w.data(), l.channels, l.k, l.h.data(), bits, options);
  for (size_t i = 0; i < l.w.size(); ++i)
    if (l.w[i] == 0.0f) REQUIRE(int(g.values[i]) == 0);
  // GPTQ is active on the others: not round-to-nearest everywhere, and a lower output error.
  QuantizedWeights rtn = g;
  for (int c = 0; c < l.channels; ++c)
    for (int64_t i = 0; i < l.k; ++i) {
      const double q = std::nearbyint(double(l.w[size_t(c * l.k + i)]) / double(g.scales[size_t(c)]));
      const double qmax = double(s8_qmax(bits));
      rtn.values[size_t(c * l.k + i)] = int8_t(std::min(std::max(q, -qmax), qmax));
    }
  CHECK(rtn.values != g.values);
  CHECK(output_error(l, g) < output_error(l, rtn));
}

TEST_CASE("gptq is deterministic: two runs give the same bytes", "[gptq]") {
  const Layer l = make_layer(12, 130, 300, 5, true);
  const QuantizedWeights a = quantize_weights_gptq(l.w.data(), l.channels, l.k, l.h.data(), 4);
  const QuantizedWeights b = quantize_weights_gptq(l.w.data(), l.channels, l.k, l.h.data(), 4);
  REQUIRE(a.values == b.values);
  REQUIRE(a.scales.size() == b.scales.size());
  REQUIRE(std::memcmp(a.scales.data(), b.scales.data(), a.scales.size() * sizeof(float)) == 0);
}

TEST_CASE("gptq: an H that damping cannot make positive definite falls back to round-to-nearest", "[gptq]") {
  // Eigenvalues 1001 and -999: 1000x the default damping adds only 10.
  const double h[4] = {1.0, 1000.0, 1000.0, 1.0};
  const float w[4] = {0.9f, -0.2f, 0.1f, 0.45f};
  GptqOptions options;
  options.clip_search = false;
  GptqReport report;
  const QuantizedWeights q = quantize_weights_gptq(w, 2, 2, h, 4, options, &report);
  REQUIRE(report.fell_back_to_rtn);
  REQUIRE(report.damp_retries == 3);
  REQUIRE(report.damp == Approx(10.0));
  const QuantizedWeights rtn = quantize_weights_per_channel(w, 2, 2, 4);
  REQUIRE(q.values == rtn.values);
  REQUIRE(q.scales == rtn.scales);

  // PSD and singular: the default damping suffices.
  const double h2[4] = {1.0, 1.0, 1.0, 1.0};
  quantize_weights_gptq(w, 2, 2, h2, 4, options, &report);
  REQUIRE(report.damp_retries == 0);
  REQUIRE_FALSE(report.fell_back_to_rtn);
  // Eigenvalues 2.5 and -0.5: damping 0.01 and 0.1 (x mean diagonal 1) are not
  // enough, the second retry's 1.0 is.
  const double h3[4] = {1.0, 1.5, 1.5, 1.0};
  quantize_weights_gptq(w, 2, 2, h3, 4, options, &report);
  REQUIRE(report.damp_retries == 2);
  REQUIRE(report.damp == Approx(1.0));
  REQUIRE_FALSE(report.fell_back_to_rtn);
}

TEST_CASE("gptq: invalid arguments throw ConvertError", "[gptq]") {
  const float w[2] = {1, 2};
  const double h[4] = {1, 0, 0, 1};
  const double bad_h[4] = {1, NAN, 0, 1};
  GptqOptions options;
  REQUIRE_THROWS_AS(quantize_weights_gptq(w, 1, 2, h, 3), qrt::ConvertError);
  REQUIRE_THROWS_AS(quantize_weights_gptq(w, 1, 2, h, 9), qrt::ConvertError);
  REQUIRE_THROWS_AS(quantize_weights_gptq(w, 1, 2, bad_h, 4), qrt::ConvertError);
  options.damp = 0.0;
  REQUIRE_THROWS_AS(quantize_weights_gptq(w, 1, 2, h, 4, options), qrt::ConvertError);
  options.damp = 0.01;
  options.block = 0;
  REQUIRE_THROWS_AS(quantize_weights_gptq(w, 1, 2, h, 4, options), qrt::ConvertError);
  REQUIRE_THROWS_AS(mse_channel_scales(w, 1, 2, 3), qrt::ConvertError);
}

TEST_CASE("mse_channel_scales: never a larger error than MinMax", "[gptq][mse]") {
  const int bits = GENERATE(4, 5, 6, 7, 8);
  Rng rng{11};
  const int channels = 20;
  const int64_t k = 300;
  std::vector<float> w(size_t(channels * k));
  for (int c = 0; c < channels; ++c)
    for (int64_t i = 0; i < k; ++i) {
      // Gaussian, uniform and heavy-tailed (Gaussian cubed) channels.
      const double g = rng.normal();
      w[size_t(c * k + i)] = float(c % 3 == 0 ? g : c % 3 == 1 ? rng.uniform() - 0.5 : g * g * g);
    }
  const std::vector<float> mse = mse_channel_scales(w.data(), channels, k, bits);
  const std::vector<float> minmax = quantize_weights_per_channel(w.data(), channels, k, bits).scales;
  int improved = 0;
  for (int c = 0; c < channels; ++c) {
    const double e_mse = channel_mse(w.data() + c * k, k, mse[size_t(c)], bits);
    const double e_minmax = channel_mse(w.data() + c * k, k, minmax[size_t(c)], bits);
    REQUIRE(mse[size_t(c)] > 0.0f);
    REQUIRE(mse[size_t(c)] <= minmax[size_t(c)]);
    REQUIRE(e_mse <= e_minmax);
    improved += e_mse < e_minmax;
  }
  // At 4..6 bits most channels gain (not all heavy-tailed ones: clipping their
  // largest value can cost more than the finer step saves); at 8 bits the
  // step is so fine that clipping rarely pays.
  if (bits <= 6) REQUIRE(improved >= channels / 2);
}

TEST_CASE("mse_channel_scales: MinMax when the best ratio is 1, a hand case, zero channels", "[gptq][mse]") {
  // Every value on the MinMax grid (scale 1): zero error, any clipping adds some.
  const std::vector<float> on_grid = {7, -7, 3, 1, 0, -2};
  REQUIRE(mse_channel_scales(on_grid.data(), 1, 6, 4) == quantize_weights_per_channel(on_grid.data(), 1, 6, 4).scales);
  const std::vector<float> on_grid8 = {127 * 0.37f, 5 * 0.37f, -127 * 0.37f};
  REQUIRE(mse_channel_scales(on_grid8.data(), 1, 3, 8) == quantize_weights_per_channel(on_grid8.data(), 1, 3, 8).scales);

  // 4 bits, {7, 3.5, 3.5, 3.5}. MinMax (scale 1): 3.5 rounds to 4, error
  // 3 * 0.25 = 0.75. Scale s with 7 clamped to 7 s and 3.5 rounded to 4 s:
  // (7 - 7 s)^2 + 3 (3.5 - 4 s)^2, least at s = 182 / 194 = 0.938; on the grid
  // r = 0.94 (s = 0.94): 0.42^2 + 3 * 0.26^2 = 0.3792.
  const std::vector<float> hand = {7, 3.5f, 3.5f, 3.5f};
  const std::vector<float> s = mse_channel_scales(hand.data(), 1, 4, 4);
  REQUIRE(s[0] == float(7.0 * 0.94 / 7.0));
  REQUIRE(channel_mse(hand.data(), 4, s[0], 4) == Approx(0.3792).epsilon(1e-6));

  const std::vector<float> zeros = {0, 0, 0, 0, 0, 0};
  REQUIRE(mse_channel_scales(zeros.data(), 2, 3, 6) == std::vector<float>{1.0f, 1.0f});
}

// Not run by ctest: `quantize_gptq_test "[timing]"` prints the time of one
// call on conv-sized layers. H is synthetic, 0.5 + 0.5 * 0.9^|i-j| (inputs
// with a common mean and correlation falling with distance); a pure
// 0.9^|i-j| would time subnormal arithmetic (its factor's products
// underflow), several times slower on x86.
TEST_CASE("gptq timing", "[.][timing]") {
  for (auto [channels, k] : {std::pair<int, int64_t>{256, 1152}, std::pair<int, int64_t>{512, 4608}}) {
    Rng rng{1};
    std::vector<float> w(size_t(channels) * size_t(k));
    for (float& v : w) v = float(rng.normal());
    std::vector<double> h(size_t(k * k));
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j) h[size_t(i * k + j)] = 0.5 + 0.5 * std::pow(0.9, double(std::abs(i - j)));
    for (int bits : {4, 8}) {
      const auto t0 = std::chrono::steady_clock::now();
      const std::vector<float> scales = mse_channel_scales(w.data(), channels, k, bits);
      const auto t1 = std::chrono::steady_clock::now();
      const QuantizedWeights q = quantize_weights_gptq(w.data(), channels, k, h.data(), bits);
      const auto t2 = std::chrono::steady_clock::now();
      std::printf("channels %d k %lld bits %d: mse_channel_scales %.3f s, quantize_weights_gptq (with clip search) %.3f s\n",
                  channels, (long long)k, bits, std::chrono::duration<double>(t1 - t0).count(),
                  std::chrono::duration<double>(t2 - t1).count());
      REQUIRE(q.scales == scales);
    }
  }
}
