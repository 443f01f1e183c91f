// The plain saturating INT16 emulation (eval/study/conv_sat16.c): crafted
// worst cases computed by hand, random extreme values against a naive
// formula written here (products w * (x - zx), padding adds nothing, one
// int16 accumulator saturating at each add in (ky, kx, ci) order, then the
// bias in int32), and equality with the int32 reference when no partial sum can
// leave int16.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "naive.h"
#include "qrt/kernels/ref.h"
#include "study/conv_sat16.h"

using qrt_test::naive_requantize;

namespace {

int32_t sat16(int32_t v) { return v > 32767 ? 32767 : v < -32768 ? -32768 : v; }

// Accumulators of the emulation: for every output, walk the taps in
// (ky, kx, ci) order over the zx-padded stored input.
std::vector<int32_t> naive_sat16_acc(const qrt_test::NaiveConvShape& s, const std::vector<int8_t>& x,
                                     const std::vector<int8_t>& w, const std::vector<int32_t>& bias, int32_t zx) {
  const size_t ic = s.groups * s.gic, oc = s.groups * s.goc, oh = s.oh(), ow = s.ow();
  std::vector<int32_t> acc(s.n * oh * ow * oc);
  for (size_t b = 0; b < s.n; b++)
    for (size_t y = 0; y < oh; y++)
      for (size_t xx = 0; xx < ow; xx++)
        for (size_t c = 0; c < oc; c++) {
          const size_t g = c / s.goc;
          int32_t a16 = 0;
          for (size_t ky = 0; ky < s.kh; ky++)
            for (size_t kx = 0; kx < s.kw; kx++)
              for (size_t i = 0; i < s.gic; i++) {
                const long iy = long(y * s.sh + ky * s.dh) - long(s.pt);
                const long ix = long(xx * s.sw + kx * s.dw) - long(s.pl);
                const bool in = iy >= 0 && iy < long(s.ih) && ix >= 0 && ix < long(s.iw);
                if (!in) continue;
                const int32_t q = x[((b * s.ih + size_t(iy)) * s.iw + size_t(ix)) * ic + g * s.gic + i] - zx;
                a16 = sat16(a16 + w[((c * s.kh + ky) * s.kw + kx) * s.gic + i] * q);
              }
          acc[((b * oh + y) * ow + xx) * oc + c] = (bias.empty() ? 0 : bias[c]) + a16;
        }
  return acc;
}

qrt_conv2d_params conv_params(const qrt_test::NaiveConvShape& s, int32_t zx) {
  qrt_conv2d_params p{};
  p.batch = s.n;
  p.input_height = s.ih;
  p.input_width = s.iw;
  p.input_channels = s.groups * s.gic;
  p.output_height = s.oh();
  p.output_width = s.ow();
  p.output_channels = s.groups * s.goc;
  p.kernel_height = s.kh;
  p.kernel_width = s.kw;
  p.stride_height = s.sh;
  p.stride_width = s.sw;
  p.dilation_height = s.dh;
  p.dilation_width = s.dw;
  p.pad_top = s.pt;
  p.pad_left = s.pl;
  p.pad_bottom = s.pb;
  p.pad_right = s.pr;
  p.groups = s.groups;
  p.input_zero_point = zx;
  return p;
}

// FC accumulators through the f32 epilogue with scale 1 (exact for |acc| < 2^24).
std::vector<int32_t> fc_sat16(const std::vector<int8_t>& x, const std::vector<int8_t>& w, int32_t bias, int32_t zx) {
  const qrt_fully_connected_params p{1, x.size(), 1, zx};
  const float one = 1.0f;
  const qrt_dequant_f32_params dq{&one, -INFINITY, INFINITY};
  float y = 0.0f;
  qrt_study_fully_connected_s8_f32_sat16(&p, x.data(), w.data(), &bias, &dq, &y);
  return {int32_t(y)};
}

}  // namespace

