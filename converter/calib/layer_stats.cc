// Per-layer input statistics (layer_stats.h). Built with -ffp-contract=off
// (calib/CMakeLists.txt): the SIMD kernels must round every product and
// every sum exactly as the portable one does.
#include "calib/layer_stats.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "graph/float_executor.h"
#include "graph/op_helpers.h"

namespace qrt::calib {

namespace {

constexpr int64_t kPanel = 8;        // columns per packed panel (and H tile size)
constexpr int64_t kPanelGroup = 16;  // j-panels kept in cache together (16 x 256 x 8 doubles = 256 KiB)

int64_t round_up8(int64_t k) { return (k + kPanel - 1) / kPanel * kPanel; }

uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

[[noreturn]] void fail_node(const graph::Node& n, const std::string& msg) {
  throw ConvertError("layer statistics: " + n.describe() + ": " + msg);
}

// ---- H += X^T X over one chunk: 8 x 8 tiles of H from two packed panels ----
//
// A panel holds 8 columns of the gathered rows, row-major ([rows][8]). Every
// tile element sums its `rows` products in row order starting from 0, then
// is added to H: the same operations, in the same order, in each version.

using BlockFn = void (*)(const double* pi, const double* pj, int64_t rows, double* h, int64_t ld);

void block_portable(const double* pi, const double* pj, int64_t rows, double* h, int64_t ld) {
  double acc[kPanel][kPanel] = {};
  for (int64_t r = 0; r < rows; ++r) {
    const double* a = pi + r * kPanel;
    const double* b = pj + r * kPanel;
    for (int ii = 0; ii < kPanel; ++ii) {
      const double av = a[ii];
      for (int jj = 0; jj < kPanel; ++jj) acc[ii][jj] += av * b[jj];
    }
  }
  for (int ii = 0; ii < kPanel; ++ii)
    for (int jj = 0; jj < kPanel; ++jj) h[ii * ld + jj] += acc[ii][jj];
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define QRT_LSTATS_X86 1
typedef double v8d __attribute__((vector_size(64), aligned(8)));
typedef double v4d __attribute__((vector_size(32), aligned(8)));

__attribute__((target("avx512f"))) void block_avx512(const double* pi, const double* pj, int64_t rows, double* h,
                                                    int64_t ld) {
  v8d acc[kPanel];
  for (int ii = 0; ii < kPanel; ++ii) acc[ii] = v8d{};
  for (int64_t r = 0; r < rows; ++r) {
    const double* a = pi + r * kPanel;
    v8d b;
    std::memcpy(&b, pj + r * kPanel, sizeof b);
    for (int ii = 0; ii < kPanel; ++ii) acc[ii] += a[ii] * b;
  }
  for (int ii = 0; ii < kPanel; ++ii) {
    v8d hv;
    std::memcpy(&hv, h + ii * ld, sizeof hv);
    hv += acc[ii];
    std::memcpy(h + ii * ld, &hv, sizeof hv);
  }
}

__attribute__((target("avx2"))) void block_avx2(const double* pi, const double* pj, int64_t rows, double* h,
                                               int64_t ld) {
  for (int half = 0; half < 2; ++half) {  // rows ii = 4 * half .. 4 * half + 3 of the tile
    v4d acc[4][2];
    for (int ii = 0; ii < 4; ++ii) acc[ii][0] = acc[ii][1] = v4d{};
    for (int64_t r = 0; r < rows; ++r) {
      const double* a = pi + r * kPanel + 4 * half;
      v4d b0, b1;
      std::memcpy(&b0, pj + r * kPanel, sizeof b0);
      std::memcpy(&b1, pj + r * kPanel + 4, sizeof b1);
      for (int ii = 0; ii < 4; ++ii) {
        acc[ii][0] += a[ii] * b0;
        acc[ii][1] += a[ii] * b1;
      }
    }
    for (int ii = 0; ii < 4; ++ii) {
      double* hr = h + (4 * half + ii) * ld;
      v4d h0, h1;
      std::memcpy(&h0, hr, sizeof h0);
      std::memcpy(&h1, hr + 4, sizeof h1);
      h0 += acc[ii][0];
      h1 += acc[ii][1];
      std::memcpy(hr, &h0, sizeof h0);
      std::memcpy(hr + 4, &h1, sizeof h1);
    }
  }
}
#endif

// ---- depthwise: 8 channels at a time, one per lane ----
//
// buf: [rows][K][8] (lane l = channel c0 + l), acc: [K (K + 1) / 2][8], the
// pairs i <= j in row-major order. Each acc element sums its `rows`
// products in row order from 0, as block_*() do.

using DwFn = void (*)(const double* buf, int64_t rows, int64_t k, double* acc);

void dw_portable(const double* buf, int64_t rows, int64_t k, double* acc) {
  std::fill(acc, acc + k * (k + 1) / 2 * kPanel, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const double* x = buf + r * k * kPanel;
    double* a = acc;
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = i; j < k; ++j, a += kPanel)
        for (int l = 0; l < kPanel; ++l) a[l] += x[i * kPanel + l] * x[j * kPanel + l];
  }
}

#ifdef QRT_LSTATS_X86
inline __attribute__((always_inline)) void dw_vector(const double* buf, int64_t rows, int64_t k, double* acc) {
  std::fill(acc, acc + k * (k + 1) / 2 * kPanel, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const double* x = buf + r * k * kPanel;
    double* a = acc;
    for (int64_t i = 0; i < k; ++i) {
      v8d xi;
      std::memcpy(&xi, x + i * kPanel, sizeof xi);
      for (int64_t j = i; j < k; ++j, a += kPanel) {
        v8d xj, av;
        std::memcpy(&xj, x + j * kPanel, sizeof xj);
        std::memcpy(&av, a, sizeof av);
        av += xi * xj;
        std::memcpy(a, &av, sizeof av);
      }
    }
  }
}
__attribute__((target("avx512f"))) void dw_avx512(const double* buf, int64_t rows, int64_t k, double* acc) {
  dw_vector(buf, rows, k, acc);
}
__attribute__((target("avx2"))) void dw_avx2(const double* buf, int64_t rows, int64_t k, double* acc) {
  dw_vector(buf, rows, k, acc);
}
#endif

DwFn dw_fn(int kernel) {
#ifdef QRT_LSTATS_X86
  if (kernel == 2) return dw_avx512;
  if (kernel == 1) return dw_avx2;
#endif
  (void)kernel;
  return dw_portable;
}

int detect_kernel(LayerStatsKernel k) {
  if (k == LayerStatsKernel::kPortable) return 0;
#ifdef QRT_LSTATS_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return 2;
  if (__builtin_cpu_supports("avx2")) return 1;
#endif
  return 0;
}

BlockFn block_fn(int kernel) {
#ifdef QRT_LSTATS_X86
  if (kernel == 2) return block_avx512;
  if (kernel == 1) return block_avx2;
#endif
  (void)kernel;
  return block_portable;
}

// Upper triangle of tiles (jb >= ib) of H (Kp x Kp, leading dimension kp)
// += X^T X, X the packed chunk (nb panels of rows x 8).
void accumulate_chunk(BlockFn block, const double* packed, int64_t rows, int64_t nb, double* h, int64_t kp) {
  for (int64_t j0 = 0; j0 < nb; j0 += kPanelGroup) {
    const int64_t j1 = std::min(nb, j0 + kPanelGroup);
    for (int64_t ib = 0; ib < j1; ++ib) {
      const double* pi = packed + ib * rows * kPanel;
      for (int64_t jb = std::max(ib, j0); jb < j1; ++jb)
        block(pi, packed + jb * rows * kPanel, rows, h + ib * kPanel * kp + jb * kPanel, kp);
    }
  }
}

// Sum of n floats at stride s, four partial sums in a fixed pattern.
double strided_sum(const float* x, int64_t n, int64_t s) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 += double(x[i * s]);
    a1 += double(x[(i + 1) * s]);
    a2 += double(x[(i + 2) * s]);
    a3 += double(x[(i + 3) * s]);
  }
  for (; i < n; ++i) a0 += double(x[i * s]);
  return (a0 + a1) + (a2 + a3);
}

}  // namespace

