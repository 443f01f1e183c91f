// qrt_int16_chunk (docs/accumulation.md): hand cases, an independent
// brute-force check over every subset, and tightness: worst-case inputs at
// the bound are exact in every acc16 kernel, while chunk + 1 overflows int16
// (the worst partial sum is computed here and the kernels' bits go wrong).
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "gemm_tester.h"
#include "kernel_rows.h"
#include "qrt/kernels/accumulation.h"

using qrt_test::GemmTester;

TEST_CASE("int16_chunk hand-computed", "[acc16]") {
  const std::vector<int8_t> w127(4, 127);
  CHECK(qrt_int16_chunk(w127.data(), 1, 4, -128, 127) == 2);  // 2*127*128 = 32512
  CHECK(qrt_int16_chunk(w127.data(), 1, 4, -64, 64) == 4);    // 4*127*64 = 32512
  CHECK(qrt_int16_chunk(w127.data(), 1, 4, 0, 65) == 3);      // 4*127*65 = 33020
  CHECK(qrt_int16_chunk(w127.data(), 1, 4, -65, 0) == 3);     // |x_min| counts too
  CHECK(qrt_int16_chunk(w127.data(), 1, 4, 0, 0) == 4);
  // The minimum over channels: channel 1 is the tight one.
  const std::vector<int8_t> two = {1, 1, 1, 1, -127, 127, -127, 127};
  CHECK(qrt_int16_chunk(two.data(), 2, 4, 0, 65) == 3);
  // The largest |w| first, wherever they sit: 128 * (100 + 90 + 60) = 32000.
  const std::vector<int8_t> mixed = {5, -90, 60, 100, -7, 3};
  CHECK(qrt_int16_chunk(mixed.data(), 1, 6, -128, 127) == 3);
  CHECK(qrt_int16_chunk(mixed.data(), 1, 0, -128, 127) == 0);
  // -128 weights (never produced by the converter) still give 1.
  const std::vector<int8_t> wmin(3, -128);
  CHECK(qrt_int16_chunk(wmin.data(), 1, 3, -128, 127) == 1);
}

TEST_CASE("int16_chunk equals a brute force over all subsets", "[acc16]") {
  qrt_test::Rng rng(7);
  for (int trial = 0; trial < 200; trial++) {
    const size_t k = size_t(rng.uniform_int(1, 10)), channels = size_t(rng.uniform_int(1, 3));
    const int32_t qw = rng.uniform_int(1, 127);
    const std::vector<int8_t> w = rng.int8s(channels * k, -qw, qw);
    const int32_t lo = rng.uniform_int(-128, 0), hi = rng.uniform_int(0, 127);
    const int64_t max_x = std::max(-lo, hi);
    // Largest n such that no subset of n products of any channel exceeds
    // 32767 in magnitude (with every x at the worst end).
    size_t expected = k;
    for (size_t c = 0; c < channels; c++)
      for (uint32_t mask = 0; mask < (1u << k); mask++) {
        int64_t s = 0;
        for (size_t i = 0; i < k; i++)
          if (mask >> i & 1) s += std::abs(int(w[c * k + i]));
        const size_t n = size_t(__builtin_popcount(mask));
        if (s * max_x > 32767 && n <= expected) expected = n - 1;
      }
    INFO("trial " << trial << " k " << k << " channels " << channels);
    CHECK(qrt_int16_chunk(w.data(), channels, k, lo, hi) == expected);
  }
}

TEST_CASE("acc16 kernels exact at the bound, wrong at bound + 1", "[acc16][gemm]") {
  // 4-bit weights (|w| <= 7), full-range x: chunk = 32767 / (128 * 7) = 36.
  const std::vector<int8_t> w7(80, 7);
  const size_t chunk = qrt_int16_chunk(w7.data(), 1, 80, -128, 127);
  REQUIRE(chunk == 36);
  // The worst partial sum of chunk + 1 products leaves int16.
  CHECK(128 * 7 * int64_t(chunk) <= 32767);
  CHECK(128 * 7 * int64_t(chunk + 1) > 32767);
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    if (row.accumulator != QRT_ACCUMULATOR_INT16) continue;
    INFO(row.name);
    // All x = -128, all w = +7 or -7: every lane runs straight to the bound.
    for (size_t k : {2 * chunk, 2 * chunk + 2, size_t(80), size_t(1000)}) {
      GemmTester t;
      t.m(4).n(8).k(k).weight_bits(4).values(GemmTester::Values::Adversarial).has_bias(false);
      t.int16_chunk(chunk).test(row.ukernel);
      // One product more per lane wraps int16 in every output (once K holds
      // chunk + 1 products per lane).
      if (k >= 2 * (chunk + 1))
        CHECK(t.int16_chunk(chunk + 1).test(row.ukernel, /*expect_mismatch=*/true) == 4 * 8);
    }
  }
}
