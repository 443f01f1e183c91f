// qrt-convert as a program: exit status, error text, no output on failure.
#include <catch2/catch.hpp>

#include <cmath>

#include "onnx_builder.h"
#include "qrt/schema/qrt_generated.h"
#include "test_util.h"

using namespace qrt::testing;

namespace {

std::string read_text(const std::string& path) {
  const std::vector<uint8_t> b = read_bytes(path);
  return std::string(b.begin(), b.end());
}

}  // namespace

TEST_CASE("qrt-convert: success, and an unsupported op names the node with a non-zero exit", "[cli]") {
  TempDir dir;
  write_npy(dir.file("calib.npy"), {2, 1, 4, 4}, random_tensor({2, 1, 4, 4}, 1).data);
  {
    OnnxBuilder b;
    b.input("x", {1, 1, 4, 4}).initializer("w", random_tensor({2, 1, 3, 3}, 2));
    b.node("Conv", {"x", "w"}, {"y"}, "conv");
    b.output("y");
    write_bytes(dir.file("good.onnx"), b.serialize());
  }
  {
    OnnxBuilder b;
    b.input("x", {1, 1, 4, 4});
    attr_ints(b.node("Transpose", {"x"}, {"y"}, "the_transpose"), "perm", {0, 1, 3, 2});  // not lowered
    b.output("y");
    write_bytes(dir.file("bad.onnx"), b.serialize());
  }
  const std::string exe = QRT_CONVERT_EXE;
  const std::string common = " --calib-npy " + dir.file("calib.npy") + " -q 2>" + dir.file("err.txt");
  REQUIRE(run_command(exe + " " + dir.file("good.onnx") + " -o " + dir.file("good.qrt") + common) == 0);
  REQUIRE(file_exists(dir.file("good.qrt")));

  REQUIRE(run_command(exe + " " + dir.file("bad.onnx") + " -o " + dir.file("bad.qrt") + common) != 0);
  REQUIRE_THAT(read_text(dir.file("err.txt")), Catch::Contains("the_transpose") && Catch::Contains("Transpose"));
  REQUIRE_FALSE(file_exists(dir.file("bad.qrt")));

  // A missing calibration source is an error too, naming the flags.
  REQUIRE(run_command(exe + " " + dir.file("good.onnx") + " -o " + dir.file("x.qrt") + " 2>" + dir.file("err.txt")) != 0);
  REQUIRE_THAT(read_text(dir.file("err.txt")), Catch::Contains("--calib-"));
  REQUIRE_FALSE(file_exists(dir.file("x.qrt")));
  // Bad flag values are rejected by the parser.
  REQUIRE(run_command(exe + " " + dir.file("good.onnx") + " -o " + dir.file("x.qrt") + common + " --weight-bits 3") != 0);
  REQUIRE_FALSE(file_exists(dir.file("x.qrt")));
}

TEST_CASE("qrt-convert: KL conversions are byte-identical whatever the output path; -o is not recorded", "[cli][determinism]") {
  TempDir dir;
  write_npy(dir.file("calib.npy"), {3, 2, 6, 6}, random_tensor({3, 2, 6, 6}, 4).data);
  OnnxBuilder b;
  b.input("x", {1, 2, 6, 6}).initializer("w", random_tensor({4, 2, 3, 3}, 2)).initializer("w2", random_tensor({3, 4, 1, 1}, 3));
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  b.node("Relu", {"c"}, {"r"}, "relu");
  b.node("Conv", {"r", "w2"}, {"y"}, "conv2");
  b.output("y");
  write_bytes(dir.file("m.onnx"), b.serialize());
  const std::string exe = QRT_CONVERT_EXE;
  const std::string args = " " + dir.file("m.onnx") + " --calib-npy " + dir.file("calib.npy") +
                           " --calibration kl --tolerance 1.3,r=2 -q";
  REQUIRE(run_command(exe + args + " -o " + dir.file("a.qrt")) == 0);
  REQUIRE(run_command(exe + args + " --output=" + dir.file("b.qrt")) == 0);
  REQUIRE(run_command(exe + " -o" + dir.file("c.qrt") + args) == 0);
  const std::vector<uint8_t> a = read_bytes(dir.file("a.qrt"));
  REQUIRE(read_bytes(dir.file("b.qrt")) == a);
  REQUIRE(read_bytes(dir.file("c.qrt")) == a);
  const qrt::schema::ConverterSettings* st = qrt::schema::GetModel(a.data())->metadata()->settings();
  const std::string cmd = st->command_line()->str();
  CHECK(cmd.find("a.qrt") == std::string::npos);
  CHECK(cmd.find(" -o") == std::string::npos);
  CHECK_THAT(cmd, Catch::Contains("--tolerance 1.3,r=2") && Catch::Contains("m.onnx"));
  CHECK(st->calibration()->str() == "kl");
  CHECK(st->tolerance() == 1.3f);
}

