// NEON epilogues shared by the aarch64 kernels (private; static inline, so
// each ISA translation unit gets its own copy and none clash). The GEMM
// micro-kernels end with one qrt_neon_store_tile4x{4,8,16} and the depthwise
// kernel with the same steps per 8/16 channels (qrt_neon_requant8,
// qrt_neon_narrow_clamp, qrt_neon_row8_f32); the proof that they equal
// qrt_requantize_fp32 / the f32 reference is with the tile epilogue below.
#ifndef QRT_KERNELS_NEON_EPILOGUE_NEON_H_
#define QRT_KERNELS_NEON_EPILOGUE_NEON_H_

#include <arm_neon.h>
#include <string.h>

#include "qrt/kernels/gemm.h"

// qrt_clamp_f32 on 4 lanes: NaN -> lo, -0.0 kept (not FMAX / FMIN).
static inline __attribute__((always_inline)) float32x4_t qrt_neon_clamp_f32(
    float32x4_t v, float32x4_t lo, float32x4_t hi) {
  v = vbslq_f32(vcgeq_f32(v, lo), v, lo);
  return vbslq_f32(vcgtq_f32(v, hi), hi, v);
}

// SDOT operands (the c4 kernels): four consecutive int8 k of one A row,
// broadcast to every 32-bit lane.
static inline int8x16_t qrt_neon_dup_quad(const int8_t* a) {
  int32_t v;
  memcpy(&v, a, 4);
  return vreinterpretq_s8_s32(vdupq_n_s32(v));
}

// The last n = 1..3 k of a row, zero above, broadcast: assembled in a
// general register (a memcpy call would keep the accumulators in memory
// for the whole kernel).
static inline int8x16_t qrt_neon_dup_tail(const int8_t* a, size_t n) {
  uint32_t v = (uint8_t)a[0];
  if (n > 1) v |= (uint32_t)(uint8_t)a[1] << 8;
  if (n > 2) v |= (uint32_t)(uint8_t)a[2] << 16;
  return vreinterpretq_s8_u32(vdupq_n_u32(v));
}

// The A row pointers of an MR-row tile: rows past mr alias the last valid
// row, so a kernel always runs MR rows (their outputs alias the last valid
// row's too: qrt_neon_out_rows4 below).
static inline void qrt_neon_gemm_rows(size_t mr, const int8_t* a,
                                      size_t a_stride, size_t tile_mr,
                                      const int8_t** r) {
  r[0] = a;
  for (size_t i = 1; i < tile_mr; i++) r[i] = i < mr ? r[i - 1] + a_stride : r[i - 1];
}

// Inline-assembly micro-kernel loops keep 16 int32x4 accumulators in
// v16-v31 and move them in and out through 256 bytes of memory at PTR (an asm
// statement takes at most 30 operands); x16 is clobbered.
#define QRT_NEON_ASM_LOAD_V16_V31(PTR)                     \
  "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [" PTR "]\n"      \
  "add x16, " PTR ", #64\n"                                \
  "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n"     \
  "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n"     \
  "ld1 {v28.4s, v29.4s, v30.4s, v31.4s}, [x16]\n"
#define QRT_NEON_ASM_STORE_V16_V31(PTR)                    \
  "st1 {v16.4s, v17.4s, v18.4s, v19.4s}, [" PTR "]\n"      \
  "add x16, " PTR ", #64\n"                                \
  "st1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n"     \
  "st1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n"     \
  "st1 {v28.4s, v29.4s, v30.4s, v31.4s}, [x16]\n"

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

