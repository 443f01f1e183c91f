// 4x16c4 int8 GEMM micro-kernel with SDOT (armv8.2-a+dotprod; this file is
// compiled with that -march and only called when the CPU has it).
//
// The 4x8c4 kernel's scheme on twice the channels: 16 int32 accumulators
// (4 rows x 4 channel quads), so each A load / broadcast feeds 4 SDOT
// instead of 2 and the per-tile work (call, row pointers, bias and scale
// loads, epilogue constants, zero point / clamp vectors) is paid once per
// 64 outputs instead of per 32: it dominates narrow-K 1x1 layers.
//
// Packing KR = 4, NR = 16: four 16-byte weight vectors per group of 4 k
// hold channels 0-3, 4-7, 8-11, 12-15, each channel's 4 k contiguous. Main
// loop: 16 k per step, one 16-byte load per row, then per k group g the
// group's 4 weight vectors and 16 SDOT by element (lane g); then one step of
// 8 k (8-byte row loads, lanes 0-1), then groups of 4, then a zero-padded
// tail. A tile with nc <= 8 (N's last panel, e.g. N = 24) runs the same
// loops on channels 0-7 only (the first two vectors of each group) and the
// 4x8 epilogue: no SDOT on padding channels.

#include "epilogue_neon.h"
#include "qrt/kernels/neon.h"

enum { MR = 4, NR = 16, KR = 4 };

// Row i, channel quad j: acc<i><j> (named, not an array: GCC keeps an array
// of vectors in memory between loops). NQ = 4 (16 channels) or 2 (8): a
// compile-time constant, so the NQ = 2 copy has no code for quads 2-3.
#define QRT_ROWS(X) X(0) X(1) X(2) X(3)