TEST_CASE("qrt-convert: --mode and the quantization flags reach the metadata", "[cli][flags]") {
  TempDir dir;
  write_npy(dir.file("calib.npy"), {2, 2, 6, 6}, random_tensor({2, 2, 6, 6}, 4).data);
  OnnxBuilder b;
  b.input("x", {1, 2, 6, 6}).initializer("w", random_tensor({4, 2, 3, 3}, 2)).initializer("w2", random_tensor({4, 4, 1, 1}, 3));
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  b.node("Relu", {"c"}, {"r"}, "relu");
  b.node("Conv", {"r", "w2"}, {"d"}, "conv2");
  b.node("Add", {"r", "d"}, {"y"}, "add");
  b.output("y");
  write_bytes(dir.file("m.onnx"), b.serialize());
  const std::string base = std::string(QRT_CONVERT_EXE) + " " + dir.file("m.onnx") + " -o " + dir.file("o.qrt") +
                           " --calib-npy " + dir.file("calib.npy") + " -q";
  auto settings = [&](const std::string& flags) {
    REQUIRE(run_command(base + " " + flags) == 0);
    static std::vector<uint8_t> bytes;
    bytes = read_bytes(dir.file("o.qrt"));
    return qrt::schema::GetModel(bytes.data())->metadata()->settings();
  };
  const qrt::schema::ConverterSettings* s = settings("");
  CHECK(s->weight_bits() == 8);
  CHECK(s->activation_bits() == 8);
  CHECK_FALSE(s->int16_accumulation());
  CHECK(s->per_channel_weights());
  CHECK(s->unsigned_activations());
  CHECK(s->float_residual_adds());
  s = settings("--mode w6a8");
  CHECK(s->weight_bits() == 6);
  CHECK(s->int16_accumulation());
  s = settings("--mode w6a8 --weight-bits 5 --no-int16");
  CHECK(s->weight_bits() == 5);
  CHECK_FALSE(s->int16_accumulation());
  s = settings("--per-tensor-weights --signed-activations --quantize-adds --calibration percentile --percentile 99.9");
  CHECK_FALSE(s->per_channel_weights());
  CHECK_FALSE(s->unsigned_activations());
  CHECK_FALSE(s->float_residual_adds());
  CHECK(s->calibration()->str() == "percentile");
  CHECK(s->percentile() == 99.9f);
  CHECK(s->tolerance() == 0.0f);
  CHECK(s->weight_method()->str() == "minmax");  // per-tensor: the paper's rule unless asked otherwise
  CHECK_FALSE(s->bias_correction());
  s = settings("");  // the default: gptq + bias correction
  CHECK(s->weight_method()->str() == "gptq");
  CHECK(s->bias_correction());
  s = settings("--weights minmax --bias-correction off");
  CHECK(s->weight_method()->str() == "minmax");
  CHECK_FALSE(s->bias_correction());
  s = settings("--weights mse --layer-stats-memory 1");
  CHECK(s->weight_method()->str() == "mse");
  CHECK(s->bias_correction());
  CHECK(run_command(base + " --per-tensor-weights --weights gptq 2>" + dir.file("pt.txt")) != 0);
  // Progress of the weight quantization (without -q; the base command has -q last, so build another).
  const std::string loud = std::string(QRT_CONVERT_EXE) + " " + dir.file("m.onnx") + " -o " + dir.file("o.qrt") +
                           " --calib-npy " + dir.file("calib.npy") + " 2>" + dir.file("progress.txt");
  REQUIRE(run_command(loud) == 0);
  CHECK_THAT(read_text(dir.file("progress.txt")), Catch::Contains("quantizing weights (gptq) 2/2 (100%)"));
  REQUIRE(run_command(loud + " --weights minmax") == 0);
  CHECK_THAT(read_text(dir.file("progress.txt")), !Catch::Contains("quantizing weights"));
  // Bad values: the parser or the converter rejects them, naming the flag.
  const std::string err = " 2>" + dir.file("err.txt");
  CHECK(run_command(base + " --mode w4a4" + err) != 0);
  CHECK(run_command(base + " --calibration entropy" + err) != 0);
  CHECK(run_command(base + " --weights best" + err) != 0);
  CHECK_THAT(read_text(dir.file("err.txt")), Catch::Contains("--weights"));
  CHECK(run_command(base + " --bias-correction yes" + err) != 0);
  CHECK(run_command(base + " --weights mse --per-tensor-weights" + err) == 1);
  CHECK_THAT(read_text(dir.file("err.txt")), Catch::Contains("--per-tensor-weights"));
  CHECK(run_command(base + " --tolerance 0.9" + err) == 1);
  CHECK_THAT(read_text(dir.file("err.txt")), Catch::Contains("--tolerance"));
  s = settings("--mode w6a8 --layer-weight-bits conv2=8");
  CHECK_THAT(s->command_line()->str(), Catch::Contains("--layer-weight-bits conv2=8"));
  CHECK(run_command(base + " --mode w6a8 --layer-weight-bits relu=8" + err) == 1);
  CHECK_THAT(read_text(dir.file("err.txt")), Catch::Contains("--layer-weight-bits: 'relu'"));
  CHECK(run_command(base + " --layer-weight-bits conv2=3" + err) == 1);
  CHECK_THAT(read_text(dir.file("err.txt")), Catch::Contains("'conv2=3'"));
}

