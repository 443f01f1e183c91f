// qrt-eval with several --qrt models in one pass, --no-float, --stride and
// --per-image (qrt_eval_multi.h): the counters and writers on hand-made
// values, then the command line on the bundled Fashion-MNIST model converted
// three ways (W6A8 planned INT16, W6A8 INT32, W8A8): a multi-model run must
// give every model exactly the numbers of its own single-model run, and the
// INT16/INT32 pair must be bit-identical on every image (docs/accuracy.md
// relies on both). Needs dataset-fashion-mnist (skipped with a warning).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "files.h"
#include "qrt_eval_multi.h"

using namespace qrt::testing;
using qrt::eval::ModelTally;

namespace {

const std::string kData = "/usr/share/datasets/fashion-mnist/";
const std::string kModel = std::string(QRT_SOURCE_DIR) + "/examples/fashion_mnist/model.onnx";
const std::string kFm = " --fashion-mnist-images " + kData + "t10k-images-idx3-ubyte.gz --fashion-mnist-labels " +
                        kData + "t10k-labels-idx1-ubyte.gz";

bool have_data() {
  if (file_exists(kData + "t10k-images-idx3-ubyte.gz")) return true;
  WARN("dataset-fashion-mnist is not installed; skipping");
  return false;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<std::string> split(const std::string& l) {
  std::vector<std::string> out;
  std::istringstream in(l);
  for (std::string f; std::getline(in, f, ',');) out.push_back(f);
  return out;
}

void convert(const std::string& out, const std::string& flags) {
  const std::string cmd = std::string(QRT_CONVERT_EXE) + " " + kModel + " -o " + out + " --calib-fashion-mnist " +
                          kData + "train-images-idx3-ubyte.gz --num-images 100 --mean 0.286 --std 0.353 -q " + flags;
  REQUIRE(run_command(cmd) == 0);
}

}  // namespace

TEST_CASE("ModelTally counts top-1/top-5, agreement and identity with model 0", "[eval][multi]") {
  const std::vector<float> first = {0.f, 3.f, 1.f, 2.f, -1.f, -2.f};
  const std::vector<float> same = first;
  std::vector<float> other = first;
  other[5] = -2.5f;  // same top-1, different bits
  std::vector<float> flipped = first;
  flipped[2] = 4.f;  // top-1 moves to class 2
  ModelTally t0, t1, t2, t3;
  t0.add(first, first, /*label*/ 1, /*float top-1*/ 1);
  t1.add(same, first, 1, 1);
  t2.add(other, first, 3, 1);
  t3.add(flipped, first, 1, 1);
  CHECK(t0.top1 == 1);
  CHECK(t0.identical_outputs == 1);
  CHECK(t1.identical_outputs == 1);
  CHECK(t1.same_top1 == 1);
  CHECK(t2.top1 == 0);  // label 3 is third best
  CHECK(t2.top5 == 1);
  CHECK(t2.agree == 1);
  CHECK(t2.identical_outputs == 0);
  CHECK(t2.same_top1 == 1);
  CHECK(t3.top1 == 0);
  CHECK(t3.top5 == 1);
  CHECK(t3.agree == 0);
  CHECK(t3.same_top1 == 0);
  ModelTally none;
  none.add(first, first, -1, -1);  // unlabelled, no float model
  CHECK(none.top1 == 0);
  CHECK(none.top5 == 0);
  CHECK(none.agree == 0);
  CHECK(none.identical_outputs == 1);
}

TEST_CASE("output_hash is bit-exact and check_same_setup names both files", "[eval][multi]") {
  CHECK(qrt::eval::output_hash({0.f}) != qrt::eval::output_hash({-0.f}));
  CHECK(qrt::eval::output_hash({1.f, 2.f}) == qrt::eval::output_hash({1.f, 2.f}));
  CHECK(qrt::eval::output_hash({1.f, 2.f}) != qrt::eval::output_hash({2.f, 1.f}));
  CHECK(qrt::eval::output_hash({}) == 1469598103934665603ull);  // FNV-1a offset basis
  qrt::data::PreprocessConfig a, b;
  a.mean = {0.5f};
  b.mean = {0.5f};
  CHECK_NOTHROW(qrt::eval::check_same_setup("b.qrt", "a.qrt", a, b, 784, 784, 10, 10));
  b.mean = {0.4f};
  CHECK_THROWS_WITH(qrt::eval::check_same_setup("b.qrt", "a.qrt", a, b, 784, 784, 10, 10),
                    Catch::Contains("b.qrt: preprocessing differs from a.qrt"));
  CHECK_THROWS_WITH(qrt::eval::check_same_setup("b.qrt", "a.qrt", a, a, 784, 784, 10, 12),
                    Catch::Contains("b.qrt: input/output sizes differ from a.qrt"));
}

TEST_CASE("multi_eval_json: one entry per model, float numbers null with --no-float", "[eval][multi]") {
  qrt::eval::EvalSummary s;
  s.images = 4;
  s.labelled = 4;
  s.float_top1 = 3;
  s.int8_top1 = 2;
  s.agree = 3;
  s.qrt_path = "a.qrt";
  ModelTally t;
  t.identical_outputs = 4;
  t.same_top1 = 4;
  auto j = qrt::eval::multi_eval_json({s, s}, {t, t}, false);
  CHECK(j["float_top1"].get<double>() == 75.0);
  CHECK(j["models"].size() == 2);
  CHECK(j["models"][1]["agreement"].get<double>() == 75.0);
  CHECK(j["models"][1]["int8_top1"].get<double>() == 50.0);
  CHECK(j["models"][1]["outputs_identical_to_first"].get<size_t>() == 4);
  j = qrt::eval::multi_eval_json({s}, {t}, true);
  CHECK(j["float_top1"].is_null());
  CHECK(j["float_top1_correct"].is_null());
  CHECK(j["models"][0]["agreement"].is_null());
  CHECK(j["models"][0]["int8_top1"].get<double>() == 50.0);
}

TEST_CASE("PerImageWriter: header, one line per image, hashes, quoted source", "[eval][multi]") {
  TempDir dir;
  {
    qrt::eval::PerImageWriter w(dir.file("p.csv"), {"a.qrt", "b.qrt"});
    w.write(6, "x\"y", 2, 1, {{0.f, 1.f}, {1.f, 0.f}});
  }
  const auto l = lines(slurp(dir.file("p.csv")));
  REQUIRE(l.size() == 3);
  CHECK(l[0] == "# models: q0=a.qrt q1=b.qrt");
  CHECK(l[1] == "index,label,float_top1,q0_top1,q0_hash,q1_top1,q1_hash,source");
  char h0[17], h1[17];
  std::snprintf(h0, sizeof h0, "%016llx", (unsigned long long)qrt::eval::output_hash({0.f, 1.f}));
  std::snprintf(h1, sizeof h1, "%016llx", (unsigned long long)qrt::eval::output_hash({1.f, 0.f}));
  CHECK(l[2] == std::string("6,2,1,1,") + h0 + ",0," + h1 + ",\"x\"\"y\"");
  CHECK_THROWS_WITH(qrt::eval::PerImageWriter(dir.file("no/such/dir.csv"), {"a"}), Catch::Contains("cannot write"));
}

TEST_CASE("qrt-eval: several --qrt in one pass equal their single runs; INT16 == INT32 bit for bit",
          "[eval][multi][e2e][cli]") {
  if (!have_data()) return;
  TempDir dir;
  const std::string i16 = dir.file("w6a8.qrt"), i32 = dir.file("w6a8_i32.qrt"), w8 = dir.file("w8a8.qrt");
  convert(i16, "--mode w6a8 --calibration minmax");
  convert(i32, "--mode w6a8 --calibration minmax --no-int16");
  convert(w8, "--calibration minmax");
  const std::string eval0 = std::string(QRT_EVAL_EXE) + " --onnx " + kModel + " -q" + kFm;
  const std::string eval = eval0 + " --limit 150";

  REQUIRE(run_command(eval + " --qrt " + i32 + " --qrt " + i16 + " --qrt " + w8 + " --json " + dir.file("m.json") +
                      " --per-image " + dir.file("m.csv") + " > " + dir.file("m.txt")) == 0);
  const nlohmann::json m = read_json(dir.file("m.json"));
  REQUIRE(m["models"].size() == 3);
  CHECK(m["images"].get<size_t>() == 150);
  // Each model scores exactly what its own run scores.
  const std::vector<std::string> paths = {i32, i16, w8};
  for (size_t k = 0; k < 3; ++k) {
    const std::string js = dir.file("s" + std::to_string(k) + ".json");
    REQUIRE(run_command(eval + " --qrt " + paths[k] + " --json " + js + " > /dev/null") == 0);
    const nlohmann::json s = read_json(js);
    CHECK(m["models"][k]["qrt"] == paths[k]);
    CHECK(m["models"][k]["int8_top1_correct"] == s["int8_top1_correct"]);
    CHECK(m["models"][k]["int8_top5"] == s["int8_top5"]);
    CHECK(m["models"][k]["agreement"] == s["agreement"]);
    CHECK(m["float_top1_correct"] == s["float_top1_correct"]);
  }
  // Planned INT16 accumulation is exact: same logits as INT32 on every image;
  // the W8A8 model is a different quantization (so identity is not trivial).
  CHECK(m["models"][1]["outputs_identical_to_first"].get<size_t>() == 150);
  CHECK(m["models"][2]["outputs_identical_to_first"].get<size_t>() < 150);
  CHECK_THAT(slurp(dir.file("m.txt")), Catch::Contains("outputs bit-identical to [0] on 150 of 150 images"));

  // Per-image CSV: 150 lines after the two header lines; INT16 and INT32
  // hashes equal on each; the labels are Fashion-MNIST's.
  const auto l = lines(slurp(dir.file("m.csv")));
  REQUIRE(l.size() == 152);
  size_t w8_differs = 0;
  for (size_t i = 2; i < l.size(); ++i) {
    const auto f = split(l[i]);
    REQUIRE(f.size() == 10);
    CHECK(f[0] == std::to_string(i - 2));
    CHECK(f[4] == f[6]);
    w8_differs += f[4] != f[8];
  }
  CHECK(w8_differs > 0);

  SECTION("--no-float: same int8 numbers, float ones null") {
    REQUIRE(run_command(eval + " --no-float --qrt " + i16 + " --json " + dir.file("n.json") + " > /dev/null") == 0);
    const nlohmann::json n = read_json(dir.file("n.json"));
    CHECK(n["float_top1"].is_null());
    CHECK(n["models"][0]["agreement"].is_null());
    CHECK(n["models"][0]["int8_top1_correct"] == m["models"][1]["int8_top1_correct"]);
  }
  SECTION("--stride: every K-th image, indices and outputs as in the full run") {
    // --limit counts the strided samples: images 0, 7, ..., 147.
    REQUIRE(run_command(eval0 + " --stride 7 --limit 22 --qrt " + i16 + " --per-image " + dir.file("s.csv") +
                        " > /dev/null") == 0);
    const auto s = lines(slurp(dir.file("s.csv")));
    REQUIRE(s.size() == 2 + 22);
    for (size_t i = 2; i < s.size(); ++i) {
      const auto f = split(s[i]);
      const size_t idx = (i - 2) * 7;
      CHECK(f[0] == std::to_string(idx));
      CHECK(f[4] == split(l[2 + idx])[6]);  // same hash as the full run's INT16 model
    }
  }
  SECTION("--float-adds f16: fp16 residual adds, other bits, same top-1 nearly everywhere") {
    // The bundled model has residual adds (7 fp16 tensors in F16 mode).
    REQUIRE(run_command(eval + " --float-adds f32 --qrt " + w8 + " --per-image " + dir.file("f32.csv") +
                        " > /dev/null") == 0);
    REQUIRE(run_command(eval + " --float-adds f16 --qrt " + w8 + " --per-image " + dir.file("f16.csv") +
                        " > /dev/null") == 0);
    const auto a = lines(slurp(dir.file("f32.csv"))), h = lines(slurp(dir.file("f16.csv")));
    REQUIRE(a.size() == 152);
    REQUIRE(h.size() == 152);
    size_t differ = 0, same_top1 = 0;
    for (size_t i = 2; i < a.size(); ++i) {
      differ += split(a[i])[4] != split(h[i])[4];
      same_top1 += split(a[i])[3] == split(h[i])[3];
    }
    CHECK(differ > 0);  // fp16 rounding reaches the logits
    CHECK(same_top1 >= 145);
    CHECK(run_command(eval + " --float-adds f8 --qrt " + w8 + " 2> /dev/null") != 0);
  }
  SECTION("errors: per-layer with two models, models with different preprocessing") {
    CHECK(run_command(eval + " --qrt " + i16 + " --qrt " + w8 + " --per-layer 2> " + dir.file("e.txt")) != 0);
    CHECK_THAT(slurp(dir.file("e.txt")), Catch::Contains("--per-layer/--report-md need one --qrt"));
    const std::string other = dir.file("other.qrt");
    REQUIRE(run_command(std::string(QRT_CONVERT_EXE) + " " + kModel + " -o " + other + " --calib-fashion-mnist " +
                        kData + "train-images-idx3-ubyte.gz --num-images 20 --mean 0.3 --std 0.353 -q") == 0);
    CHECK(run_command(eval + " --qrt " + i16 + " --qrt " + other + " 2> " + dir.file("e2.txt")) == 1);
    CHECK_THAT(slurp(dir.file("e2.txt")), Catch::Contains(other + ": preprocessing differs from " + i16));
  }
}
