// 4x4c16 int8 GEMM micro-kernels for baseline ARMv8 NEON ("c16 mlal").
//
// Why c16? The c2 kernels (gemm_4x8c2_neon.c) vectorize along the output
// channels, so every k pair of every A row must be broadcast to a whole
// vector first: 8-bit SMLAL has no by-element form, and the broadcasts cost
// as much as the multiplies. Here both operands are vectorized along K
// instead, and no broadcast exists:
//
//   A row i:    16 consecutive k of the row, straight from memory (LDR q)
//   W column j: 16 consecutive k of channel j (packing KR = 16: each group of
//               16 k holds NR = 4 channels x 16 bytes, one LD1 of 4 vectors)
//
// Each (row i, channel j) pair of the 4x4 tile owns one accumulator register
// whose lanes hold partial sums of *different k* of the same dot product:
//
//   acc16: int16x8 s[i][j]; per 16-k step
//            SMLAL  s += a[0..7]  * w[0..7]     lane l gets k = 16t + l
//            SMLAL2 s += a[8..15] * w[8..15]    lane l gets k = 16t + 8 + l
//          i.e. 2 instructions per 16 MACs, 2 products per lane per step.
//   acc32: int32x4 acc[i][j]; per 16-k step
//            SMULL p = a[0..7] * w[0..7];  SMLAL2 p += a[8..15] * w[8..15]
//            SADALP acc += pairwise(p)
//          3 instructions per 16 MACs; 2 products per int16 lane fit because
//          weights are in [-127, 127] (2 * 127 * 128 = 32512).
//
// The lanes are summed once per tile (ADDP chains), giving one int32x4 per
// row with channels 0-3 in lanes 0-3, then the NEON epilogue.
//
// The INT16 bound (docs/accumulation.md): a lane may hold at most
// int16_chunk products. Lane l only ever holds k = l, l + 8, l + 16, ... of
// its channel (16t + l and 16t + 8 + l per step), consecutive members of one
// residue class mod 8, so the runtime passes the layer's
// qrt_int16_window of stride 8 (ukernel int16_stride 8; >= the any-subset
// chunk, and a tail's zero lanes add nothing). One step adds 2 per lane, so a block is
// floor(int16_chunk / 2) steps, after which the 16 int16 accumulators are
// widened (SADDLP + ADDP chain) into the rows' int32 accumulators. With an
// odd chunk a lane therefore holds chunk - 1 products at most; chunk = 1
// (only possible with -128 weights) takes one half step per block.
//
// Tails: the last k % 16 values of a row are loaded with one 16-byte load
// ending at the row's end and shifted down with TBL (lanes past the row
// read as 0; packed weights past K are 0 too); with K < 16 the bytes are
// copied one by one. Nothing is read outside the rows. A tail of at most 8
// values uses the low halves only.
//
// Registers (acc16): 16 int16x8 + 4 int32x4 rows + 4 A + 4 W = 28 of 32.
// Rows past mr alias the last valid row (their outputs are stored onto it,
// equal bytes).
#include "epilogue_neon.h"
#include "qrt/kernels/neon.h"

enum { MR = 4, NR = 4, KR = 16 };

// kShift[s + j] = s + j below 16, 0xFF from 16 on: TBL indices that move
// bytes s.. of a vector down to lane 0 and zero the lanes past the end.
static const uint8_t kShift[32] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

// The last r = k - k0 (1..15) values of a row of k, in lanes 0..r-1, zeros
// above.
static inline int8x16_t load_tail(const int8_t* row, size_t k0, size_t k) {
  const size_t r = k - k0;
  if (k >= 16) {
    const int8x16_t v = vld1q_s8(row + k - 16);
    return vqtbl1q_s8(v, vld1q_u8(kShift + 16 - r));
  }
  int8_t tmp[16] = {0};
  for (size_t i = 0; i < r; i++) {
    tmp[i] = row[k0 + i];
    __asm__("" ::: "memory");  // keep a byte loop, not a memcpy call
  }
  return vld1q_s8(tmp);
}

// [sum(t0), sum(t1), sum(t2), sum(t3)]: three ADDP.
static inline int32x4_t reduce4(int32x4_t t0, int32x4_t t1, int32x4_t t2,
                                int32x4_t t3) {
  return vpaddq_s32(vpaddq_s32(t0, t1), vpaddq_s32(t2, t3));
}

