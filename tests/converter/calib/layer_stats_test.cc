// Per-layer input statistics (calib/layer_stats.h): means, H and sampled
// sums against a naive im2col written here independently (OHWI order,
// padded taps 0), on convs (plain, strided + padded, dilated, grouped,
// depthwise) and FC layers (Gemm after Flatten, MatMul with 2 rows); the
// position sampling rule; the pass planner; determinism (run to run, and
// the SIMD kernel against the portable one); errors.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

#include "calib/layer_stats.h"
#include "data/image_dir.h"
#include "import/onnx_import.h"
#include "graph/float_executor.h"
#include "graph/passes.h"
#include "onnx_builder.h"

using namespace qrt;
using namespace qrt::calib;
using qrt::testing::attr_i;
using qrt::testing::attr_ints;
using qrt::testing::OnnxBuilder;
using qrt::testing::random_tensor;

namespace {

graph::Graph finish_graph(const OnnxBuilder& b) {
  graph::Graph g = b.import();
  graph::run_default_passes(g);
  return g;
}

// One conv: x [1, c, h, w] -> Conv(w [oc, c/group, k, k]) -> y.
graph::Graph conv_graph(int64_t c, int64_t h, int64_t w, int64_t oc, int64_t k, int64_t stride, int64_t pad,
                        int64_t dil = 1, int64_t group = 1) {
  OnnxBuilder b(13);
  b.input("x", {1, c, h, w}).output("y");
  b.initializer("w", random_tensor({oc, c / group, k, k}, 7));
  auto& n = b.node("Conv", {"x", "w"}, {"y"}, "conv");
  attr_ints(n, "strides", {stride, stride});
  attr_ints(n, "pads", {pad, pad, pad, pad});
  attr_ints(n, "dilations", {dil, dil});
  attr_i(n, "group", group);
  return finish_graph(b);
}

struct Geo {  // written out by hand in each test, not read from the library
  int64_t n, c, ih, iw, kh, kw, sh, sw, pt, pl, dh, dw, groups, oh, ow;
};

// The im2col row of output pixel (b, oy, ox), group g, in OHWI order.
std::vector<double> im2col_row(const std::vector<float>& x, const Geo& G, int64_t g, int64_t b, int64_t oy, int64_t ox) {
  const int64_t ipg = G.c / G.groups;
  std::vector<double> row;
  for (int64_t ky = 0; ky < G.kh; ++ky)
    for (int64_t kx = 0; kx < G.kw; ++kx)
      for (int64_t ci = 0; ci < ipg; ++ci) {
        const int64_t iy = oy * G.sh - G.pt + ky * G.dh, ix = ox * G.sw - G.pl + kx * G.dw;
        const int64_t ch = g * ipg + ci;
        double v = 0.0;
        if (iy >= 0 && iy < G.ih && ix >= 0 && ix < G.iw) v = x[size_t(((b * G.c + ch) * G.ih + iy) * G.iw + ix)];
        row.push_back(v);
      }
  return row;
}

struct Naive {
  std::vector<long double> mean_sum, ssum, h;  // [groups][K], [groups][K], [groups][K][K]
  int64_t positions = 0, sampled = 0, k = 0;
};

// Naive statistics over `samples`; `chosen(s, np)` gives the positions used for H.
template <class Chosen>
Naive naive(const std::vector<std::vector<float>>& samples, const Geo& G, Chosen chosen) {
  Naive r;
  r.k = G.kh * G.kw * (G.c / G.groups);
  r.mean_sum.assign(size_t(G.groups * r.k), 0.0L);
  r.ssum.assign(size_t(G.groups * r.k), 0.0L);
  r.h.assign(size_t(G.groups * r.k * r.k), 0.0L);
  const int64_t np = G.n * G.oh * G.ow;
  for (size_t s = 0; s < samples.size(); ++s) {
    std::set<int64_t> used;
    for (int64_t p : chosen(s, np)) used.insert(p);
    for (int64_t p = 0; p < np; ++p) {
      const int64_t b = p / (G.oh * G.ow), oy = (p / G.ow) % G.oh, ox = p % G.ow;
      for (int64_t g = 0; g < G.groups; ++g) {
        const std::vector<double> row = im2col_row(samples[s], G, g, b, oy, ox);
        for (int64_t i = 0; i < r.k; ++i) r.mean_sum[size_t(g * r.k + i)] += row[size_t(i)];
        if (!used.count(p)) continue;
        for (int64_t i = 0; i < r.k; ++i) {
          r.ssum[size_t(g * r.k + i)] += row[size_t(i)];
          for (int64_t j = 0; j < r.k; ++j)
            r.h[size_t((g * r.k + i) * r.k + j)] += (long double)row[size_t(i)] * row[size_t(j)];
        }
      }
    }
    r.positions += np;
    r.sampled += int64_t(used.size());
  }
  return r;
}

std::vector<int64_t> all_positions(size_t, int64_t np) {
  std::vector<int64_t> v;
  for (int64_t p = 0; p < np; ++p) v.push_back(p);
  return v;
}

// Compares to `tol` relative to the largest magnitude of the compared set
// (tol 0: exactly).
void check_close(const std::vector<double>& got, const std::vector<long double>& want, double tol,
                 long double scale_div = 1.0L) {
  REQUIRE(got.size() == want.size());
  long double scale = 0;
  for (long double w : want) scale = std::max(scale, std::fabs(w / scale_div));
  for (size_t i = 0; i < got.size(); ++i) {
    const long double w = want[i] / scale_div;
    if (tol == 0) {
      INFO("index " << i);
      REQUIRE(got[i] == double(w));
    } else if (std::fabs(got[i] - w) > tol * scale) {
      FAIL("index " << i << ": " << got[i] << " vs " << double(w));
    }
  }
}

void check_stats(const LayerStats& s, const Naive& r, double tol) {
  REQUIRE(s.k() == r.k);
  CHECK(s.positions == r.positions);
  CHECK(s.sampled == r.sampled);
  check_close(s.mean, r.mean_sum, tol, (long double)r.positions);
  check_close(s.sampled_sum, r.ssum, tol);
  check_close(s.h, r.h, tol);
}

// Values k/16 in [-4, 4]: every product and sum here is exact in double.
std::vector<float> dyadic(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = float(int(rng() % 129) - 64) / 16.0f;
  return v;
}

std::vector<float> uniform(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = float(rng() >> 8) / 16777216.0f * 4.0f - 1.0f;
  return v;
}

LayerStats collect(const graph::Graph& g, const std::string& node, const std::vector<std::vector<float>>& samples,
                   const LayerStatsOptions& opt = {}) {
  LayerStatsCollector c(g, {node}, opt);
  const LayerGeometry geo = layer_geometry(g, node, opt);
  for (const auto& s : samples) c.observe(geo.input, graph::Tensor(geo.input_shape, s));
  c.finish();
  return c.take(node);
}

// The documented rule, written out again.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::vector<int64_t> documented_positions(int64_t np, int64_t p, uint64_t seed, uint64_t sample) {
  std::vector<int64_t> v;
  if (np <= p) return all_positions(0, np);
  for (int64_t i = 0; i < p; ++i) {
    const int64_t lo = i * np / p, hi = (i + 1) * np / p;
    v.push_back(lo + int64_t(mix(mix(seed + sample) ^ uint64_t(i)) % uint64_t(hi - lo)));
  }
  return v;
}

}  // namespace

