// Per-layer input statistics for weight quantization (bias correction,
// second-order / GPTQ-style rounding), collected from the calibration data.
//
// WHAT IS COLLECTED. For every requested linear node (Conv, Gemm, MatMul:
// the node types the converter's passes leave for conv / FC layers,
// graph/passes.h) the collector looks at that node's *input* tensor, as the
// FloatExecutor observer delivers it, once per calibration sample, and keeps:
//
//   - the im2col column means  mean[g][k] = E[x_k]  over EVERY output
//     position of every sample (padded taps count as 0, as the conv reads
//     them): what bias correction needs, since the output shift from weight
//     rounding is sum_k (Wq - W)[o][k] * E[x_k];
//   - the second moment  H[g] = sum over SAMPLED output positions of x x^T
//     (K x K, double), x the im2col row one output pixel of group g reads;
//   - the sum of x over the sampled positions (so a caller can centre H) and
//     the counts behind both (samples, positions, sampled positions).
//
// ORDERING. x has K = KH * KW * (IC / groups) entries, in the order of the
// lowered weights [OC][KH][KW][IC/groups] (OHWI, quantize/lower_ops.cc):
//     k = (kh * KW + kw) * (IC / groups) + ci,
// input channel g * (IC / groups) + ci, input pixel
//     (oy * stride_h - pad_top + kh * dilation_h, ox * stride_w - pad_left + kw * dilation_w),
// 0 where that pixel lies in the padding. NOTE: this is not the ONNX weight
// order [OC][IC/groups][KH][KW] (k' = (ci * KH + kh) * KW + kw). Fully
// connected layers (Gemm with transA = 0, MatMul; 2-D input [N, K]) have
// K = input features in the graph's order, one row per batch row: the
// column order of the ONNX weights. Lowering permutes FC columns from CHW to
// HWC when the input comes from a Flatten of a 4-D tensor
// (quantize/lower.h, permute_fc_columns_chw_to_hwc); permute_layer_inputs()
// applies such a permutation to the statistics.
//
// Layer kinds: groups == 1 convs and FC layers have one K x K matrix.
// Grouped convs have one K x K matrix per group (groups of them), and
// depthwise convs (groups == IC, any channel multiplier) are the special
// case K = KH * KW: one 9 x 9 matrix per input channel for a 3x3 kernel.
// LayerStatsOptions::depthwise_second_moments = false skips their matrices
// (LayerStats::has_h() is false, the means are still collected).
//
// STORAGE. h is the full symmetric matrix, row-major, [groups][K][K] (both
// triangles filled by finish(); only the upper triangle is accumulated).
// h is a raw sum, not divided by the count: H / sampled is the sampled second
// moment. mean is already divided.
//
// SAMPLING. Per sample and layer, the NP = N * OH * OW output positions
// (p = (n * OH + oy) * OW + ox; FC: NP = N rows) are all used when
// NP <= max_positions (P). Otherwise exactly P are used, one per stratum:
// stratum i in [0, P) covers [lo_i, hi_i) = [floor(i NP / P), floor((i+1) NP / P))
// and the position taken is
//     lo_i + splitmix64(splitmix64(seed + s) ^ i) mod (hi_i - lo_i),
// with s the sample index (0, 1, ... in the order this collector sees the
// layer's input) and splitmix64 the SplitMix64 output function (Steele et
// al.) for state x, all arithmetic mod 2^64:
//     z = x + 0x9E3779B97F4A7C15; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
//     z = (z ^ (z >> 27)) * 0x94D049BB133111EB; return z ^ (z >> 31).
// Evenly spread, sorted, distinct, a different draw per sample (200 images
// x 256 positions cover a 112 x 112 map several times over), and the same
// positions on every run and machine: sampled_positions() returns them.
// The same positions serve every group of the layer. The means always use
// every position.
//
// MEMORY (stated, bounded). Per layer, accumulators (layer_stats_bytes()):
// groups * Kp * Kp doubles for H (Kp = K rounded up to a multiple of 8 while
// accumulating, K for depthwise convs; finish() shrinks H to
// groups * K * K; 0 without H) plus
// 2 * groups * K doubles (means, sampled sums). Scratch, shared by all
// layers of a collector: kLayerStatsChunkRows rows of the largest Kp
// doubles (2.5 MiB for K = 1280, 9 MiB for K = 4608; depthwise: 8 channels
// of K doubles per row).
// LayerStatsCollector::memory_bytes() is the sum of both. Measured with the
// models of benchmarks/models/make_models.py: MobileNetV2-1.0, 53 layers,
// 54.2 MiB of accumulators (the 1280-input FC 12.5 MiB of it), 53.1 MiB
// of H after finish();
// ResNet50, 54 layers, 952 MiB, the largest 162 MiB (K = 4608; 4 passes at
// a 256 MiB budget). plan_layer_stats_passes() splits the layers into
// passes whose accumulator bytes fit a budget; a caller then runs the data
// once per pass, one collector per pass.
//
// COST. Per sample and layer: the means read every im2col element once
// (KH * KW * IC * N * OH * OW adds, about the conv's MACs / OC); H costs
// min(NP, P) * groups * Kp * (Kp + 8) / 2 multiply-adds, done as rank-1
// updates in register blocks (8 x 8 tiles of H's upper triangle over packed
// 8-column panels of up to kLayerStatsChunkRows gathered rows; depthwise
// convs: 8 channels side by side, one per SIMD lane, K (K + 1) / 2 products
// per row; AVX-512 / AVX2 versions chosen at run time, the same bits as the
// portable ones).
// Measured on MobileNetV2-1.0, 224x224, 200 ImageNet-sample images, P = 256,
// all 53 layers, in the same pass as the activation calibration (x86-64,
// AVX-512, one thread, 2 cores shared with other jobs, so +-30%): 9.8 s
// inside the collector (about 49 ms per image; P = 1 leaves about 20 ms
// per image for the means and checks); the calibration pass alone took
// 20-27 s. The hidden Catch2 case "[.bench]" of
// tests/converter/calib/layer_stats_test.cc
// reproduces it.
//
// DETERMINISM. Same graph, samples (in order) and options: the same bytes.
// No threads; every sum is in double in a fixed order: each H element sums
// its products over the rows of one chunk in row order (exact products of
// floats, no fused multiply-add: this file is built with -ffp-contract=off),
// then adds the chunk's sum into H, chunks and samples in order; so the
// SIMD kernels give the same bits as the portable one (tested).
//
// USE. One pass, together with the activation calibration:
//
//   calib::LayerStatsCollector stats(graph, calib::linear_layer_nodes(graph), opts);
//   graph::FloatExecutor exec(graph);
//   auto observer = [&](const std::string& name, const graph::Tensor& t) {
//     calibration.observe(name, t);       // ActivationCalibration, unchanged
//     stats.observe(name, t);
//   };
//   for (each sample) exec.run(inputs, observer);
//   stats.finish();
//   const calib::LayerStats& s = stats.stats("conv1");   // s.mean, s.h, ...
//
// or run_layer_stats_pass() (the same sample loop as run_calibration(),
// feeding a collector and optionally an ActivationCalibration). Several
// passes under a memory budget:
//
//   for (const auto& pass : calib::plan_layer_stats_passes(graph, nodes, 256 << 20, opts)) {
//     calib::LayerStatsCollector c(graph, pass, opts);
//     calib::run_layer_stats_pass(graph, dataset, preprocess, n, c);
//     c.finish();
//     for (const auto& node : pass) use(c.take(node));   // free it before the next pass
//   }
//
// The graph must be the one the executor runs (after the passes, shapes
// inferred). With a TensorTransform the collector sees what the observer
// sees: the value before its own transform. Errors are qrt::ConvertError
// naming the node and tensor (an unknown or non-linear node, a shape that
// does not match the graph's, a non-finite value, a budget smaller than one
// layer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "calib/calibration.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "graph/graph.h"