TEST_CASE("sat16: crafted worst cases saturate at every add, bias and zero point in int32", "[sat16][study]") {
  const std::vector<int8_t> x127(4, 127);
  // 16129, 32258, 32767 (sat), 32767 (sat) + bias 5; int32 would be 64516 + 5.
  CHECK(fc_sat16(x127, {127, 127, 127, 127}, 5, 0) == std::vector<int32_t>{32772});
  // Order matters: 16129, 32258, 32767 (sat), then -16129 -> 16638 (exact: 32258).
  CHECK(fc_sat16(x127, {127, 127, 127, -127}, 0, 0) == std::vector<int32_t>{16638});
  CHECK(fc_sat16(x127, {-127, 127, 127, 127}, 0, 0) == std::vector<int32_t>{32258});  // never leaves int16
  // Negative side: 127 * -128 = -16256 three times: -16256, -32512, -32768 (sat).
  CHECK(fc_sat16({-128, -128, -128}, {127, 127, 127}, -7, 0) == std::vector<int32_t>{-32768 - 7});
  // U8 stored as q - 128 (zx = -128): the products use q = 255 (127 * 255 =
  // 32385), not the stored 127: 32385, then 32767 (sat) twice; int32: 97155.
  CHECK(fc_sat16({127, 127, 127}, {127, 127, 127}, 0, -128) == std::vector<int32_t>{32767});
  // Small codes stay exact: q = 0 (stored -128) everywhere gives the bias.
  CHECK(fc_sat16({-128, -128, -128, -128}, {127, 127, 127, 127}, 9, -128) == std::vector<int32_t>{9});

  // The int8 (requantizing) FC variant applies the same accumulator.
  const qrt_fully_connected_params p{1, 4, 1, 0};
  const float m = 1.0f / 256.0f;
  const qrt_requant_s8_params rq{&m, 0, -128, 127};
  const std::vector<int8_t> w = {127, 127, 127, 127};
  int8_t y = 0;
  qrt_study_fully_connected_s8_sat16(&p, x127.data(), w.data(), nullptr, &rq, &y);
  CHECK(int(y) == int(naive_requantize(32767, m, 0, -128, 127)));  // 128, clamped to 127
  qrt_fully_connected_s8__ref(&p, x127.data(), w.data(), nullptr, &rq, &y);
  CHECK(int(y) == 127);

  // Conv: padded taps add nothing. 3x1 kernel, pad 1, one input row with
  // q = 200 (zx = -128, stored 72): 0, 127 * 200 = 25400, 0 -- no saturation.
  const qrt_test::NaiveConvShape s{1, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1, 1, 0, 1, 0};
  const qrt_conv2d_params cp = conv_params(s, -128);
  const std::vector<int8_t> cx = {72}, cw = {127, 127, 127};
  const float one = 1.0f;
  const qrt_dequant_f32_params dq{&one, -INFINITY, INFINITY};
  float cy = 0.0f;
  qrt_study_conv2d_s8_f32_sat16(&cp, cx.data(), cw.data(), nullptr, &dq, &cy);
  CHECK(cy == 25400.0f);
  // Two input rows, no padding, kernel 2x1: 25400 + 25400 saturates at 32767.
  const qrt_test::NaiveConvShape s2{1, 2, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 0, 0, 0, 0};
  const qrt_conv2d_params cp2 = conv_params(s2, -128);
  const std::vector<int8_t> cx2 = {72, 72};
  qrt_study_conv2d_s8_f32_sat16(&cp2, cx2.data(), cw.data(), nullptr, &dq, &cy);
  CHECK(cy == 32767.0f);
  qrt_conv2d_s8_f32__ref(&cp2, cx2.data(), cw.data(), nullptr, &dq, &cy);
  CHECK(cy == 50800.0f);
}

