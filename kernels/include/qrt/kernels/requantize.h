// The one scalar requantization step every qrt kernel ends with.
//
// An int8 kernel sums exact int32 products, then maps the sum to int8 with a
// single fp32 multiplier m = (sx * sw[c]) / sy (computed once at load, never
// per call). docs/integer-semantics.md fixes the order of the float steps:
//
//     v = (float)acc * m;  v = clamp(v, lo - zy, hi - zy);  y = round(v) + zy
//
// Clamping *before* rounding keeps v within +-255, where fp32 rounding is
// exact and cheap. `round` is round-half-to-even, done here with the "magic
// bias" trick (adding 1.5 * 2^23 pushes the fraction bits out of the
// mantissa, the FPU rounds half-to-even, subtracting the bias gives the
// integer back). That is what XNNPACK's scalar fp32 path does and what
// FCVTNS / CVTPS2DQ do in SIMD code, so the reference, XNNPACK and future
// NEON kernels agree bit for bit. Every SIMD kernel and its test include this
// header instead of rewriting the formula.
//
// Requires IEEE fp32 evaluated in fp32 (FLT_EVAL_METHOD 0: x86-64 SSE,
// aarch64) and no -ffast-math.
#ifndef QRT_KERNELS_REQUANTIZE_H_
#define QRT_KERNELS_REQUANTIZE_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Round-half-to-even of v, exact for |v| <= 2^22 (callers clamp first).
static inline int32_t qrt_round_half_even_f32(float v) {
  const float magic = 12582912.0f;  // 1.5 * 2^23
  // Two separate fp32 operations; without -ffast-math no compiler merges them.
  return (int32_t)((v + magic) - magic);
}

// Clamp v to [lo, hi] as `min(max(v, lo), hi)`; a NaN becomes lo.
static inline float qrt_clamp_f32(float v, float lo, float hi) {
  if (!(v >= lo)) v = lo;
  if (v > hi) v = hi;
  return v;
}

// acc -> int8: round(clamp((float)acc * multiplier, lo - zp, hi - zp)) + zp.
// lo <= hi are int8 storage bounds (with a fused RELU/RELU6 folded in).
static inline int8_t qrt_requantize_fp32(int32_t acc, float multiplier,
                                         int32_t zero_point, int32_t lo,
                                         int32_t hi) {
  const float v = qrt_clamp_f32((float)acc * multiplier, (float)(lo - zero_point),
                                (float)(hi - zero_point));
  return (int8_t)(qrt_round_half_even_f32(v) + zero_point);
}

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // QRT_KERNELS_REQUANTIZE_H_
