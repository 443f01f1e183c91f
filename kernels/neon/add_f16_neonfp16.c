// Float Add with fp16 storage, for CPUs with half-precision arithmetic
// (ARMv8.2-A FP16: FADD on 8 halves per instruction; this file is compiled
// with -march=armv8.2-a+fp16 and only called where qrt_cpu_has_fp16_arith()).
//
// Semantics (a separate kernel, not the fp32 Add: the fp32 reference stays
// the definition for fp32 tensors): a, b and y are IEEE binary16 bit
// patterns, and
//
//   y = clamp(round16(a + b), round16(output_min), round16(output_max))
//
// with one IEEE half-precision addition (round to nearest even) and the
// reference's clamp (NaN -> lo, -0.0 kept). round16(a + b) also equals
// round16((float)a + (float)b): the fp32 sum then the rounding to fp16 give
// the same bits because 24 >= 2 * 11 + 2 (double rounding is innocuous for
// addition), which is how the test checks it.
#include <arm_neon.h>
#include <string.h>

#include "qrt/kernels/neon.h"

static inline float16x8_t clamp_exact_f16(float16x8_t v, float16x8_t lo,
                                          float16x8_t hi) {
  v = vbslq_f16(vcgeq_f16(v, lo), v, lo);
  return vbslq_f16(vcgtq_f16(v, hi), hi, v);
}

static inline float16x8_t add8(const uint16_t* a, const uint16_t* b,
                               float16x8_t lo, float16x8_t hi) {
  const float16x8_t x = vreinterpretq_f16_u16(vld1q_u16(a));
  const float16x8_t y = vreinterpretq_f16_u16(vld1q_u16(b));
  return clamp_exact_f16(vaddq_f16(x, y), lo, hi);
}

void qrt_add_f16__neonfp16(size_t n, const uint16_t* a, const uint16_t* b,
                           float output_min, float output_max,
                           uint16_t* output) {
  const float16x8_t lo = vdupq_n_f16((float16_t)output_min);
  const float16x8_t hi = vdupq_n_f16((float16_t)output_max);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    vst1q_u16(output + i, vreinterpretq_u16_f16(add8(a + i, b + i, lo, hi)));
  }
  if (i < n) {
    uint16_t x[8] = {0}, y[8] = {0}, z[8];
    memcpy(x, a + i, (n - i) * sizeof(uint16_t));
    memcpy(y, b + i, (n - i) * sizeof(uint16_t));
    vst1q_u16(z, vreinterpretq_u16_f16(add8(x, y, lo, hi)));
    memcpy(output + i, z, (n - i) * sizeof(uint16_t));
  }
}
