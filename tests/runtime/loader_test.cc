// Loading: the FlatBuffers verifier rejects every truncation and random
// corruption without crashing, and semantic validation names the place of
// each kind of error. Also model queries (inputs, metadata, labels) and
// loading from a file.
#include <stdio.h>
#include <string.h>

#include "test_util.h"
#include "unpack.h"

using namespace qrt_test;
using qrt::schema::OpType;

namespace {

// conv (U8, packed 6-bit weights, bias) -> avg pool -> FC -> dequantize ->
// softmax: most tables and vectors of the schema are present.
std::vector<uint8_t> ValidModel() {
  ModelBuilder b;
  int x = b.Activation("x", DType::U8, {1, 4, 4, 2}, 0.1f, 3);
  int w = b.WeightsS8("w", {3, 3, 3, 2}, RandomS8(54, -31, 31, 1), {0.1f, 0.2f, 0.3f}, 6, 6);
  int bias = b.BiasS32("b", {1, 2, 3}, {0.01f, 0.02f, 0.03f});
  int c = b.Activation("c", DType::U8, {1, 4, 4, 3}, 0.2f, 0);
  int p = b.Activation("p", DType::U8, {1, 2, 2, 3}, 0.2f, 0);
  int fw = b.WeightsS8("fw", {5, 12}, RandomS8(60, -127, 127, 2), {0.05f});
  int f = b.Activation("f", DType::S8, {1, 5}, 0.3f, 0);
  int d = b.FloatActivation("d", {1, 5});
  int s = b.FloatActivation("s", {1, 5});
  ConvOpts o;
  o.pad = 1;
  o.activation = Activation::RELU;
  b.Conv2D("conv", x, w, bias, c, o);
  b.Pool(OpType::AVERAGE_POOL_2D, "pool", c, p, PoolOpts());
  int flat = b.Activation("flat", DType::U8, {1, 12}, 0.2f, 0);
  b.Op(OpType::RESHAPE, "flatten", {p}, {flat});
  b.FullyConnected("fc", flat, fw, -1, f);
  b.Simple(OpType::DEQUANTIZE, "dq", f, d);
  b.Op(OpType::SOFTMAX, "softmax", {d}, {s});
  b.Inputs({x}).Outputs({s}).Labels({"a", "b", "c", "d", "e"}).WithPreprocess(true);
  return b.Build();
}

// Loads, and if that works, runs once: must not crash either way.
qrt_status LoadAndMaybeRun(const std::vector<uint8_t>& file) {
  qrt::Model m;
  qrt_error err;
  const qrt_status s = m.LoadMemory(file.data(), file.size(), &err);
  if (s != QRT_OK) {
    REQUIRE(err.status == s);
    REQUIRE(err.message[0] != '\0');
    REQUIRE(!m);
    return s;
  }
  qrt::Session session;
  if (session.Create(m, nullptr, &err) == QRT_OK) {
    qrt_tensor_info in;
    REQUIRE(m.input_info(0, &in) == QRT_OK);
    std::vector<float> x(in.num_elements, 0.5f);
    REQUIRE(session.SetInput(0, x.data(), x.size()) == QRT_OK);
    REQUIRE(session.Run() == QRT_OK);
  }
  return s;
}

}  // namespace

