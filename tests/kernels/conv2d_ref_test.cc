// qrt_conv2d_s8__ref and qrt_conv2d_s8_f32__ref: hand-computed cases, then
// the naive formula over edge shapes (ConvTester, exact equality).
#include <catch2/catch.hpp>

#include <vector>

#include "conv_tester.h"
#include "qrt/kernels/ref.h"

using qrt_test::ConvTester;

namespace {

qrt_conv2d_params one_channel_params(size_t ih, size_t iw, size_t kh, size_t kw) {
  qrt_conv2d_params p{};
  p.batch = 1;
  p.input_height = ih; p.input_width = iw; p.input_channels = 1;
  p.kernel_height = kh; p.kernel_width = kw;
  p.output_channels = 1;
  p.stride_height = p.stride_width = 1;
  p.dilation_height = p.dilation_width = 1;
  p.groups = 1;
  return p;
}

}  // namespace

TEST_CASE("conv2d_s8 hand-computed 2x2 kernel, ties round to even", "[conv][ref]") {
  qrt_conv2d_params p = one_channel_params(3, 3, 2, 2);
  p.output_height = p.output_width = 2;
  p.input_zero_point = 1;
  const std::vector<int8_t> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};  // x - zx = 0..8
  const std::vector<int8_t> w = {1, 2, 3, 4};
  const int32_t bias = 10;
  const float m = 0.5f;
  // acc = 37, 47, 67, 77 -> 18.5, 23.5, 33.5, 38.5 -> 18, 24, 34, 38, + zy 3.
  const qrt_requant_s8_params rq{&m, 3, -128, 127};
  int8_t y[4];
  qrt_conv2d_s8__ref(&p, x.data(), w.data(), &bias, &rq, y);
  CHECK(std::vector<int>(y, y + 4) == std::vector<int>{21, 27, 37, 41});

  float yf[4];
  const qrt_dequant_f32_params dq{&m, -INFINITY, INFINITY};
  qrt_conv2d_s8_f32__ref(&p, x.data(), w.data(), &bias, &dq, yf);
  CHECK(std::vector<float>(yf, yf + 4) == std::vector<float>{18.5f, 23.5f, 33.5f, 38.5f});
}

TEST_CASE("conv2d_s8 hand-computed padding contributes nothing, clamp", "[conv][ref]") {
  // A single input pixel, a 3x3 kernel padded by 1: only the centre tap sees it.
  qrt_conv2d_params p = one_channel_params(1, 1, 3, 3);
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
  p.output_height = p.output_width = 1;
  p.input_zero_point = -3;
  const int8_t x = 2;  // x - zx = 5
  const std::vector<int8_t> w = {1, 1, 1, 1, 2, 1, 1, 1, 1};
  const float m = 1.0f;
  int8_t y = 0;
  qrt_requant_s8_params rq{&m, 0, -128, 127};
  qrt_conv2d_s8__ref(&p, &x, w.data(), nullptr, &rq, &y);
  CHECK(int(y) == 10);
  rq.output_max = 7;  // e.g. a fused RELU6 bound
  qrt_conv2d_s8__ref(&p, &x, w.data(), nullptr, &rq, &y);
  CHECK(int(y) == 7);
  // zy = -20, lo = -5: v = 10 is clamped to [lo - zy, hi - zy] = [15, 147],
  // so y = 15 - 20 = -5 (lo), where without the clamp it would be -10.
  rq.output_zero_point = -20;
  rq.output_max = 127;
  rq.output_min = -5;
  qrt_conv2d_s8__ref(&p, &x, w.data(), nullptr, &rq, &y);
  CHECK(int(y) == -5);
}

TEST_CASE("conv2d_s8 hand-computed depthwise", "[conv][ref]") {
  // 2 channels, 1x2 input, 1x2 kernel per channel, groups = 2.
  qrt_conv2d_params p = one_channel_params(1, 2, 1, 2);
  p.input_channels = p.output_channels = p.groups = 2;
  p.output_height = p.output_width = 1;
  const std::vector<int8_t> x = {1, 10, 2, 20};  // pixel 0: (1, 10), pixel 1: (2, 20)
  const std::vector<int8_t> w = {3, 4, -1, 1};   // channel 0: (3, 4), channel 1: (-1, 1)
  const float m[2] = {1.0f, 0.25f};
  const qrt_requant_s8_params rq{m, 0, -128, 127};
  int8_t y[2];
  qrt_conv2d_s8__ref(&p, x.data(), w.data(), nullptr, &rq, y);
  CHECK(int(y[0]) == 3 * 1 + 4 * 2);                 // 11
  CHECK(int(y[1]) == 2);                              // (-10 + 20) * 0.25 = 2.5 -> 2
}

TEST_CASE("conv2d_s8 kernel sizes and K = 1", "[conv][ref]") {
  const size_t k = GENERATE(1, 2, 3, 5);
  const size_t gic = GENERATE(1, 3, 8);
  ConvTester().input_size(7, 6).kernel_size(k, k).group_input_channels(gic)
      .group_output_channels(5).input_zero_point(-7).output_zero_point(4)
      .test_s8(qrt_conv2d_s8__ref);
}

TEST_CASE("conv2d_s8 rectangular kernels, odd channels, N > 1", "[conv][ref]") {
  ConvTester().batch(3).input_size(5, 9).kernel_size(1, 3).group_input_channels(7)
      .group_output_channels(9).input_zero_point(11).test_s8(qrt_conv2d_s8__ref);
  ConvTester().batch(2).input_size(8, 4).kernel_size(3, 2).group_input_channels(5)
      .group_output_channels(1).output_zero_point(-9).test_s8(qrt_conv2d_s8__ref);
}