namespace qrt::calib {

// Rows gathered and accumulated at a time (the scratch block's height).
constexpr int64_t kLayerStatsChunkRows = 256;

enum class LayerStatsKind { kConv, kGroupedConv, kDepthwiseConv, kFullyConnected };
const char* layer_stats_kind_name(LayerStatsKind kind);  // "conv", "grouped conv", "depthwise conv", "fc"

enum class LayerStatsKernel {
  kAuto,      // the widest the CPU has (AVX-512F, AVX2, portable); same results
  kPortable,  // plain C++ (tests compare it with kAuto)
};

struct LayerStatsOptions {
  int64_t max_positions = 256;            // P: output positions per sample per layer for H (>= 1)
  uint64_t seed = 0;                      // of the position pattern
  bool second_moments = true;             // false: means only, for every layer
  bool depthwise_second_moments = true;   // false: no H for depthwise convs (has_h() false)
  LayerStatsKernel kernel = LayerStatsKernel::kAuto;
};

// One layer's geometry, resolved from the graph (attributes after
// infer_shapes: explicit pads / strides / dilations).
struct LayerGeometry {
  std::string node;      // node name
  std::string op_type;   // "Conv", "Gemm", "MatMul"
  std::string input;     // the input tensor observed
  LayerStatsKind kind = LayerStatsKind::kConv;
  graph::Shape input_shape;  // as the graph has it: [N, C, H, W] or [N, K]
  int64_t batch = 1;         // N
  int64_t channels = 0;      // IC (FC: K)
  int64_t ih = 1, iw = 1;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;
  int64_t oh = 1, ow = 1;
  int64_t groups = 1;
  int64_t k = 0;             // im2col row length per group
  bool collects_h = true;    // after the options
  int64_t positions_per_sample() const { return batch * oh * ow; }
};

// The node's geometry; ConvertError naming the node if it is not a
// supported Conv / Gemm / MatMul or its shapes are unknown.
LayerGeometry layer_geometry(const graph::Graph& graph, const std::string& node,
                             const LayerStatsOptions& options = {});

// Every Conv, Gemm and MatMul node, in graph (execution) order.
std::vector<std::string> linear_layer_nodes(const graph::Graph& graph);

// Accumulator bytes of one layer: 8 * (groups*K*K [if H] + 2*groups*K).
size_t layer_stats_bytes(const LayerGeometry& layer);

// Splits `nodes` into passes whose accumulator bytes (layer_stats_bytes)
// sum to at most budget_bytes: first-fit in order of decreasing bytes (ties:
// the order of `nodes`), each pass listed in the order of `nodes`, passes in
// the order they were opened. Every node is in exactly one pass. A layer
// larger than the budget, an empty or repeated node: ConvertError naming it.
std::vector<std::vector<std::string>> plan_layer_stats_passes(const graph::Graph& graph,
                                                              const std::vector<std::string>& nodes,
                                                              size_t budget_bytes,
                                                              const LayerStatsOptions& options = {});

// The positions in [0, num_positions) a sample uses (the SAMPLING rule
// above), sorted. num_positions <= max_positions: all of them.
std::vector<int64_t> sampled_positions(int64_t num_positions, int64_t max_positions, uint64_t seed,
                                       uint64_t sample);

struct LayerStats {
  LayerGeometry layer;
  int64_t samples = 0;     // samples observed
  int64_t positions = 0;   // output positions behind `mean` (per group): samples * N * OH * OW
  int64_t sampled = 0;     // positions behind `h` and `sampled_sum` (per group)
  std::vector<double> mean;         // [groups][K]: E[x_k] over every position, padding = 0
  std::vector<double> sampled_sum;  // [groups][K]: sum of x over the sampled positions
  std::vector<double> h;            // [groups][K][K], symmetric, sum of x x^T; empty if !has_h()

