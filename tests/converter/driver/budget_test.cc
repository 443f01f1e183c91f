// qrt-convert --accuracy-budget (converter/driver/accuracy_budget.h): the
// layer whose 4-bit weights destroy agreement goes to 8 bits and nothing
// else; a budget already met changes no weight; an unreachable budget is an
// error with the agreement reached; only classifiers; the flag's syntax.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <numeric>

#include "driver/accuracy_budget.h"
#include "driver/convert.h"
#include "graph/float_executor.h"
#include "import/onnx_import.h"
#include "onnx_builder.h"
#include "qrt/schema/qrt_generated.h"
#include "test_util.h"

using namespace qrt::convert;
using namespace qrt::testing;
namespace schema = qrt::schema;

namespace {

constexpr int kSamples = 64;

// x [1, 8, 4, 4] -> conv1 (1x1, 8 -> 16) + Relu -> conv2 (1x1, 16 -> 16)
// + Relu -> GlobalAveragePool -> Flatten -> fc (16 -> 10): logits [1, 10].
// conv2 is the fragile layer: every row has a weight of 30 on input channel
// 0 (which conv1 makes nearly zero) and its informative weights in [-1, 1].
// At 4 bits (MinMax scale 30/7 = 4.3) the informative weights round to 0,
// at 8 bits (30/127) they survive to within a few percent.
void write_model(const std::string& path) {
  qrt::graph::Tensor w1 = random_tensor({16, 8, 1, 1}, 101);
  for (int i = 0; i < 8; ++i) w1.data[size_t(i)] *= 0.01f;  // channel 0 nearly silent
  qrt::graph::Tensor w2 = random_tensor({16, 16, 1, 1}, 102);
  for (int o = 0; o < 16; ++o) w2.data[size_t(o * 16)] = 30.0f;
  OnnxBuilder m;
  m.input("x", {1, 8, 4, 4})
      .initializer("w1", w1)
      .initializer("b1", random_tensor({16}, 103, 0.0f, 0.5f))
      .initializer("w2", w2)
      .initializer("b2", random_tensor({16}, 104, 0.0f, 0.5f))
      .initializer("w3", random_tensor({10, 16}, 105))
      .initializer("b3", random_tensor({10}, 106));
  m.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1");
  m.node("Relu", {"c1"}, {"r1"}, "relu1");
  m.node("Conv", {"r1", "w2", "b2"}, {"c2"}, "conv2");
  m.node("Relu", {"c2"}, {"r2"}, "relu2");
  m.node("GlobalAveragePool", {"r2"}, {"g"}, "gap");
  m.node("Flatten", {"g"}, {"f"}, "flatten");
  attr_i(m.node("Gemm", {"f", "w3", "b3"}, {"y"}, "fc"), "transB", 1);
  m.output("y");
  write_bytes(path, m.serialize());
}

// Samples that differ after the global pool: per sample and channel a
// level in [-1, 1], plus a little noise per pixel.
qrt::graph::Tensor calibration_samples() {
  qrt::graph::Tensor x = random_tensor({kSamples, 8, 4, 4}, 107, -0.1f, 0.1f);
  const qrt::graph::Tensor level = random_tensor({kSamples, 8}, 108);
  for (size_t i = 0; i < x.data.size(); ++i) x.data[i] += level.data[i / 16];
  return x;
}

struct Fixture {
  TempDir dir;
  qrt::graph::Tensor calib = calibration_samples();
  Fixture() {
    write_model(dir.file("m.onnx"));
    write_npy(dir.file("calib.npy"), {kSamples, 8, 4, 4}, calib.data);
  }
  // W4A8, MinMax weights without bias correction (the fragile layer's
  // failure is then exact arithmetic, not a property of GPTQ).
  ConvertOptions options() const {
    ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("calib.npy"));
    o.num_images = 0;
    o.lower.weight_bits = 4;
    o.lower.weight_method = "minmax";
    o.lower.bias_correction = false;
    o.show_progress = false;
    return o;
  }
  // The top-1 agreement of .qrt bytes with the float model on the samples.
  double agreement(const std::vector<uint8_t>& bytes) const {
    int agree = 0;
    for (int s = 0; s < kSamples; ++s) {
      qrt::graph::Tensor x({1, 8, 4, 4});
      std::copy(calib.data.begin() + s * 128, calib.data.begin() + (s + 1) * 128, x.data.begin());
      const std::vector<float> f = run_onnx_float(dir.file("m.onnx"), x), q = run_qrt(bytes, x);
      agree += std::max_element(f.begin(), f.end()) - f.begin() == std::max_element(q.begin(), q.end()) - q.begin();
    }
    return double(agree) / kSamples;
  }
};