TEST_CASE("a valid model loads and answers queries", "[runtime][loader]") {
  const std::vector<uint8_t> file = ValidModel();
  qrt::Model m;
  qrt_error err;
  REQUIRE(m.LoadMemory(file.data(), file.size(), &err) == QRT_OK);
  CHECK(err.status == QRT_OK);
  CHECK(std::string(err.message).empty());
  CHECK(m.num_inputs() == 1);
  CHECK(m.num_outputs() == 1);
  qrt_tensor_info in;
  REQUIRE(m.input_info(0, &in) == QRT_OK);
  CHECK(std::string(in.name) == "x");
  CHECK(in.dtype == QRT_DTYPE_U8);
  CHECK(in.rank == 4);
  CHECK(std::vector<int32_t>(in.shape, in.shape + 4) == std::vector<int32_t>{1, 4, 4, 2});
  CHECK(in.zero_point == 3);
  CHECK(in.storage_zero_point == 3 - 128);
  CHECK(in.scale == 0.1f);
  CHECK(m.input_info(1, &in) == QRT_ERROR_INVALID_ARGUMENT);
  qrt_preprocess pre;
  qrt_preprocess_init(&pre);
  REQUIRE(qrt_model_preprocess(m.get(), &pre) == QRT_OK);
  CHECK(pre.has_preprocess == 1);
  CHECK(pre.resize_short == 256);
  CHECK(pre.crop_height == 224);
  CHECK(pre.num_mean == 3);
  CHECK(pre.mean[1] == 0.456f);
  CHECK(std::string(pre.channel_order) == "RGB");
  CHECK(qrt_model_num_labels(m.get()) == 5);
  CHECK(std::string(qrt_model_label(m.get(), 4)) == "e");
  CHECK(qrt_model_label(m.get(), 5) == nullptr);
  CHECK(qrt_model_num_operators(m.get()) == 6);
  CHECK(std::string(qrt_status_string(QRT_ERROR_INVALID_MODEL)) == "invalid model");
  CHECK(std::string(qrt_version_string()).size() >= 5);
}

// A caller built against a newer qrt.h: its struct has fields this runtime
// does not know, after the ones it does.
template <typename T>
struct Future {
  T known;
  uint64_t added[3];
};

template <typename T>
Future<T> FutureStruct() {
  Future<T> f;
  memset(&f, 0xAB, sizeof f);
  f.known.struct_size = sizeof f;
  return f;
}

template <typename T>
bool AddedUntouched(const Future<T>& f) {
  for (uint64_t a : f.added)
    if (a != 0xABABABABABABABABull) return false;
  return true;
}