TEST_CASE("qrt-convert: --calib-seed and --calib-offset pick reproducible calibration subsets", "[cli][subset]") {
  TempDir dir;
  // 12 samples with very different ranges, so each subset gives other scales.
  std::vector<float> data = random_tensor({12, 1, 4, 4}, 5).data;
  for (size_t i = 0; i < data.size(); ++i) data[i] *= float(1 + i / 16);
  write_npy(dir.file("calib.npy"), {12, 1, 4, 4}, data);
  OnnxBuilder b;
  b.input("x", {1, 1, 4, 4}).initializer("w", random_tensor({2, 1, 3, 3}, 2));
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  b.output("y");
  write_bytes(dir.file("m.onnx"), b.serialize());
  const std::string base = std::string(QRT_CONVERT_EXE) + " " + dir.file("m.onnx") + " --calib-npy " +
                           dir.file("calib.npy") + " --calibration minmax -q --num-images 3 ";
  auto convert = [&](const std::string& flags, const std::string& out) {
    REQUIRE(run_command(base + flags + " -o " + dir.file(out)) == 0);
    return read_bytes(dir.file(out));
  };
  const std::vector<uint8_t> a = convert("--calib-seed 1", "a.qrt");
  const std::vector<uint8_t> a2 = convert("--calib-seed 1", "a2.qrt");
  const std::vector<uint8_t> c = convert("--calib-seed 2", "c.qrt");
  const std::vector<uint8_t> first = convert("", "first.qrt");
  const std::vector<uint8_t> off = convert("--calib-offset 9", "off.qrt");
  CHECK(a == a2);
  CHECK(a != c);
  CHECK(first != off);
  auto source = [](const std::vector<uint8_t>& bytes) {
    return qrt::schema::GetModel(bytes.data())->metadata()->settings()->calibration_source()->str();
  };
  CHECK_THAT(source(a), Catch::Contains("seed 1"));
  CHECK_THAT(source(off), Catch::Contains("offset 9"));
  // The input scale follows the samples used: the last 3 samples are the largest.
  auto input_scale = [](const std::vector<uint8_t>& bytes) {
    const qrt::schema::Model* m = qrt::schema::GetModel(bytes.data());
    for (const qrt::schema::Tensor* t : *m->tensors())
      if (t->quant() && t->quant()->scale() && t->dtype() != qrt::schema::DType::F32 && t->buffer() == 0)
        return t->quant()->scale()->Get(0);
    return 0.0f;
  };
  CHECK(input_scale(off) > input_scale(first));
  // A subset without a count, or both selectors, is refused.
  CHECK(run_command(std::string(QRT_CONVERT_EXE) + " " + dir.file("m.onnx") + " --calib-npy " + dir.file("calib.npy") +
                    " --num-images 0 --calib-seed 1 -q -o " + dir.file("x.qrt") + " 2>/dev/null") != 0);
  CHECK(run_command(base + "--calib-seed 1 --calib-offset 2 -o " + dir.file("x.qrt") + " 2>/dev/null") != 0);
  CHECK_FALSE(file_exists(dir.file("x.qrt")));
}

