// Pooling reference kernels: hand-computed cases, then random shapes against
// a naive loop that scans the whole kernel and tests bounds per tap.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "naive.h"
#include "qrt/kernels/ref.h"

using qrt_test::naive_requantize;

namespace {

struct PoolShape {
  size_t n, ih, iw, c, kh, kw, sh, sw, pt, pl, pb, pr;
  bool include_pad;
  qrt_pool2d_params params() const {
    qrt_pool2d_params p{};
    p.batch = n; p.input_height = ih; p.input_width = iw; p.channels = c;
    p.output_height = qrt_conv_output_size(ih, kh, sh, 1, pt, pb);
    p.output_width = qrt_conv_output_size(iw, kw, sw, 1, pl, pr);
    p.kernel_height = kh; p.kernel_width = kw;
    p.stride_height = sh; p.stride_width = sw;
    p.pad_top = pt; p.pad_left = pl; p.pad_bottom = pb; p.pad_right = pr;
    p.count_include_pad = include_pad ? 1 : 0;
    return p;
  }
};

// Visits the in-bounds taps of output (b, oy, ox) in row-major kernel order.
template <typename F>
void for_taps(const PoolShape& s, size_t oy, size_t ox, F f) {
  for (size_t ky = 0; ky < s.kh; ky++)
    for (size_t kx = 0; kx < s.kw; kx++) {
      const long iy = long(oy * s.sh + ky) - long(s.pt);
      const long ix = long(ox * s.sw + kx) - long(s.pl);
      if (iy >= 0 && iy < long(s.ih) && ix >= 0 && ix < long(s.iw)) f(size_t(iy), size_t(ix));
    }
}

void check_pools(const PoolShape& s, uint32_t seed) {
  INFO("pool " << s.ih << "x" << s.iw << "x" << s.c << " k" << s.kh << "x" << s.kw << " s"
               << s.sh << "," << s.sw << " pad " << s.pt << s.pl << s.pb << s.pr
               << " include_pad " << s.include_pad << " seed " << seed);
  qrt_test::Rng rng(seed);
  const qrt_pool2d_params p = s.params();
  const size_t in_size = s.n * s.ih * s.iw * s.c;
  const size_t out_size = s.n * p.output_height * p.output_width * s.c;
  const auto x8 = rng.int8s(in_size);
  const auto xf = rng.floats(in_size, -10.0f, 10.0f);
  const int32_t lo = rng.uniform_int(-128, -1), hi = rng.uniform_int(0, 127);
  const qrt_avgpool_s8_params q{rng.uniform_float(0.01f, 0.1f), rng.uniform_float(0.01f, 0.1f),
                                rng.uniform_int(-128, 127), rng.uniform_int(-20, 20),
                                int8_t(lo), int8_t(hi)};
  std::vector<int8_t> max8(out_size), avg8(out_size);
  std::vector<float> maxf(out_size), avgf(out_size);
  qrt_maxpool2d_s8__ref(&p, x8.data(), int8_t(lo), int8_t(hi), max8.data());
  qrt_avgpool2d_s8__ref(&p, x8.data(), &q, avg8.data());
  qrt_maxpool2d_f32__ref(&p, xf.data(), -5.0f, 6.0f, maxf.data());
  qrt_avgpool2d_f32__ref(&p, xf.data(), 0.0f, INFINITY, avgf.data());
  size_t o = 0;
  for (size_t b = 0; b < s.n; b++)
    for (size_t oy = 0; oy < p.output_height; oy++)
      for (size_t ox = 0; ox < p.output_width; ox++)
        for (size_t c = 0; c < s.c; c++, o++) {
          int32_t m8 = -1000, sum8 = 0;
          float mf = -INFINITY, sumf = 0.0f;
          size_t count = 0;
          for_taps(s, oy, ox, [&](size_t iy, size_t ix) {
            const size_t i = ((b * s.ih + iy) * s.iw + ix) * s.c + c;
            m8 = std::max<int32_t>(m8, x8[i]);
            sum8 += x8[i] - q.input_zero_point;
            mf = std::max(mf, xf[i]);
            sumf += xf[i];
            count++;
          });
          REQUIRE(count > 0);
          if (s.include_pad) count = s.kh * s.kw;
          INFO("output " << o);
          REQUIRE(int(max8[o]) == std::min(std::max(m8, lo), hi));
          REQUIRE(maxf[o] == std::min(std::max(mf, -5.0f), 6.0f));
          const float mult = q.input_scale / (q.output_scale * float(count));
          REQUIRE(int(avg8[o]) == int(naive_requantize(sum8, mult, q.output_zero_point, lo, hi)));
          REQUIRE(avgf[o] == std::max(sumf / float(count), 0.0f));
        }
}

}  // namespace