TEST_CASE("versioned out structs: too small a struct_size is refused, a newer larger one is filled",
          "[runtime][api]") {
  const std::vector<uint8_t> file = ValidModel();
  qrt::Model m;
  REQUIRE(m.LoadMemory(file.data(), file.size()) == QRT_OK);
  qrt_session_options o;
  qrt_session_options_init(&o);
  o.profile = 1;
  qrt::Session s;
  REQUIRE(s.Create(m, &o) == QRT_OK);
  const qrt_model* model = m.get();
  qrt_session* session = s.get();
  std::vector<float> x(32, 0.5f);
  REQUIRE(s.SetInput(0, x.data(), x.size()) == QRT_OK);
  REQUIRE(s.Run() == QRT_OK);

  // The init functions; NULL is ignored.
  qrt_tensor_info ti;
  qrt_tensor_info_init(&ti);
  CHECK(ti.struct_size == sizeof(qrt_tensor_info));
  CHECK(ti.name == nullptr);
  qrt_op_info oi;
  qrt_op_info_init(&oi);
  CHECK(oi.struct_size == sizeof(qrt_op_info));
  qrt_preprocess pi;
  qrt_preprocess_init(&pi);
  CHECK(pi.struct_size == sizeof(qrt_preprocess));
  qrt_tensor_info_init(nullptr);
  qrt_op_info_init(nullptr);
  qrt_preprocess_init(nullptr);

  const size_t tensor = 3;  // "c", the conv's output: an activation
  qrt_tensor_info want;
  qrt_tensor_info_init(&want);
  REQUIRE(qrt_session_tensor_info(session, tensor, &want) == QRT_OK);
  REQUIRE(std::string(want.name) == "c");

  SECTION("qrt_tensor_info") {
    for (size_t size : {(size_t)0, (size_t)1, sizeof(size_t), sizeof(qrt_tensor_info) - 1}) {
      INFO("struct_size " << size);
      qrt_tensor_info t;
      qrt_tensor_info_init(&t);
      t.struct_size = size;
      CHECK(qrt_model_tensor_info(model, tensor, &t) == QRT_ERROR_INVALID_ARGUMENT);
      CHECK(qrt_model_input_info(model, 0, &t) == QRT_ERROR_INVALID_ARGUMENT);
      CHECK(qrt_model_output_info(model, 0, &t) == QRT_ERROR_INVALID_ARGUMENT);
      CHECK(qrt_session_tensor_info(session, tensor, &t) == QRT_ERROR_INVALID_ARGUMENT);
      CHECK(t.struct_size == size);
      CHECK(t.name == nullptr);  // nothing written
    }
    CHECK(qrt_model_tensor_info(model, tensor, nullptr) == QRT_ERROR_INVALID_ARGUMENT);
    CHECK(qrt_session_tensor_info(session, tensor, nullptr) == QRT_ERROR_INVALID_ARGUMENT);
    auto f = FutureStruct<qrt_tensor_info>();
    REQUIRE(qrt_session_tensor_info(session, tensor, &f.known) == QRT_OK);
    CHECK(f.known.struct_size == sizeof f);
    CHECK(AddedUntouched(f));
    CHECK(std::string(f.known.name) == "c");
    CHECK(f.known.dtype == want.dtype);
    CHECK(f.known.rank == 4);
    CHECK(std::vector<int32_t>(f.known.shape, f.known.shape + 4) == std::vector<int32_t>{1, 4, 4, 3});
    CHECK(f.known.num_elements == 48);
    CHECK(f.known.scale == 0.2f);
    CHECK(f.known.scales == want.scales);
    CHECK(f.known.storage_bytes == want.storage_bytes);
    CHECK(f.known.data == want.data);
    auto g = FutureStruct<qrt_tensor_info>();
    REQUIRE(qrt_model_input_info(model, 0, &g.known) == QRT_OK);
    CHECK(std::string(g.known.name) == "x");
    CHECK(AddedUntouched(g));
    // The C++ wrapper sets struct_size itself.
    qrt_tensor_info w{};
    REQUIRE(m.tensor_info(tensor, &w) == QRT_OK);
    CHECK(w.struct_size == sizeof w);
    CHECK(std::string(w.name) == "c");
  }

  SECTION("qrt_op_info") {
    qrt_op_info want_op;
    qrt_op_info_init(&want_op);
    REQUIRE(qrt_session_op_info(session, 0, &want_op) == QRT_OK);
    for (size_t size : {(size_t)0, sizeof(size_t), sizeof(qrt_op_info) - 1}) {
      INFO("struct_size " << size);
      qrt_op_info t;
      qrt_op_info_init(&t);
      t.struct_size = size;
      CHECK(qrt_model_op_info(model, 0, &t) == QRT_ERROR_INVALID_ARGUMENT);
      CHECK(qrt_session_op_info(session, 0, &t) == QRT_ERROR_INVALID_ARGUMENT);
      CHECK(t.type == nullptr);
    }
    auto f = FutureStruct<qrt_op_info>();
    REQUIRE(qrt_session_op_info(session, 0, &f.known) == QRT_OK);
    CHECK(f.known.struct_size == sizeof f);
    CHECK(AddedUntouched(f));
    CHECK(std::string(f.known.type) == "CONV_2D");
    CHECK(std::string(f.known.name) == "conv");
    CHECK(std::string(f.known.kernel) == want_op.kernel);
    CHECK(f.known.packed_weight_bytes == want_op.packed_weight_bytes);
    CHECK(f.known.last_run_ns > 0);  // profiled: the last field of version 1 is filled
    auto g = FutureStruct<qrt_op_info>();
    REQUIRE(qrt_model_op_info(model, 0, &g.known) == QRT_OK);
    CHECK(AddedUntouched(g));
    CHECK(g.known.last_run_ns == 0);
    qrt_op_info w{};
    REQUIRE(s.op_info(0, &w) == QRT_OK);
    CHECK(w.struct_size == sizeof w);
  }

  SECTION("qrt_preprocess") {
    for (size_t size : {(size_t)0, sizeof(size_t), sizeof(qrt_preprocess) - 1}) {
      INFO("struct_size " << size);
      qrt_preprocess t;
      qrt_preprocess_init(&t);
      t.struct_size = size;
      CHECK(qrt_model_preprocess(model, &t) == QRT_ERROR_INVALID_ARGUMENT);
      CHECK(t.has_preprocess == 0);
    }
    CHECK(qrt_model_preprocess(model, nullptr) == QRT_ERROR_INVALID_ARGUMENT);
    auto f = FutureStruct<qrt_preprocess>();
    REQUIRE(qrt_model_preprocess(model, &f.known) == QRT_OK);
    CHECK(f.known.struct_size == sizeof f);
    CHECK(AddedUntouched(f));
    CHECK(f.known.has_preprocess == 1);
    CHECK(f.known.crop_width == 224);
    CHECK(f.known.num_std == 3);
    CHECK(std::string(f.known.channel_order) == "RGB");
    qrt_preprocess w{};
    REQUIRE(m.preprocess(&w) == QRT_OK);
    CHECK(w.struct_size == sizeof w);
    CHECK(w.has_preprocess == 1);
  }
}

