// 4x8c8 int8 GEMM micro-kernel with SMMLA (armv8.6-a+i8mm; this file is
// compiled with that -march and only called when the CPU has it).
//
// SMMLA multiplies a 2x8 int8 matrix (rows r, r+1: 8 k each) by the
// transpose of another 2x8 (channels c, c+1) and adds the 2x2 int32 result
// to [r.c, r.c+1, r+1.c, r+1.c+1]. Packing KR = 8 stores each channel's 8 k
// contiguously, so one 16-byte load is exactly a channel pair. The tile is
// 2 row pairs x 4 channel pairs = 8 accumulators; at the end ZIP1/ZIP2 on
// 64-bit lanes turn them back into rows of 4 channels.
#include <string.h>

#include "epilogue_neon.h"
#include "qrt/kernels/neon.h"

enum { MR = 4, NR = 8, KR = 8 };

static inline int8x8_t load8(const int8_t* a, size_t k0, size_t k) {
  if (k0 + KR <= k) return vld1_s8(a + k0);
  int8_t tail[KR] = {0};
  memcpy(tail, a + k0, k - k0);  // k past the row: zero (weights are zero)
  return vld1_s8(tail);
}

void qrt_gemm_s8_acc32_ukernel_4x8c8__neoni8mm(size_t mr, size_t nc, size_t k,
    const int8_t* a, size_t a_stride, const void* w, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* e, size_t int16_chunk) {
  (void)int16_chunk;
  const qrt_neon_panel panel = qrt_neon_unpack_panel(w, NR);
  const int32_t* bias = panel.bias;
  const float* scale = panel.scale;
  const int8_t* wk = panel.weights;
  const int8_t* r[MR];
  qrt_neon_gemm_rows(mr, a, a_stride, MR, r);
  int32x4_t acc[2][4];  // [row pair][channel pair]
  for (size_t q = 0; q < 4; q++) {
    const int32x2_t b = vld1_s32(bias + 2 * q);
    acc[0][q] = acc[1][q] = vcombine_s32(b, b);
  }
  for (size_t k0 = 0; k0 < k; k0 += KR, wk += NR * KR) {
    const int8x16_t a01 = vcombine_s8(load8(r[0], k0, k), load8(r[1], k0, k));
    const int8x16_t a23 = vcombine_s8(load8(r[2], k0, k), load8(r[3], k0, k));
    for (size_t q = 0; q < 4; q++) {
      const int8x16_t wq = vld1q_s8(wk + 16 * q);
      acc[0][q] = vmmlaq_s32(acc[0][q], a01, wq);
      acc[1][q] = vmmlaq_s32(acc[1][q], a23, wq);
    }
  }
  for (size_t p = 0; p < 2; p++) {
    for (size_t h = 0; h < 2 && 2 * p + h < mr; h++) {
      int32x4_t row[2];
      for (size_t half = 0; half < 2; half++) {
        const int64x2_t x = vreinterpretq_s64_s32(acc[p][2 * half]);
        const int64x2_t y = vreinterpretq_s64_s32(acc[p][2 * half + 1]);
        row[half] = vreinterpretq_s32_s64(h == 0 ? vzip1q_s64(x, y) : vzip2q_s64(x, y));
      }
      qrt_neon_store_row8(row[0], row[1], scale, e,
                          qrt_neon_row(c, 2 * p + h, c_stride, e), nc);
    }
  }
}