TEST_CASE("maxpool2d / avgpool2d hand-computed", "[pool][ref]") {
  // 1x3x3x1, 2x2 kernel, stride 2, pad right/bottom 1: windows of 4, 2, 2, 1.
  const PoolShape s{1, 3, 3, 1, 2, 2, 2, 2, 0, 0, 1, 1, false};
  const qrt_pool2d_params p = s.params();
  REQUIRE(p.output_height == 2);
  const std::vector<int8_t> x = {1, -2, 3, 4, 5, -6, 7, 8, -9};
  int8_t y[4];
  qrt_maxpool2d_s8__ref(&p, x.data(), -128, 127, y);
  CHECK(std::vector<int>(y, y + 4) == std::vector<int>{5, 3, 8, -9});  // padding never wins
  qrt_maxpool2d_s8__ref(&p, x.data(), -3, 6, y);
  CHECK(std::vector<int>(y, y + 4) == std::vector<int>{5, 3, 6, -3});
  // Average, sx = sy, zx = 1, zy = 0: sums of (x - 1) = 4, -4, 13, -10 over
  // 4, 2, 2, 1 -> 1, -2, 6.5 -> 6, -10.
  const qrt_avgpool_s8_params q{0.5f, 0.5f, 1, 0, -128, 127};
  qrt_avgpool2d_s8__ref(&p, x.data(), &q, y);
  CHECK(std::vector<int>(y, y + 4) == std::vector<int>{1, -2, 6, -10});
  // count_include_pad divides by 4 always: 1, -1, 3.25 -> 3, -2.5 -> -2.
  qrt_pool2d_params pi = p;
  pi.count_include_pad = 1;
  qrt_avgpool2d_s8__ref(&pi, x.data(), &q, y);
  CHECK(std::vector<int>(y, y + 4) == std::vector<int>{1, -1, 3, -2});

  const std::vector<float> xf = {1, -2, 3, 4, 5, -6, 7, 8, -9};
  float yf[4];
  qrt_avgpool2d_f32__ref(&p, xf.data(), -INFINITY, INFINITY, yf);
  CHECK(std::vector<float>(yf, yf + 4) == std::vector<float>{2.0f, -1.5f, 7.5f, -9.0f});
  qrt_maxpool2d_f32__ref(&p, xf.data(), 0.0f, 6.0f, yf);
  CHECK(std::vector<float>(yf, yf + 4) == std::vector<float>{5.0f, 3.0f, 6.0f, 0.0f});
}

TEST_CASE("pool2d random shapes", "[pool][ref]") {
  const size_t k = GENERATE(1, 2, 3);
  const size_t stride = GENERATE(1, 2);
  const size_t c = GENERATE(1, 3, 16);
  const bool include_pad = GENERATE(false, true);
  const size_t pad = k > 1 ? 1 : 0;
  check_pools({2, 7, 6, c, k, k, stride, stride, pad, 0, 0, pad, include_pad},
              uint32_t(k * 100 + stride * 10 + c));
  check_pools({1, 5, 8, c, k, k + 1, stride, 1, 0, pad, pad, 0, include_pad},
              uint32_t(k * 100 + stride * 10 + c + 1));
}

TEST_CASE("global_avgpool hand-computed and random", "[pool][ref]") {
  // 1x2x2x2: channel 0 = 1, 2, 3, 5; channel 1 = -1, -1, -1, -2.
  const std::vector<int8_t> x = {1, -1, 2, -1, 3, -1, 5, -2};
  const qrt_avgpool_s8_params q{1.0f, 1.0f, 0, 3, -128, 127};
  int8_t y[2];
  qrt_global_avgpool_s8__ref(1, 2, 2, 2, x.data(), &q, y);
  CHECK(int(y[0]) == 3 + 3);   // 11 / 4 = 2.75 -> 3, + zy
  CHECK(int(y[1]) == -1 + 3);  // -5 / 4 = -1.25 -> -1
  const std::vector<float> xf = {1, -1, 2, -1, 3, -1, 5, -2};
  float yf[2];
  qrt_global_avgpool_f32__ref(1, 2, 2, 2, xf.data(), 0.0f, INFINITY, yf);
  CHECK(yf[0] == 2.75f);
  CHECK(yf[1] == 0.0f);  // RELU
  // Global = AvgPool with the whole image as its window.
  for (size_t hw : {1, 3, 7}) {
    check_pools({3, hw, hw + 1, 5, hw, hw + 1, 1, 1, 0, 0, 0, 0, false}, uint32_t(hw));
    qrt_test::Rng rng(static_cast<uint32_t>(hw));
    const auto xs = rng.int8s(2 * hw * (hw + 1) * 5);
    const qrt_avgpool_s8_params qq{0.05f, 0.03f, -4, 7, -100, 120};
    std::vector<int8_t> g(10), a(10);
    qrt_global_avgpool_s8__ref(2, hw, hw + 1, 5, xs.data(), &qq, g.data());
    const PoolShape s{2, hw, hw + 1, 5, hw, hw + 1, 1, 1, 0, 0, 0, 0, false};
    const qrt_pool2d_params p = s.params();
    qrt_avgpool2d_s8__ref(&p, xs.data(), &qq, a.data());
    CHECK(g == a);
  }
}
