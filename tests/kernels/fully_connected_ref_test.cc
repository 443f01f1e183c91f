// qrt_fully_connected_s8__ref / _s8_f32__ref: a hand-computed case, then
// random shapes against the naive conv formula (FC = 1x1 conv on [N,1,1,C]).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "naive.h"
#include "qrt/kernels/ref.h"

using qrt_test::naive_requantize;

TEST_CASE("fully_connected_s8 hand-computed", "[fc][ref]") {
  const qrt_fully_connected_params p{2, 3, 2, 4};  // batch 2, K 3, 2 outputs, zx 4
  const std::vector<int8_t> x = {5, 6, 7, 4, 3, 10};   // x - zx: (1,2,3), (0,-1,6)
  const std::vector<int8_t> w = {1, 1, 1, -2, 0, 3};
  const std::vector<int32_t> bias = {1, -3};
  // acc: row 0: 1+6 = 7, -3-2+9 = 4; row 1: 1+5 = 6, -3+0+18 = 15
  const float m[2] = {0.5f, 10.0f};
  const qrt_requant_s8_params rq{m, -1, -128, 100};
  int8_t y[4];
  qrt_fully_connected_s8__ref(&p, x.data(), w.data(), bias.data(), &rq, y);
  // 3.5 -> 4, 40, 3, 150 -> clamp at hi - zy = 101 -> 100
  CHECK(std::vector<int>(y, y + 4) == std::vector<int>{3, 39, 2, 100});
  float yf[4];
  const qrt_dequant_f32_params dq{m, 0.0f, 6.0f};  // RELU6
  qrt_fully_connected_s8_f32__ref(&p, x.data(), w.data(), bias.data(), &dq, yf);
  CHECK(std::vector<float>(yf, yf + 4) == std::vector<float>{3.5f, 6.0f, 3.0f, 6.0f});
}

TEST_CASE("fully_connected_s8 random shapes", "[fc][ref]") {
  const size_t batch = GENERATE(1, 3);
  const size_t k = GENERATE(1, 2, 7, 16, 33, 200);
  const size_t oc = GENERATE(1, 5, 16);
  const bool with_bias = GENERATE(true, false);
  qrt_test::Rng rng(static_cast<uint32_t>(batch * 10000 + k * 100 + oc));
  const int32_t zx = rng.uniform_int(-128, 127), zy = rng.uniform_int(-128, 127);
  const int32_t lo = rng.uniform_int(-128, 0), hi = rng.uniform_int(1, 127);
  const auto x = rng.int8s(batch * k);
  const auto w = rng.int8s(oc * k, -127, 127);
  std::vector<int32_t> bias(oc);
  for (auto& b : bias) b = rng.uniform_int(-30000, 30000);
  std::vector<float> m(oc);
  for (auto& v : m) v = rng.uniform_float(0.3f, 3.0f) * 60.0f / (std::sqrt(float(k)) * 4000.0f);

  const qrt_test::NaiveConvShape s{batch, 1, 1, 1, k, oc, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
  const auto acc = qrt_test::naive_conv_acc(s, x, w, with_bias ? bias : std::vector<int32_t>(), zx);
  const qrt_fully_connected_params p{batch, k, oc, zx};
  const int32_t* b = with_bias ? bias.data() : nullptr;

  const qrt_requant_s8_params rq{m.data(), zy, int8_t(lo), int8_t(hi)};
  std::vector<int8_t> y(batch * oc);
  qrt_fully_connected_s8__ref(&p, x.data(), w.data(), b, &rq, y.data());
  std::vector<float> yf(batch * oc);
  const qrt_dequant_f32_params dq{m.data(), -INFINITY, INFINITY};
  qrt_fully_connected_s8_f32__ref(&p, x.data(), w.data(), b, &dq, yf.data());
  for (size_t i = 0; i < y.size(); i++) {
    INFO("output " << i << " acc " << acc[i]);
    REQUIRE(int(y[i]) == int(naive_requantize(acc[i], m[i % oc], zy, lo, hi)));
    REQUIRE(yf[i] == float(acc[i]) * m[i % oc]);
  }
}