static inline __attribute__((always_inline)) void tile(
    const int NQ, size_t mr, size_t nc, size_t k, const int8_t* a,
    size_t a_stride, const void* w, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* e) {
  const qrt_neon_panel panel = qrt_neon_unpack_panel(w, NR);
  const int32_t* bias = panel.bias;
  const int8_t* wk = panel.weights;
  const int8_t* r[MR];
  qrt_neon_gemm_rows(mr, a, a_stride, MR, r);
  const int8_t *r0 = r[0], *r1 = r[1], *r2 = r[2], *r3 = r[3];
  const int32x4_t b0 = vld1q_s32(bias), b1 = vld1q_s32(bias + 4);
  const int32x4_t b2 = NQ > 2 ? vld1q_s32(bias + 8) : b0;
  const int32x4_t b3 = NQ > 2 ? vld1q_s32(bias + 12) : b1;
#define INIT(i) int32x4_t acc##i##0 = b0, acc##i##1 = b1, acc##i##2 = b2, acc##i##3 = b3;
  QRT_ROWS(INIT)
#undef INIT
  // SDOT of the group at q (4 weight vectors, 64 bytes) with row i's
  // operand x: vdotq_laneq_s32 (lane of a 16-byte x), vdotq_lane_s32 (of an
  // 8-byte x) or vdotq_s32 (x already broadcast).
#define GROUP_LANEQ(i, q, x, g)                                      \
  acc##i##0 = vdotq_laneq_s32(acc##i##0, q##0, x, g);                \
  acc##i##1 = vdotq_laneq_s32(acc##i##1, q##1, x, g);                \
  if (NQ > 2) {                                                      \
    acc##i##2 = vdotq_laneq_s32(acc##i##2, q##2, x, g);              \
    acc##i##3 = vdotq_laneq_s32(acc##i##3, q##3, x, g);              \
  }
#define GROUP_LANE(i, q, x, g)                                       \
  acc##i##0 = vdotq_lane_s32(acc##i##0, q##0, x, g);                 \
  acc##i##1 = vdotq_lane_s32(acc##i##1, q##1, x, g);                 \
  if (NQ > 2) {                                                      \
    acc##i##2 = vdotq_lane_s32(acc##i##2, q##2, x, g);               \
    acc##i##3 = vdotq_lane_s32(acc##i##3, q##3, x, g);               \
  }
#define GROUP_DUP(i, q, x)                                           \
  acc##i##0 = vdotq_s32(acc##i##0, q##0, x);                         \
  acc##i##1 = vdotq_s32(acc##i##1, q##1, x);                         \
  if (NQ > 2) {                                                      \
    acc##i##2 = vdotq_s32(acc##i##2, q##2, x);                       \
    acc##i##3 = vdotq_s32(acc##i##3, q##3, x);                       \
  }
#define LOADW(q, p)                                                  \
  const int8x16_t q##0 = vld1q_s8(p), q##1 = vld1q_s8((p) + 16);     \
  const int8x16_t q##2 = NQ > 2 ? vld1q_s8((p) + 32) : q##0;         \
  const int8x16_t q##3 = NQ > 2 ? vld1q_s8((p) + 48) : q##1;

  size_t k0 = 0;
  if (NQ > 2 && k >= 32) {
    // The 16-k steps in inline assembly. GCC 12 keeps the 16 accumulators,
    // 4 row vectors and the weight vectors in 24 registers but shuffles
    // them with 8 MOVs and 4 SUBs per step (92 instructions, 64 SDOT). Here,
    // per step: 4 LDR q (rows) + ADD, 4 LD1 of one 64-byte weight group
    // each, 64 SDOT, SUBS + B.NE: 75. The accumulators live in
    // v16-v31 and enter and leave through `acc` (an asm statement takes at
    // most 30 operands): 4 LD1 + 4 ST1 and the stores / loads around them
    // per tile, so from 2 steps on it is fewer instructions.
    int32x4_t acc[16] = {acc00, acc01, acc02, acc03, acc10, acc11, acc12, acc13,
                         acc20, acc21, acc22, acc23, acc30, acc31, acc32, acc33};
    size_t steps = k / 16;
    const int8_t *p0 = r0, *p1 = r1, *p2 = r2, *p3 = r3;
    const int8_t* pw = wk;
    size_t ko = 0;  // k offset of the rows
#define QRT_SDOT_ROW(a0, a1, a2, a3, x, w0, w1, w2, w3, g)                          \
  "sdot " a0 ".4s, " w0 ".16b, " x ".4b[" #g "]\n sdot " a1 ".4s, " w1 ".16b, " x ".4b[" #g "]\n" \
  "sdot " a2 ".4s, " w2 ".16b, " x ".4b[" #g "]\n sdot " a3 ".4s, " w3 ".16b, " x ".4b[" #g "]\n"
#define QRT_SDOT_GROUP(w0, w1, w2, w3, g)                   \
  QRT_SDOT_ROW("v16", "v17", "v18", "v19", "v0", w0, w1, w2, w3, g) \
  QRT_SDOT_ROW("v20", "v21", "v22", "v23", "v1", w0, w1, w2, w3, g) \
  QRT_SDOT_ROW("v24", "v25", "v26", "v27", "v2", w0, w1, w2, w3, g) \
  QRT_SDOT_ROW("v28", "v29", "v30", "v31", "v3", w0, w1, w2, w3, g)
    // Weight groups alternate between v4-v7 and v8-v11 and are loaded one
    // group (16 SDOT) ahead of use, rows at an offset (one ADD, no
    // post-increment): in-order cores stall on a load used at once and on
    // base writeback (llvm-mca cycles per step, cortex-a55 / cortex-a76:
    // 79 / 34 here, 103 / 38 for GCC's loop, 84 / 32 with the loads next to
    // their use).
    __asm__ volatile(
        QRT_NEON_ASM_LOAD_V16_V31("%[acc]")
        "1:\n"
        "ldr q0, [%[p0], %[ko]]\n"
        "ldr q1, [%[p1], %[ko]]\n"
        "ld1 {v4.16b, v5.16b, v6.16b, v7.16b}, [%[pw]], #64\n"
        "ldr q2, [%[p2], %[ko]]\n"
        "ldr q3, [%[p3], %[ko]]\n"
        "ld1 {v8.16b, v9.16b, v10.16b, v11.16b}, [%[pw]], #64\n"
        "add %[ko], %[ko], #16\n"
        QRT_SDOT_GROUP("v4", "v5", "v6", "v7", 0)
        "ld1 {v4.16b, v5.16b, v6.16b, v7.16b}, [%[pw]], #64\n"
        QRT_SDOT_GROUP("v8", "v9", "v10", "v11", 1)
        "ld1 {v8.16b, v9.16b, v10.16b, v11.16b}, [%[pw]], #64\n"
        QRT_SDOT_GROUP("v4", "v5", "v6", "v7", 2)
        QRT_SDOT_GROUP("v8", "v9", "v10", "v11", 3)
        "subs %[steps], %[steps], #1\n"
        "b.ne 1b\n"
        QRT_NEON_ASM_STORE_V16_V31("%[acc]")
        : [pw] "+r"(pw), [steps] "+r"(steps), [ko] "+r"(ko)
        : [p0] "r"(p0), [p1] "r"(p1), [p2] "r"(p2), [p3] "r"(p3), [acc] "r"(acc)
        : "x16", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11",
          "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26",
          "v27", "v28", "v29", "v30", "v31", "cc", "memory");
#undef QRT_SDOT_GROUP
#undef QRT_SDOT_ROW
    acc00 = acc[0]; acc01 = acc[1]; acc02 = acc[2]; acc03 = acc[3];
    acc10 = acc[4]; acc11 = acc[5]; acc12 = acc[6]; acc13 = acc[7];
    acc20 = acc[8]; acc21 = acc[9]; acc22 = acc[10]; acc23 = acc[11];
    acc30 = acc[12]; acc31 = acc[13]; acc32 = acc[14]; acc33 = acc[15];
    k0 = k / 16 * 16;
    wk = pw;
  }
  for (; k0 + 16 <= k; k0 += 16, wk += NR * 16) {
    const int8x16_t x0 = vld1q_s8(r0 + k0), x1 = vld1q_s8(r1 + k0);
    const int8x16_t x2 = vld1q_s8(r2 + k0), x3 = vld1q_s8(r3 + k0);
#define STEP(g)                                      \
  {                                                  \
    LOADW(v, wk + NR * KR * g)                       \
    GROUP_LANEQ(0, v, x0, g)                         \
    GROUP_LANEQ(1, v, x1, g)                         \
    GROUP_LANEQ(2, v, x2, g)                         \
    GROUP_LANEQ(3, v, x3, g)                         \
  }
    STEP(0) STEP(1) STEP(2) STEP(3)
#undef STEP
  }
  if (k0 + 8 <= k) {  // 8 k: one 8-byte load per row, SDOT by lanes 0, 1
    const int8x8_t x0 = vld1_s8(r0 + k0), x1 = vld1_s8(r1 + k0);
    const int8x8_t x2 = vld1_s8(r2 + k0), x3 = vld1_s8(r3 + k0);
#define STEP(g)                                      \
  {                                                  \
    LOADW(v, wk + NR * KR * g)                       \
    GROUP_LANE(0, v, x0, g)                          \
    GROUP_LANE(1, v, x1, g)                          \
    GROUP_LANE(2, v, x2, g)                          \
    GROUP_LANE(3, v, x3, g)                          \
  }
    STEP(0) STEP(1)
#undef STEP
    k0 += 8;
    wk += NR * 8;
  }
  for (; k0 < k; k0 += KR, wk += NR * KR) {
    LOADW(v, wk)
    // tail: zero the k past the row (its weights are zero too)
#define DOT4(i)                                                              \
  {                                                                          \
    const int8x16_t x =                                                      \
        k0 + KR <= k ? qrt_neon_dup_quad(r##i + k0) : qrt_neon_dup_tail(r##i + k0, k - k0);    \
    GROUP_DUP(i, v, x)                                                       \
  }
    QRT_ROWS(DOT4)
#undef DOT4
  }
#undef LOADW
#undef GROUP_DUP
#undef GROUP_LANE
#undef GROUP_LANEQ
  if (NQ > 2) {
    // A full tile (every tile but N's last) with nc a constant: no per-row
    // test of nc in the stores.
#define STORE16(ncv)                                                          \
  qrt_neon_store_tile4x16(acc00, acc01, acc02, acc03, acc10, acc11, acc12,    \
                          acc13, acc20, acc21, acc22, acc23, acc30, acc31,    \
                          acc32, acc33, mr, ncv, panel.scale, e, c, c_stride)
    if (__builtin_expect(nc == NR, 1)) {
      STORE16(NR);
    } else {
      STORE16(nc);
    }
#undef STORE16
  } else {
    qrt_neon_store_tile4x8(acc00, acc01, acc10, acc11, acc20, acc21, acc30,
                           acc31, mr, nc, panel.scale, e, c, c_stride);
  }
}
#undef QRT_ROWS

void qrt_gemm_s8_acc32_ukernel_4x16c4__neondot(size_t mr, size_t nc, size_t k,
    const int8_t* a, size_t a_stride, const void* w, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* e, size_t int16_chunk) {
  (void)int16_chunk;
  if (__builtin_expect(nc > 8, 1)) {
    tile(4, mr, nc, k, a, a_stride, w, c, c_stride, e);
  } else {
    tile(2, mr, nc, k, a, a_stride, w, c, c_stride, e);
  }
}