static inline __attribute__((always_inline)) void store(
    size_t mr, size_t nc, int32x4_t b, int32x4_t r0, int32x4_t r1,
    int32x4_t r2, int32x4_t r3, const float* scale, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* e) {
  qrt_neon_store_tile4x4(vaddq_s32(b, r0), vaddq_s32(b, r1), vaddq_s32(b, r2),
                         vaddq_s32(b, r3), mr, nc, scale, e, c, c_stride);
}

// The 16 accumulators are named variables, not an array: GCC keeps an
// array of vectors in memory across loop iterations.
#define QRT_FOR_PAIRS(X) \
  X(0, 0) X(0, 1) X(0, 2) X(0, 3) X(1, 0) X(1, 1) X(1, 2) X(1, 3) \
  X(2, 0) X(2, 1) X(2, 2) X(2, 3) X(3, 0) X(3, 1) X(3, 2) X(3, 3)

void qrt_gemm_s8_acc32_ukernel_4x4c16__neon(size_t mr, size_t nc, size_t k,
    const int8_t* a, size_t a_stride, const void* w, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* e, size_t int16_chunk) {
  (void)int16_chunk;
  const qrt_neon_panel panel = qrt_neon_unpack_panel(w, NR);
  const int32_t* bias = panel.bias;
  const float* scale = panel.scale;
  const int8_t* wk = panel.weights;
  const int8_t* r[MR];
  qrt_neon_gemm_rows(mr, a, a_stride, MR, r);
  const int8_t* r0 = r[0];
  const int8_t* r1 = r[1];
  const int8_t* r2 = r[2];
  const int8_t* r3 = r[3];
#define DECL(i, j) int32x4_t acc##i##j;
  QRT_FOR_PAIRS(DECL)
#undef DECL
  // p = SMULL(low halves); p = SMLAL2(high halves); acc += pairwise(p).
#define MAC2(i, j)                                                      \
  {                                                                     \
    int16x8_t p = vmull_s8(vget_low_s8(x##i), vget_low_s8(wv.val[j])); \
    p = vmlal_high_s8(p, x##i, wv.val[j]);                              \
    acc##i##j = vpadalq_s16(acc##i##j, p);                              \
  }
#define MAC1(i, j) \
  acc##i##j = vpadalq_s16(acc##i##j, vmull_s8(vget_low_s8(x##i), vget_low_s8(wv.val[j])));
#define INIT2(i, j)                                                     \
  {                                                                     \
    int16x8_t p = vmull_s8(vget_low_s8(x##i), vget_low_s8(wv.val[j])); \
    p = vmlal_high_s8(p, x##i, wv.val[j]);                              \
    acc##i##j = vpaddlq_s16(p);                                         \
  }
#define ZERO32(i, j) acc##i##j = vdupq_n_s32(0);
  size_t k0 = 0;
  if (k >= 16) {  // the first step starts the sums with SADDLP
    const int8x16x4_t wv = vld1q_s8_x4(wk);
    const int8x16_t x0 = vld1q_s8(r0), x1 = vld1q_s8(r1);
    const int8x16_t x2 = vld1q_s8(r2), x3 = vld1q_s8(r3);
    QRT_FOR_PAIRS(INIT2)
    k0 = 16;
    wk += NR * KR;
  } else {
    QRT_FOR_PAIRS(ZERO32)
  }
#undef INIT2
#undef ZERO32
  // Main loop, one row at a time in three phases (4 SMULL, 4 SMLAL2, 4
  // SADALP): 4 independent chains hide the multiply latency on in-order
  // cores (the file is compiled without pre-RA scheduling, so this order
  // stays). llvm-mca, cortex-a53: 86 cycles per 16-k step, against 191 pair
  // by pair, which stalls on every SMLAL2 and SADALP; the price is 6 register
  // MOVs GCC adds per step (64 instructions instead of 58).
#define ROW_MAC2(i)                                                           \
  {                                                                           \
    int16x8_t p0 = vmull_s8(vget_low_s8(x##i), vget_low_s8(wv.val[0]));       \
    int16x8_t p1 = vmull_s8(vget_low_s8(x##i), vget_low_s8(wv.val[1]));       \
    int16x8_t p2 = vmull_s8(vget_low_s8(x##i), vget_low_s8(wv.val[2]));       \
    int16x8_t p3 = vmull_s8(vget_low_s8(x##i), vget_low_s8(wv.val[3]));       \
    p0 = vmlal_high_s8(p0, x##i, wv.val[0]);                                  \
    p1 = vmlal_high_s8(p1, x##i, wv.val[1]);                                  \
    p2 = vmlal_high_s8(p2, x##i, wv.val[2]);                                  \
    p3 = vmlal_high_s8(p3, x##i, wv.val[3]);                                  \
    acc##i##0 = vpadalq_s16(acc##i##0, p0);                                   \
    acc##i##1 = vpadalq_s16(acc##i##1, p1);                                   \
    acc##i##2 = vpadalq_s16(acc##i##2, p2);                                   \
    acc##i##3 = vpadalq_s16(acc##i##3, p3);                                   \
  }
  for (; k0 + 16 <= k; k0 += 16, wk += NR * KR) {
    const int8x16x4_t wv = vld1q_s8_x4(wk);
    const int8x16_t x0 = vld1q_s8(r0 + k0), x1 = vld1q_s8(r1 + k0);
    const int8x16_t x2 = vld1q_s8(r2 + k0), x3 = vld1q_s8(r3 + k0);
    ROW_MAC2(0) ROW_MAC2(1) ROW_MAC2(2) ROW_MAC2(3)
  }
#undef ROW_MAC2
  if (k0 < k) {
    const int8x16x4_t wv = vld1q_s8_x4(wk);
    const int8x16_t x0 = load_tail(r0, k0, k), x1 = load_tail(r1, k0, k);
    const int8x16_t x2 = load_tail(r2, k0, k), x3 = load_tail(r3, k0, k);
    if (k - k0 <= 8) {
      QRT_FOR_PAIRS(MAC1)
    } else {
      QRT_FOR_PAIRS(MAC2)
    }
  }
#undef MAC1
#undef MAC2
  const int32x4_t b = vld1q_s32(bias);
  store(mr, nc, b, reduce4(acc00, acc01, acc02, acc03),
        reduce4(acc10, acc11, acc12, acc13), reduce4(acc20, acc21, acc22, acc23),
        reduce4(acc30, acc31, acc32, acc33), scale, c, c_stride, e);
}

// acc16: s##i##j += a_i[0..7] * w_j[0..7] (SMLAL) and, for a full step,
// += a_i[8..15] * w_j[8..15] (SMLAL2).
#define MLAL_LO(i, j) s##i##j = vmlal_s8(s##i##j, vget_low_s8(x##i), vget_low_s8(wv.val[j]));
#define MLAL_HI(i, j) s##i##j = vmlal_high_s8(s##i##j, x##i, wv.val[j]);
#define MLAL2(i, j) MLAL_LO(i, j) MLAL_HI(i, j)
#define ZERO16(i, j) s##i##j = vdupq_n_s16(0);
#define MULL2(i, j)                                                   \
  s##i##j = vmull_s8(vget_low_s8(x##i), vget_low_s8(wv.val[j]));      \
  MLAL_HI(i, j)
// Widens the int16 lanes of one block into the rows' int32 sums:
// SADDLP per pair, ADDP chain per row, ADD.
#define FLUSH16()                                                          \
  acc0 = vaddq_s32(acc0, reduce4(vpaddlq_s16(s00), vpaddlq_s16(s01),      \
                                 vpaddlq_s16(s02), vpaddlq_s16(s03)));     \
  acc1 = vaddq_s32(acc1, reduce4(vpaddlq_s16(s10), vpaddlq_s16(s11),      \
                                 vpaddlq_s16(s12), vpaddlq_s16(s13)));     \
  acc2 = vaddq_s32(acc2, reduce4(vpaddlq_s16(s20), vpaddlq_s16(s21),      \
                                 vpaddlq_s16(s22), vpaddlq_s16(s23)));     \
  acc3 = vaddq_s32(acc3, reduce4(vpaddlq_s16(s30), vpaddlq_s16(s31),      \
                                 vpaddlq_s16(s32), vpaddlq_s16(s33)));

void qrt_gemm_s8_acc16_ukernel_4x4c16__neon(size_t mr, size_t nc, size_t k,
    const int8_t* a, size_t a_stride, const void* w, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* e, size_t int16_chunk) {
  const qrt_neon_panel panel = qrt_neon_unpack_panel(w, NR);
  const int32_t* bias = panel.bias;
  const float* scale = panel.scale;
  const int8_t* wk = panel.weights;
  const int8_t* r[MR];
  qrt_neon_gemm_rows(mr, a, a_stride, MR, r);
  const int8_t* r0 = r[0];
  const int8_t* r1 = r[1];
  const int8_t* r2 = r[2];
  const int8_t* r3 = r[3];
  const int32x4_t b = vld1q_s32(bias);
  int32x4_t acc0 = b, acc1 = b, acc2 = b, acc3 = b;
#define DECL(i, j) int16x8_t s##i##j;
  QRT_FOR_PAIRS(DECL)
#undef DECL

  if (int16_chunk < 2) {
    // One product per lane per block: each half step is widened at once.
    for (size_t k0 = 0; k0 < k; k0 += 16, wk += NR * KR) {
      const int8x16x4_t wv = vld1q_s8_x4(wk);
      const int8x16_t x0 = k0 + 16 <= k ? vld1q_s8(r0 + k0) : load_tail(r0, k0, k);
      const int8x16_t x1 = k0 + 16 <= k ? vld1q_s8(r1 + k0) : load_tail(r1, k0, k);
      const int8x16_t x2 = k0 + 16 <= k ? vld1q_s8(r2 + k0) : load_tail(r2, k0, k);
      const int8x16_t x3 = k0 + 16 <= k ? vld1q_s8(r3 + k0) : load_tail(r3, k0, k);
      QRT_FOR_PAIRS(ZERO16)
      QRT_FOR_PAIRS(MLAL_LO)
      FLUSH16()
      QRT_FOR_PAIRS(ZERO16)
      QRT_FOR_PAIRS(MLAL_HI)
      FLUSH16()
    }
  } else {
    // k values per block: floor(chunk / 2) steps of 16 (2 products per
    // lane each), capped so the product cannot overflow size_t.
    const size_t steps = int16_chunk / 2;
    const size_t block = steps > k / 16 ? k + 16 : steps * 16;
    size_t k0 = 0;
    while (k0 < k) {
      const size_t end = k - k0 < block ? k : k0 + block;
      if (k0 + 16 <= end) {  // the block's first step starts from SMULL
        const int8x16x4_t wv = vld1q_s8_x4(wk);
        const int8x16_t x0 = vld1q_s8(r0 + k0), x1 = vld1q_s8(r1 + k0);
        const int8x16_t x2 = vld1q_s8(r2 + k0), x3 = vld1q_s8(r3 + k0);
        QRT_FOR_PAIRS(MULL2)
        k0 += 16;
        wk += NR * KR;
      } else {
        QRT_FOR_PAIRS(ZERO16)
      }
      for (; k0 + 16 <= end; k0 += 16, wk += NR * KR) {
        const int8x16x4_t wv = vld1q_s8_x4(wk);
        const int8x16_t x0 = vld1q_s8(r0 + k0), x1 = vld1q_s8(r1 + k0);
        const int8x16_t x2 = vld1q_s8(r2 + k0), x3 = vld1q_s8(r3 + k0);
        QRT_FOR_PAIRS(MLAL2)
      }
      if (k0 < end) {  // the row's last k % 16 values (end == k here)
        const int8x16x4_t wv = vld1q_s8_x4(wk);
        const int8x16_t x0 = load_tail(r0, k0, k), x1 = load_tail(r1, k0, k);
        const int8x16_t x2 = load_tail(r2, k0, k), x3 = load_tail(r3, k0, k);
        if (k - k0 <= 8) {
          QRT_FOR_PAIRS(MLAL_LO)
        } else {
          QRT_FOR_PAIRS(MLAL2)
        }
        k0 = k;
      }
      FLUSH16()
    }
  }
  store(mr, nc, vdupq_n_s32(0), acc0, acc1, acc2, acc3, scale, c, c_stride, e);
}