// ---------------------------------------------------------------------------
// Tile epilogues of the GEMM micro-kernels: every output of a 4-row tile
// vectorized, no per-row calls or branches on mr, constants loaded once.
//
// int8 output (XNNPACK's fp32 "fcvtns" order; bit-identical to
// qrt_requantize_fp32, see below):
//   SCVTF, FMUL by scale[c] (one fp32 rounding, no FMA), FCVTNS (round half
//   to even, saturating to int32), SQXTN/SQXTN2 to int16, SQADD zy (int16),
//   SQXTN/SQXTN2 to int8 (two rows or 16 channels per vector), SMAX lo,
//   SMIN hi (int8 vectors), ST1.
// Why this equals round(clamp(v, lo - zy, hi - zy)) + zy: round is monotone
// and leaves the integer bounds lo - zy, hi - zy in place, so clamping
// before or after it is the same; r + zy within [lo, hi] means |r| <= 255,
// where no saturating step changes anything; below lo (above hi) every
// saturating step keeps the value <= lo (>= hi), which the int8 clamp then
// maps to lo (hi). Requires |zy| <= 32639 (an int8 tensor has zy in
// [-128, 127]) and a scale that never makes v NaN (finite scales: a NaN v
// only comes from scale NaN or inf * 0, where this gives zy clamped, the
// reference lo).
//
// f32 output: SCVTF, FMUL, then qrt_clamp_f32's own steps (FCMGE + BSL:
// NaN -> lo; FCMGT + BSL; -0.0 kept), ST1.
//
// Rows past mr: the kernels' A rows past mr alias the last valid row (same
// sums), and the output row pointers below alias the last valid output row,
// so a tile always converts and stores all MR rows; a row past mr rewrites
// the last valid row with the same bytes. Channels past nc: partial stores
// of 4 / 2 / 1 lanes (nc & 4, nc & 2, nc & 1), never past the row.

// Output row pointers o0..o3 of a 4-row tile (named, not an array, which GCC
// would keep in memory), rows past mr aliasing the last valid one; c_stride
// in elements of the output type.
#define QRT_NEON_OUT_ROWS4(c, mr, c_stride, e)                                   \
  const size_t qrt_row_bytes_ =                                                  \
      (e)->output == QRT_GEMM_OUTPUT_S8 ? (c_stride) : (c_stride) * sizeof(float); \
  char* o0 = (char*)(c);                                                         \
  char* o1 = (mr) < 2 ? o0 : o0 + qrt_row_bytes_;                                \
  char* o2 = (mr) <= 2 ? o1 : o1 + qrt_row_bytes_;                               \
  char* o3 = (mr) < 4 ? o2 : o2 + qrt_row_bytes_

// 8 int32 sums (lanes of a0, then a1) with scales s0, s1 -> 8 int16 values
// round(v) + zy (saturated; clamped later in int8).
static inline __attribute__((always_inline)) int16x8_t qrt_neon_requant8(
    int32x4_t a0, int32x4_t a1, float32x4_t s0, float32x4_t s1, int16x8_t zp) {
  const int32x4_t q0 = vcvtnq_s32_f32(vmulq_f32(vcvtq_f32_s32(a0), s0));
  const int32x4_t q1 = vcvtnq_s32_f32(vmulq_f32(vcvtq_f32_s32(a1), s1));
  return vqaddq_s16(vqmovn_high_s32(vqmovn_s32(q0), q1), zp);
}

// Two int16x8 -> one int8x16 (h0 in lanes 0-7), clamped to [lo, hi].
static inline __attribute__((always_inline)) int8x16_t qrt_neon_narrow_clamp(
    int16x8_t h0, int16x8_t h1, int8x16_t lo, int8x16_t hi) {
  return vminq_s8(vmaxq_s8(vqmovn_high_s16(vqmovn_s16(h0), h1), lo), hi);
}

// Lanes 0..nc-1 of y to o0 and lanes 8..8+nc-1 to o1 (nc <= 8).
static inline __attribute__((always_inline)) void qrt_neon_st2x8_s8(
    int8x16_t y, char* o0, char* o1, size_t nc) {
  if (nc == 8) {
    vst1_s8((int8_t*)o0, vget_low_s8(y));
    vst1_s8((int8_t*)o1, vget_high_s8(y));
    return;
  }
  if (nc & 4) {
    vst1q_lane_u32((uint32_t*)(void*)o0, vreinterpretq_u32_s8(y), 0);
    vst1q_lane_u32((uint32_t*)(void*)o1, vreinterpretq_u32_s8(y), 2);
    o0 += 4; o1 += 4;
    y = vextq_s8(y, y, 4);
  }
  if (nc & 2) {
    vst1q_lane_u16((uint16_t*)(void*)o0, vreinterpretq_u16_s8(y), 0);
    vst1q_lane_u16((uint16_t*)(void*)o1, vreinterpretq_u16_s8(y), 4);
    o0 += 2; o1 += 2;
    y = vextq_s8(y, y, 2);
  }
  if (nc & 1) {
    vst1q_lane_s8((int8_t*)o0, y, 0);
    vst1q_lane_s8((int8_t*)o1, y, 8);
  }
}