const char* layer_stats_kind_name(LayerStatsKind kind) {
  switch (kind) {
    case LayerStatsKind::kConv: return "conv";
    case LayerStatsKind::kGroupedConv: return "grouped conv";
    case LayerStatsKind::kDepthwiseConv: return "depthwise conv";
    case LayerStatsKind::kFullyConnected: return "fc";
  }
  return "?";
}

std::vector<int64_t> sampled_positions(int64_t num_positions, int64_t max_positions, uint64_t seed,
                                       uint64_t sample) {
  if (max_positions < 1) throw ConvertError("layer statistics: max_positions must be >= 1");
  std::vector<int64_t> out;
  if (num_positions <= 0) return out;
  if (num_positions <= max_positions) {
    out.resize(size_t(num_positions));
    for (int64_t i = 0; i < num_positions; ++i) out[size_t(i)] = i;
    return out;
  }
  out.resize(size_t(max_positions));
  const uint64_t key = splitmix64(seed + sample);
  const unsigned __int128 np = uint64_t(num_positions), p = uint64_t(max_positions);
  for (int64_t i = 0; i < max_positions; ++i) {
    const int64_t lo = int64_t(np * uint64_t(i) / p);
    const int64_t hi = int64_t(np * uint64_t(i + 1) / p);
    out[size_t(i)] = lo + int64_t(splitmix64(key ^ uint64_t(i)) % uint64_t(hi - lo));
  }
  return out;
}