const schema::Model* model_of(const std::vector<uint8_t>& bytes) { return schema::GetModel(bytes.data()); }

int weight_bits_of(const schema::Model* m, const std::string& name) {
  for (const schema::Tensor* t : *m->tensors())
    if (t->name()->str() == name) return t->quant()->bits();
  FAIL("no tensor " << name);
  return 0;
}

// Everything but the metadata: tensors, operators and buffers serialized
// without it (so two models may differ only in what the metadata records).
bool same_except_metadata(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  const schema::Model* ma = model_of(a);
  const schema::Model* mb = model_of(b);
  auto bytes_of = [](const flatbuffers::Vector<flatbuffers::Offset<schema::Buffer>>* v) {
    std::vector<std::vector<uint8_t>> r;
    for (const schema::Buffer* x : *v) {
      r.emplace_back();
      if (x->data()) r.back().assign(x->data()->begin(), x->data()->end());
    }
    return r;
  };
  if (bytes_of(ma->buffers()) != bytes_of(mb->buffers())) return false;
  if (ma->operators()->size() != mb->operators()->size()) return false;
  for (flatbuffers::uoffset_t i = 0; i < ma->operators()->size(); ++i) {
    const schema::Operator* x = ma->operators()->Get(i);
    const schema::Operator* y = mb->operators()->Get(i);
    if (x->type() != y->type()) return false;
    if (x->type() == schema::OpType::CONV_2D &&
        (x->options_as_Conv2DOptions()->accumulator() != y->options_as_Conv2DOptions()->accumulator() ||
         x->options_as_Conv2DOptions()->int16_chunk() != y->options_as_Conv2DOptions()->int16_chunk()))
      return false;
  }
  for (flatbuffers::uoffset_t i = 0; i < ma->tensors()->size(); ++i) {
    const schema::Tensor* x = ma->tensors()->Get(i);
    const schema::Tensor* y = mb->tensors()->Get(i);
    if (x->name()->str() != y->name()->str() || (x->quant() != nullptr) != (y->quant() != nullptr)) return false;
    if (x->quant() && (x->quant()->bits() != y->quant()->bits() ||
                       x->quant()->scale()->size() != y->quant()->scale()->size() ||
                       !std::equal(x->quant()->scale()->begin(), x->quant()->scale()->end(), y->quant()->scale()->begin())))
      return false;
  }
  return true;
}

// A weight tensor's values (unpacked) times its per-channel scales.
std::vector<float> dequantized_weights(const schema::Model* m, const std::string& name) {
  for (const schema::Tensor* t : *m->tensors()) {
    if (t->name()->str() != name) continue;
    const schema::Buffer* buf = m->buffers()->Get(t->buffer());
    const size_t n = size_t(std::accumulate(t->shape()->begin(), t->shape()->end(), int64_t(1), std::multiplies<>()));
    const size_t per = n / t->quant()->scale()->size();
    const std::vector<int8_t> codes = qrt::testing::stored_int8(buf, n);  // dense, packed or sparse
    std::vector<float> w(n);
    for (size_t i = 0; i < n; ++i) w[i] = float(codes[i]) * t->quant()->scale()->Get(flatbuffers::uoffset_t(i / per));
    return w;
  }
  FAIL("no tensor " << name);
  return {};
}

// An int32 bias tensor times its scales.
std::vector<float> dequantized_bias(const schema::Model* m, const std::string& name) {
  for (const schema::Tensor* t : *m->tensors()) {
    if (t->name()->str() != name) continue;
    const auto* data = m->buffers()->Get(t->buffer())->data();
    std::vector<float> b(data->size() / 4);
    for (size_t c = 0; c < b.size(); ++c) {
      int32_t q;
      std::memcpy(&q, data->data() + 4 * c, 4);
      b[c] = float(double(q) * t->quant()->scale()->Get(flatbuffers::uoffset_t(c)));
    }
    return b;
  }
  FAIL("no tensor " << name);
  return {};
}

}  // namespace

