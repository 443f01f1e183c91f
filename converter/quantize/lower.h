// Lowering: graph IR (ONNX semantics, NCHW, float) + calibrated ranges ->
// LoweredModel (NHWC, int8 weights, the .qrt operator set).
//
// What lowering does, per tensor and per op:
//   - shapes: 4-D NCHW [N,C,H,W] become NHWC [N,H,W,C]; other ranks stay;
//   - Conv weights OIHW -> OHWI, per-output-channel int8 (quant_math.h);
//     bias -> int32 with scale input_scale * weight_scale[c];
//   - Gemm/MatMul -> FULLY_CONNECTED with weights [out, in] (transposed as
//     needed, alpha/beta folded); when the input comes from a Flatten of an
//     NCHW tensor with H*W > 1, the weight columns are permuted from CHW to
//     HWC order, because the runtime flattens NHWC memory;
//   - storage of every activation comes from placement.h; QUANTIZE and
//     DEQUANTIZE ops are inserted where a reader needs the other one (each
//     conversion made once per tensor, named "<tensor>/quantized" or
//     "<tensor>/dequantized");
//   - int8 scales: MaxPool and Reshape/Flatten keep their input's; all
//     other int8 tensors use the calibrated range of the IR tensor;
//   - graph outputs are always F32 (a DEQUANTIZE is added when needed);
//   - QDQ models: an activation, weight or bias the graph fixes
//     (Graph::fixed_activations / fixed_constants) keeps its scale, bits
//     and integers (weights: the codes recovered exactly from the float
//     initializer, float(code) * scale; biases: the int32 codes when their
//     scale is the fp32 input_scale * weight_scale[c]); everything else is
//     quantized as below;
//   - accumulators: every conv / FC is INT16 when its weight bits + its
//     input's activation bits <= 14 (and int16_accumulation is on), with
//     int16_chunk computed from the layer's actual int8 weights and its
//     input's int8 storage range by qrt_int16_chunk (docs/accumulation.md:
//     no int16 partial sum can overflow, so the result equals INT32's);
//     otherwise INT32.
// Errors are ConvertError naming the node (and tensor).
#pragma once

#include <map>
#include <string>

#include "calib/calibration.h"
#include "calib/layer_stats.h"
#include "graph/graph.h"
#include "quantize/lowered_model.h"
#include "quantize/placement.h"
#include "quantize/quant_math.h"

