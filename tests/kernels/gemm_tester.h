// GemmTester: a fluent tester for the GEMM micro-kernels (qrt/kernels/gemm.h).
//
//   GemmTester().m(5).n(9).k(65).a_stride(70).c_stride(12).input_zero_point(3)
//       .test(row.ukernel);
//
// builds random int8 A, weights, bias and per-channel scales from a fixed
// seed, packs the weights for the kernel's NR/KR, runs the qrt_gemm_s8 driver
// (which tiles into full and partial MRxNR tiles) and compares every output
// with the naive formula (int64 sum of w * (x - zx), naive_requantize / the
// f32 epilogue): exact equality. Bytes between rows (c_stride > n) must stay
// untouched. int16_chunk 0 means "compute it with qrt_int16_chunk".
// value_mode: Random (uniform), Extremes (x at x_min/x_max, w at +-qmax),
// Adversarial (all x = x_min, all w = +qmax then -qmax per channel
// alternately: every partial sum grows in one direction).
// Scales: per channel, aiming outputs at about +-target (60 by default; a
// large target saturates the int8 output, 1e12 also FCVTNS's int32), or one
// fixed scale for every channel (0.5 / 0.25: exact ties; 0: +-0.0). F32
// output is clamped to f32_range (default +-inf) and compared bit for bit
// with qrt_clamp_f32((float)acc * scale, lo, hi).
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

#include "naive.h"
#include "qrt/kernels/accumulation.h"
#include "qrt/kernels/gemm.h"
#include "qrt/kernels/requantize.h"

namespace qrt_test {

class GemmTester {
 public:
  enum class Values { Random, Extremes, Adversarial };

  GemmTester& m(size_t v) { m_ = v; return *this; }
  GemmTester& n(size_t v) { n_ = v; return *this; }
  GemmTester& k(size_t v) { k_ = v; return *this; }
  GemmTester& a_stride(size_t v) { a_stride_ = v; return *this; }
  GemmTester& c_stride(size_t v) { c_stride_ = v; return *this; }
  GemmTester& input_zero_point(int32_t z) { zx_ = z; return *this; }
  GemmTester& output_zero_point(int32_t z) { zy_ = z; return *this; }
  GemmTester& qmin(int32_t q) { qmin_ = q; return *this; }
  GemmTester& qmax(int32_t q) { qmax_ = q; return *this; }
  // Activations drawn from [x_min, x_max] (int8 storage, e.g. [-128, 127]).
  GemmTester& x_range(int32_t lo, int32_t hi) { x_min_ = lo; x_max_ = hi; return *this; }
  GemmTester& weight_bits(int b) { weight_bits_ = b; return *this; }
  GemmTester& values(Values v) { values_ = v; return *this; }
  GemmTester& has_bias(bool b) { has_bias_ = b; return *this; }
  GemmTester& int16_chunk(size_t c) { chunk_ = c; return *this; }
  GemmTester& f32_output(bool f) { f32_ = f; return *this; }
  GemmTester& f32_range(float lo, float hi) { f32_lo_ = lo; f32_hi_ = hi; return *this; }
  GemmTester& target(float t) { target_ = t; return *this; }
  GemmTester& fixed_scale(float s) { fixed_scale_ = s; has_fixed_scale_ = true; return *this; }
  GemmTester& seed(uint32_t s) { seed_ = s; return *this; }
  GemmTester& iterations(size_t i) { iterations_ = i; return *this; }
  // Fixed weights [n][k] instead of drawn ones.
  GemmTester& weights(std::vector<int8_t> w) { fixed_w_ = std::move(w); return *this; }

