// NEON epilogue shared by the aarch64 kernels (private; static inline, so
// each ISA translation unit gets its own copy and none clash).
//
// Bit-identical to qrt_requantize_fp32 / the f32 reference, step by step:
//   SCVTF  (float)acc          round-to-nearest-even, like the C cast
//   FMUL   * scale[c]          one rounding, no FMA (-ffp-contract=off)
//   FMAX/FMIN clamp            to [lo - zy, hi - zy]; no NaN can occur for
//                              finite positive scales
//   FCVTNS round-half-even     the magic-bias trick's result for |v| <= 255
//   + zy, SQXTN narrow         the value is already in [lo, hi]
#ifndef QRT_KERNELS_NEON_EPILOGUE_NEON_H_
#define QRT_KERNELS_NEON_EPILOGUE_NEON_H_

#include <arm_neon.h>
#include <string.h>

#include "qrt/kernels/gemm.h"

// Stores channels 0..nc-1 (nc <= 8) of one output row: acc0 holds channels
// 0-3, acc1 channels 4-7; scale points at 8 floats.
static inline void qrt_neon_store_row8(int32x4_t acc0, int32x4_t acc1,
                                       const float* scale,
                                       const qrt_gemm_s8_epilogue* e, void* c,
                                       size_t nc) {
  const float32x4_t vmin = vdupq_n_f32(e->min), vmax = vdupq_n_f32(e->max);
  float32x4_t v0 = vmulq_f32(vcvtq_f32_s32(acc0), vld1q_f32(scale));
  float32x4_t v1 = vmulq_f32(vcvtq_f32_s32(acc1), vld1q_f32(scale + 4));
  v0 = vminq_f32(vmaxq_f32(v0, vmin), vmax);
  v1 = vminq_f32(vmaxq_f32(v1, vmin), vmax);
  if (e->output == QRT_GEMM_OUTPUT_S8) {
    const int32x4_t zp = vdupq_n_s32(e->zero_point);
    const int32x4_t q0 = vaddq_s32(vcvtnq_s32_f32(v0), zp);
    const int32x4_t q1 = vaddq_s32(vcvtnq_s32_f32(v1), zp);
    const int8x8_t y = vqmovn_s16(vcombine_s16(vqmovn_s32(q0), vqmovn_s32(q1)));
    if (nc == 8) {
      vst1_s8((int8_t*)c, y);
    } else {
      int8_t tmp[8];
      vst1_s8(tmp, y);
      memcpy(c, tmp, nc);
    }
  } else if (nc == 8) {
    vst1q_f32((float*)c, v0);
    vst1q_f32((float*)c + 4, v1);
  } else {
    float tmp[8];
    vst1q_f32(tmp, v0);
    vst1q_f32(tmp + 4, v1);
    memcpy(c, tmp, nc * sizeof(float));
  }
}

// Address of output row i of a tile.
static inline void* qrt_neon_row(void* c, size_t i, size_t c_stride,
                                 const qrt_gemm_s8_epilogue* e) {
  const size_t esize = e->output == QRT_GEMM_OUTPUT_S8 ? 1 : sizeof(float);
  return (char*)c + i * c_stride * esize;
}

#endif  // QRT_KERNELS_NEON_EPILOGUE_NEON_H_
