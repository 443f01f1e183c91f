// Weight quantization methods and bias correction (qrt-convert --weights,
// --bias-correction; converter/quantize/weight_methods.h): the stored bias
// is the float bias minus the rounding's expected shift on the calibration
// inputs, gptq lowers a layer's output error against minmax, the metadata
// records the choice, and conversions stay byte-identical.
#include <catch2/catch.hpp>

#include <cmath>

#include "driver/convert.h"
#include "onnx_builder.h"
#include "qrt/schema/qrt_generated.h"
#include "quantize/quant_math.h"
#include "test_util.h"

using namespace qrt::convert;
using namespace qrt::testing;
namespace schema = qrt::schema;

namespace {

const schema::Tensor* tensor_named(const schema::Model* m, const std::string& name) {
  for (const schema::Tensor* t : *m->tensors())
    if (t->name()->str() == name) return t;
  FAIL("no tensor named " << name);
  return nullptr;
}

std::vector<int32_t> int32_buffer(const schema::Model* m, const schema::Tensor* t) {
  const auto* data = m->buffers()->Get(t->buffer())->data();
  std::vector<int32_t> v(data->size() / 4);
  std::memcpy(v.data(), data->data(), data->size());
  return v;
}

// Sum of squared differences.
double sse(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return s;
}

}  // namespace

TEST_CASE("bias correction: bias minus the rounding's shift on the calibration means", "[weights][bias]") {
  // A 1x1 conv on the graph input (no padding: the im2col means are the
  // input channel means), 4-bit weights so that rounding moves the outputs.
  TempDir dir;
  const int oc = 6, ic = 5, hw = 4, samples = 3;
  const qrt::graph::Tensor w = random_tensor({oc, ic, 1, 1}, 11);
  qrt::graph::Tensor b = random_tensor({oc}, 12);
  qrt::graph::Tensor calib = random_tensor({samples, ic, hw, hw}, 13, 0.0f, 2.0f);  // positive means
  OnnxBuilder m;
  m.input("x", {1, ic, hw, hw}).initializer("w", w).initializer("b", b);
  m.node("Conv", {"x", "w", "b"}, {"y"}, "conv");
  m.output("y");
  write_bytes(dir.file("m.onnx"), m.serialize());
  write_npy(dir.file("calib.npy"), {samples, ic, hw, hw}, calib.data);
  ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("calib.npy"));
  o.lower.weight_bits = 4;
  o.lower.int16_accumulation = false;
  o.lower.weight_method = "minmax";  // the converter's default is gptq + bias correction
  o.lower.bias_correction = false;
  const std::vector<uint8_t> plain = convert_to_bytes(o, nullptr);
  o.lower.bias_correction = true;
  const std::vector<uint8_t> corrected = convert_to_bytes(o, nullptr);
  const schema::Model* mp = schema::GetModel(plain.data());
  const schema::Model* mc = schema::GetModel(corrected.data());
  CHECK_FALSE(mp->metadata()->settings()->bias_correction());
  CHECK(mc->metadata()->settings()->bias_correction());

  // Expected, computed here: the same minmax weights, the channel means.
  const qrt::quantize::QuantizedWeights q = qrt::quantize::quantize_weights_per_channel(w.data.data(), oc, ic, 4);
  std::vector<double> mean(ic, 0.0);
  for (int s = 0; s < samples; ++s)
    for (int c = 0; c < ic; ++c)
      for (int p = 0; p < hw * hw; ++p) mean[size_t(c)] += calib.data[size_t((s * ic + c) * hw * hw + p)];
  for (double& v : mean) v /= samples * hw * hw;
  const float sx = tensor_named(mc, "x")->quant() ? tensor_named(mc, "x")->quant()->scale()->Get(0) : 0.0f;
  const schema::Tensor* bt = tensor_named(mc, "b");
  const std::vector<int32_t> stored = int32_buffer(mc, bt);
  const std::vector<int32_t> stored_plain = int32_buffer(mp, tensor_named(mp, "b"));
  REQUIRE(stored.size() == size_t(oc));
  int moved = 0;
  for (int c = 0; c < oc; ++c) {
    double shift = 0;
    for (int k = 0; k < ic; ++k)
      shift += (double(q.values[size_t(c * ic + k)]) * q.scales[size_t(c)] - w.data[size_t(c * ic + k)]) * mean[size_t(k)];
    const float bias_scale = bt->quant()->scale()->Get(flatbuffers::uoffset_t(c));
    const int32_t expect = int32_t(std::nearbyint(double(float(double(b.data[size_t(c)]) - shift)) / double(bias_scale)));
    INFO("channel " << c << " shift " << shift << " sx " << sx);
    CHECK(stored[size_t(c)] == expect);
    moved += stored[size_t(c)] != stored_plain[size_t(c)];
  }
  CHECK(moved > 0);

  // The quantized layer's mean output on the calibration data moves to the float one's.
  double bias_plain = 0, bias_corr = 0;
  for (int s = 0; s < samples; ++s) {
    qrt::graph::Tensor x({1, ic, hw, hw});
    std::copy(calib.data.begin() + s * ic * hw * hw, calib.data.begin() + (s + 1) * ic * hw * hw, x.data.begin());
    const std::vector<float> ref = run_onnx_float(o.model_path, x);
    const std::vector<float> yp = run_qrt(plain, x), yc = run_qrt(corrected, x);
    for (size_t i = 0; i < ref.size(); ++i) {
      bias_plain += double(yp[i]) - ref[i];
      bias_corr += double(yc[i]) - ref[i];
    }
  }
  INFO("summed output bias: plain " << bias_plain << ", corrected " << bias_corr);
  CHECK(std::fabs(bias_corr) < 0.5 * std::fabs(bias_plain));
}

