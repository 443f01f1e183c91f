// LOOKUP_TABLE and int8 MUL: the reference kernels exactly against naive
// formulas, and the NEON kernels (aarch64 builds, run under qemu on
// cortex-a53 and max) bit for bit against the reference over every length
// 0..67 (every tail of the 16-lane loops), random tables, zero points,
// multipliers and clamp ranges.
#include <catch2/catch.hpp>

#include <vector>

#include "naive.h"
#include "qrt/kernels/neon.h"
#include "qrt/kernels/ref.h"

using qrt_test::naive_requantize;
using qrt_test::Rng;

TEST_CASE("lookup_table_s8__ref indexes by storage code + 128", "[lookup_table][ref]") {
  Rng rng(5);
  for (int trial = 0; trial < 8; trial++) {
    const std::vector<int8_t> table = rng.int8s(256);
    std::vector<int8_t> x(256), y(256);
    for (int i = 0; i < 256; i++) x[size_t(i)] = int8_t(i - 128);  // every code once
    qrt_lookup_table_s8__ref(x.size(), x.data(), table.data(), y.data());
    for (int i = 0; i < 256; i++) REQUIRE(y[size_t(i)] == table[size_t(i)]);
    // In-place (output aliases input) reads each element before writing it.
    const std::vector<int8_t> r = rng.int8s(67);
    std::vector<int8_t> z = r;
    qrt_lookup_table_s8__ref(z.size(), z.data(), table.data(), z.data());
    for (size_t i = 0; i < r.size(); i++) REQUIRE(z[i] == table[size_t(r[i] + 128)]);
  }
}

TEST_CASE("mul_s8__ref against the naive product, same shape and broadcast", "[mul][ref]") {
  Rng rng(7);
  for (int trial = 0; trial < 40; trial++) {
    const size_t batch = size_t(rng.uniform_int(1, 2)), spatial = size_t(rng.uniform_int(1, 5)),
                 channels = size_t(rng.uniform_int(1, 37));
    const int broadcast = trial % 2;
    const size_t n = batch * spatial * channels;
    const std::vector<int8_t> a = rng.int8s(n);
    const std::vector<int8_t> b = rng.int8s(broadcast ? batch * channels : n);
    qrt_mul_s8_params p;
    p.multiplier = rng.uniform_float(1e-4f, 0.05f);
    p.a_zero_point = rng.uniform_int(-128, 127);
    p.b_zero_point = rng.uniform_int(-128, 127);
    p.output_zero_point = rng.uniform_int(-20, 20);
    p.output_min = int8_t(rng.uniform_int(-128, -1));
    p.output_max = int8_t(rng.uniform_int(0, 127));
    std::vector<int8_t> y(n);
    qrt_mul_s8__ref(batch, spatial, channels, a.data(), b.data(), broadcast, &p, y.data());
    for (size_t bi = 0; bi < batch; bi++)
      for (size_t s = 0; s < spatial; s++)
        for (size_t c = 0; c < channels; c++) {
          const size_t i = (bi * spatial + s) * channels + c;
          const size_t j = broadcast ? bi * channels + c : i;
          const int32_t acc = (a[i] - p.a_zero_point) * (b[j] - p.b_zero_point);
          REQUIRE(int(y[i]) ==
                  int(naive_requantize(acc, p.multiplier, p.output_zero_point, p.output_min, p.output_max)));
        }
  }
  // A hand-computed tie: (3 - 1) * (5 - 0) = 10, * 0.25 = 2.5 -> 2 (half to even); 14 * 0.25 = 3.5 -> 4.
  const int8_t a[2] = {3, 8}, b[2] = {5, 2};
  const qrt_mul_s8_params p = {0.25f, 1, 0, 0, -127, 127};
  int8_t y[2];
  qrt_mul_s8__ref(1, 1, 2, a, b, 0, &p, y);
  CHECK(int(y[0]) == 2);
  CHECK(int(y[1]) == 4);
}

