// NEON quantize / dequantize / clamp steps shared by the fp32 and fp16
// elementwise kernels (private; static inline, one copy per translation
// unit). Each is the reference's step bit for bit (docs/integer-semantics.md).
#ifndef QRT_KERNELS_NEON_QUANTIZE_NEON_H_
#define QRT_KERNELS_NEON_QUANTIZE_NEON_H_

#include <arm_neon.h>

// q = round_half_even(clamp(x * inv_scale, lo - zp, hi - zp)) + zp. FMAXNM
// sends NaN to lo, like the reference.
static inline int32x4_t qrt_neon_quantize4(float32x4_t x, float32x4_t inv,
                                           float32x4_t lo, float32x4_t hi,
                                           int32x4_t zp) {
  float32x4_t v = vmulq_f32(x, inv);
  v = vminq_f32(vmaxnmq_f32(v, lo), hi);
  return vaddq_s32(vcvtnq_s32_f32(v), zp);
}

// Four int32x4 already inside [-128, 127] -> 16 int8 (SQXTN is exact).
static inline int8x16_t qrt_neon_narrow16_s8(int32x4_t q0, int32x4_t q1,
                                             int32x4_t q2, int32x4_t q3) {
  const int16x8_t q01 = vcombine_s16(vqmovn_s32(q0), vqmovn_s32(q1));
  const int16x8_t q23 = vcombine_s16(vqmovn_s32(q2), vqmovn_s32(q3));
  return vcombine_s8(vqmovn_s16(q01), vqmovn_s16(q23));
}

// v[j] = (float)(q - zp) * scale for the 16 lanes of q, 4 at a time.
static inline void qrt_neon_dequantize16(int8x16_t q, int32x4_t zp,
                                         float32x4_t scale, float32x4_t v[4]) {
  const int16x8_t lo = vmovl_s8(vget_low_s8(q)), hi = vmovl_high_s8(q);
  v[0] = vmulq_f32(vcvtq_f32_s32(vsubq_s32(vmovl_s16(vget_low_s16(lo)), zp)), scale);
  v[1] = vmulq_f32(vcvtq_f32_s32(vsubq_s32(vmovl_high_s16(lo), zp)), scale);
  v[2] = vmulq_f32(vcvtq_f32_s32(vsubq_s32(vmovl_s16(vget_low_s16(hi)), zp)), scale);
  v[3] = vmulq_f32(vcvtq_f32_s32(vsubq_s32(vmovl_high_s16(hi), zp)), scale);
}

// The reference clamp, compare and select: NaN -> lo, -0.0 kept.
static inline float32x4_t qrt_neon_clamp_exact(float32x4_t v, float32x4_t lo,
                                               float32x4_t hi) {
  v = vbslq_f32(vcgeq_f32(v, lo), v, lo);
  return vbslq_f32(vcgtq_f32(v, hi), hi, v);
}

#endif  // QRT_KERNELS_NEON_QUANTIZE_NEON_H_