TEST_CASE("layer stats: 2-channel 3x3 stride-2 pad-1 conv on 5x6 equals the naive im2col", "[layer_stats]") {
  const graph::Graph g = conv_graph(2, 5, 6, 3, 3, 2, 1);
  const Geo G{1, 2, 5, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 3, 3};
  const LayerGeometry geo = layer_geometry(g, "conv");
  CHECK(geo.kind == LayerStatsKind::kConv);
  CHECK(geo.k == 18);
  CHECK(geo.oh == 3);
  CHECK(geo.ow == 3);
  SECTION("dyadic values: exactly") {
    std::vector<std::vector<float>> samples = {dyadic(60, 1), dyadic(60, 2), dyadic(60, 3)};
    const LayerStats s = collect(g, "conv", samples);
    CHECK(s.samples == 3);
    check_stats(s, naive(samples, G, all_positions), 0.0);
  }
  SECTION("random values: 1e-12 relative") {
    std::vector<std::vector<float>> samples = {uniform(60, 4), uniform(60, 5)};
    const LayerStats s = collect(g, "conv", samples);
    check_stats(s, naive(samples, G, all_positions), 1e-12);
    // symmetric, and the ordering is OHWI: k = (kh * 3 + kw) * 2 + ci.
    for (int64_t i = 0; i < 18; ++i)
      for (int64_t j = 0; j < 18; ++j) CHECK(s.h_at(0, i, j) == s.h_at(0, j, i));
    // tap (0, 0) of output (0, 0) is padding: ci 0 at (kh 1, kw 1) is x[0][0][0].
    double direct = 0;
    for (int64_t oy = 0; oy < 3; ++oy)
      for (int64_t ox = 0; ox < 3; ++ox) direct += samples[0][size_t(oy * 2 * 6 + ox * 2)] + samples[1][size_t(oy * 2 * 6 + ox * 2)];
    CHECK(s.mean[(1 * 3 + 1) * 2 + 0] == Approx(direct / 18).epsilon(1e-12));
  }
}