namespace qrt::quantize {

struct LowerOptions {
  int weight_bits = 8;       // 4..8
  // Per-layer overrides by ONNX node name (qrt-convert --layer-weight-bits),
  // for mixed precision: a layer at 8 bits goes INT32 while the rest stay
  // INT16. Every name must be a Conv/Gemm/MatMul of the graph.
  std::map<std::string, int> layer_weight_bits;
  int weight_bits_for(const std::string& node) const {
    auto it = layer_weight_bits.find(node);
    return it == layer_weight_bits.end() ? weight_bits : it->second;
  }
  int activation_bits = 8;   // 4..8
  bool unsigned_activations = true;  // U8 for non-negative tensors
  bool per_channel_weights = true;   // false: one scale per weight tensor
  // How weights are quantized (weight_methods.h: "minmax", "mse", "gptq")
  // and whether their rounding's expected output shift is folded into the
  // bias (qrt-convert --weights / --bias-correction). gptq and bias
  // correction read `layer_stats` (the calibration pass's per-layer input
  // statistics, calib/layer_stats.h, by Conv/Gemm/MatMul node name); a layer
  // missing from it is an error. These defaults are lower_graph's (no
  // statistics needed); qrt-convert's are gptq + bias correction
  // (convert.h default_lower_options).
  std::string weight_method = "minmax";
  bool bias_correction = false;
  const std::map<std::string, calib::LayerStats>* layer_stats = nullptr;
  // Plan INT16 accumulators where weight_bits + activation_bits <= 14
  // (false: always INT32, qrt-convert --no-int16).
  bool int16_accumulation = true;
  PlacementOptions placement;
  // QDQ models (graph::Graph::fixed_activations): an activation with a
  // non-zero zero point is an error, unless this is set (qrt-convert
  // --qdq-asymmetric widen): then it is stored S8 over the same real range
  // (a warning names it).
  bool qdq_widen_asymmetric = false;
  // Store a layer's weights sparse (bitmap + non-zero values, schema
  // Buffer.sparse) when that is smaller than the dense form: pruned models
  // (qrt-convert --sparse-weights off: always dense).
  bool sparse_weights = true;
  // Progress on stderr while weights are quantized with a method other
  // than minmax (one step per Conv/Gemm/MatMul; calib::Progress).
  bool show_progress = false;
};

// True when a layer with `weight_bits` may accumulate in INT16
// (weight_bits + activation_bits <= 14, the paper's rule).
bool int16_eligible(const LowerOptions& options, int weight_bits);

// "NODE=BITS[,NODE=BITS...]" (qrt-convert --layer-weight-bits) -> map.
// Throws ConvertError naming the malformed entry.
std::map<std::string, int> parse_layer_weight_bits(const std::string& spec);

// The int8 storage range [lo, hi] of an activation tensor as the kernels
// see it (U8 shifted by -128, docs/integer-semantics.md).
void storage_range(const LTensor& activation, int32_t* lo, int32_t* hi);

// One linear layer's weights as lowering stores them, for lowering and for
// whoever must predict it (driver/accuracy_budget.h). `w`: [out][k] in
// lowering's layout (OHWI for a conv), quantized with `options`' method,
// granularity and bits for node `n` (weight_bits_for). With bias
// correction and a non-null `bias` (`out` floats), the bias moves by the
// rounding's expected shift (weight_methods.h rounding_shift). `stats`: the
// layer's statistics in w's k order, from layer_stats_for.
QuantizedWeights quantize_layer(const LowerOptions& options, const graph::Node& n, const std::vector<float>& w,
                                int64_t out, int64_t groups, const calib::LayerStats* stats,
                                std::vector<float>* bias);

// n's entry of `stats` when `options` need layer statistics (a method other
// than minmax, or bias correction), else nullptr; ConvertError naming the
// node when they are needed and `stats` is null or lacks it.
const calib::LayerStats* layer_stats_for(const LowerOptions& options,
                                         const std::map<std::string, calib::LayerStats>* stats,
                                         const graph::Node& n);

// `graph` must have passed the graph passes (shapes inferred). `ranges`
// must answer for every activation the model stores in int8 (and for
// every tensor a QUANTIZE reads). Metadata is left for the caller.
LoweredModel lower_graph(const graph::Graph& graph, const calib::RangeSource& ranges, const LowerOptions& options);
// The same with fixed [lo, hi] ranges by tensor name.
LoweredModel lower_graph(const graph::Graph& graph, const std::map<std::string, calib::Range>& ranges,
                         const LowerOptions& options);

// [N,C,H,W] -> [N,H,W,C]; other ranks unchanged. Throws on dims > int32.
std::vector<int32_t> to_nhwc_shape(const graph::Shape& shape, const std::string& tensor);

// OIHW float weights -> OHWI float weights.
std::vector<float> oihw_to_ohwi(const std::vector<float>& w, int64_t o, int64_t i, int64_t kh, int64_t kw);

// The HWC order of C*H*W values stored in CHW order: element i of the HWC
// order is element order[i] of the CHW one (the one owner of this
// permutation: FC weight columns and the FC's input statistics use it).
std::vector<int64_t> chw_to_hwc_order(int64_t c, int64_t h, int64_t wdim);

// FC weights [out, C*H*W] with columns in CHW order -> columns in HWC order.
std::vector<float> permute_fc_columns_chw_to_hwc(const std::vector<float>& w, int64_t out, int64_t c, int64_t h,
                                                 int64_t wdim);

}  // namespace qrt::quantize
