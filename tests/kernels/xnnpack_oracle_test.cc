// XNNPACK as an independent oracle for qrt_conv2d_s8__ref.
//
// XNNPACK's per-channel int8 convolution (qc8) requantizes with
//   scale[c] = input_scale * kernel_scale[c] / output_scale
// in fp32, the same "fp32" recipe as docs/integer-semantics.md (multiply,
// clamp in float, round half to even, add the zero point). Giving it
// input_scale = 1, output_scale = 1 and kernel_scale[c] = our m[c] makes its
// scale exactly m[c] (1 * m / 1 is exact), so both must agree bit for bit on
// the same integers. Random shapes cover 1x1, 3x3, strided, padded (also
// asymmetric), depthwise (with and without XNN_FLAG_DEPTHWISE_CONVOLUTION's
// HWGo weight layout), grouped and dilated convolutions with random zero
// points, multipliers and clamps; every case prints its shape on failure.
#include <catch2/catch.hpp>

#include <xnnpack.h>

#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "naive.h"
#include "qrt/kernels/ref.h"

namespace {

enum class Kind { k1x1, k3x3, strided, padded, depthwise, depthwise_hwg, grouped, dilated };

struct Case {
  qrt_conv2d_params p{};
  bool depthwise_flag = false;
  int32_t zy = 0, lo = -128, hi = 127;
  std::vector<int8_t> x, w;
  std::vector<int32_t> bias;  // empty: no bias
  std::vector<float> m;