TEST_CASE("sat16 conv / FC equal the naive formula on extreme values", "[sat16][study]") {
  const size_t groups = GENERATE(1, 2);
  const size_t k = GENERATE(1, 3);
  const size_t pad = GENERATE(0, 1);
  const int32_t zx = GENERATE(0, -128, 17);
  qrt_test::Rng rng(uint32_t(groups * 1000 + k * 100 + pad * 10 + size_t(zx + 128)));
  const qrt_test::NaiveConvShape s{2, 5, 4, groups, 6, 3, k, k, 1, 1, 1, 1, pad, pad, pad, pad};
  const size_t ic = groups * s.gic, oc = groups * s.goc;
  std::vector<int8_t> x(s.n * s.ih * s.iw * ic), w(oc * k * k * s.gic);
  for (auto& v : x) v = int8_t(rng.uniform_int(0, 3) ? 127 : -128);  // mostly one sign: saturates
  for (auto& v : w) v = int8_t(rng.uniform_int(0, 4) ? 127 : -127);
  std::vector<int32_t> bias(oc);
  for (auto& b : bias) b = rng.uniform_int(-1000, 1000);
  const auto expect = naive_sat16_acc(s, x, w, bias, zx);
  const auto exact = qrt_test::naive_conv_acc(s, x, w, bias, zx);
  size_t differ = 0;
  for (size_t i = 0; i < exact.size(); i++) differ += expect[i] != exact[i];
  if (k * k * s.gic > 2) CHECK(differ > 0);  // the case really saturates

  const qrt_conv2d_params p = conv_params(s, zx);
  std::vector<float> scales(oc, 1.0f);
  const qrt_dequant_f32_params dq{scales.data(), -INFINITY, INFINITY};
  std::vector<float> yf(expect.size());
  qrt_study_conv2d_s8_f32_sat16(&p, x.data(), w.data(), bias.data(), &dq, yf.data());
  std::vector<float> m(oc);
  for (auto& v : m) v = rng.uniform_float(0.001f, 0.01f);
  const qrt_requant_s8_params rq{m.data(), 3, -128, 127};
  std::vector<int8_t> y(expect.size());
  qrt_study_conv2d_s8_sat16(&p, x.data(), w.data(), bias.data(), &rq, y.data());
  for (size_t i = 0; i < expect.size(); i++) {
    INFO("output " << i);
    REQUIRE(yf[i] == float(expect[i]));
    REQUIRE(int(y[i]) == int(naive_requantize(expect[i], m[i % oc], 3, -128, 127)));
  }

  // FC = the same sum over one row.
  const size_t kk = 40;
  const auto fx = rng.int8s(3 * kk, 100, 127), fw = rng.int8s(2 * kk, 100, 127);
  const qrt_fully_connected_params fp{3, kk, 2, zx};
  std::vector<float> fy(6);
  qrt_study_fully_connected_s8_f32_sat16(&fp, fx.data(), fw.data(), bias.data(), &dq, fy.data());
  const qrt_test::NaiveConvShape fs{3, 1, 1, 1, kk, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
  const auto fexpect = naive_sat16_acc(fs, fx, fw, {bias[0], bias[1]}, zx);
  for (size_t i = 0; i < 6; i++) REQUIRE(fy[i] == float(fexpect[i]));
}

TEST_CASE("sat16 equals the int32 reference when no partial sum leaves int16", "[sat16][study]") {
  const size_t groups = GENERATE(1, 3);
  const int32_t zx = GENERATE(0, -128);
  qrt_test::Rng rng(uint32_t(groups * 7 + size_t(-zx)));
  // 3x3 x 8 channels = 72 taps, |w| <= 1, |x - zx| <= 255: |partial sum| <= 18360.
  const qrt_test::NaiveConvShape s{1, 6, 7, groups, 8, 4, 3, 3, 2, 1, 1, 2, 1, 2, 1, 2};
  const size_t ic = groups * s.gic, oc = groups * s.goc;
  const auto x = rng.int8s(s.n * s.ih * s.iw * ic);
  const auto w = rng.int8s(oc * 9 * s.gic, -1, 1);
  std::vector<int32_t> bias(oc);
  for (auto& b : bias) b = rng.uniform_int(-100000, 100000);  // the bias may exceed int16: it is int32
  const qrt_conv2d_params p = conv_params(s, zx);
  std::vector<float> m(oc);
  for (auto& v : m) v = rng.uniform_float(0.0005f, 0.002f);
  const qrt_requant_s8_params rq{m.data(), -5, -100, 120};
  const size_t n = s.n * s.oh() * s.ow() * oc;
  std::vector<int8_t> y16(n), y32(n);
  qrt_study_conv2d_s8_sat16(&p, x.data(), w.data(), bias.data(), &rq, y16.data());
  qrt_conv2d_s8__ref(&p, x.data(), w.data(), bias.data(), &rq, y32.data());
  CHECK(y16 == y32);
  const qrt_dequant_f32_params dq{m.data(), -INFINITY, INFINITY};
  std::vector<float> f16(n), f32(n);
  qrt_study_conv2d_s8_f32_sat16(&p, x.data(), w.data(), bias.data(), &dq, f16.data());
  qrt_conv2d_s8_f32__ref(&p, x.data(), w.data(), bias.data(), &dq, f32.data());
  CHECK(f16 == f32);

  const qrt_fully_connected_params fp{2, 120, oc, zx};  // 120 * 255 * 1 <= 32767
  const auto fx = rng.int8s(2 * 120), fw = rng.int8s(oc * 120, -1, 1);
  std::vector<int8_t> g16(2 * oc), g32(2 * oc);
  qrt_study_fully_connected_s8_sat16(&fp, fx.data(), fw.data(), bias.data(), &rq, g16.data());
  qrt_fully_connected_s8__ref(&fp, fx.data(), fw.data(), bias.data(), &rq, g32.data());
  CHECK(g16 == g32);
  std::vector<float> h16(2 * oc), h32(2 * oc);
  qrt_study_fully_connected_s8_f32_sat16(&fp, fx.data(), fw.data(), bias.data(), &dq, h16.data());
  qrt_fully_connected_s8_f32__ref(&fp, fx.data(), fw.data(), bias.data(), &dq, h32.data());
  CHECK(h16 == h32);
}
