// int8 MUL on aarch64, 16 elements per step: widen a - za and b - zb to
// int16 (|.| <= 255), SMULL/SMULL2 into int32 (the exact product), SCVTF
// (exact: |acc| <= 65025 < 2^24), one fp32 multiply by m, FMAX/FMIN to
// [lo - zy, hi - zy], FCVTNS (round half to even, as the reference's
// magic-bias rounding for |v| <= 2^22), + zy, SQXTN (exact after the
// clamp). Bit for bit qrt_mul_s8__ref; a row's tail takes one 8-lane step
// where it can, then the reference's scalar step.
#include <arm_neon.h>

#include "qrt/kernels/neon.h"
#include "qrt/kernels/requantize.h"
#include "quantize_neon.h"

static inline int32x4_t mul4(int16x4_t a, int16x4_t b, float32x4_t m,
                             float32x4_t lo, float32x4_t hi, int32x4_t zy) {
  float32x4_t v = vmulq_f32(vcvtq_f32_s32(vmull_s16(a, b)), m);
  v = vminq_f32(vmaxq_f32(v, lo), hi);
  return vaddq_s32(vcvtnq_s32_f32(v), zy);
}

static void mul_row(size_t channels, const int8_t* a, const int8_t* b,
                    const qrt_mul_s8_params* p, int8_t* y) {
  const int16x8_t vza = vdupq_n_s16((int16_t)p->a_zero_point);
  const int16x8_t vzb = vdupq_n_s16((int16_t)p->b_zero_point);
  const float32x4_t m = vdupq_n_f32(p->multiplier);
  const float32x4_t lo = vdupq_n_f32((float)(p->output_min - p->output_zero_point));
  const float32x4_t hi = vdupq_n_f32((float)(p->output_max - p->output_zero_point));
  const int32x4_t zy = vdupq_n_s32(p->output_zero_point);
  size_t c = 0;
  for (; c + 16 <= channels; c += 16) {
    const int8x16_t va = vld1q_s8(a + c), vb = vld1q_s8(b + c);
    const int16x8_t a0 = vsubq_s16(vmovl_s8(vget_low_s8(va)), vza);
    const int16x8_t a1 = vsubq_s16(vmovl_high_s8(va), vza);
    const int16x8_t b0 = vsubq_s16(vmovl_s8(vget_low_s8(vb)), vzb);
    const int16x8_t b1 = vsubq_s16(vmovl_high_s8(vb), vzb);
    const int32x4_t q0 = mul4(vget_low_s16(a0), vget_low_s16(b0), m, lo, hi, zy);
    const int32x4_t q1 = mul4(vget_high_s16(a0), vget_high_s16(b0), m, lo, hi, zy);
    const int32x4_t q2 = mul4(vget_low_s16(a1), vget_low_s16(b1), m, lo, hi, zy);
    const int32x4_t q3 = mul4(vget_high_s16(a1), vget_high_s16(b1), m, lo, hi, zy);
    vst1q_s8(y + c, qrt_neon_narrow16_s8(q0, q1, q2, q3));
  }
  if (c + 8 <= channels) {  // one 8-lane step (rows of 24, 40, ... channels)
    const int16x8_t a0 = vsubq_s16(vmovl_s8(vld1_s8(a + c)), vza);
    const int16x8_t b0 = vsubq_s16(vmovl_s8(vld1_s8(b + c)), vzb);
    const int32x4_t q0 = mul4(vget_low_s16(a0), vget_low_s16(b0), m, lo, hi, zy);
    const int32x4_t q1 = mul4(vget_high_s16(a0), vget_high_s16(b0), m, lo, hi, zy);
    vst1_s8(y + c, vqmovn_s16(vcombine_s16(vqmovn_s32(q0), vqmovn_s32(q1))));
    c += 8;
  }
  for (; c < channels; c++) {
    const int32_t acc = ((int32_t)a[c] - p->a_zero_point) * ((int32_t)b[c] - p->b_zero_point);
    y[c] = qrt_requantize_fp32(acc, p->multiplier, p->output_zero_point, p->output_min,
                               p->output_max);
  }
}

void qrt_mul_s8__neon(size_t batch, size_t spatial, size_t channels,
                      const int8_t* a, const int8_t* b, int b_broadcast,
                      const qrt_mul_s8_params* p, int8_t* output) {
  if (!b_broadcast) {  // one long row: the same elementwise step
    mul_row(batch * spatial * channels, a, b, p, output);
    return;
  }
  for (size_t n = 0; n < batch; n++) {
    for (size_t s = 0; s < spatial; s++) {
      const size_t row = (n * spatial + s) * channels;
      mul_row(channels, a + row, b + n * channels, p, output + row);
    }
  }
}