// Lanes 0..nc-1 of y to o (nc <= 16).
static inline __attribute__((always_inline)) void qrt_neon_st16_s8(
    int8x16_t y, char* o, size_t nc) {
  if (nc == 16) {
    vst1q_s8((int8_t*)o, y);
    return;
  }
  int8x8_t l = vget_low_s8(y);
  if (nc & 8) {
    vst1_s8((int8_t*)o, l);
    o += 8;
    l = vget_high_s8(y);
  }
  if (nc & 4) {
    vst1_lane_u32((uint32_t*)(void*)o, vreinterpret_u32_s8(l), 0);
    o += 4;
    l = vext_s8(l, l, 4);
  }
  if (nc & 2) {
    vst1_lane_u16((uint16_t*)(void*)o, vreinterpret_u16_s8(l), 0);
    o += 2;
    l = vext_s8(l, l, 2);
  }
  if (nc & 1) vst1_lane_s8((int8_t*)o, l, 0);
}

// Channels 0..nc-1 (nc <= 8) of v0 (0-3), v1 (4-7) to o as floats.
static inline __attribute__((always_inline)) void qrt_neon_st8_f32(
    float32x4_t v0, float32x4_t v1, char* o, size_t nc) {
  float* p = (float*)(void*)o;
  if (nc == 8) {
    vst1q_f32(p, v0);
    vst1q_f32(p + 4, v1);
    return;
  }
  if (nc & 4) {
    vst1q_f32(p, v0);
    p += 4;
    v0 = v1;
  }
  float32x2_t l = vget_low_f32(v0);
  if (nc & 2) {
    vst1_f32(p, l);
    p += 2;
    l = vget_high_f32(v0);
  }
  if (nc & 1) vst1_lane_f32(p, l, 0);
}

// f32 epilogue of one row of 8 channels.
static inline __attribute__((always_inline)) void qrt_neon_row8_f32(
    int32x4_t a0, int32x4_t a1, float32x4_t s0, float32x4_t s1,
    float32x4_t lo, float32x4_t hi, char* o, size_t nc) {
  const float32x4_t v0 = qrt_neon_clamp_f32(vmulq_f32(vcvtq_f32_s32(a0), s0), lo, hi);
  const float32x4_t v1 = qrt_neon_clamp_f32(vmulq_f32(vcvtq_f32_s32(a1), s1), lo, hi);
  qrt_neon_st8_f32(v0, v1, o, nc);
}

// A 4 x 8 tile: aI0 holds row I's channels 0-3, aI1 4-7 (by value: an
// accumulator array passed by address would live in memory); scale points
// at 8 floats. Rows 0..mr-1, channels 0..nc-1 are written.
#define QRT_NEON_STORE_TILE4X8(acc, mr, nc, scale, e, c, c_stride)              \
  qrt_neon_store_tile4x8(acc[0][0], acc[0][1], acc[1][0], acc[1][1], acc[2][0], \
                         acc[2][1], acc[3][0], acc[3][1], mr, nc, scale, e, c,  \
                         c_stride)
static inline __attribute__((always_inline)) void qrt_neon_store_tile4x8(
    int32x4_t a00, int32x4_t a01, int32x4_t a10, int32x4_t a11, int32x4_t a20,
    int32x4_t a21, int32x4_t a30, int32x4_t a31, size_t mr, size_t nc,
    const float* scale, const qrt_gemm_s8_epilogue* e, void* c, size_t c_stride) {
  QRT_NEON_OUT_ROWS4(c, mr, c_stride, e);
  const float32x4_t s0 = vld1q_f32(scale), s1 = vld1q_f32(scale + 4);
  if (__builtin_expect(e->output == QRT_GEMM_OUTPUT_S8, 1)) {
    const int16x8_t zp = vdupq_n_s16((int16_t)e->zero_point);
    const int8x16_t lo = vld1q_dup_s8(&e->lo), hi = vld1q_dup_s8(&e->hi);
    const int16x8_t h0 = qrt_neon_requant8(a00, a01, s0, s1, zp);
    const int16x8_t h1 = qrt_neon_requant8(a10, a11, s0, s1, zp);
    const int16x8_t h2 = qrt_neon_requant8(a20, a21, s0, s1, zp);
    const int16x8_t h3 = qrt_neon_requant8(a30, a31, s0, s1, zp);
    const int8x16_t y01 = qrt_neon_narrow_clamp(h0, h1, lo, hi);
    const int8x16_t y23 = qrt_neon_narrow_clamp(h2, h3, lo, hi);
    // Rows 3, 2 first: a row past mr aliases a lower one with equal bytes.
    qrt_neon_st2x8_s8(y23, o2, o3, nc);
    qrt_neon_st2x8_s8(y01, o0, o1, nc);
    return;
  }
  const float32x4_t lo = vld1q_dup_f32(&e->min), hi = vld1q_dup_f32(&e->max);
  qrt_neon_row8_f32(a30, a31, s0, s1, lo, hi, o3, nc);
  qrt_neon_row8_f32(a20, a21, s0, s1, lo, hi, o2, nc);
  qrt_neon_row8_f32(a10, a11, s0, s1, lo, hi, o1, nc);
  qrt_neon_row8_f32(a00, a01, s0, s1, lo, hi, o0, nc);
}

