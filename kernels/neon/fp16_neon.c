// fp16 storage kernels on plain ARMv8-A NEON (-march=armv8-a): only the
// conversions FCVTL (fp16 -> fp32, exact) and FCVTN (fp32 -> fp16, round to
// nearest even in the default FPCR: no flush to zero, IEEE half format,
// NaN quieted keeping the top payload bits) are needed, and both are in the
// base instruction set. Each kernel is its reference in kernels/ref/fp16.c
// step for step, 8 or 16 elements per iteration, the tail through the same
// vector code on a copy. The fp16 Add here widens, adds in fp32 and rounds:
// the same bits as one half-precision FADD (docs/integer-semantics.md); CPUs
// with FEAT_FP16 get qrt_add_f16__neonfp16 instead.
#include <arm_neon.h>
#include <string.h>

#include "qrt/kernels/neon.h"
#include "quantize_neon.h"

static inline float32x4_t widen_lo(uint16x8_t h) {
  return vcvt_f32_f16(vreinterpret_f16_u16(vget_low_u16(h)));
}
static inline float32x4_t widen_hi(uint16x8_t h) {
  return vcvt_f32_f16(vreinterpret_f16_u16(vget_high_u16(h)));
}
static inline uint16x8_t narrow8(float32x4_t lo, float32x4_t hi) {
  return vcombine_u16(vreinterpret_u16_f16(vcvt_f16_f32(lo)),
                      vreinterpret_u16_f16(vcvt_f16_f32(hi)));
}

void qrt_convert_f32_f16__neon(size_t n, const float* input, uint16_t* output) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    vst1q_u16(output + i, narrow8(vld1q_f32(input + i), vld1q_f32(input + i + 4)));
  }
  if (i < n) {
    float x[8] = {0};
    uint16_t y[8];
    memcpy(x, input + i, (n - i) * sizeof(float));
    vst1q_u16(y, narrow8(vld1q_f32(x), vld1q_f32(x + 4)));
    memcpy(output + i, y, (n - i) * sizeof(uint16_t));
  }
}

void qrt_convert_f16_f32__neon(size_t n, const uint16_t* input, float* output) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint16x8_t h = vld1q_u16(input + i);
    vst1q_f32(output + i, widen_lo(h));
    vst1q_f32(output + i + 4, widen_hi(h));
  }
  if (i < n) {
    uint16_t x[8] = {0};
    float y[8];
    memcpy(x, input + i, (n - i) * sizeof(uint16_t));
    const uint16x8_t h = vld1q_u16(x);
    vst1q_f32(y, widen_lo(h));
    vst1q_f32(y + 4, widen_hi(h));
    memcpy(output + i, y, (n - i) * sizeof(float));
  }
}

static inline uint16x8_t add8(const uint16_t* a, const uint16_t* b,
                              float32x4_t lo, float32x4_t hi) {
  const uint16x8_t x = vld1q_u16(a), y = vld1q_u16(b);
  // round16 of the fp32 sum, widened back (exact), clamped to the fp16
  // bounds (an fp16 value stays one), narrowed (exact).
  const uint16x8_t s = narrow8(vaddq_f32(widen_lo(x), widen_lo(y)),
                               vaddq_f32(widen_hi(x), widen_hi(y)));
  return narrow8(qrt_neon_clamp_exact(widen_lo(s), lo, hi), qrt_neon_clamp_exact(widen_hi(s), lo, hi));
}

void qrt_add_f16__neon(size_t n, const uint16_t* a, const uint16_t* b,
                       float output_min, float output_max, uint16_t* output) {
  // round16 of the bounds, as the reference.
  const float32x4_t lo = vcvt_f32_f16(vcvt_f16_f32(vdupq_n_f32(output_min)));
  const float32x4_t hi = vcvt_f32_f16(vcvt_f16_f32(vdupq_n_f32(output_max)));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) vst1q_u16(output + i, add8(a + i, b + i, lo, hi));
  if (i < n) {
    uint16_t x[8] = {0}, y[8] = {0}, z[8];
    memcpy(x, a + i, (n - i) * sizeof(uint16_t));
    memcpy(y, b + i, (n - i) * sizeof(uint16_t));
    vst1q_u16(z, add8(x, y, lo, hi));
    memcpy(output + i, z, (n - i) * sizeof(uint16_t));
  }
}

static inline int8x16_t quantize16(const uint16_t* x, float32x4_t inv,
                                   float32x4_t lo, float32x4_t hi,
                                   int32x4_t zp) {
  const uint16x8_t h0 = vld1q_u16(x), h1 = vld1q_u16(x + 8);
  // Widening fp16 -> fp32 is exact; then the fp32 quantize step.
  return qrt_neon_narrow16_s8(qrt_neon_quantize4(widen_lo(h0), inv, lo, hi, zp),
                              qrt_neon_quantize4(widen_hi(h0), inv, lo, hi, zp),
                              qrt_neon_quantize4(widen_lo(h1), inv, lo, hi, zp),
                              qrt_neon_quantize4(widen_hi(h1), inv, lo, hi, zp));
}

void qrt_quantize_f16_s8__neon(size_t n, const uint16_t* input, float inv_scale,
                               int32_t zero_point, int8_t output_min,
                               int8_t output_max, int8_t* output) {
  const float32x4_t inv = vdupq_n_f32(inv_scale);
  const float32x4_t lo = vdupq_n_f32((float)(output_min - zero_point));
  const float32x4_t hi = vdupq_n_f32((float)(output_max - zero_point));
  const int32x4_t zp = vdupq_n_s32(zero_point);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    vst1q_s8(output + i, quantize16(input + i, inv, lo, hi, zp));
  }
  if (i < n) {
    uint16_t x[16] = {0};
    int8_t y[16];
    memcpy(x, input + i, (n - i) * sizeof(uint16_t));
    vst1q_s8(y, quantize16(x, inv, lo, hi, zp));
    memcpy(output + i, y, n - i);
  }
}

// y = round16((float)(q - zp) * scale) for 16 lanes.
static inline void dequantize16(int8x16_t q, int32x4_t zp, float32x4_t scale,
                                uint16_t* out) {
  float32x4_t v[4];
  qrt_neon_dequantize16(q, zp, scale, v);
  vst1q_u16(out, narrow8(v[0], v[1]));
  vst1q_u16(out + 8, narrow8(v[2], v[3]));
}

void qrt_dequantize_s8_f16__neon(size_t n, const int8_t* input, float scale,
                                 int32_t zero_point, uint16_t* output) {
  const int32x4_t zp = vdupq_n_s32(zero_point);
  const float32x4_t s = vdupq_n_f32(scale);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) dequantize16(vld1q_s8(input + i), zp, s, output + i);
  if (i < n) {
    int8_t x[16] = {0};
    uint16_t y[16];
    memcpy(x, input + i, n - i);
    dequantize16(vld1q_s8(x), zp, s, y);
    memcpy(output + i, y, (n - i) * sizeof(uint16_t));
  }
}
