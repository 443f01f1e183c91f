// Portable 4x8c2 GEMM micro-kernels: the host build's GEMM path and a model
// of the NEON c2 kernels. Weights are packed with KR = 2 (pairs of k per
// channel), and the acc16 variant sums each (row, channel, k parity) lane in
// int16 with wraparound, exactly like SMLAL lanes, flushing into int32 (the
// SADALP step) after int16_chunk products per lane. A wrong chunk therefore
// gives wrong bits here too, which the tests use to prove the bound tight.
#include <string.h>

#include "qrt/kernels/gemm.h"

enum { MR = 4, NR = 8, KR = 2 };

static void gemm_4x8c2(size_t mr, size_t nc, size_t k, const int8_t* a,
                       size_t a_stride, const void* w, void* c,
                       size_t c_stride, const qrt_gemm_s8_epilogue* e,
                       size_t chunk /* 0: int32 accumulation */) {
  const int32_t* bias = (const int32_t*)w;
  const float* scale = (const float*)(bias + NR);
  const int8_t* wk = (const int8_t*)(scale + NR);
  int32_t acc[MR][NR];
  uint16_t acc16[MR][NR][KR];
  for (size_t i = 0; i < MR; i++)
    for (size_t j = 0; j < NR; j++) acc[i][j] = bias[j];
  memset(acc16, 0, sizeof(acc16));
  size_t in_lane = 0;  // products in each int16 lane since the last flush
  for (size_t k0 = 0; k0 < k; k0 += KR, wk += NR * KR) {
    for (size_t i = 0; i < mr; i++) {
      for (size_t j = 0; j < NR; j++) {
        for (size_t q = 0; q < KR && k0 + q < k; q++) {
          const int32_t p = (int32_t)a[i * a_stride + k0 + q] * wk[j * KR + q];
          if (chunk == 0) {
            acc[i][j] += p;
          } else {
            acc16[i][j][q] = (uint16_t)(acc16[i][j][q] + (uint16_t)p);
          }
        }
      }
    }
    if (chunk != 0 && (++in_lane == chunk || k0 + KR >= k)) {
      for (size_t i = 0; i < MR; i++)
        for (size_t j = 0; j < NR; j++)
          for (size_t q = 0; q < KR; q++) {
            acc[i][j] += (int16_t)acc16[i][j][q];
            acc16[i][j][q] = 0;
          }
      in_lane = 0;
    }
  }
  for (size_t i = 0; i < mr; i++)
    for (size_t j = 0; j < nc; j++)
      qrt_gemm_s8_store_scalar(acc[i][j], scale[j], e, c, i * c_stride + j);
}

void qrt_gemm_s8_acc32_ukernel_4x8c2__scalar(size_t mr, size_t nc, size_t k,
    const int8_t* a, size_t a_stride, const void* w, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* e, size_t int16_chunk) {
  (void)int16_chunk;
  gemm_4x8c2(mr, nc, k, a, a_stride, w, c, c_stride, e, 0);
}

void qrt_gemm_s8_acc16_ukernel_4x8c2__scalar(size_t mr, size_t nc, size_t k,
    const int8_t* a, size_t a_stride, const void* w, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* e, size_t int16_chunk) {
  gemm_4x8c2(mr, nc, k, a, a_stride, w, c, c_stride, e,
             int16_chunk == 0 ? 1 : int16_chunk);
}
