// 4x16c1 int8 GEMM micro-kernels for baseline ARMv8 NEON, by-element
// multiply-accumulate: the narrow-K kernels (docs/performance.md).
//
// Packing KR = 1, wsize 2: each k holds the 16 channels' weights already
// sign-extended to int16 (32 bytes, one LDP of two vectors). The lanes of an
// accumulator are output channels, so nothing is reduced across lanes at the
// end. A row's next 8 activations are loaded once and sign-extended to
// int16 (one LD1 + SXTL per row per 8 k); every k then multiplies the 16
// weights by one activation lane:
//
// acc16: MLA (int16 x int16 -> int16, by element): 8 MACs per instruction,
//   each lane one product per k, wrapping like SMLAL's lanes; after a block
//   of consecutive k (int16_chunk, from 8 on rounded down to a multiple of
//   8; the runtime passes the layer's qrt_int16_window of stride 1: ukernel
//   int16_stride 1) the lanes are widened into int32 with SADDW/SADDW2. Per
//   k: 8 MLA + 1 LDP for the 4x16 tile, half of any int32 kernel's
//   multiplies.
// acc32: SMLAL/SMLAL2 by element (int16 x int16 -> int32): 4 MACs each, 16
//   per k. Exact for any int8 weights.
//
// Weights as int16 in the packing: widening them in the loop cost an LD1 and
// SXTL + SXTL2 per k (the whole-call count at 196x144x64 acc16 chunk 8 was
// 555,070; docs/performance.md has the new one); the price is twice the
// packed bytes of these (narrow-K) layers.
//
// Registers (acc16): 8 int16x8 sums + 16 int32x4 totals + 4 rows + 2
// weight vectors = 30 of 32. Rows past mr alias the last valid row (their
// outputs are stored onto it, equal bytes). A block's last k % 8 (chunk % 8
// or the row's end) run as a group of 4 (one 4-byte load per row) and single
// steps (MLA by a scalar).
#include <string.h>

#include "epilogue_neon.h"
#include "qrt/kernels/neon.h"

enum { MR = 4, NR = 16 };

// The tile's start, shared by both kernels: the panel, the A rows, the
// accumulators at the bias; returns the panel's weights.
static const int16_t* begin(size_t mr, const int8_t* a, size_t a_stride,
                           const void* w, const int8_t* r[MR],
                           int32x4_t acc[MR][4], const float** scale) {
  const qrt_neon_panel panel = qrt_neon_unpack_panel(w, NR);
  qrt_neon_gemm_rows(mr, a, a_stride, MR, r);
  const int32x4_t b0 = vld1q_s32(panel.bias), b1 = vld1q_s32(panel.bias + 4);
  const int32x4_t b2 = vld1q_s32(panel.bias + 8), b3 = vld1q_s32(panel.bias + 12);
  for (size_t i = 0; i < MR; i++) {
    acc[i][0] = b0; acc[i][1] = b1; acc[i][2] = b2; acc[i][3] = b3;
  }
  *scale = panel.scale;
  return (const int16_t*)(const void*)panel.weights;
}

// Activations k .. k+3 of a row in lanes 0-3, sign-extended (reads 4 bytes).
static inline int16x8_t load4(const int8_t* a) {
  int32_t v;
  memcpy(&v, a, 4);
  return vmovl_s8(vreinterpret_s8_s32(vdup_n_s32(v)));
}

// The 16 (int16) weights of one k: channels 0-7 and 8-15.
#define LOAD_W(p, w0, w1)               \
  const int16x8_t w0 = vld1q_s16(p);    \
  const int16x8_t w1 = vld1q_s16((p) + 8)