TEST_CASE("qrt-convert: --kl-guard, and the tensors the guard changed on stdout unless -q", "[cli][guard]") {
  // r = relu(x): the data of guideline_test's KL model, Laplace(1) values
  // with outliers (30, 40 after the ReLU) that carry 13% of r's energy: KL
  // clips them, the guard (6 dB) keeps the max.
  TempDir dir;
  std::vector<float> v(16 * 1024);
  uint32_t s = 7;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    const double u = (double(s >> 8) + 0.5) / double(1 << 24) - 0.5;
    x = float(-std::copysign(1.0, u) * std::log(1.0 - 2.0 * std::fabs(u)));
  }
  v[v.size() / 3] = 30.0f;
  v[v.size() / 2] = -35.0f;
  v[v.size() - 1] = 40.0f;
  write_npy(dir.file("calib.npy"), {16, 1, 32, 32}, v);
  OnnxBuilder b;
  b.input("x", {1, 1, 32, 32}).initializer("w", qrt::graph::Tensor({1, 1, 1, 1}, {1.0f}));
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  b.node("Relu", {"c"}, {"r"}, "relu");
  b.node("Conv", {"r", "w"}, {"y"}, "conv2");  // r is stored U8 for it
  b.output("y");
  write_bytes(dir.file("m.onnx"), b.serialize());
  const std::string base = std::string(QRT_CONVERT_EXE) + " " + dir.file("m.onnx") + " --calib-npy " +
                           dir.file("calib.npy") + " -o " + dir.file("m.qrt") + " ";
  const std::string out = " >" + dir.file("out.txt") + " 2>" + dir.file("err.txt");
  REQUIRE(run_command(base + out) == 0);
  CHECK_THAT(read_text(dir.file("out.txt")), Catch::Contains("KL guard: r: KL threshold") && Catch::Contains("-> max 40 "));
  REQUIRE(run_command(base + "-q" + out) == 0);
  CHECK(read_text(dir.file("out.txt")).empty());
  auto guard_db = [&] {  // the margin recorded in the metadata
    const std::vector<uint8_t> bytes = read_bytes(dir.file("m.qrt"));
    return qrt::schema::GetModel(bytes.data())->metadata()->settings()->kl_guard_db();
  };
  CHECK(guard_db() == 6.0f);  // the default margin
  REQUIRE(run_command(base + "--kl-guard inf" + out) == 0);
  CHECK_THAT(read_text(dir.file("out.txt")), !Catch::Contains("KL guard"));
  CHECK(std::isinf(guard_db()));
  REQUIRE(run_command(base + "--kl-guard 30" + out) == 0);  // the clip costs less than 30 dB
  CHECK_THAT(read_text(dir.file("out.txt")), !Catch::Contains("KL guard"));
  CHECK(guard_db() == 30.0f);
  REQUIRE(run_command(base + "--calibration minmax -q" + out) == 0);
  CHECK(guard_db() == -1.0f);  // not KL
  CHECK(run_command(base + "--kl-guard -1 -q" + out) != 0);
  CHECK_THAT(read_text(dir.file("err.txt")), Catch::Contains("--kl-guard"));
}