TEST_CASE("qrt_session_options.reserved0 must be 0", "[runtime][api]") {
  const std::vector<uint8_t> file = ValidModel();
  qrt::Model m;
  REQUIRE(m.LoadMemory(file.data(), file.size()) == QRT_OK);
  qrt_session_options o;
  qrt_session_options_init(&o);
  CHECK(o.reserved0 == 0);
  o.reserved0 = 1;
  qrt::Session s;
  qrt_error err;
  CHECK(s.Create(m, &o, &err) == QRT_ERROR_INVALID_ARGUMENT);
  CHECK(std::string(err.message).find("reserved0") != std::string::npos);
  size_t bytes = 0;
  CHECK(m.arena_size(&o, &bytes) == QRT_ERROR_INVALID_ARGUMENT);
}

TEST_CASE("every truncation of a valid model is rejected", "[runtime][loader][verifier]") {
  const std::vector<uint8_t> file = ValidModel();
  for (size_t n = 0; n < file.size(); ++n) {
    std::vector<uint8_t> cut(file.begin(), file.begin() + (ptrdiff_t)n);
    INFO("truncated to " << n << " of " << file.size() << " bytes");
    REQUIRE(LoadAndMaybeRun(cut) != QRT_OK);
  }
}

TEST_CASE("random corruptions never crash", "[runtime][loader][verifier]") {
  const std::vector<uint8_t> file = ValidModel();
  uint32_t s = 12345;
  auto next = [&s]() { s = s * 1664525u + 1013904223u; return s >> 8; };
  int rejected = 0;
  const int trials = 3000;
  for (int t = 0; t < trials; ++t) {
    std::vector<uint8_t> bad = file;
    const int flips = 1 + (int)(next() % 4);
    for (int k = 0; k < flips; ++k) {
      bad[next() % bad.size()] = (uint8_t)next();
    }
    INFO("trial " << t);
    if (LoadAndMaybeRun(bad) != QRT_OK) ++rejected;
  }
  // Most corruptions hit offsets, sizes and indices; some only change
  // weights or scales and still load (and run).
  CHECK(rejected > trials / 4);
}

