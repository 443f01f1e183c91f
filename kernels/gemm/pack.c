// Weight packing for the GEMM micro-kernels (layout: qrt/kernels/gemm.h).
#include <string.h>

#include "qrt/kernels/gemm.h"

static size_t round_up(size_t v, size_t q) { return (v + q - 1) / q * q; }

size_t qrt_gemm_s8_panel_size(const qrt_gemm_s8_ukernel* uk, size_t k) {
  return uk->nr * (sizeof(int32_t) + sizeof(float)) +
         round_up(k, uk->kr) * uk->nr * uk->wsize;
}

size_t qrt_gemm_s8_packed_size(const qrt_gemm_s8_ukernel* uk, size_t n,
                               size_t k) {
  return (n + uk->nr - 1) / uk->nr * qrt_gemm_s8_panel_size(uk, k);
}

void qrt_gemm_s8_pack_weights(const qrt_gemm_s8_ukernel* uk, size_t n,
                              size_t k, const int8_t* weights,
                              const int32_t* bias, const float* scales,
                              int32_t input_zero_point, void* packed) {
  const size_t nr = uk->nr, kr = uk->kr;
  const size_t panel_size = qrt_gemm_s8_panel_size(uk, k);
  uint8_t* panel = (uint8_t*)packed;
  for (size_t n0 = 0; n0 < n; n0 += nr, panel += panel_size) {
    memset(panel, 0, panel_size);
    int32_t* b = (int32_t*)panel;
    float* s = (float*)(panel + nr * sizeof(int32_t));
    uint8_t* w = panel + nr * (sizeof(int32_t) + sizeof(float));
    for (size_t j = 0; j < nr && n0 + j < n; j++) {
      const int8_t* row = weights + (n0 + j) * k;
      // Modulo-2^32 arithmetic: no signed overflow, same bits as the
      // reference's int32 sum wherever that sum is representable.
      uint32_t sum = 0;
      for (size_t i = 0; i < k; i++) sum += (uint32_t)(int32_t)row[i];
      const uint32_t b0 = bias != NULL ? (uint32_t)bias[n0 + j] : 0u;
      b[j] = (int32_t)(b0 - (uint32_t)input_zero_point * sum);
      s[j] = scales[n0 + j];
      for (size_t i = 0; i < k; i++) {
        const size_t at = (i / kr) * nr * kr + j * kr + i % kr;
        if (uk->wsize == sizeof(int16_t)) {
          const int16_t v = row[i];
          memcpy(w + at * sizeof v, &v, sizeof v);
        } else {
          ((int8_t*)w)[at] = row[i];
        }
      }
    }
  }
}
