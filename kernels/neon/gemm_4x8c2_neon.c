// 4x8c2 int8 GEMM micro-kernels for baseline ARMv8 NEON (Cortex-A53 and up).
//
// Packing KR = 2: each 16-byte weight vector holds k pair (k, k+1) of the 8
// channels, [c0k0 c0k1 c1k0 c1k1 ... c7k1]. The A pair (a[k], a[k+1]) of a
// row is broadcast as an int16, giving [a0 a1 a0 a1 ...], so SMULL/SMLAL
// produce int16 lanes 2j, 2j+1 = products of channel j, and SADALP adds each
// lane pair into the int32 lane of channel j: no horizontal sums at the end.
//
// acc32: SMULL of pair (k, k+1) then SMLAL of pair (k+2, k+3): each int16
//   lane holds two products, |w| <= 127 and |x| <= 128 give at most 32512,
//   then SADALP. Valid for any 8-bit weights in [-127, 127].
// acc16: SMLAL into int16 lanes for int16_chunk pair steps (one product per
//   lane per step), then SADALP; the chunk comes from the model
//   (docs/accumulation.md) and makes every int16 partial sum fit.
//
// Register use per row: 2 int32x4 accumulators (channels 0-3, 4-7), plus 2
// int16x8 (acc16); rows past mr alias the last valid row (their outputs are
// stored onto it, equal bytes).
// Main loops take 8 k at a time: LD1R of each 16-bit pair of a row gives the
// 4 broadcast pairs; 4 weight vectors per step.
#include <string.h>

#include "epilogue_neon.h"
#include "qrt/kernels/neon.h"

enum { MR = 4, NR = 8 };

static inline int8x16_t dup_pair(const int8_t* a) {
  int16_t v;
  memcpy(&v, a, 2);
  return vreinterpretq_s8_s16(vdupq_n_s16(v));
}

// Pair (a[k], 0) for an odd k tail, read without going past the row.
static inline int8x16_t dup_last(const int8_t* a) {
  const int8_t pair[2] = {a[0], 0};
  return dup_pair(pair);
}

// The 4 k pairs of a row's next 8 bytes, each broadcast to a full vector
// with one LD1R (no alignment requirement; GCC would otherwise turn lane DUPs
// into a scalar load plus DUP per pair).
static inline void dup4(const int8_t* a, int8x16_t x[4]) {
  x[0] = vreinterpretq_s8_s16(vld1q_dup_s16((const int16_t*)(const void*)a));
  x[1] = vreinterpretq_s8_s16(vld1q_dup_s16((const int16_t*)(const void*)(a + 2)));
  x[2] = vreinterpretq_s8_s16(vld1q_dup_s16((const int16_t*)(const void*)(a + 4)));
  x[3] = vreinterpretq_s8_s16(vld1q_dup_s16((const int16_t*)(const void*)(a + 6)));
}

void qrt_gemm_s8_acc32_ukernel_4x8c2__neon(size_t mr, size_t nc, size_t k,
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
  for (; k0 + 8 <= k; k0 += 8, wk += 64) {
    const int8x16_t w0 = vld1q_s8(wk), w1 = vld1q_s8(wk + 16);
    const int8x16_t w2 = vld1q_s8(wk + 32), w3 = vld1q_s8(wk + 48);
    for (size_t i = 0; i < MR; i++) {
      int8x16_t x[4];
      dup4(r[i] + k0, x);
      // Two products per int16 lane (pairs k, k+2), then SADALP.
      int16x8_t p0 = vmull_s8(vget_low_s8(x[0]), vget_low_s8(w0));
      int16x8_t p1 = vmull_high_s8(x[0], w0);
      p0 = vmlal_s8(p0, vget_low_s8(x[1]), vget_low_s8(w1));
      p1 = vmlal_high_s8(p1, x[1], w1);
      acc[i][0] = vpadalq_s16(acc[i][0], p0);
      acc[i][1] = vpadalq_s16(acc[i][1], p1);
      p0 = vmull_s8(vget_low_s8(x[2]), vget_low_s8(w2));
      p1 = vmull_high_s8(x[2], w2);
      p0 = vmlal_s8(p0, vget_low_s8(x[3]), vget_low_s8(w3));
      p1 = vmlal_high_s8(p1, x[3], w3);
      acc[i][0] = vpadalq_s16(acc[i][0], p0);
      acc[i][1] = vpadalq_s16(acc[i][1], p1);
    }
  }
  // 1..7 remaining k: one pair at a time (the packed k is padded to even).
  for (; k0 < k; k0 += 2, wk += 16) {
    const int8x16_t wv = vld1q_s8(wk);
    for (size_t i = 0; i < MR; i++) {
      const int8x16_t x = k0 + 2 <= k ? dup_pair(r[i] + k0) : dup_last(r[i] + k0);
      acc[i][0] = vpadalq_s16(acc[i][0], vmull_s8(vget_low_s8(x), vget_low_s8(wv)));
      acc[i][1] = vpadalq_s16(acc[i][1], vmull_high_s8(x, wv));
    }
  }
  QRT_NEON_STORE_TILE4X8(acc, mr, nc, scale, e, c, c_stride);
}

