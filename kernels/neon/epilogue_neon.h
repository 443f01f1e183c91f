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

// Stores channels 0..nc-1 (nc <= 4) of one output row from acc (channels
// 0-3); scale points at 4 floats. Same steps as qrt_neon_store_row8.
static inline void qrt_neon_store_row4(int32x4_t acc, const float* scale,
                                       const qrt_gemm_s8_epilogue* e, void* c,
                                       size_t nc) {
  float32x4_t v = vmulq_f32(vcvtq_f32_s32(acc), vld1q_f32(scale));
  v = vminq_f32(vmaxq_f32(v, vdupq_n_f32(e->min)), vdupq_n_f32(e->max));
  if (e->output == QRT_GEMM_OUTPUT_S8) {
    const int32x4_t q = vaddq_s32(vcvtnq_s32_f32(v), vdupq_n_s32(e->zero_point));
    const int16x4_t q16 = vqmovn_s32(q);
    const int8x8_t y = vqmovn_s16(vcombine_s16(q16, q16));
    if (nc == 4) {
      const uint32_t word = vget_lane_u32(vreinterpret_u32_s8(y), 0);
      memcpy(c, &word, 4);
    } else {
      int8_t* out = (int8_t*)c;
      out[0] = vget_lane_s8(y, 0);
      if (nc > 1) out[1] = vget_lane_s8(y, 1);
      if (nc > 2) out[2] = vget_lane_s8(y, 2);
    }
  } else if (nc == 4) {
    vst1q_f32((float*)c, v);
  } else {
    float* out = (float*)c;
    out[0] = vgetq_lane_f32(v, 0);
    if (nc > 1) out[1] = vgetq_lane_f32(v, 1);
    if (nc > 2) out[2] = vgetq_lane_f32(v, 2);
  }
}

// Address of output row i of a tile.
// The A row pointers of an MR-row tile: rows past mr alias the last valid
// row (computed, never stored), so a kernel always runs MR rows.
static inline void qrt_neon_gemm_rows(size_t mr, const int8_t* a,
                                      size_t a_stride, size_t tile_mr,
                                      const int8_t** r) {
  r[0] = a;
  for (size_t i = 1; i < tile_mr; i++) r[i] = i < mr ? r[i - 1] + a_stride : r[i - 1];
}

// One packed panel of nr channels (qrt/kernels/gemm.h): nr int32 biases, nr
// float scales, then the weights.
typedef struct qrt_neon_panel {
  const int32_t* bias;
  const float* scale;
  const int8_t* weights;
} qrt_neon_panel;

static inline qrt_neon_panel qrt_neon_unpack_panel(const void* w, size_t nr) {
  qrt_neon_panel p;
  p.bias = (const int32_t*)w;
  p.scale = (const float*)(p.bias + nr);
  p.weights = (const int8_t*)(p.scale + nr);
  return p;
}

static inline void* qrt_neon_row(void* c, size_t i, size_t c_stride,
                                 const qrt_gemm_s8_epilogue* e) {
  const size_t esize = e->output == QRT_GEMM_OUTPUT_S8 ? 1 : sizeof(float);
  return (char*)c + i * c_stride * esize;
}

// Stores an MR x 4 tile (rows 0..mr-1, channels 0..nc-1; acc[i] holds row
// i's channels 0-3) at rows c + i * c_stride (elements). A full int8 tile
// converts all rows with the epilogue constants loaded once and narrows the
// 16 values to one vector; anything else goes row by row.
static inline void qrt_neon_store_tile4x4(const int32x4_t acc[4], size_t mr,
                                          size_t nc, const float* scale,
                                          const qrt_gemm_s8_epilogue* e,
                                          void* c, size_t c_stride) {
  if (mr == 4 && nc == 4 && e->output == QRT_GEMM_OUTPUT_S8) {
    const float32x4_t s = vld1q_f32(scale);
    const float32x4_t vmin = vdupq_n_f32(e->min), vmax = vdupq_n_f32(e->max);
    const int32x4_t zp = vdupq_n_s32(e->zero_point);
    int32x4_t q[4];
    for (size_t i = 0; i < 4; i++) {
      float32x4_t v = vmulq_f32(vcvtq_f32_s32(acc[i]), s);
      v = vminq_f32(vmaxq_f32(v, vmin), vmax);
      q[i] = vaddq_s32(vcvtnq_s32_f32(v), zp);
    }
    const int16x8_t q01 = vcombine_s16(vqmovn_s32(q[0]), vqmovn_s32(q[1]));
    const int16x8_t q23 = vcombine_s16(vqmovn_s32(q[2]), vqmovn_s32(q[3]));
    const uint32x4_t y = vreinterpretq_u32_s8(vcombine_s8(vqmovn_s16(q01), vqmovn_s16(q23)));
    int8_t* out = (int8_t*)c;
    const uint32_t w0 = vgetq_lane_u32(y, 0), w1 = vgetq_lane_u32(y, 1);
    const uint32_t w2 = vgetq_lane_u32(y, 2), w3 = vgetq_lane_u32(y, 3);
    memcpy(out, &w0, 4);
    memcpy(out + c_stride, &w1, 4);
    memcpy(out + 2 * c_stride, &w2, 4);
    memcpy(out + 3 * c_stride, &w3, 4);
    return;
  }
  for (size_t i = 0; i < mr; i++) {
    qrt_neon_store_row4(acc[i], scale, e, qrt_neon_row(c, i, c_stride, e), nc);
  }
}

#endif  // QRT_KERNELS_NEON_EPILOGUE_NEON_H_