// One k of the tile: OP (mul / mla) of weights WA, WB (channels 0-7,
// 8-15) by lane L of the 4 rows (v0-v3) into the int16 sums v8-v15.
#define QRT_C1_K(OP, WA, WB, L)                                               \
  OP " v8.8h, " WA ".8h, v0.h[" #L "]\n " OP " v9.8h, " WB ".8h, v0.h[" #L "]\n"   \
  OP " v10.8h, " WA ".8h, v1.h[" #L "]\n " OP " v11.8h, " WB ".8h, v1.h[" #L "]\n" \
  OP " v12.8h, " WA ".8h, v2.h[" #L "]\n " OP " v13.8h, " WB ".8h, v2.h[" #L "]\n" \
  OP " v14.8h, " WA ".8h, v3.h[" #L "]\n " OP " v15.8h, " WB ".8h, v3.h[" #L "]\n"
// One 8-k group: rows (LDR d + SXTL), the weights of k + 2 loaded while k's
// MLA run (pairs v4/v5 and v6/v7 in turn), OP0 for the first k.
#define QRT_C1_GROUP(OP0)                                                          \
  "ldr d0, [%[p0], %[ko]]\n ldr d1, [%[p1], %[ko]]\n"                              \
  "ldr d2, [%[p2], %[ko]]\n ldr d3, [%[p3], %[ko]]\n add %[ko], %[ko], #8\n"        \
  "ldp q4, q5, [%[pw], #0]\n"                                                     \
  "sxtl v0.8h, v0.8b\n sxtl v1.8h, v1.8b\n sxtl v2.8h, v2.8b\n sxtl v3.8h, v3.8b\n" \
  "ldp q6, q7, [%[pw], #32]\n"                                                    \
  QRT_C1_K(OP0, "v4", "v5", 0) "ldp q4, q5, [%[pw], #64]\n"                        \
  QRT_C1_K("mla", "v6", "v7", 1) "ldp q6, q7, [%[pw], #96]\n"                      \
  QRT_C1_K("mla", "v4", "v5", 2) "ldp q4, q5, [%[pw], #128]\n"                     \
  QRT_C1_K("mla", "v6", "v7", 3) "ldp q6, q7, [%[pw], #160]\n"                     \
  QRT_C1_K("mla", "v4", "v5", 4) "ldp q4, q5, [%[pw], #192]\n"                     \
  QRT_C1_K("mla", "v6", "v7", 5) "ldp q6, q7, [%[pw], #224]\n"                     \
  QRT_C1_K("mla", "v4", "v5", 6)                                                  \
  QRT_C1_K("mla", "v6", "v7", 7)                                                  \
  "add %[pw], %[pw], #256\n"
// Widening of row R's sums (v8 + 2R, v9 + 2R) into its totals A0..A3.
#define QRT_C1_WIDEN(S0, S1, A0, A1, A2, A3)                                        \
  "saddw " A0 ".4s, " A0 ".4s, " S0 ".4h\n saddw2 " A1 ".4s, " A1 ".4s, " S0 ".8h\n"  \
  "saddw " A2 ".4s, " A2 ".4s, " S1 ".4h\n saddw2 " A3 ".4s, " A3 ".4s, " S1 ".8h\n"

