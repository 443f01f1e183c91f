// qrt-convert as a program: exit status, error text, no output on failure.
#include <catch2/catch.hpp>

#include "onnx_builder.h"
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