void qrt_gemm_s8_acc16_ukernel_4x8c2__neon(size_t mr, size_t nc, size_t k,
    const int8_t* a, size_t a_stride, const void* w, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* e, size_t int16_chunk) {
  const qrt_neon_panel panel = qrt_neon_unpack_panel(w, NR);
  const int32_t* bias = panel.bias;
  const float* scale = panel.scale;
  const int8_t* wk = panel.weights;
  const int8_t* r[MR];
  qrt_neon_gemm_rows(mr, a, a_stride, MR, r);
  int32x4_t acc[MR][2];
  const int32x4_t b0 = vld1q_s32(bias), b1 = vld1q_s32(bias + 4);
  for (size_t i = 0; i < MR; i++) { acc[i][0] = b0; acc[i][1] = b1; }
  const size_t chunk = int16_chunk == 0 ? 1 : int16_chunk;
  const size_t pairs = (k + 1) / 2;
  // Blocks of at most `chunk` pair steps (one product per int16 lane each),
  // summed in int16, then one SADALP per block.
  for (size_t p0 = 0; p0 < pairs;) {
    const size_t block_end = pairs - p0 < chunk ? pairs : p0 + chunk;
    int16x8_t acc16[MR][2];
    for (size_t i = 0; i < MR; i++) {
      acc16[i][0] = vdupq_n_s16(0); acc16[i][1] = vdupq_n_s16(0);
    }
    // 4 pairs (8 k) per step while they stay inside the block and the row.
    for (; p0 + 4 <= block_end && 2 * p0 + 8 <= k; p0 += 4, wk += 64) {
      const int8x16_t w0 = vld1q_s8(wk), w1 = vld1q_s8(wk + 16);
      const int8x16_t w2 = vld1q_s8(wk + 32), w3 = vld1q_s8(wk + 48);
      for (size_t i = 0; i < MR; i++) {
        int8x16_t x[4];
        dup4(r[i] + 2 * p0, x);
        int16x8_t s0 = acc16[i][0], s1 = acc16[i][1];
        s0 = vmlal_s8(s0, vget_low_s8(x[0]), vget_low_s8(w0));
        s1 = vmlal_high_s8(s1, x[0], w0);
        s0 = vmlal_s8(s0, vget_low_s8(x[1]), vget_low_s8(w1));
        s1 = vmlal_high_s8(s1, x[1], w1);
        s0 = vmlal_s8(s0, vget_low_s8(x[2]), vget_low_s8(w2));
        s1 = vmlal_high_s8(s1, x[2], w2);
        s0 = vmlal_s8(s0, vget_low_s8(x[3]), vget_low_s8(w3));
        s1 = vmlal_high_s8(s1, x[3], w3);
        acc16[i][0] = s0; acc16[i][1] = s1;
      }
    }
    for (; p0 < block_end; p0++, wk += 16) {
      const int8x16_t wv = vld1q_s8(wk);
      const size_t k0 = 2 * p0;
      for (size_t i = 0; i < MR; i++) {
        const int8x16_t x = k0 + 2 <= k ? dup_pair(r[i] + k0) : dup_last(r[i] + k0);
        acc16[i][0] = vmlal_s8(acc16[i][0], vget_low_s8(x), vget_low_s8(wv));
        acc16[i][1] = vmlal_high_s8(acc16[i][1], x, wv);
      }
    }
    for (size_t i = 0; i < MR; i++) {
      acc[i][0] = vpadalq_s16(acc[i][0], acc16[i][0]);
      acc[i][1] = vpadalq_s16(acc[i][1], acc16[i][1]);
    }
  }
  QRT_NEON_STORE_TILE4X8(acc, mr, nc, scale, e, c, c_stride);
}