TEST_CASE("layer stats: dilated, grouped and depthwise convs, per group", "[layer_stats]") {
  SECTION("dilation 2, 4 channels, 7x8") {
    const graph::Graph g = conv_graph(4, 7, 8, 5, 3, 1, 2, 2);
    const Geo G{1, 4, 7, 8, 3, 3, 1, 1, 2, 2, 2, 2, 1, 7, 8};
    std::vector<std::vector<float>> samples = {dyadic(224, 11), dyadic(224, 12)};
    check_stats(collect(g, "conv", samples), naive(samples, G, all_positions), 0.0);
  }
  SECTION("group 2: two 18 x 18 matrices") {
    const graph::Graph g = conv_graph(4, 5, 5, 6, 3, 1, 1, 1, 2);
    const Geo G{1, 4, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 2, 5, 5};
    std::vector<std::vector<float>> samples = {uniform(100, 13)};
    const LayerStats s = collect(g, "conv", samples);
    CHECK(s.layer.kind == LayerStatsKind::kGroupedConv);
    CHECK(s.groups() == 2);
    check_stats(s, naive(samples, G, all_positions), 1e-12);
  }
  SECTION("depthwise 3 channels (multiplier 2), stride 2: one 9 x 9 per channel") {
    const graph::Graph g = conv_graph(3, 6, 5, 6, 3, 2, 1, 1, 3);
    const Geo G{1, 3, 6, 5, 3, 3, 2, 2, 1, 1, 1, 1, 3, 3, 3};
    std::vector<std::vector<float>> samples = {dyadic(90, 14), dyadic(90, 15)};
    const LayerStats s = collect(g, "conv", samples);
    CHECK(s.layer.kind == LayerStatsKind::kDepthwiseConv);
    CHECK(s.k() == 9);
    CHECK(s.h.size() == 3 * 81);
    check_stats(s, naive(samples, G, all_positions), 0.0);
    LayerStatsOptions no_dw;
    no_dw.depthwise_second_moments = false;
    const LayerStats m = collect(g, "conv", samples, no_dw);
    CHECK_FALSE(m.has_h());
    CHECK(m.mean == s.mean);
    CHECK(layer_stats_bytes(m.layer) == 8 * 2 * 27);
  }
}

