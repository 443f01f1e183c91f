// qrt_add_s8__ref: hand-computed cases (ties round to even, zero points,
// saturation, fused RELU range) and a random grid against the formula of
// docs/integer-semantics.md written out independently, exact equality.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "qrt/kernels/ref.h"

namespace {

qrt_add_s8_params params(float ma, float mb, int za, int zb, int zy, int lo, int hi) {
  qrt_add_s8_params p{};
  p.a_multiplier = ma;
  p.b_multiplier = mb;
  p.a_zero_point = za;
  p.b_zero_point = zb;
  p.output_zero_point = zy;
  p.output_min = int8_t(lo);
  p.output_max = int8_t(hi);
  return p;
}

std::vector<int8_t> run(const std::vector<int8_t>& a, const std::vector<int8_t>& b, const qrt_add_s8_params& p) {
  std::vector<int8_t> y(a.size(), 99);
  qrt_add_s8__ref(a.size(), a.data(), b.data(), &p, y.data());
  return y;
}

// The formula, step by step in fp32: products, sum, clamp, nearbyint (ties to even).
int8_t naive(int a, int b, const qrt_add_s8_params& p) {
  volatile float va = float(a - p.a_zero_point) * p.a_multiplier;
  volatile float vb = float(b - p.b_zero_point) * p.b_multiplier;
  float v = va + vb;
  v = std::fmin(std::fmax(v, float(p.output_min - p.output_zero_point)), float(p.output_max - p.output_zero_point));
  return int8_t(int(std::nearbyint(v)) + p.output_zero_point);
}

}  // namespace

TEST_CASE("qrt_add_s8__ref: hand-computed values", "[add][ref]") {
  // ma = 0.5, mb = 0.25 (exact); sums 2.0, 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -50, 127.25 -> 127 (clamped first).
  const qrt_add_s8_params p = params(0.5f, 0.25f, 0, 0, 0, -127, 127);
  CHECK(run({3, 1, 3, 5, -100, 127}, {2, 0, 0, 0, 0, 127}, p) == std::vector<int8_t>{2, 0, 2, 2, -50, 95});
  CHECK(run({-127, 127}, {-127, 127}, params(1.0f, 1.0f, 0, 0, 0, -127, 127)) == std::vector<int8_t>{-127, 127});
}

TEST_CASE("qrt_add_s8__ref: zero points (U8 storage) and a fused RELU range", "[add][ref]") {
  // a: U8 stored q - 128 (zero point -128); b: S8; y: U8 stored, zero point -128.
  // a = 10 (real 10 * 1.0), b = -4 * 0.5 = -2: y = 8 -> stored -120.
  const qrt_add_s8_params p = params(1.0f, 0.5f, -128, 0, -128, -128, 127);
  CHECK(run({int8_t(10 - 128)}, {-4}, p) == std::vector<int8_t>{int8_t(8 - 128)});
  // Negative sums clamp at the zero point (lo = zy: RELU), large ones at hi.
  CHECK(run({int8_t(0 - 128), int8_t(200 - 128)}, {-50, 120}, p) == std::vector<int8_t>{-128, 127});
  // RELU6-like narrowed hi: y in [zy, zy + 6].
  const qrt_add_s8_params p6 = params(1.0f, 1.0f, 0, 0, 0, 0, 6);
  CHECK(run({-3, 2, 5}, {1, 2, 5}, p6) == std::vector<int8_t>{0, 4, 6});
}

TEST_CASE("qrt_add_s8__ref: random grid equals the formula", "[add][ref]") {
  uint32_t s = 12345;
  auto next = [&](int lo, int hi) {
    s = s * 1664525u + 1013904223u;
    return lo + int((s >> 8) % uint32_t(hi - lo + 1));
  };
  const float multipliers[] = {0.0371f, 0.5f, 1.0f, 1.37f, 3.9f};
  for (float ma : multipliers)
    for (float mb : multipliers)
      for (int zp : {-128, -3, 0, 17}) {
        const qrt_add_s8_params p = params(ma, mb, zp, -zp / 2, zp == 0 ? 5 : -zp / 3, -128 + (zp == -3 ? 20 : 0), 127);
        std::vector<int8_t> a(257), b(257), want(257);
        for (size_t i = 0; i < a.size(); ++i) {
          a[i] = int8_t(next(-128, 127));
          b[i] = int8_t(next(-128, 127));
          want[i] = naive(a[i], b[i], p);
        }
        CHECK(run(a, b, p) == want);
      }
}