LayerGeometry layer_geometry(const graph::Graph& g, const std::string& name, const LayerStatsOptions& opt) {
  int idx = -1;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].name == name) idx = int(i);
  if (idx < 0) throw ConvertError("layer statistics: no node named '" + name + "' in the graph");
  const graph::Node& n = g.nodes[size_t(idx)];
  LayerGeometry L;
  L.node = n.name;
  L.op_type = n.op_type;
  L.input = n.input(0);
  if (L.input.empty()) fail_node(n, "has no input");
  if (!g.shapes.count(L.input)) fail_node(n, "the shape of input '" + L.input + "' is unknown (run infer_shapes)");
  L.input_shape = g.shapes.at(L.input);
  const graph::Shape& xs = L.input_shape;
  if (n.op_type == "Conv") {
    if (xs.size() != 4) fail_node(n, "input '" + L.input + "' has shape " + graph::shape_to_string(xs) + "; expected [N, C, H, W]");
    const std::string& wname = n.input(1);
    if (wname.empty() || !g.shapes.count(wname)) fail_node(n, "the weight shape is unknown");
    const graph::Shape& ws = g.shapes.at(wname);
    if (ws.size() != 4) fail_node(n, "weights " + graph::shape_to_string(ws) + " are not 4-D");
    L.groups = n.get_int("group", 1);
    if (L.groups < 1 || xs[1] != ws[1] * L.groups || ws[0] % L.groups != 0)
      fail_node(n, "weights " + graph::shape_to_string(ws) + " do not fit input " + graph::shape_to_string(xs) +
                       " with group " + std::to_string(L.groups));
    const graph::Window2d w = graph::resolve_window2d(n, xs[2], xs[3], ws[2], ws[3], false);
    L.batch = xs[0];
    L.channels = xs[1];
    L.ih = xs[2];
    L.iw = xs[3];
    L.kh = w.kh, L.kw = w.kw, L.sh = w.sh, L.sw = w.sw, L.dh = w.dh, L.dw = w.dw;
    L.pt = w.pt, L.pl = w.pl, L.pb = w.pb, L.pr = w.pr;
    L.oh = w.oh, L.ow = w.ow;
    L.k = L.kh * L.kw * (L.channels / L.groups);
    L.kind = L.groups == 1 ? LayerStatsKind::kConv
             : L.groups == L.channels ? LayerStatsKind::kDepthwiseConv
                                      : LayerStatsKind::kGroupedConv;
  } else if (n.op_type == "Gemm" || n.op_type == "MatMul") {
    if (n.op_type == "Gemm" && n.get_int("transA", 0) != 0) fail_node(n, "transA = 1 is not supported");
    if (xs.size() != 2) fail_node(n, "input '" + L.input + "' has shape " + graph::shape_to_string(xs) + "; expected [N, K]");
    L.kind = LayerStatsKind::kFullyConnected;
    L.batch = xs[0];
    L.channels = xs[1];  // [N, K] is [N, K, 1, 1] in NCHW: a 1x1 conv on a 1x1 map
    L.k = xs[1];
  } else {
    fail_node(n, "is not a Conv, Gemm or MatMul");
  }
  if (L.batch < 1 || L.k < 1) fail_node(n, "empty input " + graph::shape_to_string(xs));
  L.collects_h = opt.second_moments && (L.kind != LayerStatsKind::kDepthwiseConv || opt.depthwise_second_moments);
  return L;
}