TEST_CASE("accuracy budget: a layer's logit error is the float model's with the layer as lowered", "[budget]") {
  // gptq + bias correction (the defaults): the ranking's copy of conv2 must
  // be the weights and bias lowering stores (up to the int32 bias rounding).
  Fixture fx;
  ConvertOptions o = fx.options();
  o.lower.weight_method = "gptq";
  o.lower.bias_correction = true;
  o.accuracy_budget = 0.01;  // met at once; the ranking is made anyway
  ConvertSummary s;
  const std::vector<uint8_t> bytes = convert_to_bytes(o, &s);
  REQUIRE(s.budget.ranking.size() == 3);
  CHECK(s.budget.chosen == 0);
  const schema::Model* m = model_of(bytes);
  qrt::graph::Graph g = qrt::import::load_onnx_model(fx.dir.file("m.onnx"));
  auto logits = [&]() {
    std::vector<float> z;
    qrt::graph::FloatExecutor exec(g);
    for (int i = 0; i < 32; ++i) {
      qrt::graph::Tensor x({1, 8, 4, 4});
      std::copy(fx.calib.data.begin() + i * 128, fx.calib.data.begin() + (i + 1) * 128, x.data.begin());
      const std::vector<float> y = exec.run({{"x", x}}).at("y").data;
      z.insert(z.end(), y.begin(), y.end());
    }
    return z;
  };
  const std::vector<float> z0 = logits();
  g.initializers.at("w2").data = dequantized_weights(m, "w2");  // 1x1: OHWI == OIHW
  g.initializers.at("b2").data = dequantized_bias(m, "b2");
  const std::vector<float> z = logits();
  double err = 0, sig = 0;
  for (size_t i = 0; i < z.size(); ++i) {
    err += (double(z[i]) - z0[i]) * (double(z[i]) - z0[i]);
    sig += double(z0[i]) * z0[i];
  }
  const auto it = std::find_if(s.budget.ranking.begin(), s.budget.ranking.end(),
                               [](const LayerSensitivity& l) { return l.node == "conv2"; });
  REQUIRE(it != s.budget.ranking.end());
  CHECK(it->bits == 4);
  CHECK(it->logit_error == Approx(err / sig).epsilon(0.01));
  CHECK(it->logit_error > 0);
}

TEST_CASE("accuracy budget: the layer whose 4-bit weights destroy agreement goes to 8 bits, alone", "[budget]") {
  Fixture fx;
  ConvertOptions o = fx.options();
  const std::vector<uint8_t> plain = convert_to_bytes(o, nullptr);
  const double plain_agreement = fx.agreement(plain);
  ConvertOptions pinned = o;
  pinned.lower.layer_weight_bits = {{"conv2", 8}};
  const std::vector<uint8_t> conv2_at_8 = convert_to_bytes(pinned, nullptr);
  const double pinned_agreement = fx.agreement(conv2_at_8);
  INFO("agreement at W4: " << plain_agreement << ", conv2 at 8 bits: " << pinned_agreement);
  REQUIRE(plain_agreement < 0.5);     // the premise: conv2 at 4 bits breaks the classifier
  REQUIRE(pinned_agreement >= 0.8);   // and 8 bits on conv2 alone repairs it

  o.accuracy_budget = 0.8;
  ConvertSummary s;
  const std::vector<uint8_t> bytes = convert_to_bytes(o, &s);
  const BudgetReport& r = s.budget;
  REQUIRE(r.ranking.size() == 3);
  CHECK(r.ranking[0].node == "conv2");
  CHECK(r.ranking[0].logit_error > 10 * r.ranking[1].logit_error);
  CHECK(r.ranking_samples == 32);
  CHECK(r.chosen == 1);
  CHECK(r.samples == size_t(kSamples));
  REQUIRE(r.steps.size() == 2);  // 0 layers (missed), 1 layer (met)
  CHECK(r.steps[0].eight_bit_layers == 0);
  CHECK(r.steps[0].agreement == Approx(plain_agreement));
  CHECK(r.steps[1].agreement == Approx(pinned_agreement));
  CHECK(r.agreement == Approx(pinned_agreement));
  CHECK(r.agreement >= 0.8);

  // The model is the --layer-weight-bits conv2=8 one; the metadata says why.
  CHECK(same_except_metadata(bytes, conv2_at_8));
  const schema::Model* m = model_of(bytes);
  CHECK(weight_bits_of(m, "w2") == 8);
  CHECK(weight_bits_of(m, "w1") == 4);
  CHECK(weight_bits_of(m, "w3") == 4);
  CHECK(m->metadata()->settings()->layer_weight_bits()->str() == "conv2=8");
  CHECK(m->metadata()->settings()->calibration_agreement() == Approx(pinned_agreement));
  CHECK(model_of(conv2_at_8)->metadata()->settings()->layer_weight_bits()->str() == "conv2=8");
  CHECK(model_of(conv2_at_8)->metadata()->settings()->calibration_agreement() == -1.0f);
  CHECK(model_of(plain)->metadata()->settings()->layer_weight_bits() == nullptr);
  CHECK(s.int32_layers == 1);  // W8A8 conv2; the 4-bit layers stay INT16
  CHECK(s.int16_layers == 2);

  // Deterministic: the same choice and bytes again.
  CHECK(convert_to_bytes(o, nullptr) == bytes);
}

