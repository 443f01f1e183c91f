// The shared float models (BN unfolded, as a user would hand them in):
// import, run the passes, and check that the folded/fused graph computes the
// same as the graph straight from the importer. Skipped (with a message)
// where /work/shared/models is absent.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <random>

#include "frontend/float_executor.h"
#include "frontend/onnx_import.h"
#include "frontend/passes.h"

using namespace qrt::frontend;

namespace {

bool exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

int count_op(const Graph& g, const std::string& op) {
  int c = 0;
  for (const auto& n : g.nodes) c += n.op_type == op;
  return c;
}

// Max |a - b| / (max |b| + tiny) over the one output.
double rel_diff(const Tensor& a, const Tensor& b) {
  double md = 0, mb = 1e-12;
  for (size_t i = 0; i < a.data.size(); ++i) {
    md = std::max(md, std::fabs(double(a.data[i]) - b.data[i]));
    mb = std::max(mb, std::fabs(double(b.data[i])));
  }
  return md / mb;
}

void check_model(const std::string& path, int convs, int bns) {
  if (!exists(path)) {
    WARN("skipped: " << path << " is absent");
    return;
  }
  const Graph raw = import_onnx(path);
  CHECK(count_op(raw, "Conv") == convs);
  CHECK(count_op(raw, "BatchNormalization") == bns);
  Graph g = raw;
  run_default_passes(g);
  CHECK(count_op(g, "Conv") == convs);
  CHECK(count_op(g, "BatchNormalization") == 0);
  CHECK(count_op(g, "Identity") == 0);
  CHECK(count_op(g, "Constant") == 0);
  CHECK(count_op(g, "Relu") == 0);
  CHECK(count_op(g, "Clip") == 0);
  REQUIRE(g.inputs.size() == 1);
  REQUIRE(g.outputs.size() == 1);
  for (const auto& n : g.nodes)
    for (const auto& o : n.outputs) CHECK(g.shapes.count(o));

  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  Tensor x(g.inputs[0].shape);
  for (float& v : x.data) v = u(rng);
  int observed = 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto y = run_float(g, {{g.inputs[0].name, x}}, [&](const std::string&, const Tensor&) { ++observed; });
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  CHECK(observed == static_cast<int>(g.nodes.size()) + 1);
  auto y_raw = run_float(raw, {{raw.inputs[0].name, x}});
  const Tensor& a = y.at(g.outputs[0]);
  const Tensor& b = y_raw.at(raw.outputs[0]);
  REQUIRE(a.shape == b.shape);
  INFO(path << ": folded vs unfolded max relative difference " << rel_diff(a, b));
  CHECK(rel_diff(a, b) < 1e-4);
  WARN(path << ": " << raw.nodes.size() << " nodes -> " << g.nodes.size() << " after passes; float run "
            << ms << " ms");
}

}  // namespace

TEST_CASE("CIFAR-10 ResNet model imports, folds and runs", "[frontend][models]") {
  check_model("/work/shared/models/cifar10/resnet_c10.onnx", 22, 22);
}

TEST_CASE("CIFAR-10 MobileNetV2 model imports, folds and runs", "[frontend][models]") {
  check_model("/work/shared/models/cifar10/mbv2_c10.onnx", 40, 40);
}

TEST_CASE("ImageNet MobileNetV1 0.25 imports, folds and runs; asymmetric pads kept", "[frontend][models]") {
  const std::string path = "/work/shared/models/imagenet/mobilenet_v1_0.25_224.onnx";
  check_model(path, 28, 27);
  if (!exists(path)) return;
  Graph g = load_onnx_model(path);
  int asym = 0;
  for (const auto& n : g.nodes)
    if (n.op_type == "Conv" && n.get_ints("pads") == std::vector<int64_t>{0, 0, 1, 1}) ++asym;
  CHECK(asym == 5);
  CHECK(g.shape(g.outputs[0]) == Shape{1, 1000});
}