  // Runs and checks; returns the number of mismatching outputs instead of
  // failing when expect_mismatch is set (used to prove a bound is tight).
  size_t test(const qrt_gemm_s8_ukernel& uk, bool expect_mismatch = false) const {
    Rng rng(seed_);
    const size_t as = a_stride_ ? a_stride_ : k_, cs = c_stride_ ? c_stride_ : n_;
    const int32_t qw = (1 << (weight_bits_ - 1)) - 1;
    size_t mismatches = 0;
    for (size_t it = 0; it < iterations_; it++) {
      INFO("seed " << seed_ << " iteration " << it << " m " << m_ << " n " << n_
                   << " k " << k_ << " zx " << zx_);
      std::vector<int8_t> a(m_ == 0 ? 0 : (m_ - 1) * as + k_), w(n_ * k_);
      for (auto& v : a) v = pick(rng, x_min_, x_max_, x_min_);
      for (size_t c = 0; c < n_; c++)
        for (size_t i = 0; i < k_; i++)
          w[c * k_ + i] = pick(rng, -qw, qw, c % 2 ? -qw : qw);
      if (!fixed_w_.empty()) {
        REQUIRE(fixed_w_.size() == w.size());
        w = fixed_w_;
      }
      std::vector<int32_t> bias(n_);
      for (auto& b : bias) b = rng.uniform_int(-20000, 20000);
      if (!has_bias_) std::fill(bias.begin(), bias.end(), 0);
      // Exact sums, and scales aiming outputs at about +-60.
      std::vector<int64_t> acc(m_ * n_);
      int64_t amax = 1;
      for (size_t r = 0; r < m_; r++)
        for (size_t c = 0; c < n_; c++) {
          int64_t s = bias[c];
          for (size_t i = 0; i < k_; i++) s += int64_t(w[c * k_ + i]) * (a[r * as + i] - zx_);
          acc[r * n_ + c] = s;
          amax = std::max<int64_t>(amax, s < 0 ? -s : s);
        }
      std::vector<float> scale(n_);
      for (auto& s : scale) {
        s = has_fixed_scale_ ? fixed_scale_ : rng.uniform_float(0.5f, 2.0f) * target_ / float(amax);
      }
      std::vector<uint8_t> packed(qrt_gemm_s8_packed_size(&uk, n_, k_));
      qrt_gemm_s8_pack_weights(&uk, n_, k_, w.data(),
                               has_bias_ ? bias.data() : nullptr, scale.data(), zx_,
                               packed.data());
      const size_t chunk = chunk_ ? chunk_ : qrt_int16_chunk(w.data(), n_, k_, x_min_, x_max_);
      INFO("int16_chunk " << chunk);
      const size_t rows = m_ == 0 ? 0 : (m_ - 1) * cs + n_;
      if (!f32_) {
        const qrt_gemm_s8_epilogue e = qrt_gemm_s8_epilogue_s8(zy_, int8_t(qmin_), int8_t(qmax_));
        std::vector<int8_t> y(rows + 1, 0x5A);
        qrt_gemm_s8(&uk, m_, n_, k_, a.data(), as, packed.data(), y.data(), cs, &e, chunk);
        for (size_t r = 0; r < m_; r++)
          for (size_t c = 0; c < cs && r * cs + c < y.size(); c++) {
            const size_t i = r * cs + c;
            if (c >= n_) { REQUIRE(int(y[i]) == 0x5A); continue; }
            const int8_t expected = naive_requantize(int32_t(acc[r * n_ + c]), scale[c], zy_, qmin_, qmax_);
            if (expect_mismatch) { mismatches += y[i] != expected; continue; }
            INFO("row " << r << " channel " << c << " acc " << acc[r * n_ + c]);
            REQUIRE(int(y[i]) == int(expected));
          }
      } else {
        const qrt_gemm_s8_epilogue e = qrt_gemm_s8_epilogue_f32(f32_lo_, f32_hi_);
        std::vector<float> y(rows + 1, -1234.5f);
        qrt_gemm_s8(&uk, m_, n_, k_, a.data(), as, packed.data(), y.data(), cs, &e, chunk);
        for (size_t r = 0; r < m_; r++)
          for (size_t c = 0; c < cs && r * cs + c < y.size(); c++) {
            const size_t i = r * cs + c;
            if (c >= n_) { REQUIRE(y[i] == -1234.5f); continue; }
            const float expected =
                qrt_clamp_f32(float(int32_t(acc[r * n_ + c])) * scale[c], f32_lo_, f32_hi_);
            const bool same = std::memcmp(&y[i], &expected, sizeof(float)) == 0;
            if (expect_mismatch) { mismatches += !same; continue; }
            INFO("row " << r << " channel " << c << " acc " << acc[r * n_ + c] << " y " << y[i]
                        << " expected " << expected);
            REQUIRE(same);  // bits: -0.0 and +0.0 differ
          }
      }
    }
    return mismatches;
  }

 private:
  int8_t pick(Rng& rng, int32_t lo, int32_t hi, int32_t adversarial) const {
    switch (values_) {
      case Values::Random: return int8_t(rng.uniform_int(lo, hi));
      case Values::Extremes: return int8_t(rng.uniform_int(0, 1) ? hi : lo);
      case Values::Adversarial: return int8_t(adversarial);
    }
    return 0;
  }

  size_t m_ = 4, n_ = 8, k_ = 16, a_stride_ = 0, c_stride_ = 0;
  int32_t zx_ = 0, zy_ = 0, qmin_ = -128, qmax_ = 127;
  int32_t x_min_ = -128, x_max_ = 127;
  int weight_bits_ = 8;
  Values values_ = Values::Random;
  bool has_bias_ = true, f32_ = false, has_fixed_scale_ = false;
  float f32_lo_ = -INFINITY, f32_hi_ = INFINITY, target_ = 60.0f, fixed_scale_ = 0.0f;
  size_t chunk_ = 0;
  uint32_t seed_ = 42;
  size_t iterations_ = 1;
  std::vector<int8_t> fixed_w_;
};

}  // namespace qrt_test
