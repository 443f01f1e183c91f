// qrt_add_f32__ref, qrt_softmax_f32__ref, qrt_log_softmax_f32__ref,
// qrt_concat_s8__ref / _f32__ref.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "naive.h"
#include "qrt/kernels/ref.h"

TEST_CASE("add_f32 with activations", "[add][ref]") {
  const std::vector<float> a = {1.0f, -2.0f, 3.5f, 10.0f, 0.1f};
  const std::vector<float> b = {2.0f, 1.0f, 3.0f, -1.0f, 0.2f};
  std::vector<float> y(a.size());
  float lo, hi;
  qrt_activation_range_f32(QRT_ACTIVATION_NONE, &lo, &hi);
  qrt_add_f32__ref(a.size(), a.data(), b.data(), lo, hi, y.data());
  CHECK(y == std::vector<float>{3.0f, -1.0f, 6.5f, 9.0f, 0.1f + 0.2f});
  qrt_activation_range_f32(QRT_ACTIVATION_RELU, &lo, &hi);
  qrt_add_f32__ref(a.size(), a.data(), b.data(), lo, hi, y.data());
  CHECK(y == std::vector<float>{3.0f, 0.0f, 6.5f, 9.0f, 0.1f + 0.2f});
  qrt_activation_range_f32(QRT_ACTIVATION_RELU6, &lo, &hi);
  qrt_add_f32__ref(a.size(), a.data(), b.data(), lo, hi, y.data());
  CHECK(y == std::vector<float>{3.0f, 0.0f, 6.0f, 6.0f, 0.1f + 0.2f});
  CHECK(lo == 0.0f);
  CHECK(hi == 6.0f);
}

TEST_CASE("log_softmax_f32", "[softmax][ref]") {
  // Equal logits: -log 2; huge values; a one-element row gives 0; where
  // softmax underflows to 0, the log output stays finite (x - max - log sum).
  const std::vector<float> x = {0.0f, 0.0f, 1000.0f, 1000.0f, 0.0f, -200.0f};
  std::vector<float> y(6);
  qrt_log_softmax_f32__ref(3, 2, x.data(), y.data());
  CHECK(y[0] == -std::log(2.0f));
  CHECK(y[1] == y[0]);
  CHECK(y[2] == y[0]);
  CHECK(y[3] == y[0]);
  CHECK(y[4] == 0.0f);        // logf(1 + expf(-200)) = logf(1) in fp32
  CHECK(y[5] == -200.0f);
  float zero;
  const float v = -3.0f;
  qrt_log_softmax_f32__ref(1, 1, &v, &zero);
  CHECK(zero == 0.0f);

  qrt_test::Rng rng(5);
  const size_t rows = 4, cols = 10;
  const auto xs = rng.floats(rows * cols, -8.0f, 8.0f);
  std::vector<float> ys(xs.size());
  qrt_log_softmax_f32__ref(rows, cols, xs.data(), ys.data());
  for (size_t r = 0; r < rows; r++) {
    double max = xs[r * cols], sum = 0.0;
    for (size_t i = 1; i < cols; i++) max = std::max(max, double(xs[r * cols + i]));
    for (size_t i = 0; i < cols; i++) sum += std::exp(double(xs[r * cols + i]) - max);
    for (size_t i = 0; i < cols; i++)
      CHECK(std::abs(ys[r * cols + i] - (double(xs[r * cols + i]) - max - std::log(sum))) < 2e-6);
  }
}