TEST_CASE("conv2d_s8 strides and dilation", "[conv][ref]") {
  const size_t stride = GENERATE(1, 2, 3);
  const size_t dilation = GENERATE(1, 2);
  ConvTester().input_size(11, 10).kernel_size(3, 3).stride(stride).dilation(dilation)
      .group_input_channels(3).group_output_channels(4).input_zero_point(5)
      .test_s8(qrt_conv2d_s8__ref);
  ConvTester().input_size(9, 12).kernel_size(3, 2).stride(2, 1).dilation(1, 3)
      .padding(1, 2, 0, 1).group_input_channels(2).group_output_channels(3)
      .test_s8(qrt_conv2d_s8__ref);
}

TEST_CASE("conv2d_s8 asymmetric padding", "[conv][ref]") {
  const size_t top = GENERATE(0, 1, 2), left = GENERATE(0, 1);
  const size_t bottom = GENERATE(0, 2), right = GENERATE(1, 2);
  ConvTester().input_size(6, 5).kernel_size(3, 3).padding(top, left, bottom, right)
      .stride(2).group_input_channels(3).group_output_channels(2)
      .input_zero_point(-20).output_zero_point(10).test_s8(qrt_conv2d_s8__ref);
}

TEST_CASE("conv2d_s8 depthwise and grouped", "[conv][ref]") {
  // Depthwise: groups == channels, one input and one output channel per group.
  const size_t channels = GENERATE(1, 3, 17);
  ConvTester().input_size(7, 7).kernel_size(3, 3).padding(1).groups(channels)
      .group_input_channels(1).group_output_channels(1).input_zero_point(3)
      .test_s8(qrt_conv2d_s8__ref);
  ConvTester().input_size(8, 7).kernel_size(5, 5).padding(2, 1, 2, 3).stride(2)
      .dilation(2).groups(channels).group_input_channels(1).group_output_channels(1)
      .test_s8(qrt_conv2d_s8__ref);
  // Depth multiplier 2 and general groups.
  ConvTester().input_size(5, 5).kernel_size(3, 3).groups(channels)
      .group_input_channels(1).group_output_channels(2).test_s8(qrt_conv2d_s8__ref);
  ConvTester().batch(2).input_size(6, 5).kernel_size(3, 1).groups(3)
      .group_input_channels(channels).group_output_channels(5).input_zero_point(-1)
      .test_s8(qrt_conv2d_s8__ref);
}

TEST_CASE("conv2d_s8 qmin/qmax saturation and fused clamps", "[conv][ref]") {
  const int32_t zy = GENERATE(-128, -5, 0, 30);
  // Large multipliers: many outputs saturate at the storage range.
  ConvTester t1;
  t1.kernel_size(3, 3).group_input_channels(4).multiplier_scale(6.0f)
      .output_zero_point(zy).test_s8(qrt_conv2d_s8__ref);
  CHECK(t1.saturated() > 0);
  // Fused RELU: lo = zy; RELU6-like: hi = zy + 40; narrow ranges.
  ConvTester t2;
  t2.kernel_size(3, 3).group_input_channels(4).output_zero_point(zy).qmin(zy)
      .qmax(std::min(127, zy + 40)).test_s8(qrt_conv2d_s8__ref);
  CHECK(t2.saturated() > 0);
  ConvTester().kernel_size(1, 1).group_input_channels(16).qmin(-3).qmax(9)
      .output_zero_point(zy / 8).test_s8(qrt_conv2d_s8__ref);
}

TEST_CASE("conv2d_s8 narrow weights, no bias, extreme zero points", "[conv][ref]") {
  const int bits = GENERATE(4, 6, 8);
  const int32_t zx = GENERATE(-128, 127);
  ConvTester().input_size(6, 6).kernel_size(3, 3).padding(1).weight_bits(bits)
      .has_bias(false).input_zero_point(zx).group_input_channels(5)
      .group_output_channels(3).test_s8(qrt_conv2d_s8__ref);
}

TEST_CASE("conv2d_s8_f32 dequantizing epilogue with activations", "[conv][ref]") {
  const qrt_activation act =
      GENERATE(QRT_ACTIVATION_NONE, QRT_ACTIVATION_RELU, QRT_ACTIVATION_RELU6);
  ConvTester().batch(2).input_size(6, 7).kernel_size(3, 3).padding(1, 0, 1, 2)
      .stride(2).groups(2).group_input_channels(3).group_output_channels(3)
      .input_zero_point(9).multiplier_scale(0.05f).activation(act)
      .test_f32(qrt_conv2d_s8_f32__ref);
  ConvTester().input_size(5, 5).kernel_size(3, 3).dilation(2).groups(4)
      .group_input_channels(1).group_output_channels(1).multiplier_scale(0.1f)
      .activation(act).test_f32(qrt_conv2d_s8_f32__ref);
}

TEST_CASE("qrt_conv_output_size", "[conv][ref]") {
  CHECK(qrt_conv_output_size(7, 3, 1, 1, 0, 0) == 5);
  CHECK(qrt_conv_output_size(7, 3, 2, 1, 1, 1) == 4);
  CHECK(qrt_conv_output_size(7, 3, 2, 2, 0, 1) == 2);  // span 5 in 8 -> (8-5)/2+1
  CHECK(qrt_conv_output_size(2, 3, 1, 1, 0, 0) == 0);  // kernel does not fit
  CHECK(qrt_conv_output_size(1, 3, 1, 1, 1, 1) == 1);
}