TEST_CASE("semantic errors name the place", "[runtime][loader]") {
  std::string msg;
  ModelBuilder b;
  int x = b.Activation("x", DType::S8, {1, 4}, 0.1f);
  int y = b.FloatActivation("y", {1, 4});
  b.Simple(OpType::DEQUANTIZE, "dq", x, y).Inputs({x}).Outputs({y});

  SECTION("wrong file identifier") {
    std::vector<uint8_t> file = b.Build();
    file[4] = 'X';
    CHECK(TryLoad(file, &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK_THAT(msg, Catch::Contains("file identifier at offset 4 is \"XRT0\"") &&
                    Catch::Contains("expected \"QRT0\""));
  }
  SECTION("too short") {
    CHECK(TryLoad({1, 2, 3}, &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "model is 3 bytes, too short for a qrt file");
  }
  SECTION("wrong format_version") {
    b.FormatVersion(2);
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "format_version is 2, this runtime reads version 1");
  }
  SECTION("operator tensor index out of range") {
    b.Simple(OpType::DEQUANTIZE, "dq2", 7, y);
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "operator 1 'dq2' (DEQUANTIZE): input 0 is tensor index 7, out of "
                 "range (2 tensors)");
  }
  SECTION("model output index out of range") {
    b.Outputs({y, -3});
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "model output 1: tensor index -3 out of range (2 tensors)");
  }
  SECTION("tensor written twice") {
    b.Simple(OpType::DEQUANTIZE, "dq_again", x, y);
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "operator 1 'dq_again' (DEQUANTIZE): output 0 tensor 1 'y' is "
                 "already written");
  }
  SECTION("buffer size mismatch") {
    const uint32_t buf = b.Buffer({1, 2, 3});
    b.Tensor("w", DType::S8, {2, 2}, {0.5f}, {}, 8, buf);
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "tensor 2 'w': buffer 1 holds 3 bytes, shape [2,2] of S8 needs 4");
  }
  SECTION("packed buffer size mismatch") {
    const uint32_t buf = b.Buffer({1, 2, 3}, 6);  // 5 x 6 bits need 4 bytes
    b.Tensor("w", DType::S8, {5}, {0.5f}, {}, 6, buf);
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "tensor 2 'w': buffer 1 holds 3 bytes, shape [5] of S8 (bit-packed) "
                 "needs 4");
  }
  SECTION("buffer index out of range") {
    b.Tensor("w", DType::S8, {2}, {0.5f}, {}, 8, 9);
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "tensor 2 'w': buffer index 9 out of range (1 buffers)");
  }
  SECTION("bits out of 4..8") {
    b.Tensor("z", DType::U8, {2}, {0.5f}, {}, 3, 0);
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "tensor 2 'z': bits = 3, expected 4..8");
  }
  SECTION("packed_bits out of 4..7") {
    b.Buffer({1}, 3);
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "buffer 1: packed_bits 3, expected 0 or 4..7");
  }
  SECTION("weight value outside its symmetric range") {
    b.WeightsS8("w", {2}, {3, -8}, {0.5f}, 4);
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "tensor 2 'w': element 1 = -8 is outside the 4-bit S8 range");
  }
  SECTION("quantized tensor without scales") {
    b.Tensor("q", DType::S8, {2}, {}, {}, 8, 0);
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "tensor 2 'q': dtype S8 needs quantization scales");
  }
  SECTION("non-positive dimension") {
    b.Tensor("neg", DType::F32, {2, 0}, {}, {}, 8, 0);
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "tensor 2 'neg': dimension 1 is 0, must be positive");
  }
  SECTION("missing options") {
    int w = b.WeightsS8("w", {1, 1, 1, 1}, {1}, {1.0f});
    int c = b.Activation("c", DType::S8, {1, 1, 1, 1}, 0.1f);
    b.Op(OpType::CONV_2D, "conv", {x, w}, {c});
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "operator 1 'conv' (CONV_2D): options are not Conv2DOptions");
  }
  SECTION("read before written") {
    int z = b.FloatActivation("z", {1, 4});
    int out = b.FloatActivation("out", {1, 4});
    b.Add("add", y, z, out);
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_INVALID_MODEL);
    CHECK(msg == "operator 1 'add' (ADD): input 1 tensor 2 'z' is read before any "
                 "operator writes it (and is no model input)");
  }
  SECTION("unknown op type") {
    b.Op((OpType)42, "mystery", {x}, {b.FloatActivation("m", {1, 4})});
    CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_UNSUPPORTED);
    CHECK(msg == "operator 1 'mystery': op type 42 is not supported by this runtime");
  }
}

TEST_CASE("bit unpacking: two's complement, little-endian bit order", "[runtime][packed]") {
  const uint8_t four[] = {0x2F};
  int8_t out[2];
  qrt::rt::UnpackBits(four, 2, 4, out);
  CHECK(out[0] == -1);
  CHECK(out[1] == 2);
  // 6 bits: elements 31, -31, -1, 5 -> stream bits
  // 011111 100001 111111 000101 (LSB first per element).
  const std::vector<int8_t> v = {31, -31, -1, 5};
  const std::vector<uint8_t> packed = PackBits(v, 6);
  REQUIRE(packed.size() == 3);
  CHECK(packed[0] == 0x5F);  // bits 0-5: 31, bits 6-7: low two of -31 (0b100001)
  int8_t six[4];
  qrt::rt::UnpackBits(packed.data(), 4, 6, six);
  CHECK(std::vector<int8_t>(six, six + 4) == v);
}

