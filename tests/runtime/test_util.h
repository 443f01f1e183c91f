// Helpers shared by the runtime tests: load a built model, run it, read a
// tensor's raw storage back.
#ifndef QRT_TESTS_RUNTIME_TEST_UTIL_H_
#define QRT_TESTS_RUNTIME_TEST_UTIL_H_

#include <string.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "model_builder.h"
#include "qrt/qrt.hpp"

namespace qrt_test {

// Loads `file`; returns the status and the error message.
inline qrt_status TryLoad(const std::vector<uint8_t>& file, std::string* message) {
  qrt::Model m;
  qrt_error err;
  const qrt_status s = m.LoadMemory(file.data(), file.size(), &err);
  if (message) *message = err.message;
  return s;
}

struct Runner {
  qrt::Model model;
  qrt::Session session;

  // Loads and creates a session; REQUIREs success.
  explicit Runner(const std::vector<uint8_t>& file, bool keep_all = false,
                  int threads = 1, int float_adds = QRT_FLOAT_ADDS_AUTO) {
    qrt_error err;
    const qrt_status s = model.LoadMemory(file.data(), file.size(), &err);
    INFO(err.message);
    REQUIRE(s == QRT_OK);
    qrt_session_options o;
    qrt_session_options_init(&o);
    o.keep_all_tensors = keep_all;
    o.num_threads = threads;
    o.float_adds = float_adds;
    const qrt_status c = session.Create(model, &o, &err);
    INFO(err.message);
    REQUIRE(c == QRT_OK);
  }
  void SetInput(size_t i, const std::vector<float>& x) {
    INFO(session.last_error());
    REQUIRE(session.SetInput(i, x.data(), x.size()) == QRT_OK);
  }
  void Run() { REQUIRE(session.Run() == QRT_OK); }
  std::vector<float> Output(size_t i) {
    qrt_tensor_info info;
    REQUIRE(model.output_info(i, &info) == QRT_OK);
    std::vector<float> y(info.num_elements);
    REQUIRE(session.GetOutput(i, y.data(), y.size()) == QRT_OK);
    return y;
  }
  // Raw storage of tensor `t` (int8 for quantized, float for F32).
  template <typename T>
  std::vector<T> Raw(int t) {
    qrt_tensor_info info;
    REQUIRE(session.tensor_info((size_t)t, &info) == QRT_OK);
    REQUIRE(info.data != nullptr);
    std::vector<T> v(info.storage_bytes / sizeof(T));
    memcpy(v.data(), info.data, info.storage_bytes);
    return v;
  }
};

// Floats that quantize exactly to `q` with scale s and zero point zp.
inline std::vector<float> Dequant(const std::vector<int>& q, float s, int zp) {
  std::vector<float> x(q.size());
  for (size_t i = 0; i < q.size(); ++i) x[i] = (float)(q[i] - zp) * s;
  return x;
}

inline std::vector<int> RandomInts(size_t n, int lo, int hi, uint32_t seed) {
  std::vector<int> v(n);
  uint32_t s = seed * 2246822519u + 7u;
  for (size_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    v[i] = lo + (int)((s >> 8) % (uint32_t)(hi - lo + 1));
  }
  return v;
}

}  // namespace qrt_test

#endif  // QRT_TESTS_RUNTIME_TEST_UTIL_H_