TEST_CASE("accuracy budget: 0, or a budget already met, changes no weight", "[budget]") {
  Fixture fx;
  for (const char* method : {"minmax", "gptq"}) {
    ConvertOptions o = fx.options();
    o.lower.weight_method = method;
    o.lower.bias_correction = std::string(method) == "gptq";
    o.lower.weight_bits = 8;
    const std::vector<uint8_t> plain = convert_to_bytes(o, nullptr);
    o.accuracy_budget = 0;
    CHECK(convert_to_bytes(o, nullptr) == plain);  // 0: nothing measured, byte-identical
    o.accuracy_budget = 0.01;
    ConvertSummary s;
    const std::vector<uint8_t> met = convert_to_bytes(o, &s);
    CHECK(s.budget.ranking.empty());  // every layer at 8 bits already
    CHECK(s.budget.chosen == 0);
    CHECK(s.budget.steps.size() == 1);
    CHECK(same_except_metadata(met, plain));
    CHECK(met != plain);  // the measured agreement is recorded
    CHECK(model_of(met)->metadata()->settings()->calibration_agreement() == Approx(fx.agreement(plain)));
    CHECK(model_of(met)->metadata()->settings()->layer_weight_bits() == nullptr);
  }
}

TEST_CASE("accuracy budget: --layer-weight-bits is the starting point", "[budget]") {
  Fixture fx;
  ConvertOptions o = fx.options();
  o.lower.layer_weight_bits = {{"fc", 6}};
  o.accuracy_budget = 0.8;
  ConvertSummary s;
  const std::vector<uint8_t> bytes = convert_to_bytes(o, &s);
  CHECK(s.budget.ranking[0].node == "conv2");
  CHECK(s.budget.chosen == 1);
  CHECK(model_of(bytes)->metadata()->settings()->layer_weight_bits()->str() == "conv2=8,fc=6");
  CHECK(weight_bits_of(model_of(bytes), "w3") == 6);
}

TEST_CASE("accuracy budget: unreachable even at 8 bits is an error naming the agreement reached", "[budget]") {
  Fixture fx;
  ConvertOptions o = fx.options();
  o.lower.activation_bits = 4;  // coarse activations: some samples flip whatever the weights
  ConvertOptions all8 = o;
  all8.lower.weight_bits = 8;
  const double best = fx.agreement(convert_to_bytes(all8, nullptr));
  INFO("agreement with every layer at 8 bits: " << best);
  REQUIRE(best < 1.0);
  o.accuracy_budget = 1.0;
  char reached[32];
  std::snprintf(reached, sizeof reached, "%.4f", best);
  CHECK_THROWS_WITH(convert_to_bytes(o, nullptr), Catch::Contains("--accuracy-budget 1.0000 not met") &&
                                                       Catch::Contains(std::string("reaches ") + reached) &&
                                                       Catch::Contains("every conv/FC layer at 8-bit weights"));
}

TEST_CASE("accuracy budget: a model that is not a classifier is an error before calibration", "[budget]") {
  TempDir dir;
  OnnxBuilder m;
  m.input("x", {1, 2, 4, 4}).initializer("w", random_tensor({3, 2, 1, 1}, 1));
  m.node("Conv", {"x", "w"}, {"y"}, "conv");
  m.output("y");
  write_bytes(dir.file("m.onnx"), m.serialize());
  ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("missing.npy"));  // never read
  o.accuracy_budget = 0.9;
  CHECK_THROWS_WITH(convert_to_bytes(o, nullptr),
                    Catch::Contains("--accuracy-budget needs a classifier") && Catch::Contains("[1, 3, 4, 4]"));

  OnnxBuilder two;
  two.input("x", {1, 2, 1, 1}).initializer("w", random_tensor({3, 2, 1, 1}, 1));
  two.node("Conv", {"x", "w"}, {"y"}, "conv");
  two.node("Relu", {"y"}, {"z"}, "relu");
  two.output("y").output("z");
  write_bytes(dir.file("two.onnx"), two.serialize());
  o.model_path = dir.file("two.onnx");
  CHECK_THROWS_WITH(convert_to_bytes(o, nullptr), Catch::Contains("the model has 2 outputs"));
}

