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
  // Every lane of every acc16 kernel must hold at most `chunk` products. The
  // c1 and c2 kernels put 1 product per lane per step (blocks of chunk steps), the
  // c16 kernels 2 (blocks of floor(chunk / 2) steps), so an odd chunk is the
  // sharp case for both: chunk + 1 is even and both fill lanes to chunk + 1.
  //
  // 4-bit weights all +-7 and every x = -120: chunk = 32767 / (120 * 7) = 39.
  const std::vector<int8_t> w7(80, 7);
  const size_t chunk = qrt_int16_chunk(w7.data(), 1, 80, -120, 119);
  REQUIRE(chunk == 39);
  CHECK(120 * 7 * int64_t(chunk) <= 32767);     // 32760
  CHECK(120 * 7 * int64_t(chunk + 1) > 32767);  // 33600: wraps
  // Full range x: chunk 36 (exact only).
  REQUIRE(qrt_int16_chunk(w7.data(), 1, 80, -128, 127) == 36);
  size_t kernels = 0;
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    if (row.accumulator != QRT_ACCUMULATOR_INT16) continue;
    INFO(row.name);
    kernels++;
    for (size_t k : {size_t(78), size_t(80), size_t(320), size_t(400), size_t(1000)}) {
      INFO("k " << k);
      GemmTester t;
      t.m(4).n(8).k(k).weight_bits(4).values(GemmTester::Values::Adversarial).has_bias(false);
      t.int16_chunk(36).test(row.ukernel);  // x = -128
      // All x = -120, all w = +7 or -7: every lane runs straight to the bound.
      t.x_range(-120, 119).int16_chunk(chunk).test(row.ukernel);
      // One product more per lane wraps int16 in every output, once K holds
      // a full block of chunk + 1 products per lane (c1: 40 k, c2: 2 * 40 k,
      // c16: 16 * 20 k).
      const size_t full_block = row.ukernel.kr == 16 ? 16 * (chunk + 1) / 2 : row.ukernel.kr * (chunk + 1);
      if (k >= full_block)
        CHECK(t.int16_chunk(chunk + 1).test(row.ukernel, /*expect_mismatch=*/true) == 4 * 8);
    }
  }
  CHECK(kernels >= 1);
}

TEST_CASE("acc16 kernels exact with the smallest chunks", "[acc16][gemm]") {
  // chunk 1 takes the c16 kernel's half-step path, 2 and 3 one step per
  // block; K covers full steps and both tail kinds (<= 8 and > 8). Each
  // chunk is valid for the weights' range.
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    if (row.accumulator != QRT_ACCUMULATOR_INT16) continue;
    INFO(row.name);
    for (size_t chunk : {1, 2, 3})
      for (size_t k : {5, 16, 24, 29, 100}) {
        // |x| <= 128, |w| <= 127: 2 products fit int16; 3 need |w| <= 85.
        const int bits = chunk <= 2 ? 8 : 7;
        GemmTester().m(5).n(7).k(k).int16_chunk(chunk).weight_bits(bits).test(row.ukernel);
        GemmTester().m(4).n(8).k(k).int16_chunk(chunk).input_zero_point(9)
            .weight_bits(bits)
            .values(GemmTester::Values::Extremes).test(row.ukernel);
      }
  }
}

