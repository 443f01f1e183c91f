// ConvTester: a fluent tester for the Conv2D kernels.
//
//   ConvTester().input_size(7, 5).kernel_size(3, 3).stride(2).groups(3)
//       .group_input_channels(2).group_output_channels(5).test_s8(fn);
//
// builds random int8 inputs / weights / bias / per-channel multipliers from a
// fixed seed, runs the kernel under test and checks every output element for
// exact equality with the naive formula in naive.h. test_f32 checks the
// dequantizing epilogue the same way. The same tester serves future NEON
// kernels: pass their function instead of qrt_conv2d_s8__ref.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "naive.h"
#include "qrt/kernels/ref.h"

namespace qrt_test {

using ConvS8Fn = void (*)(const qrt_conv2d_params*, const int8_t*, const int8_t*,
                          const int32_t*, const qrt_requant_s8_params*, int8_t*);
using ConvF32Fn = void (*)(const qrt_conv2d_params*, const int8_t*, const int8_t*,
                           const int32_t*, const qrt_dequant_f32_params*, float*);

class ConvTester {
 public:
  ConvTester& batch(size_t n) { s_.n = n; return *this; }
  ConvTester& input_size(size_t h, size_t w) { s_.ih = h; s_.iw = w; return *this; }
  ConvTester& kernel_size(size_t h, size_t w) { s_.kh = h; s_.kw = w; return *this; }
  ConvTester& stride(size_t h, size_t w) { s_.sh = h; s_.sw = w; return *this; }
  ConvTester& stride(size_t s) { return stride(s, s); }
  ConvTester& dilation(size_t h, size_t w) { s_.dh = h; s_.dw = w; return *this; }
  ConvTester& dilation(size_t d) { return dilation(d, d); }
  ConvTester& padding(size_t top, size_t left, size_t bottom, size_t right) {
    s_.pt = top; s_.pl = left; s_.pb = bottom; s_.pr = right; return *this;
  }
  ConvTester& padding(size_t p) { return padding(p, p, p, p); }
  ConvTester& groups(size_t g) { s_.groups = g; return *this; }
  ConvTester& group_input_channels(size_t c) { s_.gic = c; return *this; }
  ConvTester& group_output_channels(size_t c) { s_.goc = c; return *this; }
  ConvTester& input_zero_point(int32_t z) { zx_ = z; return *this; }
  ConvTester& output_zero_point(int32_t z) { zy_ = z; return *this; }
  ConvTester& qmin(int32_t q) { qmin_ = q; return *this; }
  ConvTester& qmax(int32_t q) { qmax_ = q; return *this; }
  // Weights drawn from [-(2^(b-1)-1), 2^(b-1)-1].
  ConvTester& weight_bits(int b) { weight_bits_ = b; return *this; }
  ConvTester& has_bias(bool b) { has_bias_ = b; return *this; }
  // Scales the random multipliers: > 1 saturates more outputs.
  ConvTester& multiplier_scale(float m) { multiplier_scale_ = m; return *this; }
  ConvTester& activation(qrt_activation a) { activation_ = a; return *this; }
  ConvTester& seed(uint32_t s) { seed_ = s; return *this; }
  ConvTester& iterations(size_t i) { iterations_ = i; return *this; }

  const NaiveConvShape& shape() const { return s_; }

  qrt_conv2d_params params() const {
    qrt_conv2d_params p{};
    p.batch = s_.n;
    p.input_height = s_.ih; p.input_width = s_.iw;
    p.input_channels = s_.groups * s_.gic;
    p.output_height = s_.oh(); p.output_width = s_.ow();
    p.output_channels = s_.groups * s_.goc;
    p.kernel_height = s_.kh; p.kernel_width = s_.kw;
    p.stride_height = s_.sh; p.stride_width = s_.sw;
    p.dilation_height = s_.dh; p.dilation_width = s_.dw;
    p.pad_top = s_.pt; p.pad_left = s_.pl; p.pad_bottom = s_.pb; p.pad_right = s_.pr;
    p.groups = s_.groups;
    p.input_zero_point = zx_;
    return p;
  }

