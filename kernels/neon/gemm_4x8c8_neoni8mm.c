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
  // k past the row: zero (weights are zero). Assembled in a general register:
  // a memcpy call here would keep the accumulators in memory.
  uint64_t v = 0;
  for (size_t i = k - k0; i-- > 0;) {
    v = v << 8 | (uint8_t)a[k0 + i];
    __asm__("" : "+r"(v));  // keep a byte loop, not a memcpy call
  }
  return vreinterpret_s8_u64(vdup_n_u64(v));
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
  // accPQ: row pair P (rows 2P, 2P+1) x channel pair Q (channels 2Q, 2Q+1),
  // named rather than an array (GCC keeps an array of vectors in memory).
  int32x4_t acc00, acc01, acc02, acc03;
  {
    const int32x2_t b0 = vld1_s32(bias), b1 = vld1_s32(bias + 2);
    const int32x2_t b2 = vld1_s32(bias + 4), b3 = vld1_s32(bias + 6);
    acc00 = vcombine_s32(b0, b0); acc01 = vcombine_s32(b1, b1);
    acc02 = vcombine_s32(b2, b2); acc03 = vcombine_s32(b3, b3);
  }
  int32x4_t acc10 = acc00, acc11 = acc01, acc12 = acc02, acc13 = acc03;
#define MMLA8(a01, a23)                                                   \
  {                                                                       \
    const int8x16_t w0 = vld1q_s8(wk), w1 = vld1q_s8(wk + 16);            \
    const int8x16_t w2 = vld1q_s8(wk + 32), w3 = vld1q_s8(wk + 48);       \
    acc00 = vmmlaq_s32(acc00, a01, w0); acc10 = vmmlaq_s32(acc10, a23, w0); \
    acc01 = vmmlaq_s32(acc01, a01, w1); acc11 = vmmlaq_s32(acc11, a23, w1); \
    acc02 = vmmlaq_s32(acc02, a01, w2); acc12 = vmmlaq_s32(acc12, a23, w2); \
    acc03 = vmmlaq_s32(acc03, a01, w3); acc13 = vmmlaq_s32(acc13, a23, w3); \
  }
  // Full groups of 8 k (plain loads), then at most one zero-padded group.
  size_t k0 = 0;
  for (; k0 + KR <= k; k0 += KR, wk += NR * KR) {
    const int8x16_t a01 = vcombine_s8(vld1_s8(r[0] + k0), vld1_s8(r[1] + k0));
    const int8x16_t a23 = vcombine_s8(vld1_s8(r[2] + k0), vld1_s8(r[3] + k0));
    MMLA8(a01, a23)
  }
  if (k0 < k) {
    const int8x16_t a01 = vcombine_s8(load8(r[0], k0, k), load8(r[1], k0, k));
    const int8x16_t a23 = vcombine_s8(load8(r[2], k0, k), load8(r[3], k0, k));
    MMLA8(a01, a23)
  }
#undef MMLA8
  // ZIP1 / ZIP2 of 64-bit lanes: rows 2P and 2P+1, channels 0-3 and 4-7.
#define ZIP(op, x, y) \
  vreinterpretq_s32_s64(op(vreinterpretq_s64_s32(x), vreinterpretq_s64_s32(y)))
  qrt_neon_store_tile4x8(ZIP(vzip1q_s64, acc00, acc01), ZIP(vzip1q_s64, acc02, acc03),
                         ZIP(vzip2q_s64, acc00, acc01), ZIP(vzip2q_s64, acc02, acc03),
                         ZIP(vzip1q_s64, acc10, acc11), ZIP(vzip1q_s64, acc12, acc13),
                         ZIP(vzip2q_s64, acc10, acc11), ZIP(vzip2q_s64, acc12, acc13),
                         mr, nc, scale, e, c, c_stride);
#undef ZIP
}
