// convert_model(): metadata round trip, atomic writes, determinism.
#include <catch2/catch.hpp>

#include "driver/convert.h"
#include "emit/serialize.h"
#include "onnx_builder.h"
#include "qrt/qrt.h"
#include "qrt/schema/qrt_generated.h"
#include "test_util.h"

using namespace qrt::emit;
using namespace qrt::convert;
using namespace qrt::testing;

namespace {

// A small conv+relu -> GAP -> Gemm model written to `path`.
void write_small_model(const std::string& path, bool with_unsupported = false) {
  OnnxBuilder b;
  b.input("x", {1, 3, 6, 6}).initializer("w", random_tensor({4, 3, 3, 3}, 1)).initializer("fw", random_tensor({2, 4}, 2));
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  b.node("Relu", {"c"}, {"r"}, "relu");
  b.node("GlobalAveragePool", {"r"}, {"g"}, "gap");
  b.node("Flatten", {"g"}, {"f"}, "flatten");
  attr_i(b.node("Gemm", {"f", "fw"}, {"y0"}, "fc"), "transB", 1);
  if (with_unsupported) {
    b.node("Relu", {"y0"}, {"y1"}, "fc_relu");  // fused into the Gemm
    b.node("Softmax", {"y1"}, {"y2"}, "softmax");
    attr_ints(b.node("Transpose", {"y2"}, {"y"}, "transpose_after_softmax"), "perm", {1, 0});  // not lowered
  } else {
    b.node("Softmax", {"y0"}, {"y"}, "softmax");
  }
  b.output("y");
  write_bytes(path, b.serialize());
}

ConvertOptions small_options(const TempDir& dir) {
  write_small_model(dir.file("m.onnx"));
  write_npy(dir.file("calib.npy"), {4, 3, 6, 6}, random_tensor({4, 3, 6, 6}, 3).data);
  ConvertOptions o = npy_options(dir.file("m.onnx"), dir.file("calib.npy"));
  o.output_path = dir.file("out.qrt");
  return o;
}

}  // namespace

TEST_CASE("metadata round trip: settings, preprocess, version, labels", "[convert][metadata]") {
  TempDir dir;
  ConvertOptions o = small_options(dir);
  o.lower.weight_bits = 6;
  o.lower.activation_bits = 7;
  o.preprocess.mean = {0.1f, 0.2f, 0.3f};
  o.preprocess.std = {0.5f, 0.25f, 0.125f};
  o.preprocess.channel_order = "BGR";
  o.preprocess.resize_short = 0;
  o.command_line = "qrt-convert m.onnx -o out.qrt";
  o.labels = {"cat", "dog"};
  const ConvertSummary s = convert_model(o);
  REQUIRE(s.calibration_images == 4);
  REQUIRE(s.float_ops.size() == 1);  // the float island the summary lists: the softmax
  REQUIRE(s.float_ops.at("SOFTMAX") == std::vector<std::string>{"softmax"});
  const std::vector<uint8_t> bytes = read_bytes(o.output_path);
  REQUIRE(s.file_bytes == bytes.size());
  flatbuffers::Verifier v(bytes.data(), bytes.size());
  REQUIRE(qrt::schema::VerifyModelBuffer(v));
  const qrt::schema::Model* m = qrt::schema::GetModel(bytes.data());
  REQUIRE(m->format_version() == QRT_FORMAT_VERSION);
  const qrt::schema::Metadata* md = m->metadata();
  REQUIRE(md->converter_version()->str() == converter_version());
  REQUIRE(md->source_model()->str() == o.model_path);
  const qrt::schema::ConverterSettings* st = md->settings();
  REQUIRE(st->command_line()->str() == o.command_line);
  REQUIRE(st->calibration()->str() == "kl");  // the default: KL with tolerance 1.3
  REQUIRE(st->tolerance() == 1.3f);
  REQUIRE(st->percentile() == 0.0f);
  REQUIRE(st->calibration_images() == 4);
  REQUIRE_THAT(st->calibration_source()->str(), Catch::Contains("calib.npy"));
  REQUIRE(st->weight_bits() == 6);
  REQUIRE(st->activation_bits() == 7);
  REQUIRE(st->per_channel_weights());
  REQUIRE(st->unsigned_activations());
  REQUIRE(st->float_residual_adds());
  REQUIRE(st->int16_accumulation());  // 6 + 7 bits <= 14
  REQUIRE(md->labels()->size() == 2);
  REQUIRE(md->labels()->Get(1)->str() == "dog");
  // The runtime reads the same preprocessing back.
  qrt_model* model = nullptr;
  qrt_error err{};
  REQUIRE(qrt_model_load_memory(bytes.data(), bytes.size(), &model, &err) == QRT_OK);
  qrt_preprocess pp{};
  qrt_preprocess_init(&pp);
  REQUIRE(qrt_model_preprocess(model, &pp) == QRT_OK);
  REQUIRE(pp.has_preprocess);
  REQUIRE(std::vector<float>(pp.mean, pp.mean + pp.num_mean) == o.preprocess.mean);
  REQUIRE(std::vector<float>(pp.std, pp.std + pp.num_std) == o.preprocess.std);
  REQUIRE(std::string(pp.channel_order) == "BGR");
  REQUIRE(qrt_model_num_labels(model) == 2);
  qrt_model_destroy(model);
}

TEST_CASE("determinism: converting twice gives identical bytes", "[convert]") {
  TempDir dir;
  const ConvertOptions o = small_options(dir);
  convert_model(o);
  const std::vector<uint8_t> first = read_bytes(o.output_path);
  convert_model(o);
  REQUIRE(read_bytes(o.output_path) == first);
  REQUIRE(convert_to_bytes(o, nullptr) == first);
}

TEST_CASE("atomic write: a failing conversion leaves no file and keeps an old one", "[convert][atomic]") {
  TempDir dir;
  ConvertOptions o = small_options(dir);
  write_small_model(dir.file("bad.onnx"), true);
  o.model_path = dir.file("bad.onnx");
  SECTION("no previous output") {
    REQUIRE_THROWS_WITH(convert_model(o), Catch::Contains("transpose_after_softmax"));
    REQUIRE_FALSE(file_exists(o.output_path));
  }
  SECTION("a previous output is not clobbered") {
    write_bytes(o.output_path, "previous contents");
    REQUIRE_THROWS_AS(convert_model(o), qrt::ConvertError);
    const std::vector<uint8_t> kept = read_bytes(o.output_path);
    REQUIRE(std::string(kept.begin(), kept.end()) == "previous contents");
  }
  SECTION("calibration data that does not fit") {
    write_npy(dir.file("wrong.npy"), {1, 3, 5, 5}, std::vector<float>(75, 0.0f));
    o.model_path = dir.file("m.onnx");
    o.calib_npy = {dir.file("wrong.npy")};
    REQUIRE_THROWS_WITH(convert_model(o), Catch::Contains("wrong.npy"));
    REQUIRE_FALSE(file_exists(o.output_path));
  }
  SECTION("an unwritable output path names it") {
    o.model_path = dir.file("m.onnx");
    o.output_path = dir.file("no/such/dir/out.qrt");
    REQUIRE_THROWS_WITH(convert_model(o), Catch::Contains("no/such/dir/out.qrt"));
  }
  // No temporary files are left behind.
  for (const std::string& f : list_dir(dir.path())) REQUIRE(f.find(".tmp.") == std::string::npos);
}

TEST_CASE("format version matches the runtime's", "[convert]") { REQUIRE(kQrtFormatVersion == QRT_FORMAT_VERSION); }