#if QRT_KERNELS_HAVE_NEON
TEST_CASE("lookup_table_s8__neon equals the reference, lengths 0..67", "[lookup_table][neon]") {
  Rng rng(9);
  for (size_t n = 0; n <= 67; n++) {
    const std::vector<int8_t> table = rng.int8s(256);
    const std::vector<int8_t> x = rng.int8s(n);
    std::vector<int8_t> want(n + 1, 0x55), got(n + 1, 0x55);  // one guard byte
    qrt_lookup_table_s8__ref(n, x.data(), table.data(), want.data());
    qrt_lookup_table_s8__neon(n, x.data(), table.data(), got.data());
    REQUIRE(got == want);
  }
  // Every code at every lane position of a 16-lane step.
  const std::vector<int8_t> table = rng.int8s(256);
  std::vector<int8_t> x(256 + 15), want(x.size()), got(x.size());
  for (size_t i = 0; i < x.size(); i++) x[i] = int8_t(int(i * 7 % 256) - 128);
  qrt_lookup_table_s8__ref(x.size(), x.data(), table.data(), want.data());
  qrt_lookup_table_s8__neon(x.size(), x.data(), table.data(), got.data());
  REQUIRE(got == want);
}

TEST_CASE("mul_s8__neon equals the reference, lengths 0..67, broadcast rows", "[mul][neon]") {
  Rng rng(13);
  for (size_t len = 0; len <= 67; len++) {
    for (int broadcast = 0; broadcast <= 1; broadcast++) {
      const size_t batch = 2, spatial = broadcast ? 3 : 1, channels = len;
      const size_t n = batch * spatial * channels;
      const std::vector<int8_t> a = rng.int8s(n);
      const std::vector<int8_t> b = rng.int8s(broadcast ? batch * channels : n);
      qrt_mul_s8_params p;
      p.multiplier = rng.uniform_float(1e-4f, 0.02f);
      if (len % 5 == 0) p.multiplier = 0.25f;  // exact ties
      p.a_zero_point = rng.uniform_int(-128, 127);
      p.b_zero_point = rng.uniform_int(-128, 127);
      p.output_zero_point = rng.uniform_int(-128, 127);
      p.output_min = int8_t(rng.uniform_int(-128, 0));
      p.output_max = int8_t(rng.uniform_int(p.output_min, 127));
      std::vector<int8_t> want(n + 1, 0x55), got(n + 1, 0x55);
      qrt_mul_s8__ref(batch, spatial, channels, a.data(), b.data(), broadcast, &p, want.data());
      qrt_mul_s8__neon(batch, spatial, channels, a.data(), b.data(), broadcast, &p, got.data());
      INFO("len " << len << " broadcast " << broadcast);
      REQUIRE(got == want);
    }
  }
}
#endif

TEST_CASE("prelu_s8__ref: the side of the zero point picks the multiplier", "[prelu][ref]") {
  Rng rng(31);
  for (int trial = 0; trial < 30; trial++) {
    const size_t outer = size_t(rng.uniform_int(1, 6)), channels = size_t(rng.uniform_int(1, 19));
    const std::vector<int8_t> x = rng.int8s(outer * channels);
    const std::vector<float> neg = rng.floats(channels, -0.5f, 0.5f);
    qrt_prelu_s8_params p;
    p.positive_multiplier = rng.uniform_float(0.2f, 2.0f);
    p.negative_multipliers = neg.data();
    p.input_zero_point = rng.uniform_int(-20, 20);
    p.output_zero_point = rng.uniform_int(-20, 20);
    p.output_min = int8_t(rng.uniform_int(-128, -60));
    p.output_max = int8_t(rng.uniform_int(60, 127));
    std::vector<int8_t> y(x.size());
    qrt_prelu_s8__ref(outer, channels, x.data(), &p, y.data());
    for (size_t i = 0; i < x.size(); i++) {
      const int32_t d = x[i] - p.input_zero_point;
      const float m = d < 0 ? neg[i % channels] : p.positive_multiplier;
      REQUIRE(int(y[i]) == int(naive_requantize(d, m, p.output_zero_point, p.output_min, p.output_max)));
    }
  }
}
