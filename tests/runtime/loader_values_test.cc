// Value-range checks at load (runtime/src/loader_checks.h,
// docs/integer-semantics.md "Value ranges checked at load"): the int32
// accumulator bound of CONV_2D / FULLY_CONNECTED, scales that are not
// positive normal floats, requantization factors that overflow, models with
// no outputs or an output listed twice, pooling windows, preprocessing
// metadata and tensor element counts. Each refusal names the place.
#include <math.h>
#include <stdint.h>

#include <functional>
#include <limits>
#include <string>

#include "loader_checks.h"
#include "planner.h"
#include "test_util.h"

using namespace qrt_test;
using qrt::schema::OpType;

namespace {

// x [1,3,3,2] S8 (zero point zx) -> conv 3x3 (pad 1, 2 output channels,
// every weight w) + bias -> y S8. K = 18 products per output.
std::vector<uint8_t> ConvModel(int32_t bias0, int8_t w, int zx = 0,
                               DType xtype = DType::S8) {
  ModelBuilder b;
  int x = b.Activation("x", xtype, {1, 3, 3, 2}, 0.5f, zx);
  int wt = b.WeightsS8("w", {2, 3, 3, 2}, std::vector<int8_t>(36, w), {0.25f});
  int bias = b.BiasS32("b", {bias0, -5}, {0.125f});
  int y = b.Activation("y", DType::S8, {1, 3, 3, 2}, 1.0f);
  ConvOpts o;
  o.pad = 1;
  b.Conv2D("conv", x, wt, bias, y, o);
  return b.Inputs({x}).Outputs({y}).Build();
}

// The depthwise form: groups 2, weights [2,3,3,1] (K = 9), both channels'
// bias `bias0` (the depthwise kernels fold zx * row sums into the bias).
std::vector<uint8_t> DepthwiseModel(int32_t bias0, int8_t w, int zx, DType xtype) {
  ModelBuilder b;
  int x = b.Activation("x", xtype, {1, 3, 3, 2}, 0.5f, zx);
  int wt = b.WeightsS8("w", {2, 3, 3, 1}, std::vector<int8_t>(18, w), {0.25f});
  int bias = b.BiasS32("b", {bias0, bias0}, {0.125f});
  int y = b.Activation("y", DType::S8, {1, 3, 3, 2}, 1.0f);
  ConvOpts o;
  o.pad = 1;
  o.groups = 2;
  b.Conv2D("dw", x, wt, bias, y, o);
  return b.Inputs({x}).Outputs({y}).Build();
}

// Runs `file` ([1,3,3,2] -> [1,3,3,2], y scale 1) on an input of all
// `value`; the centre pixel's channel 0 must be `centre0`. A kernel whose
// sum wrapped would give the other end of the range (UBSan builds also
// check the sums themselves).
void RunAll(const std::vector<uint8_t>& file, float value, float centre0) {
  Runner r(file);
  qrt_tensor_info in;
  REQUIRE(r.model.input_info(0, &in) == QRT_OK);
  r.SetInput(0, std::vector<float>(in.num_elements, value));
  r.Run();
  CHECK(r.Output(0)[(1 * 3 + 1) * 2] == centre0);
}

}  // namespace