TEST_CASE("int16_window hand-computed and against a brute force", "[acc16]") {
  // Uniform weights: every run is as bad as any subset.
  const std::vector<int8_t> w7(80, 7);
  CHECK(qrt_int16_window(w7.data(), 1, 80, 1, -120, 119) == 39);
  CHECK(qrt_int16_window(w7.data(), 1, 80, 8, -120, 119) == 80);  // 10 per class: all fit
  const std::vector<int8_t> w7long(400, 7);  // 50 per class: 39 fit
  CHECK(qrt_int16_window(w7long.data(), 1, 400, 8, -120, 119) == 39);
  // One large weight per 8: any 48 consecutive hold 6 of them (6*31 + 42 =
  // 228 <= 255 = 32767 / 128), 49 may hold 7 (259); a subset may take 9 of
  // the 12 large ones (279): chunk 8. With stride 8 residue 0 is all 31s
  // (8 of them fit), the others all 1s.
  std::vector<int8_t> spread(96);
  for (size_t i = 0; i < spread.size(); i++) spread[i] = i % 8 == 0 ? 31 : 1;
  CHECK(qrt_int16_window(spread.data(), 1, 96, 1, -128, 127) == 48);
  CHECK(qrt_int16_window(spread.data(), 1, 96, 8, -128, 127) == 8);
  CHECK(qrt_int16_chunk(spread.data(), 1, 96, -128, 127) == 8);
  CHECK(qrt_int16_window(spread.data(), 1, 0, 1, -128, 127) == 0);
  CHECK(qrt_int16_window(spread.data(), 1, 5, 1, -128, 127) == 5);  // the whole row fits
  CHECK(qrt_int16_window(spread.data(), 1, 5, 0, -128, 127) == 5);  // stride 0 = 1
  qrt_test::Rng rng(11);
  for (int trial = 0; trial < 400; trial++) {
    const size_t k = size_t(rng.uniform_int(1, 60)), channels = size_t(rng.uniform_int(1, 3));
    const size_t stride = size_t(rng.uniform_int(1, 9));
    const int32_t qw = rng.uniform_int(1, 127);
    const std::vector<int8_t> w = rng.int8s(channels * k, -qw, qw);
    const int32_t lo = rng.uniform_int(-128, 0), hi = rng.uniform_int(0, 127);
    const int64_t max_x = std::max(-lo, hi);
    // The longest L whose every run of L members of every residue class fits.
    size_t expected = k;
    for (size_t c = 0; c < channels; c++)
      for (size_t r = 0; r < stride && r < k; r++)
        for (size_t s = r; s < k; s += stride) {
          int64_t sum = 0;
          size_t len = 0;
          for (size_t i = s; i < k; i += stride) {
            sum += std::abs(int(w[c * k + i]));
            len++;
            if (sum * max_x > 32767) {
              expected = std::min(expected, len - 1);
              break;
            }
          }
        }
    INFO("trial " << trial << " k " << k << " channels " << channels << " stride " << stride);
    const size_t window = qrt_int16_window(w.data(), channels, k, stride, lo, hi);
    CHECK(window == expected);
    CHECK(window >= qrt_int16_chunk(w.data(), channels, k, lo, hi));
  }
}

TEST_CASE("acc16 run kernels exact at the window, wrong past it", "[acc16][gemm]") {
  // Every x = -128 and per channel one sign; the weights are 1 except a 31
  // at every k that is a multiple of `period`. With period 8 the runs of
  // consecutive k hold one 31 per 8 (stride-1 window 48: 6 * 31 + 42 = 228
  // <= 255 = 32767 / 128, while 49 from a 31 hold 7: 259); with period 64
  // residue 0 of stride 8 is 31, 1 x 7, 31, ... (stride-8 window 48 the
  // same way). A subset takes 9 of the 31s (279): chunk 8 in both.
  const size_t n = 8, k = 1024;
  size_t runs = 0;
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    if (row.accumulator != QRT_ACCUMULATOR_INT16) continue;
    INFO(row.name);
    const size_t stride = row.ukernel.int16_stride;
    const size_t period = stride == 8 ? 64 : 8;
    std::vector<int8_t> w(n * k);
    for (size_t c = 0; c < n; c++)
      for (size_t i = 0; i < k; i++) w[c * k + i] = int8_t((c % 2 ? -1 : 1) * (i % period == 0 ? 31 : 1));
    const size_t chunk = qrt_int16_chunk(w.data(), n, k, -128, 127);
    REQUIRE(chunk == 8);
    GemmTester t;
    t.m(4).n(n).k(k).weights(w).values(GemmTester::Values::Adversarial).has_bias(false);
    if (stride == 0) {
      t.int16_chunk(chunk).test(row.ukernel);
      continue;
    }
    runs++;
    const size_t window = qrt_int16_window(w.data(), n, k, stride, -128, 127);
    REQUIRE(window == 48);
    t.int16_chunk(window).test(row.ukernel);
    // The next block the kernel runs past the window (4x16c1: whole 8-k
    // groups, 56; 4x4c16: 2 members per lane per 16-k step, 50) holds 7 31s.
    const size_t past = row.ukernel.kr == 16 ? window + 2 : window + 8;
    CHECK(t.int16_chunk(past).test(row.ukernel, /*expect_mismatch=*/true) == 4 * n);
  }
  if (qrt_isa_supported(QRT_ISA_NEON)) CHECK(runs >= 2);
}
