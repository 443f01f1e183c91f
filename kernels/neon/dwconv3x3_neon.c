// Depthwise 3x3 NEON kernel, 8 channels per step (packing: dwconv.h).
//
// For each output pixel and 8-channel block: 9 taps of SMULL (int8 x int8
// -> int16, |p| <= 16384 always fits) and SADDW/SADDW2 into two int32x4,
// starting from the packed bias (zero point folded in). Taps outside the
// input read a vector of the zero point, which the folded bias cancels.
// A partial last block (channels % 8) is staged through a small buffer so
// no load passes the end of the pixel's channels.
#include <string.h>

#include "epilogue_neon.h"
#include "qrt/kernels/neon.h"

enum { C = 8, TAPS = 9 };
static const size_t kBlock = C * (sizeof(int32_t) + sizeof(float)) + TAPS * C;

void qrt_dwconv3x3_s8_acc32_ukernel_c8__neon(const qrt_conv2d_params* p,
                                             const int8_t* input,
                                             const void* packed,
                                             const qrt_gemm_s8_epilogue* e,
                                             void* output) {
  const size_t ch = p->input_channels;
  const size_t esize = e->output == QRT_GEMM_OUTPUT_S8 ? 1 : sizeof(float);
  const int8x8_t vzx = vdup_n_s8((int8_t)p->input_zero_point);
  char* out = (char*)output;
  for (size_t n = 0; n < p->batch; n++) {
    for (size_t oy = 0; oy < p->output_height; oy++) {
      for (size_t ox = 0; ox < p->output_width; ox++, out += ch * esize) {
        // The 9 tap rows of this pixel (NULL: padding).
        const int8_t* tap[TAPS];
        for (size_t t = 0; t < TAPS; t++) {
          const long iy = (long)(oy * p->stride_height + t / 3 * p->dilation_height) - (long)p->pad_top;
          const long ix = (long)(ox * p->stride_width + t % 3 * p->dilation_width) - (long)p->pad_left;
          tap[t] = (iy < 0 || iy >= (long)p->input_height || ix < 0 ||
                    ix >= (long)p->input_width)
                       ? NULL
                       : input + ((n * p->input_height + (size_t)iy) *
                                      p->input_width + (size_t)ix) * ch;
        }
        const uint8_t* block = (const uint8_t*)packed;
        for (size_t c0 = 0; c0 < ch; c0 += C, block += kBlock) {
          const int32_t* b = (const int32_t*)block;
          const float* s = (const float*)(b + C);
          const int8_t* w = (const int8_t*)(s + C);
          const size_t nc = ch - c0 < C ? ch - c0 : C;
          int32x4_t acc0 = vld1q_s32(b), acc1 = vld1q_s32(b + 4);
          for (size_t t = 0; t < TAPS; t++) {
            int8x8_t x = vzx;
            if (tap[t] != NULL) {
              if (nc == C) {
                x = vld1_s8(tap[t] + c0);
              } else {
                int8_t tmp[C] = {0};
                memcpy(tmp, tap[t] + c0, nc);
                x = vld1_s8(tmp);
              }
            }
            const int16x8_t prod = vmull_s8(x, vld1_s8(w + t * C));
            acc0 = vaddw_s16(acc0, vget_low_s16(prod));
            acc1 = vaddw_high_s16(acc1, prod);
          }
          qrt_neon_store_row8(acc0, acc1, s, e, out + c0 * esize, nc);
        }
      }
    }
  }
}