TEST_CASE("bias correction without a bias in the graph adds one", "[weights][bias]") {
  TempDir dir;
  OnnxBuilder m;
  m.input("x", {1, 3, 5, 5}).initializer("w", random_tensor({4, 3, 3, 3}, 21));
  attr_ints(m.node("Conv", {"x", "w"}, {"y"}, "conv"), "pads", {1, 1, 1, 1});
  m.output("y");
  write_bytes(dir.file("m.onnx"), m.serialize());
  write_npy(dir.file("calib.npy"), {2, 3, 5, 5}, random_tensor({2, 3, 5, 5}, 22, 0.0f, 1.0f).data);
  ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("calib.npy"));
  o.lower.weight_bits = 4;
  o.lower.bias_correction = true;
  const std::vector<uint8_t> bytes = convert_to_bytes(o, nullptr);
  const schema::Model* mc = schema::GetModel(bytes.data());
  const schema::Tensor* bt = tensor_named(mc, "w.bias_correction");
  CHECK(bt->shape()->Get(0) == 4);
  const qrt::graph::Tensor x = random_tensor({1, 3, 5, 5}, 23, 0.0f, 1.0f);
  CHECK(run_qrt(bytes, x).size() == run_onnx_float(o.model_path, x).size());
}

TEST_CASE("gptq: lower output error than minmax on correlated inputs; metadata; determinism", "[weights][gptq]") {
  // A 3x3 conv whose input channels are strongly correlated (every channel
  // a multiple of the first plus a little noise): error compensation can
  // move rounding errors onto correlated inputs, round-to-nearest cannot.
  TempDir dir;
  const int oc = 8, ic = 6, hw = 6, samples = 8;
  qrt::graph::Tensor calib = random_tensor({samples, ic, hw, hw}, 31, -0.1f, 0.1f);
  const qrt::graph::Tensor base = random_tensor({samples, 1, hw, hw}, 32);
  for (int s = 0; s < samples; ++s)
    for (int c = 0; c < ic; ++c)
      for (int p = 0; p < hw * hw; ++p)
        calib.data[size_t((s * ic + c) * hw * hw + p)] += (1.0f + 0.3f * c) * base.data[size_t(s * hw * hw + p)];
  OnnxBuilder m;
  m.input("x", {1, ic, hw, hw}).initializer("w", random_tensor({oc, ic, 3, 3}, 33)).initializer("b", random_tensor({oc}, 34));
  attr_ints(m.node("Conv", {"x", "w", "b"}, {"y"}, "conv"), "pads", {1, 1, 1, 1});
  m.output("y");
  write_bytes(dir.file("m.onnx"), m.serialize());
  write_npy(dir.file("calib.npy"), {samples, ic, hw, hw}, calib.data);
  ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("calib.npy"));
  o.lower.weight_bits = 4;
  o.lower.weight_method = "minmax";
  o.lower.bias_correction = false;
  const std::vector<uint8_t> minmax = convert_to_bytes(o, nullptr);
  o.lower.weight_method = "gptq";
  const std::vector<uint8_t> gptq = convert_to_bytes(o, nullptr);
  CHECK(convert_to_bytes(o, nullptr) == gptq);  // deterministic
  const schema::Model* mg = schema::GetModel(gptq.data());
  CHECK(mg->metadata()->settings()->weight_method()->str() == "gptq");
  CHECK(schema::GetModel(minmax.data())->metadata()->settings()->weight_method()->str() == "minmax");
  double e_minmax = 0, e_gptq = 0;
  for (int s = 0; s < samples; ++s) {
    qrt::graph::Tensor x({1, ic, hw, hw});
    std::copy(calib.data.begin() + s * ic * hw * hw, calib.data.begin() + (s + 1) * ic * hw * hw, x.data.begin());
    const std::vector<float> ref = run_onnx_float(o.model_path, x);
    e_minmax += sse(run_qrt(minmax, x), ref);
    e_gptq += sse(run_qrt(gptq, x), ref);
  }
  INFO("output SSE on the calibration data: minmax " << e_minmax << ", gptq " << e_gptq);
  CHECK(e_gptq < 0.8 * e_minmax);

  // mse: never a larger weight MSE than minmax; a per-tensor model only with minmax.
  o.lower.weight_method = "mse";
  CHECK(schema::GetModel(convert_to_bytes(o, nullptr).data())->metadata()->settings()->weight_method()->str() == "mse");
  o.lower.per_channel_weights = false;
  CHECK_THROWS_WITH(convert_to_bytes(o, nullptr), Catch::Contains("--per-tensor-weights"));
  o.lower.weight_method = "best";
  o.lower.per_channel_weights = true;
  CHECK_THROWS_WITH(convert_to_bytes(o, nullptr), Catch::Contains("unknown weight method 'best'"));
}

