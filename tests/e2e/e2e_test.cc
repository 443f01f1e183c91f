// Whole-model bit-exactness on every kernel path the CPU has.
//
// The committed Fashion-MNIST models (data/, W8A8 and W6A8 with INT16
// layers) and their host reference outputs (QRT_KERNEL_PATH=ref, written by
// qrt_e2e_reference: see regenerate.sh) must be reproduced exactly by the
// default choice and every forced path (ref, neon, neondot, i8mm) this CPU
// runs, with 1, 2, 3 and 4 threads. Under the cross build this runs on qemu
// cortex-a53 (ref, neon) and max (all four).
//
// Any other model: set QRT_E2E_MODEL=model.qrt and QRT_E2E_REFERENCE=x.ref
// (e.g. ImageNet MobileNetV1, too big to commit; docs/performance.md); the
// test is skipped with a warning when they are unset.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "e2e_util.h"
#include "qrt/kernels/dispatch.h"
#include "qrt/qrt.h"
#include "qrt/qrt.hpp"

namespace {

const char* const kPaths[] = {"", "ref", "neon", "neondot", "i8mm"};

bool PathRuns(const std::string& path) {
  if (path.empty() || path == "ref") return true;
  const qrt_isa isa = path == "neon" ? QRT_ISA_NEON
                      : path == "neondot" ? QRT_ISA_NEONDOT : QRT_ISA_I8MM;
  return qrt_isa_supported(isa) != 0;
}

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Every path and thread count reproduces `ref_path` exactly.
void CheckModel(const std::string& model_path, const std::string& ref_path,
                const std::vector<int>& thread_counts,
                int float_adds = QRT_FLOAT_ADDS_F32) {
  qrt_e2e::Reference ref;
  std::string error;
  if (!qrt_e2e::ReadReference(ref_path, &ref, &error)) FAIL(error);
  qrt_model* m = nullptr;
  qrt_error err;
  if (qrt_model_load_file(model_path.c_str(), &m, &err) != QRT_OK) FAIL(err.message);
  qrt_tensor_info in;
  qrt_tensor_info_init(&in);
  qrt_model_input_info(m, 0, &in);
  qrt_model_destroy(m);
  std::vector<uint8_t> pixels;
  if (!qrt_e2e::MakePixels(ref, in.num_elements, &pixels, &error)) FAIL(error);

  for (const char* p : kPaths) {
    const std::string path = p;
    if (!PathRuns(path)) {
      WARN("path " << path << " skipped: not available on this build or CPU");
      continue;
    }
    for (int threads : thread_counts) {
      INFO("model " << model_path << ", QRT_KERNEL_PATH=" << (path.empty() ? "(unset)" : path)
                    << ", " << threads << " threads");
      qrt_e2e::RunResult r;
      if (!qrt_e2e::RunModel(model_path, path, threads, pixels, ref.count, &r, &error,
                             float_adds)) {
        FAIL(error);
      }
      REQUIRE(r.float_adds == float_adds);
      if (float_adds == QRT_FLOAT_ADDS_F16) REQUIRE(r.num_f16_tensors > 0);
      REQUIRE(r.bits.size() == ref.count);
      for (size_t i = 0; i < ref.count; ++i) {
        INFO("image " << i);
        REQUIRE(r.bits[i] == ref.bits[i]);
      }
      // The path was really taken: conv / FC kernels carry its ISA suffix.
      size_t packed = 0;
      for (const std::string& k : r.kernels) {
        if (k.find("_ukernel_") == std::string::npos) continue;
        ++packed;
        if (path == "neon") CHECK(EndsWith(k, "__neon"));
        if (path == "neondot") CHECK((EndsWith(k, "__neondot") || EndsWith(k, "__neon")));
        if (path == "i8mm") CHECK((EndsWith(k, "__neoni8mm") || EndsWith(k, "__neon")));
      }
      if (path == "ref") CHECK(packed == 0);
      else CHECK(packed > 0);
      if (float_adds == QRT_FLOAT_ADDS_F16) {  // the fp16 add the path implies
        const std::string add = path == "ref" || !qrt_isa_supported(QRT_ISA_NEON)
                                    ? "qrt_add_f16__ref"
                                : qrt_cpu_has_fp16_arith() ? "qrt_add_f16__neonfp16"
                                                           : "qrt_add_f16__neon";
        size_t adds = 0;
        for (const std::string& k : r.kernels) adds += k == add;
        INFO("fp16 add kernel " << add);
        CHECK(adds > 0);
      }
    }
  }
}

std::string Data(const char* name) { return std::string(QRT_E2E_DATA_DIR) + "/" + name; }

TEST_CASE("Fashion-MNIST W8A8: every path and thread count equals the reference", "[e2e]") {
  CheckModel(Data("fashion_mnist_w8a8.qrt"), Data("fashion_mnist_w8a8.ref"), {1, 2, 3, 4});
}

TEST_CASE("Fashion-MNIST W6A8 (INT16 layers): every path equals the reference", "[e2e]") {
  CheckModel(Data("fashion_mnist_w6a8.qrt"), Data("fashion_mnist_w6a8.ref"), {1, 2, 3, 4});
}

// fp16 residual adds (options.float_adds F16): every path, on CPUs with
// and without fp16 arithmetic, reproduces the host's F16 reference; the
// arena shrinks; top-1 agrees with the F32 reference on the test images.
void CheckFloat16(const char* model, const char* ref32, const char* ref16) {
  CheckModel(Data(model), Data(ref16), {1, 2, 3}, QRT_FLOAT_ADDS_F16);
  qrt_e2e::Reference r32, r16;
  std::string error;
  REQUIRE(qrt_e2e::ReadReference(Data(ref32), &r32, &error));
  REQUIRE(qrt_e2e::ReadReference(Data(ref16), &r16, &error));
  REQUIRE(r32.count == r16.count);
  auto top1 = [](const std::vector<uint32_t>& bits) {
    size_t best = 0;
    float best_v = -1e30f;
    for (size_t i = 0; i < bits.size(); ++i) {
      float v;
      memcpy(&v, &bits[i], 4);
      if (v > best_v) best_v = v, best = i;
    }
    return best;
  };
  size_t agree = 0, differ_bits = 0;
  for (size_t i = 0; i < r32.count; ++i) {
    agree += top1(r32.bits[i]) == top1(r16.bits[i]);
    differ_bits += r32.bits[i] != r16.bits[i];
  }
  INFO(differ_bits << " of " << r32.count << " images have other output bits in F16");
  REQUIRE(agree == r32.count);

  std::vector<uint8_t> pixels;
  qrt_model* m = nullptr;
  qrt_error err;
  REQUIRE(qrt_model_load_file(Data(model).c_str(), &m, &err) == QRT_OK);
  qrt_tensor_info in;
  qrt_tensor_info_init(&in);
  qrt_model_input_info(m, 0, &in);
  qrt_session_options o;
  qrt_session_options_init(&o);
  size_t bytes32 = 0, bytes16 = 0;
  o.float_adds = QRT_FLOAT_ADDS_F32;
  REQUIRE(qrt_model_arena_size(m, &o, &bytes32, &err) == QRT_OK);
  o.float_adds = QRT_FLOAT_ADDS_F16;
  REQUIRE(qrt_model_arena_size(m, &o, &bytes16, &err) == QRT_OK);
  qrt_model_destroy(m);
  WARN(model << ": arena " << bytes32 << " bytes with F32 adds, " << bytes16
             << " with F16 adds; top-1 agreement " << agree << "/" << r32.count);
  REQUIRE(bytes16 < bytes32);
}

}  // namespace

