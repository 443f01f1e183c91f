// qrt_quantize_f32_s8__ref / qrt_dequantize_s8_f32__ref and the shared
// requantization helpers in requantize.h.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "naive.h"
#include "qrt/kernels/ref.h"
#include "qrt/kernels/requantize.h"

TEST_CASE("qrt_round_half_even_f32", "[requantize][ref]") {
  const std::vector<float> v = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 0.49999997f,
                                2.5000002f, -255.5f, 254.5f, 3.0f, -0.0f};
  const std::vector<int32_t> expected = {0, 2, 2, 0, -2, -2, 0, 3, -256, 254, 3, 0};
  for (size_t i = 0; i < v.size(); i++) {
    INFO(v[i]);
    CHECK(qrt_round_half_even_f32(v[i]) == expected[i]);
    CHECK(qrt_round_half_even_f32(v[i]) == std::lrintf(v[i]));
  }
  for (int32_t i = -(1 << 16); i <= (1 << 16); i++) {  // every quarter in +-16384
    const float f = float(i) * 0.25f;
    REQUIRE(qrt_round_half_even_f32(f) == std::lrintf(f));
  }
}

TEST_CASE("qrt_requantize_fp32 clamps before rounding", "[requantize][ref]") {
  CHECK(qrt_requantize_fp32(7, 0.5f, 0, -128, 127) == 4);     // 3.5 -> 4
  CHECK(qrt_requantize_fp32(5, 0.5f, 0, -128, 127) == 2);     // 2.5 -> 2
  CHECK(qrt_requantize_fp32(-5, 0.5f, 3, -128, 127) == 1);    // -2.5 -> -2, + 3
  CHECK(qrt_requantize_fp32(1000000, 1.0f, -10, -128, 127) == 127);
  CHECK(qrt_requantize_fp32(-1000000, 1.0f, 10, -128, 127) == -128);
  CHECK(qrt_requantize_fp32(2147483647, 1000.0f, 0, -128, 127) == 127);  // no overflow
  CHECK(qrt_requantize_fp32(-100, 1.0f, 20, 20, 127) == 20);  // RELU: lo = zy
  CHECK(qrt_requantize_fp32(100, 1.0f, 20, 20, 50) == 50);    // RELU6-like hi
  CHECK(qrt_clamp_f32(std::numeric_limits<float>::quiet_NaN(), -1.0f, 1.0f) == -1.0f);
}

TEST_CASE("quantize_f32_s8 hand-computed", "[quantize][ref]") {
  // s = 0.5 -> inv_scale 2; zp = -3; ties go to even before adding zp.
  const std::vector<float> x = {0.0f, 0.25f, 0.75f, -0.25f, 1.0f, 100.0f, -100.0f,
                                INFINITY, -INFINITY,
                                std::numeric_limits<float>::quiet_NaN()};
  const std::vector<int> expected = {-3, -3, -1, -3, -1, 127, -128, 127, -128, -128};
  std::vector<int8_t> q(x.size());
  qrt_quantize_f32_s8__ref(x.size(), x.data(), 2.0f, -3, -128, 127, q.data());
  CHECK(std::vector<int>(q.begin(), q.end()) == expected);
  // Narrow range [-127, 127] (symmetric S8) and U8 stored shifted ([-128, 127]).
  qrt_quantize_f32_s8__ref(x.size(), x.data(), 2.0f, 0, -127, 127, q.data());
  CHECK(int(q[6]) == -127);
  CHECK(int(q[2]) == 2);  // 1.5 -> 2
}

TEST_CASE("quantize_f32_s8 random against lrintf", "[quantize][ref]") {
  qrt_test::Rng rng(7);
  for (int it = 0; it < 20; it++) {
    const float scale = std::exp2(rng.uniform_float(-10.0f, 2.0f));
    const float inv = 1.0f / scale;
    const int32_t zp = rng.uniform_int(-128, 127);
    const int32_t lo = rng.uniform_int(-128, 0), hi = rng.uniform_int(1, 127);
    const auto x = rng.floats(1000, -200.0f * scale, 200.0f * scale);
    std::vector<int8_t> q(x.size());
    qrt_quantize_f32_s8__ref(x.size(), x.data(), inv, zp, int8_t(lo), int8_t(hi), q.data());
    for (size_t i = 0; i < x.size(); i++) {
      const long expected = std::min<long>(std::max<long>(std::lrintf(x[i] * inv) + zp, lo), hi);
      INFO("x " << x[i] << " inv_scale " << inv << " zp " << zp);
      REQUIRE(long(q[i]) == expected);
    }
  }
}

TEST_CASE("dequantize_s8_f32", "[quantize][ref]") {
  std::vector<int8_t> q;
  for (int v = -128; v < 128; v++) q.push_back(int8_t(v));
  std::vector<float> x(q.size());
  qrt_dequantize_s8_f32__ref(q.size(), q.data(), 0.1f, -7, x.data());
  for (size_t i = 0; i < q.size(); i++) {
    REQUIRE(x[i] == float(int(q[i]) + 7) * 0.1f);
  }
  CHECK(x[0] == -121.0f * 0.1f);
  // Round trip: dequantize then quantize gives the integers back.
  std::vector<int8_t> back(q.size());
  qrt_quantize_f32_s8__ref(x.size(), x.data(), 1.0f / 0.1f, -7, -128, 127, back.data());
  CHECK(back == q);
}