std::vector<std::string> linear_layer_nodes(const graph::Graph& g) {
  std::vector<std::string> out;
  for (const graph::Node& n : g.nodes)
    if (n.op_type == "Conv" || n.op_type == "Gemm" || n.op_type == "MatMul") out.push_back(n.name);
  return out;
}

namespace {
// H's leading dimension while accumulating: K rounded up to 8 (panels),
// exactly K for depthwise convs (channels in lanes).
int64_t h_stride(const LayerGeometry& L) {
  return L.kind == LayerStatsKind::kDepthwiseConv ? L.k : round_up8(L.k);
}
// Scratch doubles a layer needs.
int64_t scratch_need(const LayerGeometry& L) {
  if (!L.collects_h) return 0;
  if (L.kind == LayerStatsKind::kDepthwiseConv)
    return kLayerStatsChunkRows * L.k * kPanel + L.k * (L.k + 1) / 2 * kPanel;
  return kLayerStatsChunkRows * round_up8(L.k);
}
}  // namespace

size_t layer_stats_bytes(const LayerGeometry& L) {
  const size_t kp = size_t(h_stride(L));
  const size_t g = size_t(L.groups), k = size_t(L.k);
  return 8 * ((L.collects_h ? g * kp * kp : 0) + 2 * g * k);
}

std::vector<std::vector<std::string>> plan_layer_stats_passes(const graph::Graph& g,
                                                              const std::vector<std::string>& nodes,
                                                              size_t budget, const LayerStatsOptions& opt) {
  std::set<std::string> seen;
  std::vector<size_t> bytes;
  for (const std::string& name : nodes) {
    if (name.empty()) throw ConvertError("layer statistics: an empty node name in the list of layers");
    if (!seen.insert(name).second) throw ConvertError("layer statistics: node '" + name + "' is listed twice");
    const size_t b = layer_stats_bytes(layer_geometry(g, name, opt));
    if (b > budget)
      throw ConvertError("layer statistics: node '" + name + "' needs " + std::to_string(b) +
                         " bytes of accumulators, more than the budget of " + std::to_string(budget) + " bytes");
    bytes.push_back(b);
  }
  std::vector<size_t> order(nodes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return bytes[a] > bytes[b]; });
  std::vector<size_t> used;                  // bytes per pass
  std::vector<size_t> pass_of(nodes.size());
  for (size_t i : order) {
    size_t p = 0;
    while (p < used.size() && used[p] + bytes[i] > budget) ++p;
    if (p == used.size()) used.push_back(0);
    used[p] += bytes[i];
    pass_of[i] = p;
  }
  std::vector<std::vector<std::string>> passes(used.size());
  for (size_t i = 0; i < nodes.size(); ++i) passes[pass_of[i]].push_back(nodes[i]);
  return passes;
}

void permute_layer_inputs(LayerStats& s, const std::vector<int64_t>& order) {
  const int64_t k = s.layer.k;
  std::vector<char> hit(size_t(std::max<int64_t>(k, 0)), 0);
  bool ok = int64_t(order.size()) == k;
  for (size_t i = 0; ok && i < order.size(); ++i) {
    ok = order[i] >= 0 && order[i] < k && !hit[size_t(order[i])];
    if (ok) hit[size_t(order[i])] = 1;
  }
  if (!ok)
    throw ConvertError("layer statistics: node '" + s.layer.node + "': the input order is not a permutation of 0.." +
                       std::to_string(k - 1));
  for (int64_t g = 0; g < s.layer.groups; ++g) {
    auto perm_vec = [&](std::vector<double>& v) {
      if (v.empty()) return;
      std::vector<double> t(static_cast<size_t>(k));
      for (int64_t i = 0; i < k; ++i) t[size_t(i)] = v[size_t(g * k + order[size_t(i)])];
      std::copy(t.begin(), t.end(), v.begin() + g * k);
    };
    perm_vec(s.mean);
    perm_vec(s.sampled_sum);
    if (s.has_h()) {
      std::vector<double> t(size_t(k * k));
      const double* h = s.h.data() + g * k * k;
      for (int64_t i = 0; i < k; ++i)
        for (int64_t j = 0; j < k; ++j) t[size_t(i * k + j)] = h[order[size_t(i)] * k + order[size_t(j)]];
      std::copy(t.begin(), t.end(), s.h.begin() + g * k * k);
    }
  }
}

