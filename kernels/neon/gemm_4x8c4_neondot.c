// 4x8c4 int8 GEMM micro-kernel with SDOT (armv8.2-a+dotprod; this file is
// compiled with that -march and only called when the CPU has it).
//
// Packing KR = 4: two 16-byte weight vectors per group of 4 k hold channels
// 0-3 and 4-7, each channel's 4 k values contiguous. A row's 4 bytes are
// broadcast to every 32-bit lane, so SDOT adds a[k..k+3] . w[c, k..k+3] into
// the int32 lane of channel c: exact int32, no intermediate narrowing.
// Main loop: 16 k per step, one 16-byte load per row and SDOT by element
// (lane g = that row's k group g), 8 weight vectors; then groups of 4, then
// a zero-padded tail.
#include <string.h>

#include "epilogue_neon.h"
#include "qrt/kernels/neon.h"

enum { MR = 4, NR = 8, KR = 4 };

static inline int8x16_t dup_quad(const int8_t* a) {
  int32_t v;
  memcpy(&v, a, 4);
  return vreinterpretq_s8_s32(vdupq_n_s32(v));
}

void qrt_gemm_s8_acc32_ukernel_4x8c4__neondot(size_t mr, size_t nc, size_t k,
    const int8_t* a, size_t a_stride, const void* w, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* e, size_t int16_chunk) {
  (void)int16_chunk;
  const qrt_neon_panel panel = qrt_neon_unpack_panel(w, NR);
  const int32_t* bias = panel.bias;
  const float* scale = panel.scale;
  const int8_t* wk = panel.weights;
  const int8_t* r[MR];
  qrt_neon_gemm_rows(mr, a, a_stride, MR, r);
  int32x4_t acc[MR][2];
  const int32x4_t b0 = vld1q_s32(bias), b1 = vld1q_s32(bias + 4);
  for (size_t i = 0; i < MR; i++) { acc[i][0] = b0; acc[i][1] = b1; }

  size_t k0 = 0;
  for (; k0 + 16 <= k; k0 += 16, wk += NR * 16) {
    int8x16_t wv[8];
    for (size_t q = 0; q < 8; q++) wv[q] = vld1q_s8(wk + 16 * q);
    for (size_t i = 0; i < MR; i++) {
      const int8x16_t x = vld1q_s8(r[i] + k0);
      acc[i][0] = vdotq_laneq_s32(acc[i][0], wv[0], x, 0);
      acc[i][1] = vdotq_laneq_s32(acc[i][1], wv[1], x, 0);
      acc[i][0] = vdotq_laneq_s32(acc[i][0], wv[2], x, 1);
      acc[i][1] = vdotq_laneq_s32(acc[i][1], wv[3], x, 1);
      acc[i][0] = vdotq_laneq_s32(acc[i][0], wv[4], x, 2);
      acc[i][1] = vdotq_laneq_s32(acc[i][1], wv[5], x, 2);
      acc[i][0] = vdotq_laneq_s32(acc[i][0], wv[6], x, 3);
      acc[i][1] = vdotq_laneq_s32(acc[i][1], wv[7], x, 3);
    }
  }
  for (; k0 < k; k0 += KR, wk += NR * KR) {
    const int8x16_t w0 = vld1q_s8(wk), w1 = vld1q_s8(wk + 16);
    for (size_t i = 0; i < MR; i++) {
      int8x16_t x;
      if (k0 + KR <= k) {
        x = dup_quad(r[i] + k0);
      } else {  // tail: zero the k past the row (its weights are zero too)
        int8_t quad[KR] = {0, 0, 0, 0};
        memcpy(quad, r[i] + k0, k - k0);
        x = dup_quad(quad);
      }
      acc[i][0] = vdotq_s32(acc[i][0], w0, x);
      acc[i][1] = vdotq_s32(acc[i][1], w1, x);
    }
  }
  for (size_t i = 0; i < mr; i++) {
    qrt_neon_store_row8(acc[i][0], acc[i][1], scale, e,
                        qrt_neon_row(c, i, c_stride, e), nc);
  }
}
