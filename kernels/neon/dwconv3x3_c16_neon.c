// Depthwise 3x3 NEON kernel, 16 channels per step (packing: dwconv.h).
//
// For each output pixel the 9 taps become (pointer, step) pairs: an input
// tap points at the pixel's channels and steps 16 per block; a padded tap
// points at a vector of the input zero point and steps 0, so the inner loop
// has no branches (the folded bias cancels the zero point exactly).
// Per block: taps (0,1), (2,3), (4,5), (6,7) as SMULL + SMLAL pairs into
// int16 (|w| <= 127, |x| <= 128: two products <= 32512), tap 8 alone, each
// widened by SADDW into four int32x4. A partial last block (channels % 16)
// is staged through small buffers so no load passes a pixel's channels.
#include <string.h>

#include "epilogue_neon.h"
#include "qrt/kernels/neon.h"

enum { C = 16, TAPS = 9 };
static const size_t kBlock = C * (sizeof(int32_t) + sizeof(float)) + TAPS * C;

static inline void widen_add(int32x4_t acc[4], int16x8_t lo, int16x8_t hi) {
  acc[0] = vaddw_s16(acc[0], vget_low_s16(lo));
  acc[1] = vaddw_high_s16(acc[1], lo);
  acc[2] = vaddw_s16(acc[2], vget_low_s16(hi));
  acc[3] = vaddw_high_s16(acc[3], hi);
}

// One block of 16 channels: x[t] are the taps' 16 inputs, w the block.
static inline void block(const int8x16_t x[TAPS], const uint8_t* blk,
                         const qrt_gemm_s8_epilogue* e, char* out, size_t esize,
                         size_t nc) {
  const int32_t* b = (const int32_t*)blk;
  const float* s = (const float*)(b + C);
  const int8_t* w = (const int8_t*)(s + C);
  int32x4_t acc[4] = {vld1q_s32(b), vld1q_s32(b + 4), vld1q_s32(b + 8), vld1q_s32(b + 12)};
  for (size_t t = 0; t + 1 < TAPS; t += 2) {
    const int8x16_t w0 = vld1q_s8(w + t * C), w1 = vld1q_s8(w + (t + 1) * C);
    int16x8_t lo = vmull_s8(vget_low_s8(x[t]), vget_low_s8(w0));
    int16x8_t hi = vmull_high_s8(x[t], w0);
    lo = vmlal_s8(lo, vget_low_s8(x[t + 1]), vget_low_s8(w1));
    hi = vmlal_high_s8(hi, x[t + 1], w1);
    widen_add(acc, lo, hi);
  }
  const int8x16_t w8 = vld1q_s8(w + 8 * C);
  widen_add(acc, vmull_s8(vget_low_s8(x[8]), vget_low_s8(w8)), vmull_high_s8(x[8], w8));
  qrt_neon_store_row8(acc[0], acc[1], s, e, out, nc < 8 ? nc : 8);
  if (nc > 8) qrt_neon_store_row8(acc[2], acc[3], s + 8, e, out + 8 * esize, nc - 8);
}

void qrt_dwconv3x3_s8_acc32_ukernel_c16__neon(const qrt_conv2d_params* p,
                                              const int8_t* input,
                                              const void* packed,
                                              const qrt_gemm_s8_epilogue* e,
                                              void* output) {
  const size_t ch = p->input_channels;
  const size_t esize = e->output == QRT_GEMM_OUTPUT_S8 ? 1 : sizeof(float);
  int8_t zero[C];
  memset(zero, (int8_t)p->input_zero_point, sizeof zero);
  char* out = (char*)output;
  for (size_t n = 0; n < p->batch; n++) {
    for (size_t oy = 0; oy < p->output_height; oy++) {
      for (size_t ox = 0; ox < p->output_width; ox++, out += ch * esize) {
        const int8_t* tap[TAPS];
        size_t step[TAPS];
        for (size_t t = 0; t < TAPS; t++) {
          const long iy = (long)(oy * p->stride_height + t / 3 * p->dilation_height) - (long)p->pad_top;
          const long ix = (long)(ox * p->stride_width + t % 3 * p->dilation_width) - (long)p->pad_left;
          const int inside = iy >= 0 && iy < (long)p->input_height && ix >= 0 &&
                             ix < (long)p->input_width;
          tap[t] = inside ? input + ((n * p->input_height + (size_t)iy) *
                                         p->input_width + (size_t)ix) * ch
                          : zero;
          step[t] = inside ? C : 0;
        }
        const uint8_t* blk = (const uint8_t*)packed;
        size_t c0 = 0;
        int8x16_t x[TAPS];
        for (; c0 + C <= ch; c0 += C, blk += kBlock) {
          for (size_t t = 0; t < TAPS; t++) {
            x[t] = vld1q_s8(tap[t]);
            tap[t] += step[t];
          }
          block(x, blk, e, out + c0 * esize, esize, C);
        }
        if (c0 < ch) {  // channels % 16: stage the tail
          const size_t nc = ch - c0;
          for (size_t t = 0; t < TAPS; t++) {
            int8_t tmp[C] = {0};
            memcpy(tmp, tap[t], step[t] != 0 ? nc : C);
            x[t] = vld1q_s8(tmp);
          }
          block(x, blk, e, out + c0 * esize, esize, nc);
        }
      }
    }
  }
}