TEST_CASE("conv bias: the accumulator bound |b| + (128 + |zx|) * sum|w| is checked",
          "[runtime][loader][values]") {
  std::string msg;
  const int64_t sum = 18 * 127;  // one output channel's sum|w|
  const int32_t at = (int32_t)(INT32_MAX - 128 * sum);
  CHECK(TryLoad(ConvModel(at, 127), &msg) == QRT_OK);
  // x = -128 everywhere: the centre output's sum is -128 * 2286, so the
  // accumulator reaches -(2^31 - 1) exactly (UBSan builds check every path).
  RunAll(ConvModel(-at, 127), -64.0f, -127.0f);
  RunAll(ConvModel(at, -127), -64.0f, 127.0f);
  CHECK(TryLoad(ConvModel(at + 1, 127), &msg) == QRT_ERROR_INVALID_MODEL);
  CHECK(msg == "operator 0 'conv' (CONV_2D): bias tensor 2 'b' channel 0 = 2147191040: |bias| + "
               "(128 + |input zero point 0|) * sum|w| (2286, weight tensor 1 'w') = 2147483648 "
               "exceeds the int32 accumulator (2^31 - 1)");
  CHECK(TryLoad(ConvModel(-at - 1, 127), &msg) == QRT_ERROR_INVALID_MODEL);
  CHECK(TryLoad(ConvModel(INT32_MAX, 1), &msg) == QRT_ERROR_INVALID_MODEL);
  CHECK(TryLoad(ConvModel(INT32_MIN, 0), &msg) == QRT_ERROR_INVALID_MODEL);
  CHECK_THAT(msg, Catch::Contains("channel 0 = -2147483648"));
  // The input zero point widens the reach: U8 zero point 200 is storage 72.
  const int32_t at_u8 = (int32_t)(INT32_MAX - (128 + 72) * sum);
  CHECK(TryLoad(ConvModel(at_u8, 127, 200, DType::U8), &msg) == QRT_OK);
  RunAll(ConvModel(-at_u8, 127, 200, DType::U8), -100.0f, -127.0f);  // q = 0: x - zx = -200
  CHECK(TryLoad(ConvModel(at_u8 + 1, 127, 200, DType::U8), &msg) == QRT_ERROR_INVALID_MODEL);
  CHECK_THAT(msg, Catch::Contains("input zero point 72"));
}

TEST_CASE("depthwise conv bias: the same bound, zero-point row sums included",
          "[runtime][loader][values]") {
  std::string msg;
  const int64_t sum = 9 * 127;
  const int32_t at = (int32_t)(INT32_MAX - 128 * sum);
  CHECK(TryLoad(DepthwiseModel(at, 127, 0, DType::S8), &msg) == QRT_OK);
  RunAll(DepthwiseModel(-at, 127, 0, DType::S8), -64.0f, -127.0f);
  CHECK(TryLoad(DepthwiseModel(at + 1, 127, 0, DType::S8), &msg) == QRT_ERROR_INVALID_MODEL);
  const int32_t at_u8 = (int32_t)(INT32_MAX - 200 * sum);
  RunAll(DepthwiseModel(-at_u8, 127, 200, DType::U8), -100.0f, -127.0f);
  RunAll(DepthwiseModel(at_u8, -127, 200, DType::U8), -100.0f, 127.0f);
  CHECK(TryLoad(DepthwiseModel(-at_u8 - 1, 127, 200, DType::U8), &msg) == QRT_ERROR_INVALID_MODEL);
  CHECK_THAT(msg, Catch::StartsWith("operator 0 'dw' (CONV_2D): bias tensor 2 'b' channel 0"));
}

TEST_CASE("fully connected bias: the same bound", "[runtime][loader][values]") {
  auto fc = [](int32_t bias0) {
    ModelBuilder b;
    int x = b.Activation("x", DType::S8, {1, 4}, 0.5f);
    int w = b.WeightsS8("fw", {1, 4}, {127, -127, 127, -127}, {0.5f});
    int bias = b.BiasS32("fb", {bias0}, {0.25f});
    int y = b.Activation("y", DType::S8, {1, 1}, 1.0f);
    b.FullyConnected("fc", x, w, bias, y);
    return b.Inputs({x}).Outputs({y}).Build();
  };
  std::string msg;
  const int32_t at = INT32_MAX - 128 * 4 * 127;
  CHECK(TryLoad(fc(at), &msg) == QRT_OK);
  CHECK(TryLoad(fc(at + 1), &msg) == QRT_ERROR_INVALID_MODEL);
  CHECK_THAT(msg, Catch::StartsWith("operator 0 'fc' (FULLY_CONNECTED): bias tensor 2 'fb' channel 0"));
}

TEST_CASE("scales must be positive normal floats", "[runtime][loader][values]") {
  const float bad[] = {0.0f, -0.5f, 1e-40f, std::numeric_limits<float>::denorm_min(),
                       NAN, INFINITY};
  for (float s : bad) {
    ModelBuilder b;
    int x = b.Activation("x", DType::S8, {1, 4}, s);
    int y = b.FloatActivation("y", {1, 4});
    b.Simple(OpType::DEQUANTIZE, "dq", x, y).Inputs({x}).Outputs({y});
    std::string msg;
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK_THAT(msg, Catch::StartsWith("tensor 0 'x': scale[0] = ") &&
                    Catch::EndsWith("must be a positive normal float (not 0, denormal, NaN or inf)"));
  }
}

