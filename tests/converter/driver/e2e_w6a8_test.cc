// W6A8 end to end on the bundled Fashion-MNIST model (the paper's INT16
// setting): 6-bit weights stored packed, every conv/FC planned INT16 with
// the int16_chunk qrt_int16_chunk gives for its actual weights and input
// range, and runtime outputs identical, bit for bit, to the same model
// converted with INT32 accumulators (--no-int16) on 500 t10k images.
#include <catch2/catch.hpp>

#include "driver/convert.h"
#include "data/idx.h"
#include "qrt/kernels/accumulation.h"
#include "qrt/qrt.h"
#include "qrt/schema/qrt_generated.h"
#include "test_util.h"

using namespace qrt::data;
using namespace qrt::convert;
using namespace qrt::testing;
namespace schema = qrt::schema;

namespace {

const std::string kData = "/usr/share/datasets/fashion-mnist/";

std::vector<int8_t> unpack(const schema::Buffer* b, size_t n) { return qrt::testing::stored_int8(b, n); }

// All outputs of `n` test images, concatenated.
std::vector<float> run_images(const std::vector<uint8_t>& bytes, const Dataset& data, const PreprocessConfig& pp,
                              size_t n) {
  qrt_model* model = nullptr;
  qrt_session* session = nullptr;
  qrt_error err{};
  REQUIRE(qrt_model_load_memory(bytes.data(), bytes.size(), &model, &err) == QRT_OK);
  REQUIRE(qrt_session_create(model, nullptr, &session, &err) == QRT_OK);
  qrt_tensor_info out{};
  qrt_tensor_info_init(&out);
  REQUIRE(qrt_model_output_info(model, 0, &out) == QRT_OK);
  std::vector<float> all, y(out.num_elements);
  for (size_t i = 0; i < n; ++i) {
    const std::vector<float> x = sample_to_input(data.load(i, 1), pp, 1, 28, 28);  // 1 channel: NCHW == NHWC
    REQUIRE(qrt_session_set_input_f32(session, 0, x.data(), x.size()) == QRT_OK);
    REQUIRE(qrt_session_run(session) == QRT_OK);
    REQUIRE(qrt_session_get_output_f32(session, 0, y.data(), y.size()) == QRT_OK);
    all.insert(all.end(), y.begin(), y.end());
  }
  qrt_session_destroy(session);
  qrt_model_destroy(model);
  return all;
}

}  // namespace

TEST_CASE("Fashion-MNIST W6A8: packed 6-bit weights, planned INT16 chunks, outputs identical to INT32", "[e2e][int16]") {
  if (!file_exists(kData + "t10k-images-idx3-ubyte.gz")) {
    WARN("dataset-fashion-mnist is not installed; skipping");
    return;
  }
  ConvertOptions o;
  o.model_path = std::string(QRT_SOURCE_DIR) + "/examples/fashion_mnist/model.onnx";
  o.calib_fashion_mnist = kData + "train-images-idx3-ubyte.gz";
  o.num_images = 200;
  o.preprocess.mean = {0.286f};
  o.preprocess.std = {0.353f};
  o.show_progress = false;
  o.lower.weight_bits = 6;  // --mode w6a8
  const std::vector<uint8_t> int16 = convert_to_bytes(o, nullptr);
  o.lower.int16_accumulation = false;  // --no-int16
  const std::vector<uint8_t> int32 = convert_to_bytes(o, nullptr);

  const schema::Model* m = schema::GetModel(int16.data());
  const schema::Model* m32 = schema::GetModel(int32.data());
  REQUIRE(m->metadata()->settings()->int16_accumulation());
  REQUIRE_FALSE(m32->metadata()->settings()->int16_accumulation());
  size_t layers = 0;
  for (flatbuffers::uoffset_t i = 0; i < m->operators()->size(); ++i) {
    const schema::Operator* op = m->operators()->Get(i);
    const schema::Operator* op32 = m32->operators()->Get(i);
    schema::Accumulator acc, acc32;
    int chunk;
    if (op->type() == schema::OpType::CONV_2D) {
      acc = op->options_as_Conv2DOptions()->accumulator();
      chunk = op->options_as_Conv2DOptions()->int16_chunk();
      acc32 = op32->options_as_Conv2DOptions()->accumulator();
    } else if (op->type() == schema::OpType::FULLY_CONNECTED) {
      acc = op->options_as_FullyConnectedOptions()->accumulator();
      chunk = op->options_as_FullyConnectedOptions()->int16_chunk();
      acc32 = op32->options_as_FullyConnectedOptions()->accumulator();
    } else {
      continue;
    }
    INFO(op->name()->str());
    ++layers;
    CHECK(acc == schema::Accumulator::INT16);
    CHECK(acc32 == schema::Accumulator::INT32);
    const schema::Tensor* x = m->tensors()->Get(op->inputs()->Get(0));
    const schema::Tensor* w = m->tensors()->Get(op->inputs()->Get(1));
    const schema::Buffer* wb = m->buffers()->Get(w->buffer());
    CHECK(wb->packed_bits() == 6);
    size_t n = 1;
    for (int d : *w->shape()) n *= size_t(d);
    CHECK(wb->data()->size() == (n * 6 + 7) / 8);
    const std::vector<int8_t> values = unpack(wb, n);
    for (int8_t v : values) REQUIRE(std::abs(int(v)) <= 31);
    const int bits = x->quant()->bits();
    const bool u8 = x->dtype() == schema::DType::U8;
    const int32_t lo = u8 ? -128 : -((1 << (bits - 1)) - 1), hi = u8 ? (1 << bits) - 1 - 128 : (1 << (bits - 1)) - 1;
    const size_t oc = size_t(w->shape()->Get(0));
    CHECK(chunk == int(qrt_int16_chunk(values.data(), oc, n / oc, lo, hi)));
    CHECK(chunk >= 8);  // 6-bit weights, |x| <= 128: 8 * 128 * 31 <= 32767 (docs/accumulation.md)
  }
  CHECK(layers >= 3);

  FashionMnistDataset test(kData + "t10k-images-idx3-ubyte.gz", kData + "t10k-labels-idx1-ubyte.gz");
  PreprocessConfig pp = o.preprocess;
  pp.finalize(1);
  const std::vector<float> y16 = run_images(int16, test, pp, 500);
  const std::vector<float> y32 = run_images(int32, test, pp, 500);
  REQUIRE(y16.size() == 500 * 10);
  CHECK(y16 == y32);
}
