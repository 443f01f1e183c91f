// Mixed precision by an accuracy budget (qrt-convert --accuracy-budget A):
// which conv / FC layers get 8-bit weights, chosen by measurement instead
// of by name (--layer-weight-bits).
//
// THE RULE. Convert as asked (e.g. --weight-bits 4), then measure the
// quantized model's top-1 agreement with the float model on the calibration
// samples. While it is below A, give more of the layers ranked worst 8-bit
// weights (such a layer accumulates in INT32, as with --layer-weight-bits)
// and measure again. The result is the shortest prefix of the ranking found
// whose model meets A: prefixes of 1, 2, 4, 8, ... layers until one meets
// it (or every layer is at 8 bits), then bisection between the last prefix
// that missed and the first that met it. With L candidate layers that is
// at most 2 + 2 ceil(log2 L) evaluation passes (MobileNetV1: 28 layers, at
// most 12); one pass = the runtime on every calibration sample, the first
// also runs the float model and keeps its top-1 per sample. Agreement need
// not grow with every layer moved; the search returns a prefix it measured
// at or above A, not necessarily the shortest such prefix. If every layer
// at 8 bits still misses A, that is an error naming the agreement reached
// at each step (the caller writes no file).
//
// THE RANKING: each layer's damage to the network's output, measured. For
// every layer below 8 bits, alone: its weights quantized exactly as
// lowering will (same method, bits and statistics; bias correction's shift
// applied to its bias), put into the float model, run on the first
// kBudgetRankingSamples calibration samples; its error is
//     e = sum ||z_l - z||^2 / sum ||z||^2
// over those samples, z the float model's logits (the input of a final
// Softmax, else the output) and z_l the same with layer l quantized. Larger
// e ranks first; ties keep graph order. This sees what an error at the
// layer does downstream (amplified by later layers, or lost in a dead
// channel), which a layer-local measure cannot: docs/calibration.md
// ("Mixed precision by budget") compares it with the layer's own output
// error on its inputs (tr((W-Wq) H (W-Wq)^T) / tr(W H W^T)), its weight
// error and the quantized network's per-layer SQNR drop. Cost: L *
// kBudgetRankingSamples float passes (MobileNetV1 0.25: 28 * 32, about 7 s
// here). Also reported: the data-free relative weight error
// ||w - q s||^2 / ||w||^2. MatMul layers get no bias in the float model,
// so their bias correction is left out of their e. An FC layer after a
// Flatten of an NCHW map is quantized here in the graph's CHW column order,
// by lowering in HWC order: the same result except where GPTQ's act order
// meets equal h[i][i].
//
// THE MEASUREMENT. The model must be a classifier: one output with one
// dimension > 1 (e.g. [1, C] or [1, C, 1, 1], C >= 2); agreement = the
// fraction of samples whose int8 argmax equals the float argmax (the first
// maximum on ties). The quantized model runs in libqrt (the public C API,
// float residual adds in F32 on every host; several threads, bit-identical
// to one), the float model in the float executor, on the calibration
// samples with the conversion's preprocessing. Preprocessed inputs are kept
// in memory up to kBudgetInputCacheBytes, the rest reloaded each pass.
// Deterministic: the same inputs, flags and build give the same choice and
// the same bytes (the float executor is not bit-identical across compilers
// and CPUs, so a float top-1 on a near tie, and with it the choice, may
// differ between hosts).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "calib/layer_stats.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "graph/graph.h"
#include "quantize/lower.h"

namespace qrt::convert {

constexpr size_t kBudgetRankingSamples = 32;
constexpr size_t kBudgetInputCacheBytes = size_t(256) << 20;

// "0.99" (a fraction in [0, 1]) or "99%" (a percentage in [0, 100]).
// Throws ConvertError on anything else (e.g. "99": "did you mean 99%?").
double parse_accuracy_budget(const std::string& text);

// Throws ConvertError unless the graph has one output with one dimension
// > 1 (the budget's argmax needs a classifier).
void check_classifier_output(const graph::Graph& graph);

struct LayerSensitivity {
  std::string node;          // Conv / Gemm / MatMul node name
  int bits = 8;              // its weight bits before the budget
  double logit_error = 0;    // e above
  double weight_error = 0;   // ||w - q s||^2 / ||w||^2
};

struct BudgetStep {
  size_t eight_bit_layers = 0;  // prefix of the ranking moved to 8 bits
  size_t agreeing = 0;          // samples whose top-1 agrees
  double agreement = 0;         // agreeing / samples
};

struct BudgetReport {
  double budget = 0;                       // 0: no budget (nothing measured)
  size_t samples = 0;                      // calibration samples measured
  size_t ranking_samples = 0;              // of which the ranking used the first
  std::vector<LayerSensitivity> ranking;   // the candidates, worst first
  std::vector<BudgetStep> steps;           // in the order measured
  size_t chosen = 0;                       // ranking[0, chosen) went to 8 bits
  double agreement = 0;                    // of the chosen model
};

// Every Conv / Gemm / MatMul below 8 bits (options.weight_bits_for), ranked
// worst first by e above on the first `samples` of `dataset` (fewer if it
// has fewer). `stats` as lowering reads them (options.layer_stats is not
// used).
std::vector<LayerSensitivity> rank_layers_by_logit_error(const graph::Graph& graph, const data::Dataset& dataset,
                                                         const data::PreprocessConfig& preprocess, size_t samples,
                                                         const quantize::LowerOptions& options,
                                                         const std::map<std::string, calib::LayerStats>& stats,
                                                         bool show_progress);

// The model bytes for a set of per-layer weight bits (lowering + serialize;
// the metadata does not matter to the measurement).
using ModelBuilder = std::function<std::vector<uint8_t>(const std::map<std::string, int>& layer_weight_bits)>;

// The search above on the first num_images samples of `dataset` (0: all).
// `options` are the conversion's lowering options (their layer_weight_bits
// the starting point), `stats` the layer statistics lowering uses. Returns
// the per-layer weight bits to convert with: the starting ones plus the
// chosen layers at 8. One line per pass on stderr when `show_progress`.
// Throws ConvertError when the budget cannot be met.
std::map<std::string, int> choose_layer_weight_bits(double budget, const graph::Graph& graph,
                                                    const data::Dataset& dataset,
                                                    const data::PreprocessConfig& preprocess, size_t num_images,
                                                    const quantize::LowerOptions& options,
                                                    const std::map<std::string, calib::LayerStats>& stats,
                                                    const ModelBuilder& build, bool show_progress,
                                                    BudgetReport* report);

// "NODE=BITS,..." (the --layer-weight-bits syntax, names in map order).
std::string format_layer_weight_bits(const std::map<std::string, int>& bits);

}  // namespace qrt::convert