TEST_CASE("requantization factors that overflow are refused", "[runtime][loader][values]") {
  // Every scale is a normal float, but input * weight / output is inf.
  ModelBuilder b;
  int x = b.Activation("x", DType::S8, {1, 2}, 1e30f);
  int w = b.WeightsS8("fw", {1, 2}, {1, 1}, {1e30f});
  int y = b.Activation("y", DType::S8, {1, 1}, 1e-30f);
  b.FullyConnected("fc", x, w, -1, y);
  std::string msg;
  CHECK(TryLoad(b.Inputs({x}).Outputs({y}).Build(), &msg) == QRT_ERROR_INVALID_MODEL);
  CHECK_THAT(msg, Catch::StartsWith("operator 0 'fc' (FULLY_CONNECTED): channel 0: input scale") &&
                  Catch::EndsWith("is not a positive finite float"));
}

TEST_CASE("model outputs: at least one, none listed twice", "[runtime][loader][values]") {
  ModelBuilder b;
  int x = b.Activation("x", DType::S8, {1, 4}, 0.5f);
  int y = b.FloatActivation("y", {1, 4});
  b.Simple(OpType::DEQUANTIZE, "dq", x, y).Inputs({x});
  std::string msg;
  SECTION("no outputs") {
    b.Outputs({});
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "model has no outputs");
  }
  SECTION("an output twice") {
    b.Outputs({y, y});
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "model output 1: tensor 1 'y' is already model output 0");
  }
}

TEST_CASE("pooling windows: kernel and stride >= 1, pads in [0, kernel)",
          "[runtime][loader][values]") {
  const PoolOpts bad[] = {{0, 1, 0}, {-1, 1, 0}, {2, 0, 0}, {2, 2, -1}, {2, 2, 2}};
  for (const PoolOpts& o : bad) {
    ModelBuilder b;
    int x = b.Activation("x", DType::S8, {1, 4, 4, 1}, 0.5f);
    int y = b.Activation("y", DType::S8, {1, 2, 2, 1}, 0.5f);
    b.Pool(OpType::AVERAGE_POOL_2D, "pool", x, y, o).Inputs({x}).Outputs({y});
    std::string msg;
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK_THAT(msg, Catch::StartsWith("operator 0 'pool' (AVERAGE_POOL_2D): kernel "));
  }
}

TEST_CASE("tensor element counts: at most 2^31, no overflow on huge shapes",
          "[runtime][loader][values]") {
  const std::vector<std::vector<int>> huge = {
      {65536, 32768, 2}, {INT32_MAX, INT32_MAX}, {INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX},
      {2, 2, 2, 2, 2, INT32_MAX}};
  for (const std::vector<int>& shape : huge) {
    ModelBuilder b;
    int x = b.Activation("x", DType::S8, shape, 0.5f);
    int y = b.FloatActivation("y", shape);
    b.Simple(OpType::DEQUANTIZE, "dq", x, y).Inputs({x}).Outputs({y});
    std::string msg;
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    // 2^31, or less where size_t is 32 bits (loader_checks.h).
    CHECK(msg == "tensor 0 'x': more than " + std::to_string(qrt::rt::kMaxTensorElements) +
                     " elements (the limit per tensor; qrt_load_options.max_tensor_elements)");
    if (sizeof(size_t) == 8) CHECK(qrt::rt::kMaxTensorElements == (size_t{1} << 31));
  }
}

TEST_CASE("planner: sizes that add up past size_t give kArenaTooLarge, not a wrapped offset",
          "[runtime][planner][values]") {
  std::vector<qrt::rt::Block> blocks(3);
  blocks[0].size = SIZE_MAX / 2;
  blocks[1].size = SIZE_MAX / 2;
  blocks[2].size = 64;
  blocks[0].last = blocks[1].last = blocks[2].last = 1;  // all live together
  for (const bool separate : {false, true}) {
    std::vector<size_t> offsets;
    CHECK(qrt::rt::PlaceBlocks(blocks, separate, &offsets) == qrt::rt::kArenaTooLarge);
    CHECK(offsets == std::vector<size_t>(3, qrt::rt::kNotPlanned));
  }
  blocks[0].size = SIZE_MAX - 10;  // rounding up to 64 alone overflows
  blocks[1].size = blocks[2].size = 0;
  std::vector<size_t> offsets;
  CHECK(qrt::rt::PlaceBlocks(blocks, false, &offsets) == qrt::rt::kArenaTooLarge);
  CHECK(qrt::rt::ThreadScratchStride(SIZE_MAX - 10) == SIZE_MAX);
}