TEST_CASE("layer stats: FC layers (Gemm after Flatten, MatMul with 2 rows) through the float executor", "[layer_stats]") {
  OnnxBuilder b(13);
  b.input("x", {1, 3, 2, 2}).output("y");
  b.initializer("w1", random_tensor({4, 3, 1, 1}, 21));
  b.node("Conv", {"x", "w1"}, {"c"}, "pw");
  b.node("Relu", {"c"}, {"r"}, "relu");
  b.node("Flatten", {"r"}, {"f"}, "flat");
  b.initializer("fw", random_tensor({5, 16}, 22));
  attr_i(b.node("Gemm", {"f", "fw"}, {"y"}, "fc"), "transB", 1);
  const graph::Graph g = finish_graph(b);
  CHECK(linear_layer_nodes(g) == std::vector<std::string>{"pw", "fc"});
  LayerStatsCollector c(g, linear_layer_nodes(g));
  std::vector<std::vector<float>> fc_in, pw_in;
  graph::FloatExecutor exec(g);
  for (unsigned s = 0; s < 4; ++s) {
    std::map<std::string, graph::Tensor> in;
    in["x"] = graph::Tensor({1, 3, 2, 2}, uniform(12, 30 + s));
    exec.run(in, [&](const std::string& name, const graph::Tensor& t) {
      c.observe(name, t);
      if (name == "f") fc_in.push_back(t.data);
      if (name == "x") pw_in.push_back(t.data);
    });
  }
  c.finish();
  REQUIRE(fc_in.size() == 4);
  const LayerStats& fc = c.stats("fc");
  CHECK(fc.layer.kind == LayerStatsKind::kFullyConnected);
  check_stats(fc, naive(fc_in, Geo{1, 16, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, all_positions), 1e-12);
  check_stats(c.stats("pw"), naive(pw_in, Geo{1, 3, 2, 2, 1, 1, 1, 1, 0, 0, 1, 1, 1, 2, 2}, all_positions), 1e-12);
  CHECK(c.stats("fc").samples == 4);

  // MatMul, input [2, 7]: each row is a position.
  OnnxBuilder m(13);
  m.input("a", {2, 7}).output("y");
  m.initializer("bw", random_tensor({7, 3}, 23));
  m.node("MatMul", {"a", "bw"}, {"y"}, "mm");
  const graph::Graph gm = finish_graph(m);
  std::vector<std::vector<float>> rows = {dyadic(14, 40), dyadic(14, 41)};
  const LayerStats s = collect(gm, "mm", rows);
  check_stats(s, naive(rows, Geo{2, 7, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, all_positions), 0.0);
  CHECK(s.positions == 4);

  // permute_layer_inputs: new i = old order[i].
  LayerStats p = s;
  const std::vector<int64_t> order = {6, 5, 4, 3, 2, 1, 0};
  permute_layer_inputs(p, order);
  for (int64_t i = 0; i < 7; ++i) {
    CHECK(p.mean[size_t(i)] == s.mean[size_t(order[size_t(i)])]);
    for (int64_t j = 0; j < 7; ++j) CHECK(p.h_at(0, i, j) == s.h_at(0, order[size_t(i)], order[size_t(j)]));
  }
  CHECK_THROWS_AS(permute_layer_inputs(p, {0, 0, 1, 2, 3, 4, 5}), ConvertError);
}

TEST_CASE("layer stats: position sampling", "[layer_stats]") {
  SECTION("P >= positions: every position") {
    CHECK(sampled_positions(9, 9, 0, 0) == all_positions(0, 9));
    CHECK(sampled_positions(9, 256, 5, 3) == all_positions(0, 9));
  }
  SECTION("P < positions: the documented ones, one per stratum, a new draw per sample") {
    for (int64_t np : {10, 257, 1000, 12544}) {
      for (uint64_t sample : {0ull, 1ull, 199ull}) {
        const std::vector<int64_t> v = sampled_positions(np, 7, 42, sample);
        CHECK(v == documented_positions(np, 7, 42, sample));
        for (int64_t i = 0; i < 7; ++i) {
          CHECK(v[size_t(i)] >= i * np / 7);
          CHECK(v[size_t(i)] < (i + 1) * np / 7);
        }
      }
      CHECK(sampled_positions(np, 7, 42, 0) == sampled_positions(np, 7, 42, 0));
    }
    CHECK(sampled_positions(12544, 256, 0, 0) != sampled_positions(12544, 256, 0, 1));
    CHECK(sampled_positions(12544, 256, 0, 0) != sampled_positions(12544, 256, 1, 0));
  }
  SECTION("the collector uses exactly those positions for H, every position for the means") {
    const graph::Graph g = conv_graph(2, 5, 6, 3, 3, 2, 1);
    const Geo G{1, 2, 5, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 3, 3};
    std::vector<std::vector<float>> samples = {dyadic(60, 51), dyadic(60, 52), dyadic(60, 53)};
    LayerStatsOptions opt;
    opt.max_positions = 4;
    opt.seed = 9;
    const LayerStats s = collect(g, "conv", samples, opt);
    const Naive r = naive(samples, G, [](size_t smp, int64_t np) { return documented_positions(np, 4, 9, smp); });
    CHECK(s.sampled == 12);
    check_stats(s, r, 0.0);
  }
}

TEST_CASE("layer stats: the pass planner respects the budget and covers every layer once", "[layer_stats]") {
  // x [1,8,6,6] -> c1 (3x3, 8->16, K 72) -> c2 (1x1, 16->32, K 16) -> c3 (3x3, 32->8, K 288)
  //   -> dw (3x3 depthwise 8, K 9) -> flatten -> fc (K 288).
  OnnxBuilder b(13);
  b.input("x", {1, 8, 6, 6}).output("y");
  b.initializer("w1", random_tensor({16, 8, 3, 3}, 1));
  b.initializer("w2", random_tensor({32, 16, 1, 1}, 2));
  b.initializer("w3", random_tensor({8, 32, 3, 3}, 3));
  b.initializer("w4", random_tensor({8, 1, 3, 3}, 4));
  b.initializer("fw", random_tensor({288, 10}, 5));
  attr_ints(b.node("Conv", {"x", "w1"}, {"a"}, "c1"), "pads", {1, 1, 1, 1});
  b.node("Conv", {"a", "w2"}, {"b"}, "c2");
  attr_ints(b.node("Conv", {"b", "w3"}, {"c"}, "c3"), "pads", {1, 1, 1, 1});
  auto& dw = b.node("Conv", {"c", "w4"}, {"d"}, "dw");
  attr_ints(dw, "pads", {1, 1, 1, 1});
  attr_i(dw, "group", 8);
  b.node("Flatten", {"d"}, {"f"}, "flat");
  b.node("MatMul", {"f", "fw"}, {"y"}, "fc");
  const graph::Graph g = finish_graph(b);
  const std::vector<std::string> all = linear_layer_nodes(g);
  REQUIRE(all == std::vector<std::string>{"c1", "c2", "c3", "dw", "fc"});
  std::map<std::string, size_t> bytes;
  for (const auto& n : all) bytes[n] = layer_stats_bytes(layer_geometry(g, n));
  CHECK(bytes["c1"] == 8 * (72 * 72 + 2 * 72));
  CHECK(bytes["c3"] == 8 * (288 * 288 + 2 * 288));
  CHECK(bytes["dw"] == 8 * (8 * 9 * 9 + 2 * 8 * 9));
  for (size_t budget : {bytes["c3"], bytes["c3"] + bytes["c1"], size_t(2) * bytes["c3"], size_t(1) << 30}) {
    const auto passes = plan_layer_stats_passes(g, all, budget);
    std::multiset<std::string> covered;
    for (const auto& pass : passes) {
      REQUIRE_FALSE(pass.empty());
      size_t used = 0;
      for (const auto& n : pass) used += bytes[n], covered.insert(n);
      CHECK(used <= budget);
      // each pass in graph order
      for (size_t i = 1; i < pass.size(); ++i)
        CHECK(std::find(all.begin(), all.end(), pass[i - 1]) < std::find(all.begin(), all.end(), pass[i]));
    }
    CHECK(covered == std::multiset<std::string>(all.begin(), all.end()));
    if (budget == bytes["c3"]) {
      // c3 and fc are equal (the largest): one pass each; c1 + c2 + dw together.
      CHECK(passes == std::vector<std::vector<std::string>>{{"c3"}, {"fc"}, {"c1", "c2", "dw"}});
    }
    if (budget == (size_t(1) << 30)) CHECK(passes.size() == 1);
    // The planned passes, each collected on its own, give what one pass gives.
    std::vector<float> x = uniform(288, 99);
    LayerStatsCollector one(g, all);
    graph::FloatExecutor exec(g);
    std::map<std::string, graph::Tensor> in;
    in["x"] = graph::Tensor({1, 8, 6, 6}, x);
    exec.run(in, [&](const std::string& n, const graph::Tensor& t) { one.observe(n, t); });
    one.finish();
    for (const auto& pass : passes) {
      LayerStatsCollector c(g, pass);
      CHECK(c.memory_bytes() >= [&] { size_t u = 0; for (const auto& n : pass) u += bytes[n]; return u; }());
      exec.run(in, [&](const std::string& n, const graph::Tensor& t) { c.observe(n, t); });
      c.finish();
      for (const auto& n : pass) {
        CHECK(c.stats(n).h == one.stats(n).h);
        CHECK(c.stats(n).mean == one.stats(n).mean);
      }
    }
  }
  CHECK_THROWS_WITH(plan_layer_stats_passes(g, all, bytes["c3"] - 1),
                    Catch::Contains("'c3'") && Catch::Contains("budget"));
  CHECK_THROWS_WITH(plan_layer_stats_passes(g, {"c1", "c1"}, 1 << 30), Catch::Contains("twice"));
}

TEST_CASE("layer stats: deterministic, SIMD kernel = portable kernel bit for bit", "[layer_stats]") {
  // K = 20 * 9 = 180 (23 panels: more than one panel group, a partial last
  // panel), 20 x 19 = 380 positions with P = 300 (two chunks: 256 + 44 rows).
  const graph::Graph g = conv_graph(20, 20, 19, 4, 3, 1, 1);
  const Geo G{1, 20, 20, 19, 3, 3, 1, 1, 1, 1, 1, 1, 1, 20, 19};
  std::vector<std::vector<float>> samples = {uniform(7600, 61), uniform(7600, 62)};
  LayerStatsOptions opt;
  opt.max_positions = 300;
  opt.seed = 3;
  const LayerStats a = collect(g, "conv", samples, opt);
  const LayerStats a2 = collect(g, "conv", samples, opt);
  opt.kernel = LayerStatsKernel::kPortable;
  const LayerStats p = collect(g, "conv", samples, opt);
  REQUIRE(a.h.size() == 180 * 180);
  CHECK(std::memcmp(a.h.data(), a2.h.data(), a.h.size() * 8) == 0);
  CHECK(std::memcmp(a.h.data(), p.h.data(), a.h.size() * 8) == 0);
  CHECK(std::memcmp(a.mean.data(), p.mean.data(), a.mean.size() * 8) == 0);
  CHECK(std::memcmp(a.sampled_sum.data(), p.sampled_sum.data(), a.sampled_sum.size() * 8) == 0);
  const Naive r = naive(samples, G, [](size_t smp, int64_t np) { return documented_positions(np, 300, 3, smp); });
  check_stats(a, r, 1e-12);

  // Depthwise, 11 channels (8 + 3 in the lanes), the same positions.
  const graph::Graph gd = conv_graph(11, 20, 19, 11, 3, 1, 1, 1, 11);
  const Geo D{1, 11, 20, 19, 3, 3, 1, 1, 1, 1, 1, 1, 11, 20, 19};
  std::vector<std::vector<float>> ds = {uniform(4180, 63), uniform(4180, 64)};
  const LayerStats dp = collect(gd, "conv", ds, opt);
  opt.kernel = LayerStatsKernel::kAuto;
  const LayerStats da = collect(gd, "conv", ds, opt);
  REQUIRE(da.h.size() == 11 * 81);
  CHECK(std::memcmp(da.h.data(), dp.h.data(), da.h.size() * 8) == 0);
  CHECK(std::memcmp(da.sampled_sum.data(), dp.sampled_sum.data(), da.sampled_sum.size() * 8) == 0);
  check_stats(da, naive(ds, D, [](size_t smp, int64_t np) { return documented_positions(np, 300, 3, smp); }), 1e-12);
}

TEST_CASE("layer stats: errors name the node and tensor", "[layer_stats]") {
  const graph::Graph g = conv_graph(2, 5, 6, 3, 3, 2, 1);
  CHECK_THROWS_WITH(LayerStatsCollector(g, {"nope"}), Catch::Contains("'nope'"));
  {
    LayerStatsCollector c(g, {"conv"});
    CHECK_THROWS_WITH(c.observe("x", graph::Tensor({1, 2, 5, 5})),
                      Catch::Contains("'x'") && Catch::Contains("'conv'") && Catch::Contains("[1, 2, 5, 6]"));
    graph::Tensor bad({1, 2, 5, 6});
    bad.data[17] = std::nanf("");
    CHECK_THROWS_WITH(c.observe("x", bad), Catch::Contains("'x'") && Catch::Contains("non-finite") &&
                                               Catch::Contains("index 17"));
    CHECK_THROWS_WITH(c.finish(), Catch::Contains("'conv'") && Catch::Contains("never observed"));
    c.observe("y", graph::Tensor({7}));  // not collected: ignored
  }
  {
    LayerStatsCollector c(g, {"conv"});
    c.observe("x", graph::Tensor({1, 2, 5, 6}));
    CHECK_THROWS_WITH(c.stats("conv"), Catch::Contains("before finish"));
    c.finish();
    CHECK(c.stats("conv").samples == 1);
    CHECK_THROWS_WITH(c.stats("other"), Catch::Contains("'other'"));
    c.take("conv");
    CHECK_THROWS_WITH(c.stats("conv"), Catch::Contains("taken"));
  }
  LayerStatsOptions opt;
  opt.max_positions = 0;
  CHECK_THROWS_AS(LayerStatsCollector(g, {"conv"}, opt), ConvertError);
}

// Timing, not run by ctest: QRT_LSTATS_MODEL=build/bench-models/mobilenet_v2_1.0.onnx
// QRT_LSTATS_IMAGES=../shared/data/imagenet-sample [QRT_LSTATS_N=200]
// calib_layer_stats_test "[.bench]". One calibration pass over N images
// (resize 256, crop 224, ImageNet mean/std) observing every tensor with the
// activation calibration, then the same pass with the collector on every
// Conv/Gemm/MatMul as well; prints both times, the time inside the
// collector, its memory, and the pass plan for a 256 MiB budget.
// QRT_LSTATS_P=N sets max_positions, QRT_LSTATS_PORTABLE=1 the portable kernel,
// QRT_LSTATS_NO_DW=1 skips the depthwise matrices,
// QRT_LSTATS_PLAN_ONLY=1 prints the memory and the plan only.
TEST_CASE("layer stats: timing on a real model", "[.bench]") {
  const char* model = std::getenv("QRT_LSTATS_MODEL");
  const char* images = std::getenv("QRT_LSTATS_IMAGES");
  if (!model || !images) FAIL("set QRT_LSTATS_MODEL and QRT_LSTATS_IMAGES");
  const size_t n = std::getenv("QRT_LSTATS_N") ? size_t(std::atol(std::getenv("QRT_LSTATS_N"))) : 200;
  const graph::Graph g = import::load_onnx_model(model);
  {
    size_t total = 0, largest = 0;
    std::string largest_node;
    for (const auto& node : linear_layer_nodes(g)) {
      const size_t b = layer_stats_bytes(layer_geometry(g, node));
      total += b;
      if (b > largest) largest = b, largest_node = node;
    }
    const auto plan = plan_layer_stats_passes(g, linear_layer_nodes(g), size_t(256) << 20);
    std::printf("%s: accumulators %.1f MiB in all, largest %.1f MiB ('%s'); passes for 256 MiB: %zu\n", model,
                total / 1048576.0, largest / 1048576.0, largest_node.c_str(), plan.size());
    if (std::getenv("QRT_LSTATS_PLAN_ONLY")) return;
  }
  data::ImageDirDataset ds(images);
  data::PreprocessConfig pp;
  pp.resize_short = 256;
  pp.crop_height = pp.crop_width = 224;
  pp.mean = {0.485f, 0.456f, 0.406f};
  pp.std = {0.229f, 0.224f, 0.225f};
  pp.finalize(3);
  using clock = std::chrono::steady_clock;
  auto secs = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };

  CalibrationSettings cs;
  auto t0 = clock::now();
  {
    ActivationCalibration cal(cs);
    run_calibration(g, ds, pp, n, cal, false);
  }
  auto t1 = clock::now();

  const std::vector<std::string> nodes = linear_layer_nodes(g);
  LayerStatsOptions opt;
  if (std::getenv("QRT_LSTATS_P")) opt.max_positions = std::atol(std::getenv("QRT_LSTATS_P"));
  if (std::getenv("QRT_LSTATS_PORTABLE")) opt.kernel = LayerStatsKernel::kPortable;
  if (std::getenv("QRT_LSTATS_NO_DW")) opt.depthwise_second_moments = false;
  LayerStatsCollector stats(g, nodes, opt);
  double inside = 0;
  {
    ActivationCalibration cal(cs);
    graph::FloatExecutor exec(g);
    const graph::ValueInfo& in = g.inputs[0];
    for (size_t i = 0; i < std::min(n, ds.size()); ++i) {
      const data::Sample smp = ds.load(i, pp.decode_channels());
      std::map<std::string, graph::Tensor> inputs;
      inputs[in.name] = graph::Tensor(in.shape, data::sample_to_input(smp, pp, 3, 224, 224));
      exec.run(inputs, [&](const std::string& name, const graph::Tensor& t) {
        cal.observe(name, t);
        const auto a = clock::now();
        stats.observe(name, t);
        inside += secs(a, clock::now());
      });
    }
  }
  const size_t mem = stats.memory_bytes();
  auto f0 = clock::now();
  stats.finish();
  auto t2 = clock::now();
  inside += secs(f0, t2);
  size_t h_bytes = 0, max_k = 0;
  for (const auto& node : nodes) {
    h_bytes += stats.stats(node).h.size() * 8;
    max_k = std::max(max_k, size_t(stats.stats(node).k()));
  }
  const auto plan = plan_layer_stats_passes(g, nodes, size_t(256) << 20, opt);
  std::printf("%s, %zu images, %zu layers (max K %zu), P = %lld\n", model, std::min(n, ds.size()), nodes.size(), max_k,
              (long long)opt.max_positions);
  std::printf("calibration alone: %.1f s; calibration + layer stats: %.1f s (+%.1f s); inside the collector %.1f s\n",
              secs(t0, t1), secs(t1, t2), secs(t1, t2) - secs(t0, t1), inside);
  std::printf("collector memory %.1f MiB (H after finish %.1f MiB); passes for 256 MiB: %zu\n", mem / 1048576.0,
              h_bytes / 1048576.0, plan.size());
}
