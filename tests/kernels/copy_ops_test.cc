// CHANNEL_SHUFFLE, SLICE, PAD and LRN reference kernels against naive
// formulas written independently (exact equality), int8 and fp32; the
// CHANNEL_SHUFFLE NEON kernel against the reference (aarch64 builds).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "naive.h"
#include "qrt/kernels/neon.h"
#include "qrt/kernels/ref.h"

using qrt_test::Rng;

TEST_CASE("channel_shuffle: y[o] = x[(o % g) * (C / g) + o / g]", "[channel_shuffle][ref]") {
  // Hand-computed: C = 6, g = 2: [0 1 2 | 3 4 5] -> 0 3 1 4 2 5.
  const int8_t x[6] = {0, 1, 2, 3, 4, 5};
  int8_t y[6];
  qrt_channel_shuffle_s8__ref(1, 2, 3, x, y);
  CHECK(std::vector<int>(y, y + 6) == std::vector<int>{0, 3, 1, 4, 2, 5});
  Rng rng(17);
  for (size_t g = 1; g <= 4; g++)
    for (size_t k = 1; k <= 5; k++) {
      const size_t outer = 7, c = g * k;
      const std::vector<int8_t> xs = rng.int8s(outer * c);
      const std::vector<float> xf = rng.floats(outer * c, -1, 1);
      std::vector<int8_t> ys(xs.size());
      std::vector<float> yf(xf.size());
      qrt_channel_shuffle_s8__ref(outer, g, k, xs.data(), ys.data());
      qrt_channel_shuffle_f32__ref(outer, g, k, xf.data(), yf.data());
      // Naive: the documented formula, one division per output channel.
      for (size_t r = 0; r < outer; r++)
        for (size_t o = 0; o < c; o++) {
          REQUIRE(ys[r * c + o] == xs[r * c + (o % g) * k + o / g]);
          REQUIRE(yf[r * c + o] == xf[r * c + (o % g) * k + o / g]);
        }
    }
}

TEST_CASE("slice and pad copy a box, every axis", "[slice][pad][ref]") {
  Rng rng(19);
  for (int trial = 0; trial < 60; trial++) {
    qrt_box_params p;
    for (int d = 0; d < 4; d++) {
      p.small_shape[d] = size_t(rng.uniform_int(1, 4));
      p.offset[d] = size_t(rng.uniform_int(0, 2));
      p.big_shape[d] = p.small_shape[d] + p.offset[d] + size_t(rng.uniform_int(0, 2));
    }
    const size_t nb = p.big_shape[0] * p.big_shape[1] * p.big_shape[2] * p.big_shape[3];
    const size_t ns = p.small_shape[0] * p.small_shape[1] * p.small_shape[2] * p.small_shape[3];
    auto big_index = [&](size_t a, size_t b, size_t c, size_t d) {
      return ((a * p.big_shape[1] + b) * p.big_shape[2] + c) * p.big_shape[3] + d;
    };
    const std::vector<int8_t> big = rng.int8s(nb), small = rng.int8s(ns);
    const std::vector<float> bigf = rng.floats(nb, -1, 1), smallf = rng.floats(ns, -1, 1);
    std::vector<int8_t> sliced(ns), padded(nb);
    std::vector<float> slicedf(ns), paddedf(nb);
    qrt_slice_s8__ref(&p, big.data(), sliced.data());
    qrt_slice_f32__ref(&p, bigf.data(), slicedf.data());
    qrt_pad_s8__ref(&p, small.data(), -7, padded.data());
    qrt_pad_f32__ref(&p, smallf.data(), 0.5f, paddedf.data());
    size_t i = 0;
    for (size_t a = 0; a < p.small_shape[0]; a++)
      for (size_t b = 0; b < p.small_shape[1]; b++)
        for (size_t c = 0; c < p.small_shape[2]; c++)
          for (size_t d = 0; d < p.small_shape[3]; d++, i++) {
            const size_t j = big_index(a + p.offset[0], b + p.offset[1], c + p.offset[2], d + p.offset[3]);
            REQUIRE(sliced[i] == big[j]);
            REQUIRE(slicedf[i] == bigf[j]);
          }
    for (size_t a = 0; a < p.big_shape[0]; a++)
      for (size_t b = 0; b < p.big_shape[1]; b++)
        for (size_t c = 0; c < p.big_shape[2]; c++)
          for (size_t d = 0; d < p.big_shape[3]; d++) {
            const size_t at[4] = {a, b, c, d};
            bool inside = true;
            size_t k = 0;
            for (int e = 0; e < 4; e++) {
              inside = inside && at[e] >= p.offset[e] && at[e] < p.offset[e] + p.small_shape[e];
              k = k * p.small_shape[e] + (inside ? at[e] - p.offset[e] : 0);
            }
            const size_t j = big_index(a, b, c, d);
            REQUIRE(padded[j] == (inside ? small[k] : int8_t(-7)));
            REQUIRE(paddedf[j] == (inside ? smallf[k] : 0.5f));
          }
  }
}

TEST_CASE("lrn_f32__ref against the ONNX formula, window clipped at both ends", "[lrn][ref]") {
  Rng rng(29);
  for (size_t size : {1, 2, 3, 5, 6}) {
    const size_t outer = 4, channels = 7;
    const std::vector<float> x = rng.floats(outer * channels, -3, 3);
    std::vector<float> y(x.size());
    const qrt_lrn_params p = {size, 0.001f, 0.75f, 2.0f};
    qrt_lrn_f32__ref(outer, channels, &p, x.data(), y.data());
    for (size_t r = 0; r < outer; r++)
      for (long c = 0; c < long(channels); c++) {
        float sum = 0.0f;  // ONNX: c' in [c - floor((size - 1) / 2), c + ceil((size - 1) / 2)]
        for (long k = c - long((size - 1) / 2); k <= c + long(size / 2); k++)
          if (k >= 0 && k < long(channels)) sum += x[r * channels + size_t(k)] * x[r * channels + size_t(k)];
        const float want = x[r * channels + size_t(c)] / std::pow(2.0f + (0.001f / float(size)) * sum, 0.75f);
        REQUIRE(y[r * channels + size_t(c)] == want);
      }
  }
}

#if QRT_KERNELS_HAVE_NEON
TEST_CASE("channel_shuffle_s8__neon equals the reference", "[channel_shuffle][neon]") {
  Rng rng(37);
  for (size_t g = 1; g <= 4; g++)
    for (size_t k = 1; k <= 40; k++) {
      const size_t outer = 3, c = g * k;
      const std::vector<int8_t> x = rng.int8s(outer * c);
      std::vector<int8_t> want(x.size() + 1, 0x55), got(x.size() + 1, 0x55);
      qrt_channel_shuffle_s8__ref(outer, g, k, x.data(), want.data());
      qrt_channel_shuffle_s8__neon(outer, g, k, x.data(), got.data());
      INFO("groups " << g << " group_channels " << k);
      REQUIRE(got == want);
    }
}
#endif
