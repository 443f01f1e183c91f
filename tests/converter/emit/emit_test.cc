// emit: one shared validation (serialize_model loads its bytes with libqrt
// and refuses what the runtime would refuse), the causes it found fixed in
// the converter (huge biases, zero-size pooling windows, weights and
// activations whose scale underflows, graphs without outputs, bad
// preprocessing), and the atomic write's refusals (an output that is the
// input, a directory, a fifo).
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "driver/convert.h"
#include "emit/serialize.h"
#include "files.h"
#include "onnx_builder.h"
#include "qrt/qrt.h"
#include "test_util.h"

using namespace qrt;
using namespace qrt::convert;
using namespace qrt::testing;

namespace {

const graph::Shape kInput = {1, 3, 6, 6};

// Writes the model and a .npy of 4 calibration samples; returns options
// converting it to dir/out.qrt.
ConvertOptions options_for(const TempDir& dir, const OnnxBuilder& b) {
  write_bytes(dir.file("m.onnx"), b.serialize());
  write_npy(dir.file("calib.npy"), {4, 3, 6, 6}, random_tensor({4, 3, 6, 6}, 3).data);
  ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("calib.npy"));
  o.output_path = dir.file("out.qrt");
  return o;
}

// x -> Conv (4 x 3x3, pad 1, bias `bias`) -> y.
OnnxBuilder conv_model(const graph::Tensor& w, const std::vector<float>& bias) {
  OnnxBuilder b;
  b.input("x", kInput).initializer("w", w).initializer("b", graph::Tensor({4}, bias));
  attr_ints(b.node("Conv", {"x", "w", "b"}, {"y"}, "conv_big"), "pads", {1, 1, 1, 1});
  b.output("y");
  return b;
}

qrt_status load(const std::vector<uint8_t>& bytes, std::string* message) {
  qrt_model* m = nullptr;
  qrt_error e;
  const qrt_status s = qrt_model_load_memory(bytes.data(), bytes.size(), &m, &e);
  qrt_model_destroy(m);
  *message = e.message;
  return s;
}