void qrt_gemm_s8_acc16_ukernel_4x16c1__neon(size_t mr, size_t nc, size_t k,
    const int8_t* a, size_t a_stride, const void* w, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* e, size_t int16_chunk) {
  const int8_t* r[MR];
  int32x4_t acc[MR][4];
  const float* scale;
  const int16_t* wk = begin(mr, a, a_stride, w, r, acc, &scale);
  // Blocks of `chunk` consecutive k (one product per int16 lane each), then
  // widening; from 8 on a multiple of 8, so a block is whole 8-k groups: a
  // 4-k group or single k inside every block costs more than the block
  // boundary it saves (196x128x512, window 15: 3,325,677 instructions as
  // 8 + 4 + 1 + 1 + 1 blocks).
  const size_t chunk =
      int16_chunk == 0 ? 1 : int16_chunk >= 8 ? int16_chunk / 8 * 8 : int16_chunk;
  size_t k0 = 0;
  // Whole blocks of 8-k groups in inline assembly: GCC 12 spills two int32
  // accumulators around every widening and adds block bookkeeping (about
  // 210 instructions per 16-k block); here the 8 int16 sums live in v8-v15,
  // the 16 int32 totals in v16-v31 (in and out through `acc`: an asm takes
  // at most 30 operands), rows in v0-v3 and weights in v4-v7. Per 8-k
  // group: 4 LDR d + 4 SXTL (rows), 8 LDP (weights), 64 MUL / MLA by
  // element, 2 ADD; per block 16 SADDW(2) and 4 loop instructions. Each
  // weight pair is loaded 8 MLA before its use (two register pairs in
  // turn), and loads use offsets, not post-increment: LLVM's in-order
  // models (A53 / A55) stall on a load used at once and on base writeback
  // (llvm-mca, cycles per 8-k group, cortex-a55 / a53: 58 / 91 here, 59 /
  // 90 for GCC's loop, 86 / 132 with post-increment loads).
  if (chunk >= 8 && k >= chunk) {
    size_t blocks = k / chunk;
    const size_t groups = chunk / 8;
    const int8_t *p0 = r[0], *p1 = r[1], *p2 = r[2], *p3 = r[3];
    const int16_t* pw = wk;
    size_t ko = 0;  // k offset of the rows
    __asm__ volatile(
        QRT_NEON_ASM_LOAD_V16_V31("%[acc]")
        "1:\n"
        QRT_C1_GROUP("mul")
        "subs x17, %[groups], #1\n"
        "b.eq 3f\n"
        "2:\n"
        QRT_C1_GROUP("mla")
        "subs x17, x17, #1\n"
        "b.ne 2b\n"
        "3:\n"
        QRT_C1_WIDEN("v8", "v9", "v16", "v17", "v18", "v19")
        QRT_C1_WIDEN("v10", "v11", "v20", "v21", "v22", "v23")
        QRT_C1_WIDEN("v12", "v13", "v24", "v25", "v26", "v27")
        QRT_C1_WIDEN("v14", "v15", "v28", "v29", "v30", "v31")
        "subs %[blocks], %[blocks], #1\n"
        "b.ne 1b\n"
        QRT_NEON_ASM_STORE_V16_V31("%[acc]")
        : [pw] "+r"(pw), [blocks] "+r"(blocks), [ko] "+r"(ko)
        : [p0] "r"(p0), [p1] "r"(p1), [p2] "r"(p2), [p3] "r"(p3), [acc] "r"(&acc[0][0]),
          [groups] "r"(groups)
        : "x16", "x17", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9",
          "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20",
          "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31",
          "cc", "memory");
    k0 = k / chunk * chunk;
    wk = pw;
  }
#undef QRT_C1_K
#undef QRT_C1_GROUP
#undef QRT_C1_WIDEN
  while (k0 < k) {
    const size_t block_end = k - k0 < chunk ? k : k0 + chunk;
    int16x8_t s[MR][2];
#define STEP(l)                                                   \
  {                                                               \
    LOAD_W(wk + (l) * NR, w0, w1);                                \
    for (size_t i = 0; i < MR; i++) {                             \
      s[i][0] = vmlaq_laneq_s16(s[i][0], w0, x[i], l);            \
      s[i][1] = vmlaq_laneq_s16(s[i][1], w1, x[i], l);            \
    }                                                             \
  }
    if (k0 + 8 <= block_end) {  // the block's first group starts from MUL
      int16x8_t x[MR];
      for (size_t i = 0; i < MR; i++) x[i] = vmovl_s8(vld1_s8(r[i] + k0));
      {
        LOAD_W(wk, w0, w1);
        for (size_t i = 0; i < MR; i++) {
          s[i][0] = vmulq_laneq_s16(w0, x[i], 0);
          s[i][1] = vmulq_laneq_s16(w1, x[i], 0);
        }
      }
      STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
      k0 += 8;
      wk += 8 * NR;
    } else {
      for (size_t i = 0; i < MR; i++) s[i][0] = s[i][1] = vdupq_n_s16(0);
    }
    for (; k0 + 8 <= block_end; k0 += 8, wk += 8 * NR) {
      int16x8_t x[MR];
      for (size_t i = 0; i < MR; i++) x[i] = vmovl_s8(vld1_s8(r[i] + k0));
      STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
    }
    if (k0 + 4 <= block_end) {  // 4 k: one 4-byte load per row
      int16x8_t x[MR];
      for (size_t i = 0; i < MR; i++) x[i] = load4(r[i] + k0);
      STEP(0) STEP(1) STEP(2) STEP(3)
      k0 += 4;
      wk += 4 * NR;
    }
#undef STEP
    for (; k0 < block_end; k0++, wk += NR) {  // 1..3 k
      LOAD_W(wk, w0, w1);
      for (size_t i = 0; i < MR; i++) {
        const int16_t x = r[i][k0];
        s[i][0] = vmlaq_n_s16(s[i][0], w0, x);
        s[i][1] = vmlaq_n_s16(s[i][1], w1, x);
      }
    }
    for (size_t i = 0; i < MR; i++) {  // widen: SADDW / SADDW2
      acc[i][0] = vaddw_s16(acc[i][0], vget_low_s16(s[i][0]));
      acc[i][1] = vaddw_high_s16(acc[i][1], s[i][0]);
      acc[i][2] = vaddw_s16(acc[i][2], vget_low_s16(s[i][1]));
      acc[i][3] = vaddw_high_s16(acc[i][3], s[i][1]);
    }
  }
  QRT_NEON_STORE_TILE4X16(acc, mr, nc, scale, e, c, c_stride);
}

