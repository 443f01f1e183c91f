// Independently written naive formulas the reference kernels are tested
// against, and a small seeded random generator for the testers.
//
// These deliberately take a different route than kernels/ref/: the conv
// builds an explicitly zero-point-padded input, rounding uses lrintf in the
// default rounding mode (not the magic-bias trick), and clamping uses
// std::min/std::max after rounding. Agreement is checked with exact equality.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace qrt_test {

// docs/integer-semantics.md, int8 output of a conv / fc / pool / concat.
inline int8_t naive_requantize(int32_t acc, float multiplier, int32_t zp,
                               int32_t lo, int32_t hi) {
  float v = static_cast<float>(acc) * multiplier;
  v = std::max(v, static_cast<float>(lo - zp));
  v = std::min(v, static_cast<float>(hi - zp));
  const long q = std::lrintf(v) + zp;
  return static_cast<int8_t>(std::min<long>(std::max<long>(q, lo), hi));
}

struct NaiveConvShape {
  size_t n, ih, iw, groups, gic, goc, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  size_t oh() const { return (ih + pt + pb - dh * (kh - 1) - 1) / sh + 1; }
  size_t ow() const { return (iw + pl + pr - dw * (kw - 1) - 1) / sw + 1; }
};

// int32 accumulators [n, oh, ow, groups*goc] of a grouped, dilated conv.
inline std::vector<int32_t> naive_conv_acc(const NaiveConvShape& s,
                                           const std::vector<int8_t>& x,
                                           const std::vector<int8_t>& w,
                                           const std::vector<int32_t>& bias,
                                           int32_t zx) {
  const size_t ic = s.groups * s.gic, oc = s.groups * s.goc;
  const size_t ph = s.ih + s.pt + s.pb, pw = s.iw + s.pl + s.pr;
  // Padded input filled with the zero point, then (x - zx) everywhere.
  std::vector<int32_t> padded(s.n * ph * pw * ic, 0);
  for (size_t b = 0; b < s.n; b++)
    for (size_t y = 0; y < s.ih; y++)
      for (size_t xx = 0; xx < s.iw; xx++)
        for (size_t c = 0; c < ic; c++)
          padded[((b * ph + y + s.pt) * pw + xx + s.pl) * ic + c] =
              x[((b * s.ih + y) * s.iw + xx) * ic + c] - zx;
  const size_t oh = s.oh(), ow = s.ow();
  std::vector<int32_t> acc(s.n * oh * ow * oc);
  for (size_t b = 0; b < s.n; b++)
    for (size_t y = 0; y < oh; y++)
      for (size_t xx = 0; xx < ow; xx++)
        for (size_t g = 0; g < s.groups; g++)
          for (size_t o = 0; o < s.goc; o++) {
            const size_t c = g * s.goc + o;
            int32_t sum = bias.empty() ? 0 : bias[c];
            for (size_t ky = 0; ky < s.kh; ky++)
              for (size_t kx = 0; kx < s.kw; kx++)
                for (size_t i = 0; i < s.gic; i++) {
                  const size_t py = y * s.sh + ky * s.dh, px = xx * s.sw + kx * s.dw;
                  sum += padded[((b * ph + py) * pw + px) * ic + g * s.gic + i] *
                         w[((c * s.kh + ky) * s.kw + kx) * s.gic + i];
                }
            acc[((b * oh + y) * ow + xx) * oc + c] = sum;
          }
  return acc;
}

// Seeded generator so failures reproduce; the seed is printed by testers.
class Rng {
 public:
  explicit Rng(uint32_t seed) : engine_(seed) {}
  int32_t uniform_int(int32_t lo, int32_t hi) {
    return std::uniform_int_distribution<int32_t>(lo, hi)(engine_);
  }
  float uniform_float(float lo, float hi) {
    return std::uniform_real_distribution<float>(lo, hi)(engine_);
  }
  std::vector<int8_t> int8s(size_t n, int32_t lo = -128, int32_t hi = 127) {
    std::vector<int8_t> v(n);
    for (auto& e : v) e = static_cast<int8_t>(uniform_int(lo, hi));
    return v;
  }
  std::vector<float> floats(size_t n, float lo, float hi) {
    std::vector<float> v(n);
    for (auto& e : v) e = uniform_float(lo, hi);
    return v;
  }

 private:
  std::mt19937 engine_;
};

}  // namespace qrt_test