bool contains(const std::vector<std::string>& v, const std::string& part) {
  for (const std::string& s : v)
    if (s.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a bias of 3e38 converts to a model the runtime accepts", "[emit][values]") {
  const graph::Tensor w = random_tensor({4, 3, 3, 3}, 1);
  for (const bool per_tensor : {false, true}) {
    INFO("per-tensor weights: " << per_tensor);
    TempDir dir;
    ConvertOptions o = options_for(dir, conv_model(w, {3e38f, 0.0f, -3e38f, 0.5f}));
    o.lower.per_channel_weights = !per_tensor;
    if (per_tensor) {
      o.lower.weight_method = "minmax";
      o.lower.bias_correction = false;
    }
    const ConvertSummary s = convert_model(o);
    const std::vector<uint8_t> bytes = read_bytes(o.output_path);
    std::string msg;
    CHECK(load(bytes, &msg) == QRT_OK);
    // Per tensor the bias cannot be saved by a larger weight scale: it is
    // clamped to the accumulator bound, with a warning naming the node.
    if (per_tensor) CHECK(contains(s.warnings, "node 'conv_big' (Conv): bias 'b': 2 of 4 channels"));
    // Runs without overflow (UBSan builds check the kernels' sums); the
    // huge-bias channels saturate like the float model's.
    graph::Tensor x = random_tensor(kInput, 9, -4.0f, 4.0f);
    const std::vector<float> y = run_qrt(bytes, x);
    CHECK(y[0] > 0.0f);
    CHECK(y[2 * 36] < 0.0f);
  }
}

TEST_CASE("pooling windows of size 0 or -1 are refused naming the node", "[emit][values]") {
  for (const int64_t k : {int64_t{0}, int64_t{-1}}) {
    TempDir dir;
    OnnxBuilder b;
    b.input("x", kInput);
    attr_ints(b.node("AveragePool", {"x"}, {"y"}, "pool0"), "kernel_shape", {k, k});
    b.output("y");
    ConvertOptions o = options_for(dir, b);
    // Lowering refuses it (the importer may refuse it first, in its words).
    CHECK_THAT(error_of([&] { convert_model(o); }),
               Catch::Contains("node 'pool0' (AveragePool)") && Catch::Contains(">= 1"));
    CHECK_FALSE(file_exists(o.output_path));
  }
}

TEST_CASE("weights whose scale underflows are stored as zero channels", "[emit][values]") {
  graph::Tensor w = random_tensor({4, 3, 3, 3}, 1);
  for (size_t i = 27; i < 54; ++i) w.data[i] *= 1e-44f;  // channel 1: denormal weights
  TempDir dir;
  ConvertOptions o = options_for(dir, conv_model(w, {0.1f, 0.2f, 0.3f, 0.4f}));
  const ConvertSummary s = convert_model(o);
  CHECK(contains(s.warnings, "node 'conv_big' (Conv): weights 'w': 1 of 4 channels have a scale that is 0 or denormal"));
  const std::vector<uint8_t> bytes = read_bytes(o.output_path);
  std::string msg;
  REQUIRE(load(bytes, &msg) == QRT_OK);
  // Channel 1 is its bias alone (the weights are ~1e-44 in float too).
  const std::vector<float> y = run_qrt(bytes, random_tensor(kInput, 9));
  for (size_t p = 0; p < 36; ++p) CHECK(std::fabs(y[36 + p] - 0.2f) < 0.01f);
}

TEST_CASE("activations decaying to denormals get a usable scale", "[emit][values]") {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", kInput).initializer("s", graph::Tensor({}, {1e-20f})).initializer("w", random_tensor({4, 3, 3, 3}, 1));
  b.node("Mul", {"x", "s"}, {"t"}, "m1");
  b.node("Mul", {"t", "s"}, {"u"}, "m2");  // ~1e-40: a denormal range
  b.node("Conv", {"u", "w"}, {"y"}, "conv_after");
  b.output("y");
  ConvertOptions o = options_for(dir, b);
  convert_model(o);
  std::string msg;
  CHECK(load(read_bytes(o.output_path), &msg) == QRT_OK);
}

TEST_CASE("a graph without outputs is refused", "[emit][values]") {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", kInput);
  b.node("Relu", {"x"}, {"y"}, "r");
  ConvertOptions o = options_for(dir, b);
  // The runtime's check through emit (the importer may refuse it first).
  CHECK_THAT(error_of([&] { convert_model(o); }), Catch::Contains("no outputs"));
  CHECK_FALSE(file_exists(o.output_path));
  CHECK(list_dir(dir.path()) == std::vector<std::string>{"calib.npy", "m.onnx"});
}

TEST_CASE("preprocessing the runtime refuses is refused naming the field", "[emit][values]") {
  OnnxBuilder b;
  b.input("x", kInput).initializer("w", random_tensor({4, 3, 3, 3}, 1));
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  b.output("y");
  struct Case {
    const char* expect;
    std::function<void(ConvertOptions&)> set;
  };
  const Case cases[] = {
      {"std", [](ConvertOptions& o) { o.preprocess.std = {1, 0, 1}; }},
      {"std", [](ConvertOptions& o) { o.preprocess.std = {-0.5f, 1, 1}; }},
      {"std", [](ConvertOptions& o) { o.preprocess.std = {1, 1, NAN}; }},
      {"mean", [](ConvertOptions& o) { o.preprocess.mean = {INFINITY, 0, 0}; }},
      {"XYZ", [](ConvertOptions& o) { o.preprocess.channel_order = "XYZ"; }},
      {"65536", [](ConvertOptions& o) { o.preprocess.resize_short = 65536; }},
      {"metadata.preprocess: crop 9x9 is larger than resize_short 8",
       [](ConvertOptions& o) {
         o.preprocess.resize_short = 8;
         o.preprocess.crop_height = o.preprocess.crop_width = 9;
       }},
  };
  for (const Case& c : cases) {
    TempDir dir;
    ConvertOptions o = options_for(dir, b);
    c.set(o);
    // The driver's own preprocessing checks may refuse first (naming its
    // option); what passes them reaches the runtime's (naming the field).
    CHECK_THAT(error_of([&] { convert_model(o); }), Catch::Contains(c.expect));
    CHECK_FALSE(file_exists(o.output_path));
  }
}

TEST_CASE("validate_model_bytes passes the runtime's message on", "[emit]") {
  CHECK_THAT(error_of([] { emit::validate_model_bytes({1, 2, 3}); }),
             Catch::Contains("model is 3 bytes, too short for a qrt file"));
}

TEST_CASE("write_file_atomic refuses to replace an input, a directory or a fifo", "[emit][write]") {
  TempDir dir;
  const std::vector<uint8_t> bytes = {1, 2, 3};
  const std::string in = dir.file("in.onnx");
  write_bytes(in, "onnx bytes");
  SECTION("the input itself, a hard link and a symlink to it") {
    REQUIRE(::link(in.c_str(), dir.file("hard.qrt").c_str()) == 0);
    REQUIRE(::symlink(in.c_str(), dir.file("soft.qrt").c_str()) == 0);
    for (const char* name : {"in.onnx", "hard.qrt", "soft.qrt", "./in.onnx"}) {
      const std::string out = name[0] == '.' ? dir.path() + "/sub/../" + "in.onnx" : dir.file(name);
      if (name[0] == '.') REQUIRE(::mkdir(dir.file("sub").c_str(), 0755) == 0);
      CHECK_THAT(error_of([&] { emit::write_file_atomic(out, bytes, {in}); }),
                 Catch::Contains("the output is the input file") && Catch::Contains("refusing to overwrite it"));
    }
    CHECK(read_bytes(in) == std::vector<uint8_t>{'o', 'n', 'n', 'x', ' ', 'b', 'y', 't', 'e', 's'});
  }
  SECTION("a directory") {
    REQUIRE(::mkdir(dir.file("d.qrt").c_str(), 0755) == 0);
    CHECK(error_of([&] { emit::write_file_atomic(dir.file("d.qrt"), bytes); }) ==
          dir.file("d.qrt") + ": the output exists and is a directory; refusing to replace it with the model "
                              "(give a regular file's path)");
  }
  SECTION("a fifo") {
    REQUIRE(::mkfifo(dir.file("f.qrt").c_str(), 0644) == 0);
    CHECK_THAT(error_of([&] { emit::write_file_atomic(dir.file("f.qrt"), bytes); }),
               Catch::Contains("the output exists and is a fifo"));
    struct stat st;
    REQUIRE(::stat(dir.file("f.qrt").c_str(), &st) == 0);
    CHECK(S_ISFIFO(st.st_mode));
  }
  SECTION("a regular file is replaced") {
    write_bytes(dir.file("old.qrt"), "old");
    emit::write_file_atomic(dir.file("old.qrt"), bytes, {in});
    CHECK(read_bytes(dir.file("old.qrt")) == bytes);
  }
  SECTION("a missing folder: the error names the path, nothing is left") {
    CHECK_THAT(error_of([&] { emit::write_file_atomic(dir.file("no/such.qrt"), bytes); }),
               Catch::Contains("cannot create temporary file"));
  }
  // No temporary file is ever left behind.
  for (const std::string& f : list_dir(dir.path())) CHECK(f.find(".tmp.") == std::string::npos);
}

TEST_CASE("convert_model: -o the input ONNX (or a symlink to it) or the calibration .npy is refused", "[emit][write]") {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", kInput).initializer("w", random_tensor({4, 3, 3, 3}, 1));
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  b.output("y");
  ConvertOptions o = options_for(dir, b);
  const std::vector<uint8_t> before = read_bytes(o.model_path);
  REQUIRE(::symlink(o.model_path.c_str(), dir.file("link.qrt").c_str()) == 0);
  for (const std::string& out : {o.model_path, dir.file("link.qrt"), o.calib_npy.at(0)}) {
    o.output_path = out;
    CHECK_THAT(error_of([&] { convert_model(o); }), Catch::Contains("the output is the input file"));
    CHECK(read_bytes(o.model_path) == before);
  }
  CHECK(list_dir(dir.path()) == std::vector<std::string>{"calib.npy", "link.qrt", "m.onnx"});
}