// ---- the collector ----

struct LayerStatsCollector::Layer {
  std::string node;              // s.layer.node, kept when s is taken
  LayerStats s;
  int64_t kp = 0;                // K rounded up to 8: H's leading dimension while accumulating
  std::vector<double> sum_all;   // [groups][K]: sum over every position
  bool taken = false;
};

LayerStatsCollector::LayerStatsCollector(const graph::Graph& g, const std::vector<std::string>& nodes,
                                         const LayerStatsOptions& opt)
    : options_(opt), nodes_(nodes) {
  if (opt.max_positions < 1)
    throw ConvertError("layer statistics: max_positions must be >= 1, got " + std::to_string(opt.max_positions));
  kernel_ = detect_kernel(opt.kernel);
  std::set<std::string> seen;
  int64_t scratch = 0;
  for (const std::string& name : nodes) {
    if (!seen.insert(name).second) throw ConvertError("layer statistics: node '" + name + "' is listed twice");
    auto L = std::make_unique<Layer>();
    L->node = name;
    L->s.layer = layer_geometry(g, name, opt);
    const LayerGeometry& geo = L->s.layer;
    const size_t gk = size_t(geo.groups * geo.k);
    L->kp = h_stride(geo);
    L->sum_all.assign(gk, 0.0);
    L->s.sampled_sum.assign(gk, 0.0);
    if (geo.collects_h) {
      L->s.h.assign(size_t(geo.groups * L->kp * L->kp), 0.0);
    }
    scratch = std::max(scratch, scratch_need(geo));
    by_tensor_[geo.input].push_back(L.get());
    layers_.push_back(std::move(L));
  }
  scratch_.assign(size_t(scratch), 0.0);
}

LayerStatsCollector::~LayerStatsCollector() = default;

size_t LayerStatsCollector::memory_bytes() const {
  size_t b = scratch_.size() * sizeof(double);
  for (const auto& L : layers_) b += layer_stats_bytes(L->s.layer);
  return b;
}

void LayerStatsCollector::observe(const std::string& tensor, const graph::Tensor& value) {
  auto it = by_tensor_.find(tensor);
  if (it == by_tensor_.end()) return;
  const Layer& first = *it->second.front();
  const std::string who = "layer statistics: tensor '" + tensor + "' (input of node '" + first.s.layer.node + "')";
  if (finished_) throw ConvertError(who + ": observed after finish()");
  if (value.shape != first.s.layer.input_shape || value.size() != graph::num_elements(value.shape))
    throw ConvertError(who + ": shape " + graph::shape_to_string(value.shape) + ", expected " +
                       graph::shape_to_string(first.s.layer.input_shape));
  for (int64_t i = 0; i < value.size(); ++i)
    if (!std::isfinite(value.data[size_t(i)]))
      throw ConvertError(who + ": non-finite value " + std::to_string(value.data[size_t(i)]) + " at index " +
                         std::to_string(i));
  for (Layer* L : it->second) accumulate(*L, value);
}

