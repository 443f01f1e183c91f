#include "model_builder.h"

namespace qrt_test {

namespace fb = qrt::schema;

ModelBuilder::ModelBuilder() { buffers_.push_back({{}, 0}); }  // buffers[0]: empty

int ModelBuilder::Tensor(const std::string& name, DType dtype,
                         std::vector<int> shape, std::vector<float> scales,
                         std::vector<int> zero_points, int bits, uint32_t buffer,
                         int axis) {
  tensors_.push_back({name, dtype, std::move(shape), std::move(scales),
                      std::move(zero_points), bits, buffer, axis});
  return (int)tensors_.size() - 1;
}

int ModelBuilder::Activation(const std::string& name, DType dtype,
                             std::vector<int> shape, float scale, int zero_point,
                             int bits) {
  if (dtype == DType::F32) return Tensor(name, dtype, std::move(shape), {}, {}, 8, 0);
  return Tensor(name, dtype, std::move(shape), {scale}, {zero_point}, bits, 0);
}

uint32_t ModelBuilder::Buffer(std::vector<uint8_t> bytes, int packed_bits) {
  buffers_.push_back({std::move(bytes), packed_bits});
  return (uint32_t)buffers_.size() - 1;
}

int ModelBuilder::WeightsS8(const std::string& name, std::vector<int> shape,
                            const std::vector<int8_t>& values,
                            std::vector<float> scales, int bits, int packed_bits) {
  std::vector<uint8_t> bytes;
  if (packed_bits) {
    bytes = PackBits(values, packed_bits);
  } else {
    bytes.assign(values.begin(), values.end());
  }
  const uint32_t b = Buffer(std::move(bytes), packed_bits);
  const int axis = scales.size() > 1 ? 0 : -1;
  return Tensor(name, DType::S8, std::move(shape), std::move(scales), {}, bits, b, axis);
}

int ModelBuilder::BiasS32(const std::string& name,
                          const std::vector<int32_t>& values,
                          std::vector<float> scales) {
  std::vector<uint8_t> bytes(values.size() * 4);
  for (size_t i = 0; i < values.size(); ++i) {
    const uint32_t v = (uint32_t)values[i];
    for (int k = 0; k < 4; ++k) bytes[i * 4 + k] = (uint8_t)(v >> (8 * k));
  }
  const uint32_t b = Buffer(std::move(bytes));
  const int axis = scales.size() > 1 ? 0 : -1;
  return Tensor(name, DType::S32, {(int)values.size()}, std::move(scales), {}, 8, b, axis);
}

ModelBuilder& ModelBuilder::Op(OpType type, const std::string& name,
                               std::vector<int> inputs, std::vector<int> outputs,
                               fb::OperatorOptions options_type,
                               OptionsFn options) {
  ops_.push_back({type, name, std::move(inputs), std::move(outputs), options_type,
                  std::move(options)});
  return *this;
}

ModelBuilder& ModelBuilder::Conv2D(const std::string& name, int x, int w,
                                   int bias, int y, const ConvOpts& o) {
  std::vector<int> in = {x, w};
  if (bias != -2) in.push_back(bias);  // -2: leave the slot out entirely
  return Op(OpType::CONV_2D, name, in, {y}, fb::OperatorOptions::Conv2DOptions,
            [o](flatbuffers::FlatBufferBuilder& b) {
              auto pad = [&o](int i) { return o.pads[i] >= 0 ? o.pads[i] : o.pad; };
              return fb::CreateConv2DOptions(b, o.stride, o.stride, o.dilation,
                                             o.dilation, pad(0), pad(1), pad(2), pad(3),
                                             o.groups, o.activation, o.accumulator,
                                             o.int16_chunk).Union();
            });
}

ModelBuilder& ModelBuilder::FullyConnected(const std::string& name, int x, int w,
                                           int bias, int y, fb::Activation act) {
  return Op(OpType::FULLY_CONNECTED, name, {x, w, bias}, {y},
            fb::OperatorOptions::FullyConnectedOptions,
            [act](flatbuffers::FlatBufferBuilder& b) {
              return fb::CreateFullyConnectedOptions(b, act).Union();
            });
}

ModelBuilder& ModelBuilder::Add(const std::string& name, int a, int bb, int y,
                                fb::Activation act) {
  return Op(OpType::ADD, name, {a, bb}, {y}, fb::OperatorOptions::AddOptions,
            [act](flatbuffers::FlatBufferBuilder& b) {
              return fb::CreateAddOptions(b, act).Union();
            });
}

ModelBuilder& ModelBuilder::Pool(OpType type, const std::string& name, int x,
                                 int y, const PoolOpts& o) {
  return Op(type, name, {x}, {y}, fb::OperatorOptions::Pool2DOptions,
            [o](flatbuffers::FlatBufferBuilder& b) {
              return fb::CreatePool2DOptions(b, o.kernel, o.kernel, o.stride,
                                             o.stride, o.pad, o.pad, o.pad, o.pad,
                                             o.count_include_pad, o.activation).Union();
            });
}

ModelBuilder& ModelBuilder::Concat(const std::string& name,
                                   std::vector<int> inputs, int y, int axis) {
  return Op(OpType::CONCAT, name, std::move(inputs), {y},
            fb::OperatorOptions::ConcatOptions,
            [axis](flatbuffers::FlatBufferBuilder& b) {
              return fb::CreateConcatOptions(b, axis).Union();
            });
}

ModelBuilder& ModelBuilder::Simple(OpType type, const std::string& name, int x,
                                   int y) {
  return Op(type, name, {x}, {y});
}

std::vector<uint8_t> ModelBuilder::Build() const {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (const TensorSpec& t : tensors_) {
    flatbuffers::Offset<fb::Quantization> q = 0;
    if (!t.scales.empty()) {
      q = fb::CreateQuantizationDirect(b, &t.scales, &t.zero_points, t.axis,
                                       (uint8_t)t.bits);
    }
    tensors.push_back(fb::CreateTensorDirect(b, t.name.c_str(), t.dtype, &t.shape,
                                             q, t.buffer));
  }
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers;
  for (const BufferSpec& s : buffers_) {
    buffers.push_back(fb::CreateBufferDirect(b, s.bytes.empty() ? nullptr : &s.bytes,
                                             (uint8_t)s.packed_bits));
  }
  std::vector<flatbuffers::Offset<fb::Operator>> ops;
  for (const OpSpec& o : ops_) {
    flatbuffers::Offset<void> options = o.options ? o.options(b) : 0;
    ops.push_back(fb::CreateOperatorDirect(b, o.type, o.name.c_str(), &o.inputs,
                                           &o.outputs, o.options_type, options));
  }
  flatbuffers::Offset<fb::Metadata> md = 0;
  if (!labels_.empty() || preprocess_) {
    flatbuffers::Offset<fb::Preprocess> pre = 0;
    if (preprocess_) {
      std::vector<float> mean = {0.485f, 0.456f, 0.406f}, std = {0.229f, 0.224f, 0.225f};
      pre = fb::CreatePreprocessDirect(b, 256, 224, 224, &mean, &std, "RGB");
    }
    std::vector<flatbuffers::Offset<flatbuffers::String>> labels;
    for (const std::string& l : labels_) labels.push_back(b.CreateString(l));
    md = fb::CreateMetadataDirect(b, "test", "builder", 0, pre,
                                  labels_.empty() ? nullptr : &labels);
  }
  auto model = fb::CreateModelDirect(b, format_version_, md, &tensors, &ops,
                                     &buffers, &inputs_, &outputs_);
  fb::FinishModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

std::vector<uint8_t> PackBits(const std::vector<int8_t>& values, int bits) {
  std::vector<uint8_t> out((values.size() * (size_t)bits + 7) / 8, 0);
  for (size_t i = 0; i < values.size(); ++i) {
    const uint32_t v = (uint32_t)(uint8_t)values[i] & ((1u << bits) - 1u);
    for (int k = 0; k < bits; ++k) {
      const size_t bit = i * (size_t)bits + (size_t)k;
      if (v & (1u << k)) out[bit / 8] |= (uint8_t)(1u << (bit % 8));
    }
  }
  return out;
}

std::vector<int8_t> RandomS8(size_t n, int lo, int hi, uint32_t seed) {
  std::vector<int8_t> v(n);
  uint32_t s = seed * 2654435761u + 1u;
  for (size_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    v[i] = (int8_t)(lo + (int)((s >> 8) % (uint32_t)(hi - lo + 1)));
  }
  return v;
}

}  // namespace qrt_test
