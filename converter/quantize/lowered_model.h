// The quantized model as plain C++ values, one step before FlatBuffers.
//
// Lowering (lower.h) fills a LoweredModel; serialize_model() turns it into
// the bytes of a .qrt file (schema/qrt.fbs). Keeping this middle form lets
// tests inspect lowering decisions directly, and keeps every FlatBuffers
// detail (alignment, union building, field order) in one file. Tensor
// shapes are already NHWC here and weights already OHWI / [out, in].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qrt/schema/qrt_generated.h"

namespace qrt::quantize {

struct LTensor {
  std::string name;
  schema::DType dtype = schema::DType::F32;
  std::vector<int32_t> shape;
  // Quantization (S8, U8, S32 only): scale has 1 entry (per tensor) or one
  // per output channel (axis 0).
  std::vector<float> scale;
  std::vector<int32_t> zero_point;  // empty: all zero
  int axis = -1;
  int bits = 8;
  uint32_t buffer = 0;  // 0: activation (no data)
  bool quantized() const { return dtype != schema::DType::F32 && dtype != schema::DType::F16; }
};

// The union of every op's options; serialize_model() writes the fields the
// op's type has in the schema.
struct LOptions {
  schema::Activation activation = schema::Activation::NONE;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int groups = 1;
  int kernel_h = 0, kernel_w = 0;
  bool count_include_pad = false;
  int ceil_bottom = 0, ceil_right = 0;  // AveragePool ceil_mode (Pool2DOptions)
  int axis = -1;  // Concat (required), Softmax (-1)
  bool log = false;  // Softmax: LogSoftmax
  // Conv / FC: INT16 with int16_chunk products per int16 partial sum, or INT32.
  schema::Accumulator accumulator = schema::Accumulator::INT32;
  int int16_chunk = 0;
  // SLICE: begin per axis; PAD: pads (2 per axis, befores then afters); NHWC.
  std::vector<int32_t> ints;
  float value = 0.0f;  // PAD: the constant
  int lrn_size = 0;    // LRN (ONNX attributes)
  float lrn_alpha = 0.0001f, lrn_beta = 0.75f, lrn_bias = 1.0f;
};

struct LOperator {
  schema::OpType type = schema::OpType::CONV_2D;
  std::string name;  // the ONNX node it came from
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  LOptions options;
};

struct LPreprocess {
  int resize_short = 0, crop_height = 0, crop_width = 0;
  std::vector<float> mean, std;
  std::string channel_order;
};

struct LSettings {
  std::string command_line;
  std::string calibration = "kl";
  float tolerance = 0.0f;   // global KL tolerance T (kl only; 0 otherwise)
  float percentile = 0.0f;  // percentile only; 0 otherwise
  int calibration_images = 0;
  std::string calibration_source;
  int weight_bits = 8;
  int activation_bits = 8;
  bool per_channel_weights = true;
  std::string weight_method = "minmax";  // qrt-convert --weights
  bool bias_correction = false;          // qrt-convert --bias-correction
  // Per-layer weight bits overriding weight_bits (--layer-weight-bits, and
  // --accuracy-budget's choice), "NODE=BITS,..."; "" for none.
  std::string layer_weight_bits;
  float calibration_agreement = -1.0f;   // --accuracy-budget: measured agreement; -1: not measured
  float kl_guard_db = -1.0f;             // --kl-guard margin (kl only; inf: off); -1 otherwise
  bool unsigned_activations = true;
  bool float_residual_adds = true;
  bool int16_accumulation = false;  // some conv/FC accumulates in INT16
  int iterations = 0;               // --iterative: calibration passes run; 0: one pass
};

struct LMetadata {
  std::string converter_version;
  std::string source_model;
  LSettings settings;
  LPreprocess preprocess;
  std::vector<std::string> labels;
};

struct LBuffer {
  std::vector<uint8_t> data;
  uint8_t packed_bits = 0;  // 4..7: S8 weights bit-packed (quant_math.h)
  bool sparse = false;      // bitmap + non-zero values (quant_math.h encode_sparse)
};

struct LoweredModel {
  LMetadata metadata;
  std::vector<LTensor> tensors;
  std::vector<LOperator> operators;  // execution order
  std::vector<LBuffer> buffers{LBuffer{}};  // [0] is empty
  std::vector<int32_t> inputs, outputs;
  std::vector<std::string> warnings;  // not serialized: printed by qrt-convert
  // QDQ models (not serialized): activation scales, weights and biases the
  // .qrt took from the model's QuantizeLinear / DequantizeLinear, and the
  // Conv / Gemm / MatMul layers whose weights lowering quantized itself.
  size_t qdq_activations = 0, qdq_weights = 0, qdq_biases = 0, quantized_layers = 0;

  int32_t add_tensor(LTensor t) {
    tensors.push_back(std::move(t));
    return int32_t(tensors.size() - 1);
  }
  uint32_t add_buffer(std::vector<uint8_t> bytes, uint8_t packed_bits = 0, bool sparse = false) {
    buffers.push_back(LBuffer{std::move(bytes), packed_bits, sparse});
    return uint32_t(buffers.size() - 1);
  }
};

}  // namespace qrt::quantize