// One row of 16 channels: a0..a3 hold channels 0-3 .. 12-15.
static inline __attribute__((always_inline)) void qrt_neon_row16(
    int32x4_t a0, int32x4_t a1, int32x4_t a2, int32x4_t a3, float32x4_t s0,
    float32x4_t s1, float32x4_t s2, float32x4_t s3, int16x8_t zp,
    int8x16_t lo, int8x16_t hi, char* o, size_t nc) {
  const int16x8_t h0 = qrt_neon_requant8(a0, a1, s0, s1, zp);
  const int16x8_t h1 = qrt_neon_requant8(a2, a3, s2, s3, zp);
  qrt_neon_st16_s8(qrt_neon_narrow_clamp(h0, h1, lo, hi), o, nc);
}

// A 4 x 16 tile: acc[i][j] holds row i's channels 4j..4j+3; scale points at
// 16 floats. The accumulators go by value (QRT_NEON_STORE_TILE4X16).
#define QRT_NEON_STORE_TILE4X16(acc, mr, nc, scale, e, c, c_stride)             \
  qrt_neon_store_tile4x16(                                                      \
      acc[0][0], acc[0][1], acc[0][2], acc[0][3], acc[1][0], acc[1][1],         \
      acc[1][2], acc[1][3], acc[2][0], acc[2][1], acc[2][2], acc[2][3],         \
      acc[3][0], acc[3][1], acc[3][2], acc[3][3], mr, nc, scale, e, c, c_stride)
static inline __attribute__((always_inline)) void qrt_neon_store_tile4x16(
    int32x4_t a00, int32x4_t a01, int32x4_t a02, int32x4_t a03,
    int32x4_t a10, int32x4_t a11, int32x4_t a12, int32x4_t a13,
    int32x4_t a20, int32x4_t a21, int32x4_t a22, int32x4_t a23,
    int32x4_t a30, int32x4_t a31, int32x4_t a32, int32x4_t a33, size_t mr,
    size_t nc, const float* scale, const qrt_gemm_s8_epilogue* e, void* c,
    size_t c_stride) {
  QRT_NEON_OUT_ROWS4(c, mr, c_stride, e);
  const float32x4_t s0 = vld1q_f32(scale), s1 = vld1q_f32(scale + 4);
  const float32x4_t s2 = vld1q_f32(scale + 8), s3 = vld1q_f32(scale + 12);
  if (__builtin_expect(e->output == QRT_GEMM_OUTPUT_S8, 1)) {
    const int16x8_t zp = vdupq_n_s16((int16_t)e->zero_point);
    const int8x16_t lo = vld1q_dup_s8(&e->lo), hi = vld1q_dup_s8(&e->hi);
    qrt_neon_row16(a30, a31, a32, a33, s0, s1, s2, s3, zp, lo, hi, o3, nc);
    qrt_neon_row16(a20, a21, a22, a23, s0, s1, s2, s3, zp, lo, hi, o2, nc);
    qrt_neon_row16(a10, a11, a12, a13, s0, s1, s2, s3, zp, lo, hi, o1, nc);
    qrt_neon_row16(a00, a01, a02, a03, s0, s1, s2, s3, zp, lo, hi, o0, nc);
    return;
  }
  const float32x4_t lo = vld1q_dup_f32(&e->min), hi = vld1q_dup_f32(&e->max);
  const size_t nc0 = nc < 8 ? nc : 8;
  qrt_neon_row8_f32(a30, a31, s0, s1, lo, hi, o3, nc0);
  qrt_neon_row8_f32(a20, a21, s0, s1, lo, hi, o2, nc0);
  qrt_neon_row8_f32(a10, a11, s0, s1, lo, hi, o1, nc0);
  qrt_neon_row8_f32(a00, a01, s0, s1, lo, hi, o0, nc0);
  if (nc > 8) {
    const size_t off = 8 * sizeof(float);
    qrt_neon_row8_f32(a32, a33, s2, s3, lo, hi, o3 + off, nc - 8);
    qrt_neon_row8_f32(a22, a23, s2, s3, lo, hi, o2 + off, nc - 8);
    qrt_neon_row8_f32(a12, a13, s2, s3, lo, hi, o1 + off, nc - 8);
    qrt_neon_row8_f32(a02, a03, s2, s3, lo, hi, o0 + off, nc - 8);
  }
}

