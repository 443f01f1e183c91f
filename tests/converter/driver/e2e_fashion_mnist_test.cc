// End to end on the bundled Fashion-MNIST model: qrt-convert (calibrated on
// 200 training images) then qrt-eval on the t10k test set. The float top-1
// over all 10,000 images must equal the value recorded in
// examples/fashion_mnist/README.md ("(9074 / 10000)", read from the file);
// int8 within 1 point of float and float/int8 agreement >= 97%.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>

#include "data/idx.h"
#include "test_util.h"

using namespace qrt::testing;

namespace {
const std::string kData = "/usr/share/datasets/fashion-mnist/";

const std::string kFashionMnistSource = " --fashion-mnist-images " + kData + "t10k-images-idx3-ubyte.gz " +
                                        "--fashion-mnist-labels " + kData + "t10k-labels-idx1-ubyte.gz";

nlohmann::json eval(const TempDir& dir, const std::string& qrt, int limit,
                    const std::string& source = kFashionMnistSource) {
  const std::string cmd = std::string(QRT_EVAL_EXE) + " --onnx " + QRT_SOURCE_DIR +
                          "/examples/fashion_mnist/model.onnx --qrt " + qrt + source + " -q --limit " +
                          std::to_string(limit) + " --json " + dir.file("eval.json");
  REQUIRE(run_command(cmd) == 0);
  std::ifstream in(dir.file("eval.json"));
  return nlohmann::json::parse(in);
}
// The "(correct / 10000)" after "Float top-1 on the full t10k" in the README.
int recorded_float_correct() {
  std::ifstream in(std::string(QRT_SOURCE_DIR) + "/examples/fashion_mnist/README.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const size_t at = text.find("Float top-1 on the full t10k");
  REQUIRE(at != std::string::npos);
  std::smatch m;
  const std::string rest = text.substr(at);
  REQUIRE(std::regex_search(rest, m, std::regex("\\(([0-9]+) / 10000\\)")));
  return std::stoi(m[1]);
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

  SECTION("full test set: float top-1 is the value recorded in the README") {
    const nlohmann::json all = eval(dir, qrt, 0);
    INFO(all.dump());
    REQUIRE(all["images"] == 10000);
    REQUIRE(all["float_top1_correct"] == recorded_float_correct());
    REQUIRE(std::abs(all["float_top1"].get<double>() - all["int8_top1"].get<double>()) <= 1.0);
    REQUIRE(all["agreement"].get<double>() >= 97.0);
  }
}

TEST_CASE("Fashion-MNIST as an image folder: --calib-images and qrt-eval --images", "[e2e]") {
  if (!file_exists(kData + "t10k-images-idx3-ubyte.gz")) {
    WARN("dataset-fashion-mnist is not installed; skipping");
    return;
  }
  // 40 test images written as PGM files with labels.txt.
  TempDir dir, images;
  const qrt::data::FashionMnistDataset fm(kData + "t10k-images-idx3-ubyte.gz", kData + "t10k-labels-idx1-ubyte.gz");
  std::string labels;
  for (size_t i = 0; i < 40; ++i) {
    const qrt::data::Sample s = fm.load(i, 1);
    const std::string name = "img" + std::to_string(1000 + i) + ".pgm";
    write_bytes(images.file(name), "P5\n28 28\n255\n" + std::string(s.image.pixels.begin(), s.image.pixels.end()));
    labels += name + "\t" + std::to_string(s.label) + "\n";
  }
  write_bytes(images.file("labels.txt"), labels);
  const std::string qrt = dir.file("fm.qrt");
  REQUIRE(run_command(std::string(QRT_CONVERT_EXE) + " " + QRT_SOURCE_DIR + "/examples/fashion_mnist/model.onnx -o " +
                      qrt + " --calib-images " + images.path() + " --mean 0.286 --std 0.353 -q") == 0);
  const nlohmann::json from_dir = eval(dir, qrt, 0, " --images " + images.path());
  const nlohmann::json from_idx = eval(dir, qrt, 40);
  INFO(from_dir.dump() << from_idx.dump());
  REQUIRE(from_dir["images"] == 40);
  REQUIRE(from_dir["labelled"] == 40);
  // Same pixels, same preprocessing (from the .qrt metadata): same results.
  REQUIRE(from_dir["float_top1_correct"] == from_idx["float_top1_correct"]);
  REQUIRE(from_dir["int8_top1_correct"] == from_idx["int8_top1_correct"]);
  REQUIRE(from_dir["float_top1_correct"].get<int>() >= 30);
}