TEST_CASE("sparse weights: bitmap + non-zero values decode to dense; malformed buffers are refused",
          "[runtime][sparse]") {
  // 10 elements, non-zero at 1, 4, 9: bitmap 0b00010010, 0b00000010.
  const std::vector<int8_t> want = {0, 5, 0, 0, -7, 0, 0, 0, 0, 127};
  std::vector<uint8_t> buf = {0x12, 0x02, 5, uint8_t(-7), 127};
  int8_t out[10];
  size_t bad = 99;
  REQUIRE(qrt::rt::DecodeSparse(buf.data(), buf.size(), 10, 0, out, &bad) == 0);
  CHECK(std::vector<int8_t>(out, out + 10) == want);
  // 4-bit: the three values packed.
  const std::vector<uint8_t> packed = PackBits({5, -7, 7}, 4);
  std::vector<uint8_t> buf4 = {0x12, 0x02};
  buf4.insert(buf4.end(), packed.begin(), packed.end());
  const std::vector<int8_t> want4 = {0, 5, 0, 0, -7, 0, 0, 0, 0, 7};
  REQUIRE(qrt::rt::DecodeSparse(buf4.data(), buf4.size(), 10, 4, out, &bad) == 0);
  CHECK(std::vector<int8_t>(out, out + 10) == want4);
  // All zero: the bitmap alone.
  const uint8_t zeros[2] = {0, 0};
  REQUIRE(qrt::rt::DecodeSparse(zeros, 2, 10, 0, out, &bad) == 0);
  CHECK(std::vector<int8_t>(out, out + 10) == std::vector<int8_t>(10, 0));
  // Size that does not match the bitmap's count (one value missing, one extra, truncated bitmap).
  CHECK(qrt::rt::DecodeSparse(buf.data(), buf.size() - 1, 10, 0, out, &bad) == 1);
  buf.push_back(1);
  CHECK(qrt::rt::DecodeSparse(buf.data(), buf.size(), 10, 0, out, &bad) == 1);
  buf.pop_back();
  CHECK(qrt::rt::DecodeSparse(buf.data(), 1, 10, 0, out, &bad) == 1);
  // A bitmap bit past element 10.
  std::vector<uint8_t> trailing = {0x12, 0x06, 5, uint8_t(-7), 127};
  CHECK(qrt::rt::DecodeSparse(trailing.data(), trailing.size(), 10, 0, out, &bad) == 2);
  // A value marked non-zero that is 0.
  std::vector<uint8_t> zero_value = {0x12, 0x02, 5, 0, 127};
  CHECK(qrt::rt::DecodeSparse(zero_value.data(), zero_value.size(), 10, 0, out, &bad) == 3);
  CHECK(bad == 4);
}

TEST_CASE("load from file", "[runtime][loader]") {
  const std::vector<uint8_t> file = ValidModel();
  const char* path = "runtime_loader_test_model.qrt";
  FILE* f = fopen(path, "wb");
  REQUIRE(f != nullptr);
  REQUIRE(fwrite(file.data(), 1, file.size(), f) == file.size());
  fclose(f);
  qrt_model* m = nullptr;
  qrt_error err;
  CHECK(qrt_model_load_file(path, &m, &err) == QRT_OK);
  CHECK(m != nullptr);
  qrt_model_destroy(m);
  remove(path);
  CHECK(qrt_model_load_file("does/not/exist.qrt", &m, &err) == QRT_ERROR_IO);
  CHECK(m == nullptr);
  CHECK_THAT(std::string(err.message), Catch::StartsWith("cannot open 'does/not/exist.qrt'"));
  CHECK(qrt_model_load_file(path, nullptr, nullptr) == QRT_ERROR_INVALID_ARGUMENT);
}
