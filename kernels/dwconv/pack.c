// Weight packing for the depthwise 3x3 micro-kernels (layout:
// qrt/kernels/dwconv.h).
#include <string.h>

#include "qrt/kernels/dwconv.h"

enum { C = 16, TAPS = 9 };
static const size_t kBlock = C * (sizeof(int32_t) + sizeof(float)) + TAPS * C;

size_t qrt_dwconv3x3_s8_packed_size(size_t channels) {
  return (channels + C - 1) / C * kBlock;
}

void qrt_dwconv3x3_s8_pack_weights(size_t channels, const int8_t* weights,
                                   const int32_t* bias, const float* scales,
                                   int32_t input_zero_point, void* packed) {
  uint8_t* block = (uint8_t*)packed;
  for (size_t c0 = 0; c0 < channels; c0 += C, block += kBlock) {
    memset(block, 0, kBlock);
    int32_t* b = (int32_t*)block;
    float* s = (float*)(b + C);
    int8_t* w = (int8_t*)(s + C);
    for (size_t j = 0; j < C && c0 + j < channels; j++) {
      uint32_t sum = 0;
      for (size_t t = 0; t < TAPS; t++) {
        const int8_t v = weights[(c0 + j) * TAPS + t];
        w[t * C + j] = v;
        sum += (uint32_t)(int32_t)v;
      }
      const uint32_t b0 = bias != NULL ? (uint32_t)bias[c0 + j] : 0u;
      b[j] = (int32_t)(b0 - (uint32_t)input_zero_point * sum);
      s[j] = scales[c0 + j];
    }
  }
}

// Depthwise KxK (layout: qrt/kernels/dwconv.h).
static size_t kxk_block(size_t kh, size_t kw) {
  return C * (sizeof(int32_t) + sizeof(float) + kh * sizeof(int32_t)) + kh * kw * C;
}

size_t qrt_dwconv_s8_packed_size(size_t channels, size_t kh, size_t kw) {
  return (channels + C - 1) / C * kxk_block(kh, kw);
}

void qrt_dwconv_s8_pack_weights(size_t channels, size_t kh, size_t kw,
                                const int8_t* weights, const int32_t* bias,
                                const float* scales, int32_t input_zero_point,
                                void* packed) {
  const size_t block_size = kxk_block(kh, kw), taps = kh * kw;
  uint8_t* block = (uint8_t*)packed;
  for (size_t c0 = 0; c0 < channels; c0 += C, block += block_size) {
    memset(block, 0, block_size);
    int32_t* b = (int32_t*)block;
    float* s = (float*)(b + C);
    int32_t* rowzx = (int32_t*)(s + C);
    int8_t* w = (int8_t*)(rowzx + kh * C);
    for (size_t j = 0; j < C && c0 + j < channels; j++) {
      uint32_t sum = 0;
      for (size_t ky = 0; ky < kh; ky++) {
        uint32_t row = 0;
        for (size_t kx = 0; kx < kw; kx++) {
          const size_t t = ky * kw + kx;
          const int8_t v = weights[(c0 + j) * taps + t];
          w[t * C + j] = v;
          row += (uint32_t)(int32_t)v;
        }
        rowzx[ky * C + j] = (int32_t)((uint32_t)input_zero_point * row);
        sum += row;
      }
      const uint32_t b0 = bias != NULL ? (uint32_t)bias[c0 + j] : 0u;
      b[j] = (int32_t)(b0 - (uint32_t)input_zero_point * sum);
      s[j] = scales[c0 + j];
    }
  }
}