void LayerStatsCollector::accumulate(Layer& layer, const graph::Tensor& value) {
  LayerStats& S = layer.s;
  const LayerGeometry& L = S.layer;
  const float* x = value.data.data();
  const int64_t ipg = L.channels / L.groups, K = L.k, hw = L.ih * L.iw, np = L.positions_per_sample();

  // Means: every position, padded taps 0. Per (group, tap, channel), the taps
  // that read inside the input form a strided rectangle.
  for (int64_t g = 0; g < L.groups; ++g)
    for (int64_t ky = 0; ky < L.kh; ++ky) {
      int64_t ylo, yhi;
      graph::conv_valid_range(L.oh, L.ih, L.sh, L.pt, ky * L.dh, ylo, yhi);
      for (int64_t kx = 0; kx < L.kw; ++kx) {
        int64_t xlo, xhi;
        graph::conv_valid_range(L.ow, L.iw, L.sw, L.pl, kx * L.dw, xlo, xhi);
        for (int64_t ci = 0; ci < ipg; ++ci) {
          double sum = 0.0;
          for (int64_t b = 0; b < L.batch; ++b) {
            const float* xc = x + (b * L.channels + g * ipg + ci) * hw;
            for (int64_t oy = ylo; oy < yhi; ++oy) {
              const float* row = xc + (oy * L.sh - L.pt + ky * L.dh) * L.iw - L.pl + kx * L.dw;
              sum += strided_sum(row + xlo * L.sw, xhi - xlo, L.sw);
            }
          }
          layer.sum_all[size_t(g * K + (ky * L.kw + kx) * ipg + ci)] += sum;
        }
      }
    }
  S.positions += np;

  // Sampled rows: gathered into 8-column panels, then H += X^T X.
  const std::vector<int64_t> pos = sampled_positions(np, options_.max_positions, options_.seed, uint64_t(S.samples));
  if (L.collects_h && L.kind == LayerStatsKind::kDepthwiseConv) {
    accumulate_depthwise(layer, x, pos);
    S.sampled += int64_t(pos.size());
    S.samples += 1;
    return;
  }
  const int64_t nb = layer.kp / kPanel;
  const BlockFn block = block_fn(kernel_);
  for (int64_t g = 0; g < L.groups; ++g) {
    double* ssum = S.sampled_sum.data() + g * K;
    for (size_t c0 = 0; c0 < pos.size(); c0 += size_t(kLayerStatsChunkRows)) {
      const int64_t rows = int64_t(std::min(pos.size() - c0, size_t(kLayerStatsChunkRows)));
      double* packed = nullptr;
      if (L.collects_h) {
        packed = scratch_.data();
        if (K % kPanel != 0)  // zero lanes beyond K in the last panel
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t l = K % kPanel; l < kPanel; ++l) packed[((nb - 1) * rows + r) * kPanel + l] = 0.0;
      }
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t p = pos[c0 + size_t(r)];
        const int64_t b = p / (L.oh * L.ow), rem = p % (L.oh * L.ow), oy = rem / L.ow, ox = rem % L.ow;
        const float* xb = x + (b * L.channels + g * ipg) * hw;
        for (int64_t ky = 0; ky < L.kh; ++ky) {
          const int64_t iy = oy * L.sh - L.pt + ky * L.dh;
          for (int64_t kx = 0; kx < L.kw; ++kx) {
            const int64_t ix = ox * L.sw - L.pl + kx * L.dw;
            const bool inside = iy >= 0 && iy < L.ih && ix >= 0 && ix < L.iw;
            const float* src = xb + iy * L.iw + ix;
            const int64_t k0 = (ky * L.kw + kx) * ipg;
            for (int64_t ci = 0; ci < ipg; ++ci) {
              const double v = inside ? double(src[ci * hw]) : 0.0;
              const int64_t k = k0 + ci;
              ssum[k] += v;
              if (packed) packed[((k / kPanel) * rows + r) * kPanel + (k % kPanel)] = v;
            }
          }
        }
      }
      if (packed) accumulate_chunk(block, packed, rows, nb, S.h.data() + g * layer.kp * layer.kp, layer.kp);
    }
  }
  S.sampled += int64_t(pos.size());
  S.samples += 1;
}

// Depthwise (IC / groups == 1, K = KH * KW): channels c0 .. c0 + 7 side by
// side, padding lanes 0; sampled sums and H in the same per-element order
// as the general path.
void LayerStatsCollector::accumulate_depthwise(Layer& layer, const float* x, const std::vector<int64_t>& pos) {
  LayerStats& S = layer.s;
  const LayerGeometry& L = S.layer;
  const int64_t K = L.k, hw = L.ih * L.iw;
  const DwFn fn = dw_fn(kernel_);
  double* buf = scratch_.data();
  double* acc = buf + kLayerStatsChunkRows * K * kPanel;
  for (int64_t c0 = 0; c0 < L.groups; c0 += kPanel) {
    const int64_t nc = std::min<int64_t>(kPanel, L.groups - c0);
    for (size_t q0 = 0; q0 < pos.size(); q0 += size_t(kLayerStatsChunkRows)) {
      const int64_t rows = int64_t(std::min(pos.size() - q0, size_t(kLayerStatsChunkRows)));
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t p = pos[q0 + size_t(r)];
        const int64_t b = p / (L.oh * L.ow), rem = p % (L.oh * L.ow), oy = rem / L.ow, ox = rem % L.ow;
        for (int64_t ky = 0; ky < L.kh; ++ky) {
          const int64_t iy = oy * L.sh - L.pt + ky * L.dh;
          for (int64_t kx = 0; kx < L.kw; ++kx) {
            const int64_t ix = ox * L.sw - L.pl + kx * L.dw;
            const bool inside = iy >= 0 && iy < L.ih && ix >= 0 && ix < L.iw;
            const int64_t k = ky * L.kw + kx;
            double* dst = buf + (r * K + k) * kPanel;
            for (int64_t l = 0; l < kPanel; ++l) {
              double v = 0.0;
              if (l < nc) {
                if (inside) v = double(x[(b * L.channels + c0 + l) * hw + iy * L.iw + ix]);
                S.sampled_sum[size_t((c0 + l) * K + k)] += v;
              }
              dst[l] = v;
            }
          }
        }
      }
      fn(buf, rows, K, acc);
      for (int64_t l = 0; l < nc; ++l) {
        double* h = S.h.data() + (c0 + l) * K * K;
        const double* a = acc + l;
        for (int64_t i = 0; i < K; ++i)
          for (int64_t j = i; j < K; ++j, a += kPanel) h[i * K + j] += *a;
      }
    }
  }
}