void qrt_gemm_s8_acc32_ukernel_4x16c1__neon(size_t mr, size_t nc, size_t k,
    const int8_t* a, size_t a_stride, const void* w, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* e, size_t int16_chunk) {
  (void)int16_chunk;
  const int8_t* r[MR];
  int32x4_t acc[MR][4];
  const float* scale;
  const int16_t* wk = begin(mr, a, a_stride, w, r, acc, &scale);
  size_t k0 = 0;
  for (; k0 + 8 <= k; k0 += 8, wk += 8 * NR) {
    int16x8_t x[MR];
    for (size_t i = 0; i < MR; i++) x[i] = vmovl_s8(vld1_s8(r[i] + k0));
#define STEP(l)                                                               \
  {                                                                           \
    LOAD_W(wk + (l) * NR, w0, w1);                                            \
    for (size_t i = 0; i < MR; i++) {                                         \
      acc[i][0] = vmlal_laneq_s16(acc[i][0], vget_low_s16(w0), x[i], l);      \
      acc[i][1] = vmlal_high_laneq_s16(acc[i][1], w0, x[i], l);               \
      acc[i][2] = vmlal_laneq_s16(acc[i][2], vget_low_s16(w1), x[i], l);      \
      acc[i][3] = vmlal_high_laneq_s16(acc[i][3], w1, x[i], l);               \
    }                                                                         \
  }
    STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
#undef STEP
  }
  for (; k0 < k; k0++, wk += NR) {
    LOAD_W(wk, w0, w1);
    for (size_t i = 0; i < MR; i++) {
      const int16_t x = r[i][k0];
      acc[i][0] = vmlal_n_s16(acc[i][0], vget_low_s16(w0), x);
      acc[i][1] = vmlal_high_n_s16(acc[i][1], w0, x);
      acc[i][2] = vmlal_n_s16(acc[i][2], vget_low_s16(w1), x);
      acc[i][3] = vmlal_high_n_s16(acc[i][3], w1, x);
    }
  }
  QRT_NEON_STORE_TILE4X16(acc, mr, nc, scale, e, c, c_stride);
}