TEST_CASE("a bias that does not fit int32 at the layer's scales gets raised weight scales, a warning and the float output", "[weights][bias]") {
  // A Gemm whose input is ~1e-12 (so input scale ~1e-14) with a bias of
  // 0.5: 0.5 / (1e-14 * weight scale) is far beyond int32.
  TempDir dir;
  OnnxBuilder m;
  m.input("x", {1, 4, 1, 1}).initializer("w", random_tensor({3, 4}, 41)).initializer("b", qrt::graph::Tensor({3}, {0.5f, -0.25f, 0.0f}));
  m.node("Flatten", {"x"}, {"f"}, "flat");
  attr_i(m.node("Gemm", {"f", "w", "b"}, {"y"}, "fc"), "transB", 1);
  m.output("y");
  write_bytes(dir.file("m.onnx"), m.serialize());
  qrt::graph::Tensor calib = random_tensor({4, 4, 1, 1}, 42, 0.0f, 1.0f);
  for (float& v : calib.data) v *= 1e-12f;
  write_npy(dir.file("calib.npy"), {4, 4, 1, 1}, calib.data);
  ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("calib.npy"));
  ConvertSummary s;
  const std::vector<uint8_t> bytes = convert_to_bytes(o, &s);
  REQUIRE(s.warnings.size() == 1);
  CHECK_THAT(s.warnings[0], Catch::Contains("node 'fc'") && Catch::Contains("2 of 3 output channels") &&
                                Catch::Contains("raised"));
  // The channels output their bias, as the float model does (w . x ~ 1e-12);
  // clamped to int32 they came out ~0.
  qrt::graph::Tensor x({1, 4, 1, 1});
  std::copy(calib.data.begin(), calib.data.begin() + 4, x.data.begin());
  const std::vector<float> ref = run_onnx_float(o.model_path, x), got = run_qrt(bytes, x);
  REQUIRE(got.size() == 3);
  for (int c = 0; c < 3; ++c) CHECK(got[size_t(c)] == Approx(ref[size_t(c)]).margin(1e-6));
  CHECK(got[0] == Approx(0.5f).epsilon(1e-6));
  // An ordinary input: no warning.
  write_npy(dir.file("calib.npy"), {4, 4, 1, 1}, random_tensor({4, 4, 1, 1}, 42, 0.0f, 1.0f).data);
  ConvertSummary ok;
  (void)convert_to_bytes(o, &ok);
  CHECK(ok.warnings.empty());
}

