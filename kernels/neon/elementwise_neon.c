// Elementwise NEON kernels: Quantize (f32 -> s8), Dequantize (s8 -> f32)
// and the float Add with its fused activation clamp. Each is the reference
// (kernels/ref/quantize.c, add.c) step for step, 16 elements per
// iteration, the tail (n % 16) through the same vector code on a copy.
//
// Matching the reference's clamp exactly, `if (!(v >= lo)) v = lo; if (v >
// hi) v = hi;`:
// - where the result is rounded to an integer (Quantize), FMAXNM / FMIN:
//   FMAXNM turns a NaN into lo as the reference does; +-0 differences
//   vanish in the rounding;
// - where the float itself is the output (Add), compare and select (FCMGE,
//   BSL, FCMGT, BSL), so a NaN becomes lo and -0.0 stays -0.0 under a ReLU
//   bound of +0.0 (FMAXNM would give +0.0: different bits).
// Rounding: FCVTNS (round half to even) of the clamped value, |v| <= 255,
// equals the reference's magic-bias rounding. No FMA anywhere (the file is
// compiled with -ffp-contract=off, and only FMUL / FADD are written).
#include <arm_neon.h>
#include <string.h>

#include "qrt/kernels/neon.h"
#include "quantize_neon.h"

// 16 floats quantized (qrt_neon_quantize4) and narrowed to int8.
static inline int8x16_t quantize16(const float* x, float32x4_t inv,
                                   float32x4_t lo, float32x4_t hi,
                                   int32x4_t zp) {
  return qrt_neon_narrow16_s8(qrt_neon_quantize4(vld1q_f32(x), inv, lo, hi, zp),
                              qrt_neon_quantize4(vld1q_f32(x + 4), inv, lo, hi, zp),
                              qrt_neon_quantize4(vld1q_f32(x + 8), inv, lo, hi, zp),
                              qrt_neon_quantize4(vld1q_f32(x + 12), inv, lo, hi, zp));
}

void qrt_quantize_f32_s8__neon(size_t n, const float* input, float inv_scale,
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
    float x[16] = {0};
    int8_t y[16];
    memcpy(x, input + i, (n - i) * sizeof(float));
    vst1q_s8(y, quantize16(x, inv, lo, hi, zp));
    memcpy(output + i, y, n - i);
  }
}

// x = (float)(q - zp) * scale for 16 lanes.
static inline void dequantize16(int8x16_t q, int32x4_t zp, float32x4_t scale,
                                float* out) {
  float32x4_t v[4];
  qrt_neon_dequantize16(q, zp, scale, v);
  vst1q_f32(out, v[0]);
  vst1q_f32(out + 4, v[1]);
  vst1q_f32(out + 8, v[2]);
  vst1q_f32(out + 12, v[3]);
}

void qrt_dequantize_s8_f32__neon(size_t n, const int8_t* input, float scale,
                                 int32_t zero_point, float* output) {
  const int32x4_t zp = vdupq_n_s32(zero_point);
  const float32x4_t s = vdupq_n_f32(scale);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) dequantize16(vld1q_s8(input + i), zp, s, output + i);
  if (i < n) {
    int8_t q[16] = {0};
    float y[16];
    memcpy(q, input + i, n - i);
    dequantize16(vld1q_s8(q), zp, s, y);
    memcpy(output + i, y, (n - i) * sizeof(float));
  }
}

void qrt_add_f32__neon(size_t n, const float* a, const float* b,
                       float output_min, float output_max, float* output) {
  const float32x4_t lo = vdupq_n_f32(output_min), hi = vdupq_n_f32(output_max);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (size_t j = 0; j < 16; j += 4) {
      const float32x4_t v = vaddq_f32(vld1q_f32(a + i + j), vld1q_f32(b + i + j));
      vst1q_f32(output + i + j, qrt_neon_clamp_exact(v, lo, hi));
    }
  }
  for (; i + 4 <= n; i += 4) {
    vst1q_f32(output + i, qrt_neon_clamp_exact(vaddq_f32(vld1q_f32(a + i), vld1q_f32(b + i)), lo, hi));
  }
  if (i < n) {
    float x[4] = {0}, y[4] = {0}, z[4];
    memcpy(x, a + i, (n - i) * sizeof(float));
    memcpy(y, b + i, (n - i) * sizeof(float));
    vst1q_f32(z, qrt_neon_clamp_exact(vaddq_f32(vld1q_f32(x), vld1q_f32(y)), lo, hi));
    memcpy(output + i, z, (n - i) * sizeof(float));
  }
}
