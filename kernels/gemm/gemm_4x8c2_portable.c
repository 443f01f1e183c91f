// Portable 4x8c2 GEMM micro-kernels: the host build's GEMM path and a model
// of the NEON c2 kernels. Weights are packed with KR = 2 (pairs of k per
// channel), and the acc16 variant sums each (row, channel, k parity) lane in
// int16 with wraparound, exactly like SMLAL lanes, flushing into int32 (the
// SADALP step) after int16_chunk products per lane. A wrong chunk therefore
// gives wrong bits here too, which the tests use to prove the bound tight.
//
// Written with GNU C vector types (GCC and Clang lower them to whatever SIMD
// the target has, or to scalar code): one pair of k is 16 lanes laid out as
// the packed weights are, lane 2j + q = (channel j, k parity q), and an
// int8 x int8 product is formed in int16 (it always fits: |p| <= 2^14). On
// x86-64 Linux hosts GCC also builds an AVX2 clone picked at load time
// (qrt-eval and qrt-convert spend their time here); -DQRT_HOST_CLONES=OFF
// (QRT_NO_HOST_CLONES, forced under TSan: the ifunc resolver runs before
// the sanitizer's runtime) builds the default version alone.
#include <string.h>

#include "qrt/kernels/gemm.h"

enum { MR = 4, NR = 8, KR = 2 };

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    defined(__linux__) && !defined(QRT_NO_HOST_CLONES)
#define QRT_HOST_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define QRT_HOST_CLONES
#endif

typedef int8_t v16i8 __attribute__((vector_size(16)));
typedef int16_t v16i16 __attribute__((vector_size(32)));
typedef uint16_t v16u16 __attribute__((vector_size(32)));
typedef int32_t v8i32 __attribute__((vector_size(32)));
typedef uint32_t v8u32 __attribute__((vector_size(32)));

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "gemm_4x8c2_portable.c: lanes 2j, 2j + 1 are the halves of 32-bit lane j (little-endian)"
#endif

// Rows past mr read row mr - 1 again (their results are never stored), so
// the loops below always run MR rows.
static void row_pointers(size_t mr, const int8_t* a, size_t a_stride,
                         const int8_t* rows[MR]) {
  for (size_t i = 0; i < MR; i++) rows[i] = a + (i < mr ? i : mr - 1) * a_stride;
}

// The 16 weights of one pair of k, widened to int16.
// (Vectors go through pointers: a vector argument or return value would
// make the ABI depend on the ISA flags.)
static inline void load_pair_weights(const int8_t* wk, v16i16* out) {
  v16i8 w;
  memcpy(&w, wk, sizeof(w));
  *out = __builtin_convertvector(w, v16i16);
}

// (a0, a1) repeated over the 16 lanes; a1 = 0 for a half-full last pair.
static inline void broadcast_pair(int8_t a0, int8_t a1, v16i16* out) {
  const uint32_t pair = (uint16_t)(int16_t)a0 | (uint32_t)(uint16_t)(int16_t)a1 << 16;
  const v8u32 b = (v8u32){0} + pair;
  memcpy(out, &b, sizeof(*out));
}

// acc[j] += int16 lane 2j + int16 lane 2j + 1 (sign-extended), for all j:
// the two halves of 32-bit lane j, the SADALP step.
static inline void add_pairwise(const v16i16* lanes, v8i32* acc) {
  v8u32 u;
  memcpy(&u, lanes, sizeof(u));
  const v8i32 low = (v8i32)(u << 16) >> 16, high = (v8i32)u >> 16;
  *acc += low + high;
}

static void store_tile(size_t mr, size_t nc, const v8i32 acc[MR],
                       const float* scale, const qrt_gemm_s8_epilogue* e,
                       void* c, size_t c_stride) {
  for (size_t i = 0; i < mr; i++)
    for (size_t j = 0; j < nc; j++)
      qrt_gemm_s8_store_scalar(acc[i][j], scale[j], e, c, i * c_stride + j);
}

// The tile's start, shared by both kernels: row pointers, accumulators at
// the bias; returns the panel's weights and sets *scale.
static const int8_t* begin_tile(size_t mr, const int8_t* a, size_t a_stride,
                                const void* w, const int8_t* rows[MR],
                                v8i32 acc[MR], const float** scale) {
  const int32_t* bias = (const int32_t*)w;
  *scale = (const float*)(bias + NR);
  row_pointers(mr, a, a_stride, rows);
  v8i32 b;
  memcpy(&b, bias, sizeof(b));
  for (size_t i = 0; i < MR; i++) acc[i] = b;
  return (const int8_t*)(*scale + NR);
}

QRT_HOST_CLONES
void qrt_gemm_s8_acc32_ukernel_4x8c2__portable(size_t mr, size_t nc, size_t k,
    const int8_t* a, size_t a_stride, const void* w, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* e, size_t int16_chunk) {
  (void)int16_chunk;
  const int8_t* rows[MR];
  v8i32 acc[MR];
  const float* scale;
  const int8_t* wk = begin_tile(mr, a, a_stride, w, rows, acc, &scale);
  v16i16 wv, av, prod;
  size_t k0 = 0;
  for (; k0 + KR <= k; k0 += KR, wk += NR * KR) {
    load_pair_weights(wk, &wv);
    for (size_t i = 0; i < MR; i++) {
      broadcast_pair(rows[i][k0], rows[i][k0 + 1], &av);
      prod = av * wv;
      add_pairwise(&prod, &acc[i]);
    }
  }
  if (k0 < k) {  // odd k: the last pair is (a[k - 1], 0)
    load_pair_weights(wk, &wv);
    for (size_t i = 0; i < MR; i++) {
      broadcast_pair(rows[i][k0], 0, &av);
      prod = av * wv;
      add_pairwise(&prod, &acc[i]);
    }
  }
  store_tile(mr, nc, acc, scale, e, c, c_stride);
}

QRT_HOST_CLONES
void qrt_gemm_s8_acc16_ukernel_4x8c2__portable(size_t mr, size_t nc, size_t k,
    const int8_t* a, size_t a_stride, const void* w, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* e, size_t int16_chunk) {
  const size_t chunk = int16_chunk == 0 ? 1 : int16_chunk;  // pairs per flush
  const int8_t* rows[MR];
  v8i32 acc[MR];
  const float* scale;
  const int8_t* wk = begin_tile(mr, a, a_stride, w, rows, acc, &scale);
  v16i16 wv, av;
  for (size_t k0 = 0; k0 < k;) {
    v16u16 lanes[MR] = {{0}};  // the int16 lanes, wrapping like SMLAL's
    size_t n = 0;
    for (; n < chunk && k0 + KR <= k; n++, k0 += KR, wk += NR * KR) {
      load_pair_weights(wk, &wv);
      for (size_t i = 0; i < MR; i++) {
        broadcast_pair(rows[i][k0], rows[i][k0 + 1], &av);
        lanes[i] += (v16u16)(av * wv);
      }
    }
    if (n < chunk && k0 < k) {  // odd k: the half pair (a[k - 1], 0), one step
      load_pair_weights(wk, &wv);
      for (size_t i = 0; i < MR; i++) {
        broadcast_pair(rows[i][k0], 0, &av);
        lanes[i] += (v16u16)(av * wv);
      }
      k0 += KR;
      wk += NR * KR;
    }
    for (size_t i = 0; i < MR; i++) {
      const v16i16 l = (v16i16)lanes[i];
      add_pairwise(&l, &acc[i]);
    }
  }
  store_tile(mr, nc, acc, scale, e, c, c_stride);
}