  void test_s8(ConvS8Fn fn) const {
    Rng rng(seed_);
    for (size_t it = 0; it < iterations_; it++) {
      INFO("seed " << seed_ << " iteration " << it);
      Data d = random_data(rng);
      const qrt_conv2d_params p = params();
      REQUIRE(qrt_conv_output_size(s_.ih, s_.kh, s_.sh, s_.dh, s_.pt, s_.pb) == s_.oh());
      REQUIRE(qrt_conv_output_size(s_.iw, s_.kw, s_.sw, s_.dw, s_.pl, s_.pr) == s_.ow());
      const qrt_requant_s8_params rq{d.multipliers.data(), zy_,
                                     static_cast<int8_t>(qmin_),
                                     static_cast<int8_t>(qmax_)};
      std::vector<int8_t> y(d.acc.size(), 0x5A);
      fn(&p, d.x.data(), d.w.data(), has_bias_ ? d.bias.data() : nullptr, &rq, y.data());
      const size_t oc = p.output_channels;
      size_t saturated = 0;
      for (size_t i = 0; i < y.size(); i++) {
        const int8_t expected =
            naive_requantize(d.acc[i], d.multipliers[i % oc], zy_, qmin_, qmax_);
        INFO("output " << i << " (channel " << i % oc << ") acc " << d.acc[i]
                       << " multiplier " << d.multipliers[i % oc]);
        REQUIRE(int(y[i]) == int(expected));
        saturated += (expected == qmin_ || expected == qmax_);
      }
      saturated_ = saturated;
    }
  }

  void test_f32(ConvF32Fn fn) const {
    Rng rng(seed_);
    float lo, hi;
    qrt_activation_range_f32(activation_, &lo, &hi);
    for (size_t it = 0; it < iterations_; it++) {
      INFO("seed " << seed_ << " iteration " << it);
      Data d = random_data(rng);
      const qrt_conv2d_params p = params();
      const qrt_dequant_f32_params dq{d.multipliers.data(), lo, hi};
      std::vector<float> y(d.acc.size(), -1234.5f);
      fn(&p, d.x.data(), d.w.data(), has_bias_ ? d.bias.data() : nullptr, &dq, y.data());
      const size_t oc = p.output_channels;
      for (size_t i = 0; i < y.size(); i++) {
        float expected = static_cast<float>(d.acc[i]) * d.multipliers[i % oc];
        if (activation_ != QRT_ACTIVATION_NONE) expected = std::max(expected, 0.0f);
        if (activation_ == QRT_ACTIVATION_RELU6) expected = std::min(expected, 6.0f);
        INFO("output " << i << " acc " << d.acc[i]);
        REQUIRE(y[i] == expected);
      }
    }
  }

  // Outputs of the last test_s8 iteration that hit qmin or qmax.
  size_t saturated() const { return saturated_; }

 private:
  struct Data {
    std::vector<int8_t> x, w;
    std::vector<int32_t> bias, acc;
    std::vector<float> multipliers;
  };

  Data random_data(Rng& rng) const {
    Data d;
    const int32_t qw = (1 << (weight_bits_ - 1)) - 1;
    const size_t ic = s_.groups * s_.gic, oc = s_.groups * s_.goc;
    d.x = rng.int8s(s_.n * s_.ih * s_.iw * ic);
    d.w = rng.int8s(oc * s_.kh * s_.kw * s_.gic, -qw, qw);
    d.bias.resize(oc);
    for (auto& b : d.bias) b = rng.uniform_int(-20000, 20000);
    // Typical |acc| ~ sqrt(K) * 73 * qw / 2: aim outputs at about +-60.
    const float k = static_cast<float>(s_.kh * s_.kw * s_.gic);
    const float typical = std::sqrt(k) * 73.0f * static_cast<float>(qw) * 0.6f + 1.0f;
    d.multipliers.resize(oc);
    for (auto& m : d.multipliers)
      m = rng.uniform_float(0.5f, 2.0f) * multiplier_scale_ * 60.0f / typical;
    d.acc = naive_conv_acc(s_, d.x, d.w, has_bias_ ? d.bias : std::vector<int32_t>(), zx_);
    return d;
  }

  NaiveConvShape s_{1, 5, 5, 1, 3, 4, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0};
  int32_t zx_ = 0, zy_ = 0, qmin_ = -128, qmax_ = 127;
  int weight_bits_ = 8;
  bool has_bias_ = true;
  float multiplier_scale_ = 1.0f;
  qrt_activation activation_ = QRT_ACTIVATION_NONE;
  uint32_t seed_ = 42;
  size_t iterations_ = 3;
  mutable size_t saturated_ = 0;
};

}  // namespace qrt_test
