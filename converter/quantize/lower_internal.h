// Internal to lowering (lower.cc, lower_ops.cc): the state of one lowering
// run. Not a public header.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "quantize/lower.h"

namespace qrt::quantize {

// Where a Flatten/Reshape changed the element order (NCHW vs NHWC).
struct FlattenOrigin {
  int64_t c = 0, h = 0, w = 0;
};

// The 256 int8 storage codes of a LOOKUP_TABLE for unary elementwise node
// `n` from input `x` to output `y` (docs/integer-semantics.md, "Lookup
// table"; lower_ops_elementwise.cc).
std::vector<int8_t> lookup_table_codes(const graph::Node& n, const LTensor& x, const LTensor& y);

class Lowerer {
 public:
  Lowerer(const graph::Graph& g, const calib::RangeSource& ranges, const LowerOptions& o);
  LoweredModel run();

 private:
  // Tensor management.
  int32_t input(const graph::Node& n, size_t index);  // converts per input_need()
  int32_t as_float(const std::string& name, const std::string& op_name);
  int32_t as_quantized(const std::string& name, const std::string& op_name);
  // Defines the lowered tensor of IR output `name` with its placement's
  // storage. Quantized: `inherit` >= 0 copies that tensor's quantization,
  // else the calibrated range of `name` is used.
  int32_t define_output(const graph::Node& n, const std::string& name, int32_t inherit = -1);
  LTensor activation_quant(const std::string& name, bool non_negative, const std::string& where);
  void add_op(schema::OpType type, const graph::Node& n, std::vector<int32_t> in, std::vector<int32_t> out,
              LOptions opts = {});
  // Quantizes and stores weights [out_channels][k] (`groups` groups of
  // rows, weight_methods.h) with LowerOptions::weight_method; `scales` gets
  // one scale per output channel (repeated when per-tensor), `values` the
  // int8 codes. The bits come from the node (LowerOptions::weight_bits_for).
  // `stats`: the layer's input statistics in the weights' k order (null
  // unless the method or the bias correction needs them). With bias
  // correction, `bias` (one float per output channel) is corrected in place.
  // A QDQ model's fixed weights (Graph::fixed_constants) are stored as
  // they are instead: `out_axis` is the ONNX initializer's output-channel
  // axis (per-axis scales must be along it); `bits` gets the layer's bits.
  // `input_scale`: the layer input's scale; a channel whose bias would not
  // fit int32 at input_scale * its weight scale (near-zero weights: BN
  // folded with a tiny gamma) gets its weight scale raised until it fits
  // (fit_bias_scales).
  int32_t add_weights(const graph::Node& n, const std::vector<float>& w, int64_t out_channels, int64_t groups,
                      int out_axis, std::vector<int32_t> shape, const calib::LayerStats* stats,
                      std::vector<float>* bias, float input_scale, std::vector<float>* scales,
                      std::vector<int8_t>* values, int* bits);
  void fit_bias_scales(const graph::Node& n, const std::vector<float>& w, const std::vector<float>& bias,
                       float input_scale, int bits, QuantizedWeights* q);
  // The fixed weights of n (input 1) as codes in w's order, exactly.
  QuantizedWeights fixed_weights(const graph::Node& n, const graph::FixedConstant& f, const std::vector<float>& w,
                                 int64_t out_channels, int out_axis);
  LTensor fixed_activation_quant(const std::string& name, const graph::FixedActivation& f,
                                 const std::string& where);
  // The node's statistics when the options need them (nullptr otherwise);
  // ConvertError if they are needed and missing.
  const calib::LayerStats* layer_stats_for(const graph::Node& n) const;
  // Sets opts->accumulator / int16_chunk for a conv/FC reading `x`.
  void plan_accumulator(const graph::Node& n, int32_t x, const std::vector<int8_t>& w, int64_t out_channels,
                        int weight_bits, LOptions* opts);
  // The int32 bias of node n reading activation x with quantized weights
  // `wq` ([out_channels][k]). A value beyond the accumulator bound
  // (docs/integer-semantics.md, "Value ranges checked at load") is clamped
  // to it, with a warning naming the node.
  int32_t add_bias(const graph::Node& n, const std::string& name, const std::vector<float>& b,
                   float input_scale, const std::vector<float>& weight_scales, int32_t x,
                   const std::vector<int8_t>& wq);
  schema::Activation activation(const graph::Node& n) const;

  // One function per ONNX op (lower_ops.cc).
  void lower_conv(const graph::Node& n);
  void lower_fc(const graph::Node& n);  // Gemm and MatMul
  void lower_add(const graph::Node& n);
  void lower_pool(const graph::Node& n);
  void lower_global_average_pool(const graph::Node& n);
  void lower_reshape(const graph::Node& n);  // Reshape and Flatten
  void lower_concat(const graph::Node& n);
  void lower_softmax(const graph::Node& n);
  // lower_ops_elementwise.cc
  void lower_unary(const graph::Node& n);  // every graph::is_unary_elementwise op -> LOOKUP_TABLE
  void lower_mul(const graph::Node& n);    // Mul of two activations -> MUL
  void lower_lrn(const graph::Node& n);    // LRN -> LRN (F32: a float island)
  void lower_prelu(const graph::Node& n);  // PRelu (per-channel slope) -> PRELU
  void lower_batch_norm(const graph::Node& n);  // unfolded BatchNormalization -> depthwise 1x1 CONV_2D
  // lower_ops_layout.cc
  void lower_channel_shuffle(const graph::Node& n);  // QrtChannelShuffle -> CHANNEL_SHUFFLE
  void lower_slice(const graph::Node& n);            // Slice (attributes, step 1) -> SLICE
  void lower_pad(const graph::Node& n);              // Pad (constant, attributes) -> PAD
  void refuse_flattened(const graph::Node& n);       // ConvertError if input 0 is NHWC-flattened

  const graph::Graph& g_;
  const calib::RangeSource& ranges_;
  LowerOptions opt_;
  Placement placement_;
  LoweredModel m_;
  std::map<std::string, int32_t> float_id_, quant_id_;
  std::map<std::string, FlattenOrigin> flatten_origin_;
  // "quantizing weights (gptq) 12/53" per layer when the method is not
  // minmax (LowerOptions::show_progress).
  std::unique_ptr<calib::Progress> weight_progress_;
  size_t weights_done_ = 0;
  std::set<std::string> qdq_activations_used_;
  std::map<std::string, LTensor> fixed_quant_;  // by IR tensor name (one widening warning each)
};

}  // namespace qrt::quantize