  std::string describe() const {
    std::ostringstream s;
    s << "N" << p.batch << " " << p.input_height << "x" << p.input_width << "x"
      << p.input_channels << " -> " << p.output_height << "x" << p.output_width
      << "x" << p.output_channels << " k" << p.kernel_height << "x" << p.kernel_width
      << " s" << p.stride_height << "," << p.stride_width << " d" << p.dilation_height
      << "," << p.dilation_width << " pad(t" << p.pad_top << " l" << p.pad_left << " b"
      << p.pad_bottom << " r" << p.pad_right << ") groups " << p.groups
      << (depthwise_flag ? " [HWGo]" : "") << " zx " << p.input_zero_point << " zy "
      << zy << " [" << lo << "," << hi << "]" << (bias.empty() ? " no bias" : "");
    return s.str();
  }
};

size_t pick(qrt_test::Rng& rng, size_t lo, size_t hi) {
  return static_cast<size_t>(rng.uniform_int(static_cast<int32_t>(lo), static_cast<int32_t>(hi)));
}

Case random_case(qrt_test::Rng& rng, Kind kind) {
  Case c;
  qrt_conv2d_params& p = c.p;
  p.batch = pick(rng, 1, 2);
  p.groups = 1;
  size_t gic = pick(rng, 1, 19), goc = pick(rng, 1, 19);
  p.kernel_height = p.kernel_width = 3;
  p.stride_height = p.stride_width = 1;
  p.dilation_height = p.dilation_width = 1;
  switch (kind) {
    case Kind::k1x1:
      p.kernel_height = p.kernel_width = 1;
      p.stride_height = p.stride_width = pick(rng, 1, 2);
      break;
    case Kind::k3x3:
      p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = pick(rng, 0, 1);
      break;
    case Kind::strided:
      p.kernel_height = pick(rng, 1, 5);
      p.kernel_width = pick(rng, 1, 5);
      p.stride_height = pick(rng, 1, 3);
      p.stride_width = pick(rng, 1, 3);
      p.pad_top = p.pad_bottom = p.kernel_height / 2;
      p.pad_left = p.pad_right = p.kernel_width / 2;
      break;
    case Kind::padded:  // asymmetric, e.g. TF "SAME" with stride 2
      p.stride_height = p.stride_width = pick(rng, 1, 2);
      p.pad_top = pick(rng, 0, 2); p.pad_left = pick(rng, 0, 2);
      p.pad_bottom = pick(rng, 0, 2); p.pad_right = pick(rng, 0, 2);
      break;
    case Kind::depthwise:
    case Kind::depthwise_hwg:
      p.groups = pick(rng, 1, 24);
      gic = 1;
      goc = pick(rng, 1, 2);  // depth multiplier
      p.kernel_height = p.kernel_width = rng.uniform_int(0, 1) ? 3 : 5;
      p.stride_height = p.stride_width = pick(rng, 1, 2);
      p.pad_top = pick(rng, 0, 2); p.pad_left = pick(rng, 0, 2);
      p.pad_bottom = pick(rng, 0, 2); p.pad_right = pick(rng, 0, 2);
      p.dilation_height = p.dilation_width = pick(rng, 1, 2);
      c.depthwise_flag = kind == Kind::depthwise_hwg;
      break;
    case Kind::grouped:
      p.groups = pick(rng, 2, 4);
      gic = pick(rng, 1, 6);
      goc = pick(rng, 1, 6);
      p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
      p.stride_height = p.stride_width = pick(rng, 1, 2);
      p.dilation_height = pick(rng, 1, 2);
      break;
    case Kind::dilated:
      p.dilation_height = pick(rng, 1, 3);
      p.dilation_width = pick(rng, 2, 3);
      p.pad_top = pick(rng, 0, 2); p.pad_left = pick(rng, 0, 3);
      p.pad_bottom = pick(rng, 0, 2); p.pad_right = pick(rng, 0, 3);
      p.stride_height = p.stride_width = pick(rng, 1, 2);
      break;
  }
  const size_t span_h = p.dilation_height * (p.kernel_height - 1) + 1;
  const size_t span_w = p.dilation_width * (p.kernel_width - 1) + 1;
  p.input_height = span_h + pick(rng, 0, 7);
  p.input_width = span_w + pick(rng, 0, 7);
  p.input_channels = p.groups * gic;
  p.output_channels = p.groups * goc;
  p.output_height = qrt_conv_output_size(p.input_height, p.kernel_height, p.stride_height,
                                         p.dilation_height, p.pad_top, p.pad_bottom);
  p.output_width = qrt_conv_output_size(p.input_width, p.kernel_width, p.stride_width,
                                        p.dilation_width, p.pad_left, p.pad_right);
  p.input_zero_point = rng.uniform_int(-128, 127);

  c.zy = rng.uniform_int(-128, 127);
  switch (rng.uniform_int(0, 3)) {
    case 0: break;                                                   // full range
    case 1: c.lo = c.zy; break;                                      // RELU
    case 2: c.lo = c.zy; c.hi = std::min(127, c.zy + rng.uniform_int(1, 60)); break;  // RELU6
    default:
      c.lo = rng.uniform_int(-128, 100);
      c.hi = rng.uniform_int(c.lo + 1, 127);
  }
  if (c.lo >= c.hi) c.lo = c.hi - 1;  // XNNPACK wants lo < hi (zy = 127 with RELU)

  const int32_t qw = (1 << (rng.uniform_int(4, 8) - 1)) - 1;
  c.x = rng.int8s(p.batch * p.input_height * p.input_width * p.input_channels);
  c.w = rng.int8s(p.output_channels * p.kernel_height * p.kernel_width * gic, -qw, qw);
  if (rng.uniform_int(0, 3) != 0) {
    c.bias.resize(p.output_channels);
    for (auto& b : c.bias) b = rng.uniform_int(-100000, 100000);
  }
  // Multipliers spread over about four octaves around an output of +-60, and
  // now and then large ones (saturation) or tiny ones (rounding to zero).
  const float k = static_cast<float>(p.kernel_height * p.kernel_width * gic);
  const float typical = std::sqrt(k) * 73.0f * static_cast<float>(qw) * 0.6f;
  c.m.resize(p.output_channels);
  for (auto& m : c.m) {
    m = std::exp2(rng.uniform_float(-2.0f, 2.0f)) * 60.0f / typical;
    const int32_t r = rng.uniform_int(0, 9);
    if (r == 0) m *= 64.0f;
    if (r == 1) m /= 1024.0f;
  }
  return c;
}

// HWGo layout for XNN_FLAG_DEPTHWISE_CONVOLUTION: [kh, kw, groups * goc]
// from our OHWI [groups * goc, kh, kw, 1].
std::vector<int8_t> ohwi_to_hwgo(const Case& c) {
  const qrt_conv2d_params& p = c.p;
  const size_t khw = p.kernel_height * p.kernel_width;
  std::vector<int8_t> out(c.w.size());
  for (size_t o = 0; o < p.output_channels; o++)
    for (size_t k = 0; k < khw; k++) out[k * p.output_channels + o] = c.w[o * khw + k];
  return out;
}

std::vector<int8_t> run_xnnpack(const Case& c) {
  const qrt_conv2d_params& p = c.p;
  const std::vector<int8_t> w = c.depthwise_flag ? ohwi_to_hwgo(c) : c.w;
  xnn_operator_t op = nullptr;
  const enum xnn_status created = xnn_create_convolution2d_nhwc_qc8(
      p.pad_top, p.pad_right, p.pad_bottom, p.pad_left, p.kernel_height,
      p.kernel_width, p.stride_height, p.stride_width, p.dilation_height,
      p.dilation_width, p.groups, p.input_channels / p.groups,
      p.output_channels / p.groups, p.input_channels, p.output_channels,
      static_cast<int8_t>(p.input_zero_point), 1.0f, c.m.data(), w.data(),
      c.bias.empty() ? nullptr : c.bias.data(), static_cast<int8_t>(c.zy), 1.0f,
      static_cast<int8_t>(c.lo), static_cast<int8_t>(c.hi),
      c.depthwise_flag ? XNN_FLAG_DEPTHWISE_CONVOLUTION : 0, &op);
  REQUIRE(created == xnn_status_success);
  std::vector<int8_t> y(p.batch * p.output_height * p.output_width * p.output_channels);
  REQUIRE(xnn_setup_convolution2d_nhwc_qc8(op, p.batch, p.input_height, p.input_width,
                                           c.x.data(), y.data(), nullptr) ==
          xnn_status_success);
  REQUIRE(xnn_run_operator(op, nullptr) == xnn_status_success);
  xnn_delete_operator(op);
  return y;
}

void check_case(const Case& c) {
  INFO(c.describe());
  const qrt_requant_s8_params rq{c.m.data(), c.zy, static_cast<int8_t>(c.lo),
                                 static_cast<int8_t>(c.hi)};
  std::vector<int8_t> ours(c.p.batch * c.p.output_height * c.p.output_width *
                               c.p.output_channels,
                           0x55);
  qrt_conv2d_s8__ref(&c.p, c.x.data(), c.w.data(),
                     c.bias.empty() ? nullptr : c.bias.data(), &rq, ours.data());
  const std::vector<int8_t> theirs = run_xnnpack(c);
  size_t mismatches = 0, first = 0;
  for (size_t i = 0; i < ours.size(); i++) {
    if (ours[i] != theirs[i] && mismatches++ == 0) first = i;
  }
  INFO("first mismatch at output " << first << ": qrt " << int(ours[first])
                                   << " xnnpack " << int(theirs[first]));
  REQUIRE(mismatches == 0);
}

}  // namespace