void LayerStatsCollector::finish() {
  if (finished_) return;
  int64_t samples = -1;
  for (const auto& Lp : layers_) {
    Layer& layer = *Lp;
    LayerStats& S = layer.s;
    if (S.samples == 0)
      throw ConvertError("layer statistics: node '" + S.layer.node + "': its input '" + S.layer.input +
                         "' was never observed");
    if (samples >= 0 && S.samples != samples)
      throw ConvertError("layer statistics: node '" + S.layer.node + "' saw " + std::to_string(S.samples) +
                         " samples, node '" + layers_.front()->s.layer.node + "' " + std::to_string(samples));
    samples = S.samples;
    S.mean.resize(layer.sum_all.size());
    for (size_t i = 0; i < S.mean.size(); ++i) S.mean[i] = layer.sum_all[i] / double(S.positions);
    std::vector<double>().swap(layer.sum_all);
    if (S.has_h()) {
      const int64_t K = S.layer.k, kp = layer.kp;
      double* h = S.h.data();
      for (int64_t g = 0; g < S.layer.groups; ++g)  // compact kp -> K stride (moves data forward only)
        for (int64_t i = 0; i < K; ++i) std::memmove(h + (g * K + i) * K, h + (g * kp + i) * kp, size_t(K) * sizeof(double));
      S.h.resize(size_t(S.layer.groups * K * K));
      S.h.shrink_to_fit();
      for (int64_t g = 0; g < S.layer.groups; ++g) {
        double* hg = S.h.data() + g * K * K;
        for (int64_t i = 0; i < K; ++i)
          for (int64_t j = 0; j < i; ++j) hg[i * K + j] = hg[j * K + i];
      }
    }
  }
  std::vector<double>().swap(scratch_);
  finished_ = true;
}

LayerStatsCollector::Layer& LayerStatsCollector::find(const std::string& node) const {
  for (const auto& L : layers_)
    if (L->node == node) {
      if (!finished_) throw ConvertError("layer statistics: node '" + node + "': asked for before finish()");
      if (L->taken) throw ConvertError("layer statistics: node '" + node + "': its statistics were taken already");
      return *L;
    }
  throw ConvertError("layer statistics: node '" + node + "' was not collected in this pass");
}

const LayerStats& LayerStatsCollector::stats(const std::string& node) const { return find(node).s; }

LayerStats LayerStatsCollector::take(const std::string& node) {
  Layer& L = find(node);
  L.taken = true;
  return std::move(L.s);
}

CalibrationStats run_layer_stats_pass(const graph::Graph& graph, const data::Dataset& dataset,
                                      const data::PreprocessConfig& preprocess, size_t num_images,
                                      LayerStatsCollector& stats, ActivationCalibration* calibration,
                                      bool show_progress, const std::string& progress_label) {
  const graph::TensorObserver observer = [&](const std::string& name, const graph::Tensor& t) {
    if (calibration) calibration->observe(name, t);
    stats.observe(name, t);
  };
  return run_samples(graph, dataset, preprocess, num_images, observer, {}, show_progress, progress_label,
                     "layer statistics");
}

}  // namespace qrt::calib
