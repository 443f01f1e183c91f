// LoweredModel -> .qrt bytes, checked by the runtime's loader.
#include <cstdio>
#include <cstring>

#include "graph/graph.h"
#include "emit/serialize.h"

namespace qrt::emit {
namespace fb = flatbuffers;
namespace {

fb::Offset<schema::Quantization> build_quant(fb::FlatBufferBuilder& b, const quantize::LTensor& t) {
  if (!t.quantized()) return 0;
  auto scale = b.CreateVector(t.scale);
  auto zp = b.CreateVector(t.zero_point);
  return schema::CreateQuantization(b, scale, zp, t.axis, uint8_t(t.bits));
}

std::pair<schema::OperatorOptions, fb::Offset<void>> build_options(fb::FlatBufferBuilder& b,
                                                                   const quantize::LOperator& op) {
  const quantize::LOptions& o = op.options;
  using T = schema::OpType;
  using U = schema::OperatorOptions;
  switch (op.type) {
    case T::CONV_2D:
      return {U::Conv2DOptions,
              schema::CreateConv2DOptions(b, o.stride_h, o.stride_w, o.dilation_h, o.dilation_w, o.pad_top,
                                          o.pad_left, o.pad_bottom, o.pad_right, o.groups, o.activation,
                                          o.accumulator, o.int16_chunk)
                  .Union()};
    case T::FULLY_CONNECTED:
      return {U::FullyConnectedOptions,
              schema::CreateFullyConnectedOptions(b, o.activation, o.accumulator, o.int16_chunk).Union()};
    case T::ADD:
      return {U::AddOptions, schema::CreateAddOptions(b, o.activation).Union()};
    case T::MAX_POOL_2D:
    case T::AVERAGE_POOL_2D:
      return {U::Pool2DOptions,
              schema::CreatePool2DOptions(b, o.kernel_h, o.kernel_w, o.stride_h, o.stride_w, o.pad_top, o.pad_left,
                                          o.pad_bottom, o.pad_right, o.count_include_pad, o.activation,
                                          o.ceil_bottom, o.ceil_right)
                  .Union()};
    case T::GLOBAL_AVERAGE_POOL:
      return {U::GlobalAveragePoolOptions, schema::CreateGlobalAveragePoolOptions(b).Union()};
    case T::RESHAPE:
      return {U::ReshapeOptions, schema::CreateReshapeOptions(b).Union()};
    case T::CONCAT:
      return {U::ConcatOptions, schema::CreateConcatOptions(b, o.axis).Union()};
    case T::SOFTMAX:
      return {U::SoftmaxOptions, schema::CreateSoftmaxOptions(b, o.axis, o.log).Union()};
    case T::QUANTIZE:
      return {U::QuantizeOptions, schema::CreateQuantizeOptions(b).Union()};
    case T::DEQUANTIZE:
      return {U::DequantizeOptions, schema::CreateDequantizeOptions(b).Union()};
    case T::LOOKUP_TABLE:
      return {U::LookupTableOptions, schema::CreateLookupTableOptions(b).Union()};
    case T::MUL:
      return {U::MulOptions, schema::CreateMulOptions(b, o.activation).Union()};
    case T::CHANNEL_SHUFFLE:
      return {U::ChannelShuffleOptions, schema::CreateChannelShuffleOptions(b, o.groups).Union()};
    case T::SLICE:
      return {U::SliceOptions, schema::CreateSliceOptions(b, b.CreateVector(o.ints)).Union()};
    case T::PAD:
      return {U::PadOptions, schema::CreatePadOptions(b, b.CreateVector(o.ints), o.value).Union()};
    case T::PRELU:
      return {U::PReluOptions, schema::CreatePReluOptions(b).Union()};
    case T::LRN:
      return {U::LRNOptions, schema::CreateLRNOptions(b, o.lrn_size, o.lrn_alpha, o.lrn_beta, o.lrn_bias).Union()};
  }
  throw ConvertError("serialize: operator '" + op.name + "' has an unknown type");
}

}  // namespace

std::vector<uint8_t> serialize_model(const quantize::LoweredModel& m) {
  fb::FlatBufferBuilder b(1 << 16);
  // First object built = last in the file: the model's inputs, which every
  // runtime verifies, so the verifier's computed end is the file's end (the
  // loader refuses trailing bytes; runtime/src/loader_api.cc) also for
  // runtimes that do not know fields added later.
  auto model_inputs = b.CreateVector(m.inputs);

  const quantize::LMetadata& md = m.metadata;
  const quantize::LSettings& s = md.settings;
  auto settings = schema::CreateConverterSettingsDirect(
      b, s.command_line.c_str(), s.calibration.c_str(), s.tolerance, s.percentile, s.calibration_images,
      s.calibration_source.c_str(), s.weight_bits, s.activation_bits, s.per_channel_weights,
      s.unsigned_activations, s.float_residual_adds, s.int16_accumulation, s.iterations, s.weight_method.c_str(),
      s.bias_correction, s.layer_weight_bits.empty() ? nullptr : s.layer_weight_bits.c_str(),
      s.calibration_agreement, s.kl_guard_db);
  const quantize::LPreprocess& p = md.preprocess;
  auto preprocess = schema::CreatePreprocessDirect(b, p.resize_short, p.crop_height, p.crop_width, &p.mean,
                                                   &p.std, p.channel_order.c_str());
  std::vector<fb::Offset<fb::String>> labels;
  for (const std::string& l : md.labels) labels.push_back(b.CreateString(l));
  auto metadata = schema::CreateMetadata(b, b.CreateString(md.converter_version), b.CreateString(md.source_model),
                                         settings, preprocess, md.labels.empty() ? 0 : b.CreateVector(labels));

  std::vector<fb::Offset<schema::Tensor>> tensors;
  for (const quantize::LTensor& t : m.tensors) {
    auto name = b.CreateString(t.name);
    auto shape = b.CreateVector(t.shape);
    auto quant = build_quant(b, t);
    tensors.push_back(schema::CreateTensor(b, name, t.dtype, shape, quant, t.buffer));
  }
  auto tensors_vec = b.CreateVector(tensors);

  std::vector<fb::Offset<schema::Operator>> ops;
  for (const quantize::LOperator& op : m.operators) {
    auto name = b.CreateString(op.name);
    auto inputs = b.CreateVector(op.inputs);
    auto outputs = b.CreateVector(op.outputs);
    auto options = build_options(b, op);
    ops.push_back(schema::CreateOperator(b, op.type, name, inputs, outputs, options.first, options.second));
  }
  auto ops_vec = b.CreateVector(ops);

  std::vector<fb::Offset<schema::Buffer>> buffers;
  for (const quantize::LBuffer& buf : m.buffers) {
    if (buf.data.empty()) {
      buffers.push_back(schema::CreateBuffer(b, 0, 0));
      continue;
    }
    b.ForceVectorAlignment(buf.data.size(), 1, 16);  // force_align: 16 (see environment notes)
    auto vec = b.CreateVector(buf.data);
    buffers.push_back(schema::CreateBuffer(b, vec, buf.packed_bits, buf.sparse));
  }
  auto buffers_vec = b.CreateVector(buffers);
  auto outputs = b.CreateVector(m.outputs);
  auto model = schema::CreateModel(b, kQrtFormatVersion, metadata, tensors_vec, ops_vec, buffers_vec, model_inputs, outputs);
  schema::FinishModelBuffer(b, model);
  std::vector<uint8_t> bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  validate_model_bytes(bytes);
  return bytes;
}

}  // namespace qrt::emit