// f32 epilogue of one row of 4 channels.
static inline __attribute__((always_inline)) void qrt_neon_row4_f32(
    int32x4_t a, float32x4_t s, float32x4_t lo, float32x4_t hi, char* o,
    size_t nc) {
  const float32x4_t v = qrt_neon_clamp_f32(vmulq_f32(vcvtq_f32_s32(a), s), lo, hi);
  float* p = (float*)(void*)o;
  if (nc == 4) {
    vst1q_f32(p, v);
    return;
  }
  float32x2_t l = vget_low_f32(v);
  if (nc & 2) {
    vst1_f32(p, l);
    p += 2;
    l = vget_high_f32(v);
  }
  if (nc & 1) vst1_lane_f32(p, l, 0);
}

// A 4 x 4 tile: acc[i] holds row i's channels 0-3; scale points at 4 floats.
// int8: the 16 outputs narrow into one vector, row i in lanes 4i..4i+3.
static inline __attribute__((always_inline)) void qrt_neon_store_tile4x4(
    int32x4_t a0, int32x4_t a1, int32x4_t a2, int32x4_t a3, size_t mr,
    size_t nc, const float* scale, const qrt_gemm_s8_epilogue* e, void* c,
    size_t c_stride) {
  QRT_NEON_OUT_ROWS4(c, mr, c_stride, e);
  const float32x4_t s = vld1q_f32(scale);
  if (__builtin_expect(e->output == QRT_GEMM_OUTPUT_S8, 1)) {
    const int16x8_t zp = vdupq_n_s16((int16_t)e->zero_point);
    const int8x16_t lo = vld1q_dup_s8(&e->lo), hi = vld1q_dup_s8(&e->hi);
    const int16x8_t h01 = qrt_neon_requant8(a0, a1, s, s, zp);
    const int16x8_t h23 = qrt_neon_requant8(a2, a3, s, s, zp);
    int8x16_t y = qrt_neon_narrow_clamp(h01, h23, lo, hi);
    if (nc == 4) {
      vst1q_lane_u32((uint32_t*)(void*)o3, vreinterpretq_u32_s8(y), 3);
      vst1q_lane_u32((uint32_t*)(void*)o2, vreinterpretq_u32_s8(y), 2);
      vst1q_lane_u32((uint32_t*)(void*)o1, vreinterpretq_u32_s8(y), 1);
      vst1q_lane_u32((uint32_t*)(void*)o0, vreinterpretq_u32_s8(y), 0);
      return;
    }
    if (nc & 2) {
      vst1q_lane_u16((uint16_t*)(void*)o3, vreinterpretq_u16_s8(y), 6);
      vst1q_lane_u16((uint16_t*)(void*)o2, vreinterpretq_u16_s8(y), 4);
      vst1q_lane_u16((uint16_t*)(void*)o1, vreinterpretq_u16_s8(y), 2);
      vst1q_lane_u16((uint16_t*)(void*)o0, vreinterpretq_u16_s8(y), 0);
      o0 += 2; o1 += 2; o2 += 2; o3 += 2;
      y = vextq_s8(y, y, 2);
    }
    if (nc & 1) {
      vst1q_lane_s8((int8_t*)o3, y, 12);
      vst1q_lane_s8((int8_t*)o2, y, 8);
      vst1q_lane_s8((int8_t*)o1, y, 4);
      vst1q_lane_s8((int8_t*)o0, y, 0);
    }
    return;
  }
  const float32x4_t lo = vld1q_dup_f32(&e->min), hi = vld1q_dup_f32(&e->max);
  qrt_neon_row4_f32(a3, s, lo, hi, o3, nc);
  qrt_neon_row4_f32(a2, s, lo, hi, o2, nc);
  qrt_neon_row4_f32(a1, s, lo, hi, o1, nc);
  qrt_neon_row4_f32(a0, s, lo, hi, o0, nc);
}

#endif  // QRT_KERNELS_NEON_EPILOGUE_NEON_H_