// qrt_session_set_input_u8 must give exactly the bits of the float path the
// references were made with, folded QUANTIZE or not, on every kernel path.
TEST_CASE("set_input_u8 (the model's mean/std in the runtime) equals the float-input reference", "[e2e][u8]") {
  for (const char* name : {"fashion_mnist_w8a8", "fashion_mnist_w6a8"}) {
    const std::string model_path = Data((std::string(name) + ".qrt").c_str());
    qrt_e2e::Reference ref;
    std::string error;
    REQUIRE(qrt_e2e::ReadReference(Data((std::string(name) + ".ref").c_str()), &ref, &error));
    qrt::Model model;
    qrt_error err;
    REQUIRE(model.LoadFile(model_path.c_str(), &err) == QRT_OK);
    qrt_tensor_info in;
    qrt_tensor_info_init(&in);
    REQUIRE(model.input_info(0, &in) == QRT_OK);
    std::vector<uint8_t> pixels;
    REQUIRE(qrt_e2e::MakePixels(ref, in.num_elements, &pixels, &error));
    for (const char* p : kPaths) {
      const std::string path = p;
      if (!PathRuns(path)) continue;
      for (bool keep_all : {false, true}) {
        INFO(name << ", QRT_KERNEL_PATH=" << (path.empty() ? "(unset)" : path)
                  << (keep_all ? ", keep_all_tensors" : ""));
        qrt_e2e::RunResult r;
        if (!qrt_e2e::RunModel(model_path, path, 2, pixels, ref.count, &r, &error,
                               QRT_FLOAT_ADDS_F32, /*u8_input=*/true, keep_all)) {
          FAIL(error);
        }
        REQUIRE(r.bits == ref.bits);
      }
    }
  }
}