  bool has_h() const { return !h.empty(); }
  int64_t k() const { return layer.k; }
  int64_t groups() const { return layer.groups; }
  const double* mean_of(int64_t group) const { return mean.data() + group * layer.k; }
  const double* h_of(int64_t group) const { return h.data() + group * layer.k * layer.k; }
  double h_at(int64_t group, int64_t i, int64_t j) const { return h_of(group)[i * layer.k + j]; }
};

// Reorders the inputs of every group: new index i is old index order[i]
// (order a permutation of [0, K)); e.g. the CHW -> HWC column order lowering
// gives an FC layer after a Flatten. ConvertError if order is not one.
void permute_layer_inputs(LayerStats& stats, const std::vector<int64_t>& order);

class LayerStatsCollector {
 public:
  // Collects for `nodes` (each a Conv/Gemm/MatMul of `graph`, no repeats;
  // several may read one tensor). Allocates every accumulator now. Keeps a
  // reference to nothing: the geometry is copied.
  LayerStatsCollector(const graph::Graph& graph, const std::vector<std::string>& nodes,
                      const LayerStatsOptions& options = {});
  ~LayerStatsCollector();
  LayerStatsCollector(const LayerStatsCollector&) = delete;
  LayerStatsCollector& operator=(const LayerStatsCollector&) = delete;

  // One sample's value of `tensor`; ignored unless a collected node reads
  // it. Shape must equal the graph's; every value must be finite
  // (ConvertError naming the tensor and the node). Not after finish().
  void observe(const std::string& tensor, const graph::Tensor& value);

  // Divides the means and fills H's lower triangle. ConvertError if a layer
  // saw no sample, or layers saw different numbers of samples.
  void finish();
  bool finished() const { return finished_; }

  const std::vector<std::string>& nodes() const { return nodes_; }
  // After finish(); ConvertError naming an unknown node (or one taken).
  const LayerStats& stats(const std::string& node) const;
  // Moves a layer's statistics out (frees them here).
  LayerStats take(const std::string& node);

  // Accumulators plus scratch, in bytes (the MEMORY paragraph).
  size_t memory_bytes() const;

 private:
  struct Layer;
  void accumulate(Layer& layer, const graph::Tensor& value);
  void accumulate_depthwise(Layer& layer, const float* x, const std::vector<int64_t>& pos);
  Layer& find(const std::string& node) const;

  LayerStatsOptions options_;
  std::vector<std::string> nodes_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::map<std::string, std::vector<Layer*>> by_tensor_;
  std::vector<double> scratch_;  // packed rows
  int kernel_ = 0;               // 0 portable, 1 AVX2, 2 AVX-512F
  bool finished_ = false;
};

// The sample loop of run_calibration() (same checks, same order of samples,
// same preprocessing) feeding `stats` and, when not null, `calibration`:
// one pass over min(num_images, dataset.size()) samples (0: all). Does not
// call stats.finish(). Throws ConvertError.
CalibrationStats run_layer_stats_pass(const graph::Graph& graph, const data::Dataset& dataset,
                                      const data::PreprocessConfig& preprocess, size_t num_images,
                                      LayerStatsCollector& stats, ActivationCalibration* calibration = nullptr,
                                      bool show_progress = true,
                                      const std::string& progress_label = "layer statistics");

}  // namespace qrt::calib