TEST_CASE("pruned weights are stored sparse when smaller, and run exactly as dense", "[weights][sparse]") {
  // A 3x3 conv with 70% of its weights zero (a pruned layer), at 8 and 5
  // bits: sparse (bitmap + non-zero values) is smaller; the runtime decodes
  // it to the same outputs as the dense file. A dense layer stays dense.
  TempDir dir;
  const int oc = 16, ic = 8, hw = 6;
  qrt::graph::Tensor w = random_tensor({oc, ic, 3, 3}, 51);
  for (size_t i = 0; i < w.data.size(); ++i)
    if (i % 10 < 7) w.data[i] = 0.0f;
  OnnxBuilder m;
  m.input("x", {1, ic, hw, hw}).initializer("w", w).initializer("b", random_tensor({oc}, 52));
  attr_ints(m.node("Conv", {"x", "w", "b"}, {"y"}, "conv"), "pads", {1, 1, 1, 1});
  m.output("y");
  write_bytes(dir.file("m.onnx"), m.serialize());
  const qrt::graph::Tensor calib = random_tensor({2, ic, hw, hw}, 53);
  write_npy(dir.file("calib.npy"), {2, ic, hw, hw}, calib.data);
  qrt::graph::Tensor x({1, ic, hw, hw});
  std::copy(calib.data.begin(), calib.data.begin() + ic * hw * hw, x.data.begin());
  for (int bits : {8, 5}) {
    INFO("weight bits " << bits);
    ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("calib.npy"));
    o.lower.weight_bits = bits;
    const std::vector<uint8_t> sparse = convert_to_bytes(o, nullptr);
    o.lower.sparse_weights = false;
    const std::vector<uint8_t> dense = convert_to_bytes(o, nullptr);
    const schema::Model* ms = schema::GetModel(sparse.data());
    const schema::Model* md = schema::GetModel(dense.data());
    const schema::Buffer* bs = ms->buffers()->Get(tensor_named(ms, "w")->buffer());
    const schema::Buffer* bd = md->buffers()->Get(tensor_named(md, "w")->buffer());
    CHECK(bs->sparse());
    CHECK_FALSE(bd->sparse());
    CHECK(bs->packed_bits() == (bits < 8 ? bits : 0));
    const size_t n = size_t(oc * ic * 9);
    size_t nz = 0;  // the bitmap's count: the 30% kept, less any that rounded to 0
    for (size_t i = 0; i < n; ++i) nz += (bs->data()->Get(uint32_t(i / 8)) >> (i % 8)) & 1u;
    CHECK(nz <= n * 3 / 10);
    CHECK(nz > n / 5);
    CHECK(bs->data()->size() == (n + 7) / 8 + (nz * size_t(bits) + 7) / 8);
    CHECK(bd->data()->size() == (n * size_t(bits) + 7) / 8);
    CHECK(sparse.size() < dense.size());
    CHECK(run_qrt(sparse, x) == run_qrt(dense, x));
  }
  // Dense weights: sparse would be larger, so they stay dense.
  m = OnnxBuilder();
  m.input("x", {1, ic, hw, hw}).initializer("w", random_tensor({oc, ic, 3, 3}, 54));
  attr_ints(m.node("Conv", {"x", "w"}, {"y"}, "conv"), "pads", {1, 1, 1, 1});
  m.output("y");
  write_bytes(dir.file("d.onnx"), m.serialize());
  const std::vector<uint8_t> plain = convert_to_bytes(npy_options(dir.file("d.onnx"), dir.file("calib.npy")), nullptr);
  const schema::Model* mp = schema::GetModel(plain.data());
  CHECK_FALSE(mp->buffers()->Get(tensor_named(mp, "w")->buffer())->sparse());
}