TEST_CASE("qrt_conv2d_s8__ref matches XNNPACK qc8 convolution", "[conv][xnnpack]") {
  REQUIRE(xnn_initialize(nullptr) == xnn_status_success);
  const Kind kind = GENERATE(Kind::k1x1, Kind::k3x3, Kind::strided, Kind::padded,
                             Kind::depthwise, Kind::depthwise_hwg, Kind::grouped,
                             Kind::dilated);
  qrt_test::Rng rng(1000 + static_cast<uint32_t>(kind));
  for (int i = 0; i < 100; i++) {
    check_case(random_case(rng, kind));
  }
}

TEST_CASE("XNNPACK oracle sees rounding ties and saturation", "[conv][xnnpack]") {
  // A 1x1 conv over one channel with weight 1 and m = 0.5: acc = x - zx, so
  // every odd acc is a tie. Half-away-from-zero rounding would differ here.
  REQUIRE(xnn_initialize(nullptr) == xnn_status_success);
  Case c;
  qrt_conv2d_params& p = c.p;
  p.batch = 1;
  p.input_height = 1; p.input_width = 256; p.input_channels = 1;
  p.output_height = 1; p.output_width = 256; p.output_channels = 1;
  p.kernel_height = p.kernel_width = 1;
  p.stride_height = p.stride_width = p.dilation_height = p.dilation_width = 1;
  p.groups = 1;
  p.input_zero_point = 0;
  for (int v = -128; v < 128; v++) c.x.push_back(static_cast<int8_t>(v));
  c.w = {1};
  c.m = {0.5f};
  check_case(c);
  c.m = {1.5f};  // +-192 saturates at both ends
  check_case(c);
  c.zy = 10; c.lo = 10; c.hi = 20;
  check_case(c);
}