TEST_CASE("set_input_u8 refuses a wrong count, a NULL buffer and a model without mean/std", "[e2e][u8]") {
  qrt::Model model;
  qrt_error err;
  REQUIRE(model.LoadFile(Data("fashion_mnist_w8a8.qrt").c_str(), &err) == QRT_OK);
  qrt::Session session;
  REQUIRE(session.Create(model, nullptr, &err) == QRT_OK);
  qrt_tensor_info in;
  qrt_tensor_info_init(&in);
  REQUIRE(model.input_info(0, &in) == QRT_OK);
  std::vector<uint8_t> px(in.num_elements, 7);
  CHECK(session.SetInputPixels(0, px.data(), px.size() - 1) == QRT_ERROR_INVALID_ARGUMENT);
  CHECK(std::string(session.last_error()).find("elements") != std::string::npos);
  CHECK(session.SetInputPixels(0, nullptr, px.size()) == QRT_ERROR_INVALID_ARGUMENT);
  CHECK(session.SetInputPixels(1, px.data(), px.size()) == QRT_ERROR_INVALID_ARGUMENT);
  CHECK(session.SetInputPixels(0, px.data(), px.size()) == QRT_OK);
}

TEST_CASE("Fashion-MNIST W8A8, fp16 residual adds: every path equals the F16 reference", "[e2e][fp16]") {
  CheckFloat16("fashion_mnist_w8a8.qrt", "fashion_mnist_w8a8.ref", "fashion_mnist_w8a8_f16.ref");
}

TEST_CASE("Fashion-MNIST W6A8, fp16 residual adds: every path equals the F16 reference", "[e2e][fp16]") {
  CheckFloat16("fashion_mnist_w6a8.qrt", "fashion_mnist_w6a8.ref", "fashion_mnist_w6a8_f16.ref");
}


TEST_CASE("model from QRT_E2E_MODEL / QRT_E2E_REFERENCE equals its reference", "[e2e]") {
  const char* model = getenv("QRT_E2E_MODEL");
  const char* ref = getenv("QRT_E2E_REFERENCE");
  if (model == nullptr || ref == nullptr) {
    WARN("QRT_E2E_MODEL / QRT_E2E_REFERENCE not set: skipped");
    return;
  }
  const char* threads = getenv("QRT_E2E_THREADS");
  std::vector<int> counts = {1};
  if (threads != nullptr) counts = {1, atoi(threads)};
  CheckModel(model, ref, counts);
}