namespace {

struct Pre {
  int resize = 256, crop_h = 224, crop_w = 224;
  std::vector<float> mean = {0.485f, 0.456f, 0.406f}, std = {0.229f, 0.224f, 0.225f};
  const char* order = "RGB";
};

// x S8 [1,4] -> DEQUANTIZE -> y, with Metadata.preprocess = p.
std::vector<uint8_t> WithPreprocess(const Pre& p) {
  namespace fb = qrt::schema;
  flatbuffers::FlatBufferBuilder b;
  std::vector<float> scale = {0.5f};
  std::vector<int32_t> zp = {0};
  std::vector<int32_t> shape = {1, 4};
  auto q = fb::CreateQuantizationDirect(b, &scale, &zp, -1, 8);
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      fb::CreateTensorDirect(b, "x", DType::S8, &shape, q, 0),
      fb::CreateTensorDirect(b, "y", DType::F32, &shape, 0, 0)};
  std::vector<int32_t> in = {0}, out = {1};
  std::vector<flatbuffers::Offset<fb::Operator>> ops = {
      fb::CreateOperatorDirect(b, OpType::DEQUANTIZE, "dq", &in, &out)};
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(b)};
  auto pre = fb::CreatePreprocessDirect(b, p.resize, p.crop_h, p.crop_w, &p.mean, &p.std, p.order);
  auto md = fb::CreateMetadataDirect(b, "test", "test", 0, pre);
  auto model = fb::CreateModelDirect(b, 1, md, &tensors, &ops, &buffers, &in, &out);
  fb::FinishModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

}  // namespace

TEST_CASE("preprocessing metadata is checked, naming the field", "[runtime][loader][values]") {
  std::string msg;
  REQUIRE(TryLoad(WithPreprocess(Pre()), &msg) == QRT_OK);
  Pre none;
  none.resize = none.crop_h = none.crop_w = 0;
  none.order = "";
  none.mean = {0.5f};
  none.std = {0.25f};
  CHECK(TryLoad(WithPreprocess(none), &msg) == QRT_OK);
  struct Case {
    std::function<void(Pre&)> set;
    const char* expect;
  };
  const Case cases[] = {
      {[](Pre& p) { p.std[1] = 0.0f; }, "metadata.preprocess.std[1] = 0, must be a positive normal finite float"},
      {[](Pre& p) { p.std[0] = -0.2f; }, "metadata.preprocess.std[0] = -0.2, must be a positive normal finite float"},
      {[](Pre& p) { p.std[2] = NAN; }, "metadata.preprocess.std[2] = nan, must be a positive normal finite float"},
      {[](Pre& p) { p.std[2] = INFINITY; }, "metadata.preprocess.std[2] = inf, must be a positive normal finite float"},
      {[](Pre& p) { p.std[0] = 1e-40f; }, "metadata.preprocess.std[0] = 9.99995e-41, must be a positive normal finite float"},
      {[](Pre& p) { p.mean[1] = -INFINITY; }, "metadata.preprocess.mean[1] = -inf, must be finite"},
      {[](Pre& p) { p.order = "XYZ"; },
       "metadata.preprocess.channel_order = \"XYZ\", expected \"RGB\", \"BGR\", \"GRAY\" or none"},
      {[](Pre& p) { p.resize = 65536; }, "metadata.preprocess.resize_short = 65536, expected 0 (none) to 16384"},
      {[](Pre& p) { p.resize = -1; }, "metadata.preprocess.resize_short = -1, expected 0 (none) to 16384"},
      {[](Pre& p) { p.crop_w = 100000; }, "metadata.preprocess.crop_width = 100000, expected 0 (none) to 16384"},
      {[](Pre& p) { p.crop_h = 0; }, "metadata.preprocess: crop 0x224, both or neither must be set"},
      {[](Pre& p) { p.crop_h = 300; }, "metadata.preprocess: crop 300x224 is larger than resize_short 256"},
  };
  for (const Case& c : cases) {
    Pre p;
    c.set(p);
    CHECK(TryLoad(WithPreprocess(p), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == c.expect);
  }
}
