// Every GEMM micro-kernel row of the dispatch table (portable, NEON c2 acc32 /
// acc16, SDOT c4, SMMLA c8 where the CPU has them) against the naive formula
// through the qrt_gemm_s8 driver: grids of M, N, K (K = 1 .. 1000, not
// multiples of the tile), partial tiles, strides, zero points, extreme and
// adversarial values, both epilogues. Exact equality.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "gemm_tester.h"
#include "kernel_rows.h"

using qrt_test::GemmTester;

TEST_CASE("gemm_s8 grid of M, N, K", "[gemm]") {
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    INFO(row.name);
    for (size_t k : {1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000})
      for (size_t m : {1, 3, 4, 5, 9})
        for (size_t n : {1, 5, 8, 9, 16, 17, 33})
          GemmTester().m(m).n(n).k(k).seed(uint32_t(k * 131 + m * 7 + n)).test(row.ukernel);
  }
}

TEST_CASE("gemm_s8 row and output strides", "[gemm]") {
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    INFO(row.name);
    for (size_t k : {1, 9, 64, 67})
      GemmTester().m(7).n(13).k(k).a_stride(k + 5).c_stride(16).test(row.ukernel);
  }
}

TEST_CASE("gemm_s8 zero points and clamps", "[gemm]") {
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    INFO(row.name);
    for (int32_t zx : {-128, -5, 0, 37, 127}) {
      GemmTester().m(5).n(11).k(37).input_zero_point(zx).output_zero_point(-7).test(row.ukernel);
      GemmTester().m(5).n(11).k(37).input_zero_point(zx).has_bias(false).test(row.ukernel);
    }
    GemmTester().m(4).n(8).k(20).output_zero_point(10).qmin(-20).qmax(40).test(row.ukernel);
    GemmTester().m(4).n(8).k(20).qmin(5).qmax(5).test(row.ukernel);
    // U8 activations shifted by -128: range [-128, 127], zero point z - 128.
    GemmTester().m(6).n(10).k(50).input_zero_point(-128 + 3).x_range(-128, 127).test(row.ukernel);
  }
}

TEST_CASE("gemm_s8 extreme values", "[gemm]") {
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    INFO(row.name);
    for (size_t k : {1, 2, 4, 9, 64, 1000}) {
      // x at both ends of [-128, 127], w at +-127 (SMULL+SMLAL pair bound).
      GemmTester().m(5).n(9).k(k).values(GemmTester::Values::Extremes).test(row.ukernel);
      // All x = -128, w = +127 / -127: every int16 pair is -+32512.
      GemmTester().m(4).n(9).k(k).values(GemmTester::Values::Adversarial)
          .input_zero_point(127).test(row.ukernel);
    }
  }
}

TEST_CASE("gemm_s8_f32 dequantizing epilogue", "[gemm]") {
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    INFO(row.name);
    for (size_t k : {1, 9, 65})
      GemmTester().m(5).n(11).k(k).input_zero_point(-3).f32_output(true).test(row.ukernel);
  }
}

TEST_CASE("gemm_s8 every partial tile", "[gemm][epilogue]") {
  // Every mr of the 4-row tiles (m = 1 .. 8: full tiles then 1..3 rows) and
  // every nc up to two panels plus one, both epilogues, a clamp that bites.
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    INFO(row.name);
    const size_t nr = row.ukernel.nr;
    for (size_t m = 1; m <= 8; m++)
      for (size_t n = 1; n <= 2 * nr + 1; n++)
        for (size_t k : {1, 19}) {
          const uint32_t seed = uint32_t(m * 1000 + n * 10 + k);
          GemmTester().m(m).n(n).k(k).output_zero_point(-3).qmin(-100).qmax(90)
              .target(120.0f).seed(seed).test(row.ukernel);
          GemmTester().m(m).n(n).k(k).f32_output(true).f32_range(0.0f, 6.0f)
              .target(10.0f).seed(seed).test(row.ukernel);
        }
  }
}

TEST_CASE("gemm_s8 saturation, ties and output zero points", "[gemm][epilogue]") {
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    INFO(row.name);
    for (int32_t zy : {-128, -7, 0, 1, 127}) {
      // RELU-style lower bound at zy, full range, and a narrow window.
      const int32_t los[] = {-128, zy, std::max(-128, zy - 5)};
      const int32_t his[] = {127, 127, std::min(127, zy + 5)};
      for (size_t b = 0; b < 3; b++) {
        INFO("zy " << zy << " lo " << los[b] << " hi " << his[b]);
        for (float t : {60.0f, 1000.0f, 1e12f})  // |v| up to ~t: int8 and int32 saturation
          GemmTester().m(5).n(19).k(33).output_zero_point(zy).qmin(los[b]).qmax(his[b])
              .target(t).seed(uint32_t(zy + 300 + b)).test(row.ukernel);
        for (float s : {0.5f, 0.25f, 1.5f})  // exact ties: round half to even
          GemmTester().m(5).n(19).k(3).x_range(-20, 20).weight_bits(4).has_bias(false).output_zero_point(zy)
              .qmin(los[b]).qmax(his[b]).fixed_scale(s).test(row.ukernel);
      }
    }
  }
}

TEST_CASE("gemm_s8_f32 clamps, -0.0 and saturation", "[gemm][epilogue]") {
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    INFO(row.name);
    const float inf = INFINITY;
    const float ranges[][2] = {{-inf, inf}, {0.0f, inf}, {0.0f, 6.0f}, {-1.0f, 1.0f}, {-0.0f, 0.0f}};
    for (const auto& r : ranges) {
      INFO("range " << r[0] << " " << r[1]);
      GemmTester().m(6).n(21).k(17).f32_output(true).f32_range(r[0], r[1]).test(row.ukernel);
      // scale 0: (float)acc * 0 is -0.0 for negative sums, kept by the clamp.
      GemmTester().m(6).n(21).k(17).f32_output(true).f32_range(r[0], r[1]).fixed_scale(0.0f)
          .test(row.ukernel);
      GemmTester().m(6).n(21).k(17).f32_output(true).f32_range(r[0], r[1]).target(3e38f)
          .test(row.ukernel);
    }
  }
}

TEST_CASE("gemm_s8 small weights, acc16 chunk from the bound", "[gemm][acc16]") {
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    INFO(row.name);
    for (int bits : {4, 6}) {
      for (size_t k : {7, 64, 333}) {
        GemmTester().m(5).n(9).k(k).weight_bits(bits).test(row.ukernel);
        GemmTester().m(4).n(8).k(k).weight_bits(bits)
            .values(GemmTester::Values::Adversarial).test(row.ukernel);
        GemmTester().m(4).n(8).k(k).weight_bits(bits).x_range(-30, 90)
            .values(GemmTester::Values::Extremes).test(row.ukernel);
      }
    }
  }
}
