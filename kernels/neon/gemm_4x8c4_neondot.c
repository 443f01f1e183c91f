// 4x8c4 int8 GEMM micro-kernel with SDOT (armv8.2-a+dotprod; this file is
// compiled with that -march and only called when the CPU has it).
//
// Packing KR = 4: two 16-byte weight vectors per group of 4 k hold channels
// 0-3 and 4-7, each channel's 4 k values contiguous. A row's 4 bytes are
// broadcast to every 32-bit lane, so SDOT adds a[k..k+3] . w[c, k..k+3] into
// the int32 lane of channel c: exact int32, no intermediate narrowing.
// Main loop: 16 k per step, one 16-byte load per row and SDOT by element
// (lane g = that row's k group g), 8 weight vectors; then one step of 8 k
// (8-byte loads, lanes 0-1), then groups of 4, then a zero-padded tail.

#include "epilogue_neon.h"
#include "qrt/kernels/neon.h"

enum { MR = 4, NR = 8, KR = 4 };

// Row i's accumulators are named acc<i>0 (channels 0-3) and acc<i>1 (4-7),
// not an array: GCC keeps an array of vectors in memory between loops.
#define QRT_ROWS(X) X(0) X(1) X(2) X(3)

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
  const int8_t *r0 = r[0], *r1 = r[1], *r2 = r[2], *r3 = r[3];
  const int32x4_t b0 = vld1q_s32(bias), b1 = vld1q_s32(bias + 4);
#define INIT(i) int32x4_t acc##i##0 = b0, acc##i##1 = b1;
  QRT_ROWS(INIT)
#undef INIT

  size_t k0 = 0;
  for (; k0 + 16 <= k; k0 += 16, wk += NR * 16) {
    int8x16_t wv[8];
    for (size_t q = 0; q < 8; q++) wv[q] = vld1q_s8(wk + 16 * q);
#define DOT16(i)                                                \
  {                                                             \
    const int8x16_t x = vld1q_s8(r##i + k0);                    \
    acc##i##0 = vdotq_laneq_s32(acc##i##0, wv[0], x, 0);        \
    acc##i##1 = vdotq_laneq_s32(acc##i##1, wv[1], x, 0);        \
    acc##i##0 = vdotq_laneq_s32(acc##i##0, wv[2], x, 1);        \
    acc##i##1 = vdotq_laneq_s32(acc##i##1, wv[3], x, 1);        \
    acc##i##0 = vdotq_laneq_s32(acc##i##0, wv[4], x, 2);        \
    acc##i##1 = vdotq_laneq_s32(acc##i##1, wv[5], x, 2);        \
    acc##i##0 = vdotq_laneq_s32(acc##i##0, wv[6], x, 3);        \
    acc##i##1 = vdotq_laneq_s32(acc##i##1, wv[7], x, 3);        \
  }
    QRT_ROWS(DOT16)
#undef DOT16
  }
  if (k0 + 8 <= k) {  // 8 k: one 8-byte load per row, SDOT by lanes 0, 1
    const int8x16_t w0 = vld1q_s8(wk), w1 = vld1q_s8(wk + 16);
    const int8x16_t w2 = vld1q_s8(wk + 32), w3 = vld1q_s8(wk + 48);
#define DOT8(i)                                              \
  {                                                          \
    const int8x8_t x = vld1_s8(r##i + k0);                   \
    acc##i##0 = vdotq_lane_s32(acc##i##0, w0, x, 0);         \
    acc##i##1 = vdotq_lane_s32(acc##i##1, w1, x, 0);         \
    acc##i##0 = vdotq_lane_s32(acc##i##0, w2, x, 1);         \
    acc##i##1 = vdotq_lane_s32(acc##i##1, w3, x, 1);         \
  }
    QRT_ROWS(DOT8)
#undef DOT8
    k0 += 8;
    wk += NR * 8;
  }
  for (; k0 < k; k0 += KR, wk += NR * KR) {
    const int8x16_t w0 = vld1q_s8(wk), w1 = vld1q_s8(wk + 16);
    // tail: zero the k past the row (its weights are zero too)
#define DOT4(i)                                                                     \
  {                                                                                 \
    const int8x16_t x = k0 + KR <= k ? qrt_neon_dup_quad(r##i + k0) : qrt_neon_dup_tail(r##i + k0, k - k0); \
    acc##i##0 = vdotq_s32(acc##i##0, w0, x);                                        \
    acc##i##1 = vdotq_s32(acc##i##1, w1, x);                                        \
  }
    QRT_ROWS(DOT4)
#undef DOT4
  }
  qrt_neon_store_tile4x8(acc00, acc01, acc10, acc11, acc20, acc21, acc30, acc31,
                         mr, nc, scale, e, c, c_stride);
}
#undef QRT_ROWS
