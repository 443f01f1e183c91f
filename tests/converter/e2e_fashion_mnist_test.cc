// End to end on the bundled Fashion-MNIST model: qrt-convert (calibrated on
// 200 training images) then qrt-eval on the t10k test set. The float top-1
// over all 10,000 images must equal the value recorded in
// examples/fashion_mnist/README.md (90.61%); int8 within 1 point of float and
// float/int8 agreement >= 97% on the first 2000 images.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>

#include "test_util.h"

using namespace qrt::backend::testing;

namespace {
const std::string kData = "/usr/share/datasets/fashion-mnist/";

nlohmann::json eval(const TempDir& dir, const std::string& qrt, int limit) {
  const std::string cmd = std::string(QRT_EVAL_EXE) + " --onnx " + QRT_SOURCE_DIR +
                          "/examples/fashion_mnist/model.onnx --qrt " + qrt + " --fashion-mnist-images " + kData +
                          "t10k-images-idx3-ubyte.gz --fashion-mnist-labels " + kData +
                          "t10k-labels-idx1-ubyte.gz -q --limit " + std::to_string(limit) + " --json " +
                          dir.file("eval.json");
  REQUIRE(run_command(cmd) == 0);
  std::ifstream in(dir.file("eval.json"));
  return nlohmann::json::parse(in);
}
}  // namespace

TEST_CASE("Fashion-MNIST: float matches the README, int8 close to float", "[e2e]") {
  if (!file_exists(kData + "t10k-images-idx3-ubyte.gz")) {
    WARN("dataset-fashion-mnist is not installed; skipping");
    return;
  }
  TempDir dir;
  const std::string qrt = dir.file("fm.qrt");
  const std::string convert = std::string(QRT_CONVERT_EXE) + " " + QRT_SOURCE_DIR +
                              "/examples/fashion_mnist/model.onnx -o " + qrt + " --calib-fashion-mnist " + kData +
                              "train-images-idx3-ubyte.gz --num-images 200 --mean 0.286 --std 0.353 -q";
  REQUIRE(run_command(convert) == 0);

  const nlohmann::json j = eval(dir, qrt, 2000);
  INFO(j.dump());
  REQUIRE(j["images"] == 2000);
  const double f = j["float_top1"], q = j["int8_top1"], agree = j["agreement"];
  REQUIRE(std::abs(f - q) <= 1.0);
  REQUIRE(agree >= 97.0);
  REQUIRE(j["int8_top5"].get<double>() >= j["float_top5"].get<double>() - 1.0);

  SECTION("full test set: float top-1 is the recorded 9061 / 10000") {
    const nlohmann::json all = eval(dir, qrt, 0);
    INFO(all.dump());
    REQUIRE(all["images"] == 10000);
    REQUIRE(all["float_top1_correct"] == 9061);
    REQUIRE(std::abs(all["float_top1"].get<double>() - all["int8_top1"].get<double>()) <= 1.0);
    REQUIRE(all["agreement"].get<double>() >= 97.0);
  }
}
