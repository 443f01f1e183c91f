// ModelBuilder: writes small .qrt models in tests with the generated
// FlatBuffers API, so every runtime test states its graph in a few lines:
//
//   ModelBuilder b;
//   int x = b.Activation("x", DType::S8, {1, 4, 4, 2}, 0.5f);
//   int w = b.WeightsS8("w", {3, 1, 1, 2}, {1, -2, ...}, {0.1f, 0.2f, 0.3f});
//   int y = b.Activation("y", DType::S8, {1, 4, 4, 3}, 0.25f);
//   b.Conv2D("conv", x, w, -1, y, ConvOpts());
//   b.Inputs({x}).Outputs({y});
//   std::vector<uint8_t> file = b.Build();
//
// Fields are written as given, so tests can also build invalid models
// (wrong version, out-of-range index, short buffer) on purpose.
#ifndef QRT_TESTS_RUNTIME_MODEL_BUILDER_H_
#define QRT_TESTS_RUNTIME_MODEL_BUILDER_H_

#include <stdint.h>

#include <functional>
#include <string>
#include <vector>

#include "qrt/schema/qrt_generated.h"

namespace qrt_test {

using qrt::schema::Activation;
using qrt::schema::DType;
using qrt::schema::OpType;

struct ConvOpts {
  int stride = 1, dilation = 1, pad = 0, groups = 1;
  int pads[4] = {-1, -1, -1, -1};  // top, left, bottom, right; -1: `pad`
  Activation activation = Activation::NONE;
  qrt::schema::Accumulator accumulator = qrt::schema::Accumulator::INT32;
  int int16_chunk = 0;
};

struct PoolOpts {
  int kernel = 2, stride = 2, pad = 0;
  bool count_include_pad = false;
  Activation activation = Activation::NONE;
};

class ModelBuilder {
 public:
  using OptionsFn = std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder&)>;

  ModelBuilder();

  // Tensors; each returns the tensor index.
  int Tensor(const std::string& name, DType dtype, std::vector<int> shape,
             std::vector<float> scales, std::vector<int> zero_points, int bits,
             uint32_t buffer, int axis = -1);
  int Activation(const std::string& name, DType dtype, std::vector<int> shape,
                 float scale = 1.0f, int zero_point = 0, int bits = 8);
  int FloatActivation(const std::string& name, std::vector<int> shape) {
    return Activation(name, DType::F32, std::move(shape));
  }
  // S8 weights with per-channel scales (1 scale: per tensor); packed_bits
  // 4..7 writes them bit-packed.
  int WeightsS8(const std::string& name, std::vector<int> shape,
                const std::vector<int8_t>& values, std::vector<float> scales,
                int bits = 8, int packed_bits = 0);
  int BiasS32(const std::string& name, const std::vector<int32_t>& values,
              std::vector<float> scales);
  // A raw buffer; returns its index.
  uint32_t Buffer(std::vector<uint8_t> bytes, int packed_bits = 0);

  // Operators.
  ModelBuilder& Op(OpType type, const std::string& name, std::vector<int> inputs,
                   std::vector<int> outputs,
                   qrt::schema::OperatorOptions options_type =
                       qrt::schema::OperatorOptions::NONE,
                   OptionsFn options = nullptr);
  ModelBuilder& Conv2D(const std::string& name, int x, int w, int bias, int y,
                       const ConvOpts& o);
  ModelBuilder& FullyConnected(const std::string& name, int x, int w, int bias,
                               int y, qrt::schema::Activation act = qrt::schema::Activation::NONE);
  ModelBuilder& Add(const std::string& name, int a, int b, int y,
                    qrt::schema::Activation act = qrt::schema::Activation::NONE);
  ModelBuilder& Pool(OpType type, const std::string& name, int x, int y,
                     const PoolOpts& o);
  ModelBuilder& Concat(const std::string& name, std::vector<int> inputs, int y,
                       int axis);
  ModelBuilder& Simple(OpType type, const std::string& name, int x, int y);

  ModelBuilder& Inputs(std::vector<int> inputs) { inputs_ = std::move(inputs); return *this; }
  ModelBuilder& Outputs(std::vector<int> outputs) { outputs_ = std::move(outputs); return *this; }
  ModelBuilder& FormatVersion(uint32_t v) { format_version_ = v; return *this; }
  ModelBuilder& Labels(std::vector<std::string> labels) { labels_ = std::move(labels); return *this; }
  ModelBuilder& WithPreprocess(bool on) { preprocess_ = on; return *this; }

  std::vector<uint8_t> Build() const;

 private:
  struct TensorSpec {
    std::string name;
    DType dtype;
    std::vector<int> shape;
    std::vector<float> scales;
    std::vector<int> zero_points;
    int bits;
    uint32_t buffer;
    int axis;
  };
  struct BufferSpec {
    std::vector<uint8_t> bytes;
    int packed_bits;
  };
  struct OpSpec {
    OpType type;
    std::string name;
    std::vector<int> inputs, outputs;
    qrt::schema::OperatorOptions options_type;
    OptionsFn options;
  };
  std::vector<TensorSpec> tensors_;
  std::vector<BufferSpec> buffers_;
  std::vector<OpSpec> ops_;
  std::vector<int> inputs_, outputs_;
  std::vector<std::string> labels_;
  bool preprocess_ = false;
  uint32_t format_version_ = 1;
};

// Packs int8 values `bits` wide, little-endian bit order (schema Buffer).
std::vector<uint8_t> PackBits(const std::vector<int8_t>& values, int bits);

// Deterministic pseudo-random int8 in [lo, hi].
std::vector<int8_t> RandomS8(size_t n, int lo, int hi, uint32_t seed);

}  // namespace qrt_test

#endif  // QRT_TESTS_RUNTIME_MODEL_BUILDER_H_
