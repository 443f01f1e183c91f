// The per-layer report on the bundled Fashion-MNIST model: converted with
// qrt-convert (minmax, 200 training images), then compared layer by layer
// in-process (LayerComparer) and through the qrt-eval command line
// (--report-md, --json, --cifar10). Needs dataset-fashion-mnist (skipped
// with a warning when it is not installed).
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "data/cifar10.h"
#include "data/idx.h"
#include "data/preprocess.h"
#include "files.h"
#include "graph/float_executor.h"
#include "import/onnx_import.h"
#include "qrt/qrt.h"
#include "qrt_eval_layers.h"

using namespace qrt::testing;
using qrt::eval::LayerRow;

namespace {

const std::string kData = "/usr/share/datasets/fashion-mnist/";
const std::string kModel = std::string(QRT_SOURCE_DIR) + "/examples/fashion_mnist/model.onnx";

bool have_data() {
  if (file_exists(kData + "t10k-images-idx3-ubyte.gz")) return true;
  WARN("dataset-fashion-mnist is not installed; skipping");
  return false;
}

// Converts the bundled model once per test binary run.
std::string converted_model(const TempDir& dir) {
  const std::string qrt = dir.file("fm.qrt");
  const std::string cmd = std::string(QRT_CONVERT_EXE) + " " + kModel + " -o " + qrt + " --calib-fashion-mnist " +
                          kData + "train-images-idx3-ubyte.gz --num-images 200 --mean 0.286 --std 0.353" +
                          " --calibration minmax -q";
  REQUIRE(run_command(cmd) == 0);
  return qrt;
}

struct Session {
  qrt_model* model = nullptr;
  qrt_session* session = nullptr;
  ~Session() {
    qrt_session_destroy(session);
    qrt_model_destroy(model);
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("per-layer comparison lists every int8 tensor with sane SQNR", "[eval][e2e]") {
  if (!have_data()) return;
  TempDir dir;
  const std::string qrt_path = converted_model(dir);
  Session q;
  qrt_error err{};
  REQUIRE(qrt_model_load_file(qrt_path.c_str(), &q.model, &err) == QRT_OK);
  const qrt::graph::Graph graph = qrt::import::load_onnx_model(kModel);

  SECTION("without keep_all_tensors the comparer refuses") {
    REQUIRE(qrt_session_create(q.model, nullptr, &q.session, &err) == QRT_OK);
    CHECK_THROWS_WITH(qrt::eval::LayerComparer(graph, q.session), Catch::Contains("keep_all_tensors"));
    return;
  }
  qrt_session_options opt;
  qrt_session_options_init(&opt);
  opt.keep_all_tensors = 1;
  REQUIRE(qrt_session_create(q.model, &opt, &q.session, &err) == QRT_OK);
  qrt::eval::LayerComparer cmp(graph, q.session);

  qrt::data::FashionMnistDataset data(kData + "t10k-images-idx3-ubyte.gz", "");
  qrt::data::PreprocessConfig cfg;
  cfg.mean = {0.286f};
  cfg.std = {0.353f};
  cfg.finalize(1);
  qrt::graph::FloatExecutor exec(graph);
  for (size_t i = 0; i < 50; ++i) {
    const std::vector<float> x = qrt::data::sample_to_input(data.load(i, 1), cfg, 1, 28, 28);  // NCHW == NHWC for C = 1
    REQUIRE(qrt_session_set_input_f32(q.session, 0, x.data(), x.size()) == QRT_OK);
    REQUIRE(qrt_session_run(q.session) == QRT_OK);
    exec.run({{graph.inputs[0].name, qrt::graph::Tensor(graph.inputs[0].shape, x)}}, cmp.observer());
    cmp.finish_image();
  }
  const std::vector<LayerRow> rows = cmp.rows();
  std::map<std::string, const LayerRow*> by_name;
  for (const LayerRow& r : rows) by_name[r.name] = &r;

  // Every int8 activation of the runtime is in the report, under its name.
  size_t quantized = 0;
  for (size_t i = 0; i < qrt_model_num_tensors(q.model); ++i) {
    qrt_tensor_info t{};
    qrt_tensor_info_init(&t);
    REQUIRE(qrt_model_tensor_info(q.model, i, &t) == QRT_OK);
    if (t.is_constant || (t.dtype != QRT_DTYPE_S8 && t.dtype != QRT_DTYPE_U8)) continue;
    ++quantized;
    INFO("runtime tensor " << i << " '" << t.name << "'");
    REQUIRE(by_name.count(t.name) == 1);
    const LayerRow& r = *by_name[t.name];
    CHECK(r.tensor_index == i);
    CHECK(r.stats.count == 50 * t.num_elements);
    CHECK(r.scale == t.scale);
  }
  CHECK(quantized >= 8);
  for (const LayerRow& r : rows) {
    INFO(r.name << " (" << r.op << ", " << r.dtype << "): " << r.stats.sqnr_db() << " dB");
    // Names: the runtime name is the float name, or "<float name>/quantized".
    CHECK((r.name == r.float_name || r.name == r.float_name + "/quantized"));
    CHECK((graph.producer(r.float_name) != nullptr || graph.is_graph_input(r.float_name)));
    CHECK(r.stats.sqnr_db() > 15.0);  // a wrong mapping or layout gives ~0 dB
    CHECK(r.stats.cosine() > 0.99);
  }
  CHECK(by_name.count("logits") == 1);
  CHECK(by_name.count(graph.inputs[0].name + "/quantized") == 1);
  CHECK(by_name.count(graph.inputs[0].name) == 0);  // the float input is exact: not listed
}

TEST_CASE("qrt-eval --report-md / --json, and --cifar10 on a CIFAR-layout archive", "[eval][e2e][cli]") {
  if (!have_data()) return;
  TempDir dir;
  const std::string qrt_path = converted_model(dir);
  const std::string base = std::string(QRT_EVAL_EXE) + " --onnx " + kModel + " --qrt " + qrt_path + " -q";
  const std::string fm = " --fashion-mnist-images " + kData + "t10k-images-idx3-ubyte.gz --fashion-mnist-labels " +
                         kData + "t10k-labels-idx1-ubyte.gz";
  REQUIRE(run_command(base + fm + " --limit 40 --report-md " + dir.file("r.md") + " --json " + dir.file("r.json") +
                      " > " + dir.file("out.txt")) == 0);
  std::ifstream in(dir.file("r.json"));
  const nlohmann::json j = nlohmann::json::parse(in);
  CHECK(j["images"] == 40);
  REQUIRE(j["layers"].is_array());
  CHECK(j["layers"].size() >= 10);
  CHECK(j["lowest_sqnr"].size() == 5);
  const std::string md = slurp(dir.file("r.md"));
  for (const auto& l : j["layers"]) {
    CHECK(l["sqnr_db"].get<double>() > 15.0);
    CHECK_THAT(md, Catch::Contains("`" + l["name"].get<std::string>() + "`"));
  }
  CHECK_THAT(slurp(dir.file("out.txt")), Catch::Contains("per-layer:") && Catch::Contains("lowest SQNR"));

  // The first 40 t10k images as PNGs in test/<class>/NNNN.png (class =
  // CIFAR-10 name of the Fashion-MNIST label index): --cifar10 must score
  // exactly what the IDX files score (PNG is lossless; sorting by path
  // reorders images, which does not change counts).
  qrt::data::FashionMnistDataset data(kData + "t10k-images-idx3-ubyte.gz", kData + "t10k-labels-idx1-ubyte.gz");
  std::vector<TarItem> items;
  for (size_t i = 0; i < 40; ++i) {
    const qrt::data::Sample s = data.load(i, 1);
    char name[64];
    std::snprintf(name, sizeof(name), "test/%s/%04zu.png", qrt::data::kCifar10Classes[s.label], i);
    items.push_back({name, encode_png(28, 28, 1, s.image.pixels)});
  }
  write_file(dir.file("fm.tar.gz"), make_tar(items), true);
  REQUIRE(run_command(base + " --cifar10 " + dir.file("fm.tar.gz") + " --json " + dir.file("c.json") + " > /dev/null") == 0);
  std::ifstream cin(dir.file("c.json"));
  const nlohmann::json c = nlohmann::json::parse(cin);
  CHECK(c["images"] == 40);
  CHECK(c["labelled"] == 40);
  CHECK(c["float_top1_correct"] == j["float_top1_correct"]);
  CHECK(c["int8_top1_correct"] == j["int8_top1_correct"]);
  CHECK_FALSE(c.contains("layers"));  // per-layer only when asked

  // A bad archive: non-zero exit, the message names the archive.
  write_file(dir.file("bad.tar.gz"), std::vector<uint8_t>(1024, 'x'), true);
  CHECK(run_command(base + " --cifar10 " + dir.file("bad.tar.gz") + " 2> " + dir.file("err.txt")) == 1);
  CHECK_THAT(slurp(dir.file("err.txt")), Catch::Contains("qrt-eval: error: " + dir.file("bad.tar.gz")));
}