TEST_CASE("softmax_f32", "[softmax][ref]") {
  // Two equal logits, a row with huge values (max subtraction avoids
  // overflow) and a one-element row.
  const std::vector<float> x = {0.0f, 0.0f, 1000.0f, 1000.0f};
  std::vector<float> y(4);
  qrt_softmax_f32__ref(2, 2, x.data(), y.data());
  CHECK(y == std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f});
  float one;
  const float v = -3.0f;
  qrt_softmax_f32__ref(1, 1, &v, &one);
  CHECK(one == 1.0f);

  qrt_test::Rng rng(3);
  const size_t rows = 4, cols = 10;
  const auto xs = rng.floats(rows * cols, -8.0f, 8.0f);
  std::vector<float> ys(xs.size());
  qrt_softmax_f32__ref(rows, cols, xs.data(), ys.data());
  for (size_t r = 0; r < rows; r++) {
    float max = xs[r * cols];
    for (size_t i = 1; i < cols; i++) max = std::max(max, xs[r * cols + i]);
    float sum = 0.0f;
    for (size_t i = 0; i < cols; i++) sum += std::exp(xs[r * cols + i] - max);
    for (size_t i = 0; i < cols; i++)
      REQUIRE(ys[r * cols + i] == std::exp(xs[r * cols + i] - max) / sum);
  }
}

TEST_CASE("concat_s8 hand-computed requantization", "[concat][ref]") {
  // Output rows of 3: two elements from input 0 (copied: same quantization)
  // and one from input 1 (scale ratio 0.5, zero point 1 -> output zp 0).
  const std::vector<int8_t> a = {1, 2, 3, 4}, b = {6, -4};
  const int8_t* inputs[2] = {a.data(), b.data()};
  const size_t sizes[2] = {2, 1};
  const qrt_concat_s8_input quant[2] = {{1.0f, 0}, {0.5f, 1}};
  int8_t y[6];
  qrt_concat_s8__ref(2, 2, sizes, inputs, quant, 0, -128, 127, y);
  // (6 - 1) * 0.5 = 2.5 -> 2; (-4 - 1) * 0.5 = -2.5 -> -2
  CHECK(std::vector<int>(y, y + 6) == std::vector<int>{1, 2, 2, 3, 4, -2});
  qrt_concat_s8__ref(2, 2, sizes, inputs, quant, 0, 0, 3, y);  // RELU-like clamp
  CHECK(std::vector<int>(y, y + 6) == std::vector<int>{1, 2, 2, 3, 3, 0});
}

TEST_CASE("concat_s8 / concat_f32 random along an inner axis", "[concat][ref]") {
  // NHWC [2, 3, 2, C_i] concatenated along C: outer = 2 * 3 * 2.
  qrt_test::Rng rng(11);
  const size_t outer = 12;
  const std::vector<size_t> sizes = {1, 5, 3, 8};
  std::vector<std::vector<int8_t>> in8;
  std::vector<std::vector<float>> inf;
  std::vector<qrt_concat_s8_input> quant;
  std::vector<const int8_t*> p8;
  std::vector<const float*> pf;
  for (size_t s : sizes) {
    in8.push_back(rng.int8s(outer * s));
    inf.push_back(rng.floats(outer * s, -1.0f, 1.0f));
    quant.push_back({rng.uniform_float(0.25f, 2.0f), rng.uniform_int(-128, 127)});
  }
  for (size_t i = 0; i < sizes.size(); i++) {
    p8.push_back(in8[i].data());
    pf.push_back(inf[i].data());
  }
  const size_t row = 1 + 5 + 3 + 8;
  std::vector<int8_t> y8(outer * row);
  std::vector<float> yf(outer * row);
  const int32_t zy = -7, lo = -100, hi = 90;
  qrt_concat_s8__ref(outer, sizes.size(), sizes.data(), p8.data(), quant.data(), zy,
                     int8_t(lo), int8_t(hi), y8.data());
  qrt_concat_f32__ref(outer, sizes.size(), sizes.data(), pf.data(), yf.data());
  for (size_t r = 0; r < outer; r++) {
    size_t col = 0;
    for (size_t i = 0; i < sizes.size(); i++)
      for (size_t k = 0; k < sizes[i]; k++, col++) {
        const int8_t q = in8[i][r * sizes[i] + k];
        REQUIRE(int(y8[r * row + col]) ==
                int(qrt_test::naive_requantize(q - quant[i].zero_point, quant[i].multiplier,
                                               zy, lo, hi)));
        REQUIRE(yf[r * row + col] == inf[i][r * sizes[i] + k]);
      }
  }
}
