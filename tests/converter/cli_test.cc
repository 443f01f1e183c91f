// qrt-convert as a program: exit status, error text, no output on failure.
#include <catch2/catch.hpp>

#include "onnx_builder.h"
#include "qrt/schema/qrt_generated.h"
#include "test_util.h"

using namespace qrt::backend::testing;
using namespace qrt::frontend::testing;

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
    b.node("Sigmoid", {"x"}, {"y"}, "the_sigmoid");
    b.output("y");
    write_bytes(dir.file("bad.onnx"), b.serialize());
  }
  const std::string exe = QRT_CONVERT_EXE;
  const std::string common = " --calib-npy " + dir.file("calib.npy") + " -q 2>" + dir.file("err.txt");
  REQUIRE(run_command(exe + " " + dir.file("good.onnx") + " -o " + dir.file("good.qrt") + common) == 0);
  REQUIRE(file_exists(dir.file("good.qrt")));

  REQUIRE(run_command(exe + " " + dir.file("bad.onnx") + " -o " + dir.file("bad.qrt") + common) != 0);
  REQUIRE_THAT(read_text(dir.file("err.txt")), Catch::Contains("the_sigmoid") && Catch::Contains("Sigmoid"));
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
  // Bad values: the parser or the converter rejects them, naming the flag.
  const std::string err = " 2>" + dir.file("err.txt");
  CHECK(run_command(base + " --mode w4a4" + err) != 0);
  CHECK(run_command(base + " --calibration entropy" + err) != 0);
  CHECK(run_command(base + " --tolerance 0.9" + err) == 1);
  CHECK_THAT(read_text(dir.file("err.txt")), Catch::Contains("--tolerance"));
}