TEST_CASE("accuracy budget: the syntax, 0.99 or 99%", "[budget][cli]") {
  CHECK(parse_accuracy_budget("0.99") == Approx(0.99));
  CHECK(parse_accuracy_budget("99%") == Approx(0.99));
  CHECK(parse_accuracy_budget("99.5%") == Approx(0.995));
  CHECK(parse_accuracy_budget("0") == 0.0);
  CHECK(parse_accuracy_budget("1") == 1.0);
  CHECK(parse_accuracy_budget("100%") == 1.0);
  CHECK_THROWS_WITH(parse_accuracy_budget("99"), Catch::Contains("did you mean 99%?"));
  CHECK_THROWS_WITH(parse_accuracy_budget("101%"), Catch::Contains("over 100%"));
  for (const char* bad : {"", "%", "-0.1", "0.9x", "abc", "nan", "inf", "0.9 "})
    CHECK_THROWS_WITH(parse_accuracy_budget(bad), Catch::Contains("not a fraction in [0, 1] (0.99) or a percentage (99%)"));
  CHECK(format_layer_weight_bits({{"b", 8}, {"a", 6}}) == "a=6,b=8");
}

TEST_CASE("qrt-convert --accuracy-budget: the choice printed, errors with exit 1 and no file", "[budget][cli]") {
  Fixture fx;
  const std::string exe = QRT_CONVERT_EXE;
  const std::string base = exe + " " + fx.dir.file("m.onnx") + " --calib-npy " + fx.dir.file("calib.npy") +
                           " --num-images 0 --weight-bits 4 --weights minmax --bias-correction off";
  const std::string out = fx.dir.file("out.txt"), err = fx.dir.file("err.txt");
  REQUIRE(run_command(base + " -o " + fx.dir.file("a.qrt") + " --accuracy-budget 80% >" + out + " 2>" + err) == 0);
  const std::vector<uint8_t> a = read_bytes(fx.dir.file("a.qrt"));
  const std::vector<uint8_t> ob = read_bytes(out);
  const std::string text(ob.begin(), ob.end());
  const std::vector<uint8_t> eb = read_bytes(err);
  const std::string log(eb.begin(), eb.end());
  CHECK_THAT(text, Catch::Contains("accuracy budget 0.8000: agreement") &&
                       Catch::Contains("with 1 of 3 layers at 8-bit weights (2 evaluation passes") &&
                       Catch::Contains("conv2") && Catch::Contains("4->8"));
  CHECK_THAT(log, Catch::Contains("0 of 3 layers at 8 bits: agreement") &&
                      Catch::Contains("1 of 3 layers at 8 bits: agreement"));
  CHECK(model_of(a)->metadata()->settings()->command_line()->str().find("--accuracy-budget 80%") != std::string::npos);
  // 0.8 and 80% are the same budget: the same weights.
  REQUIRE(run_command(base + " -o " + fx.dir.file("b.qrt") + " --accuracy-budget 0.8 -q >" + out + " 2>" + err) == 0);
  CHECK(same_except_metadata(a, read_bytes(fx.dir.file("b.qrt"))));
  CHECK(read_bytes(out).empty());  // -q: nothing printed
  CHECK(read_bytes(err).empty());

  for (const std::string bad : {"99", "1.5", "ninety", "-1%"}) {
    INFO(bad);
    CHECK(run_command(base + " -o " + fx.dir.file("c.qrt") + " --accuracy-budget " + bad + " -q 2>" + err) == 1);
    const std::vector<uint8_t> e = read_bytes(err);
    CHECK_THAT(std::string(e.begin(), e.end()), Catch::StartsWith("qrt-convert: error: --accuracy-budget"));
    CHECK_FALSE(file_exists(fx.dir.file("c.qrt")));
  }
  CHECK(run_command(base + " -o " + fx.dir.file("c.qrt") + " --activation-bits 4 --accuracy-budget 100% -q 2>" +
                    err) == 1);
  const std::vector<uint8_t> e = read_bytes(err);
  CHECK_THAT(std::string(e.begin(), e.end()), Catch::Contains("not met"));
  CHECK_FALSE(file_exists(fx.dir.file("c.qrt")));
}
