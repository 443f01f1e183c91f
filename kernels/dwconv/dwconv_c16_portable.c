// Portable depthwise KxK micro-kernels, 16 channels per packed block
// (qrt/kernels/dwconv.h; packing: dwconv/pack.c): plain C loops, no vector
// types or intrinsics. They walk what the NEON kernels
// (neon/dwconv_c16_neon.c) walk: kernel rows in the top / bottom padding are
// skipped and their zero-point sums (rowzx) added instead; taps in the
// left / right padding read the zero point.
//
// acc32 sums in int32 (the NEON kernel's int16 tap pairs cannot overflow,
// so the sums are the same). acc16 sums R = floor(int16_chunk / KW) valid
// kernel rows per channel in a wrapping int16 lane, like the NEON kernel's
// SMLAL lanes, then widens: it equals the reference when the layer's
// int16_chunk is >= KW (dispatch) and the chunk passed is the verified one;
// a larger chunk than the weights allow gives wrong bits here too.
#include <string.h>

#include "qrt/kernels/dwconv.h"

enum { C = 16 };

// The products of one tap for lanes [0, nc): x times the tap's 16 weights,
// into int32 sums (acc32) or wrapping int16 lanes.
static inline __attribute__((always_inline)) void tap(const int8_t* x, const int8_t* w,
                                                      size_t nc, int acc16, uint32_t* acc,
                                                      uint16_t* lane) {
  for (size_t j = 0; j < nc; j++) {
    const int32_t prod = (int32_t)x[j] * (int32_t)w[j];
    if (acc16) {
      lane[j] = (uint16_t)(lane[j] + (uint16_t)prod);
    } else {
      acc[j] += (uint32_t)prod;
    }
  }
}

static inline __attribute__((always_inline)) void run(const qrt_conv2d_params* p,
                                                      const int8_t* input,
                                                      const void* packed,
                                                      const qrt_gemm_s8_epilogue* e,
                                                      size_t chunk, void* output,
                                                      int acc16) {
  const size_t ch = p->input_channels, kh = p->kernel_height, kw = p->kernel_width;
  const size_t block_size =
      C * (sizeof(int32_t) + sizeof(float)) + kh * C * sizeof(int32_t) + kh * kw * C;
  size_t rows_per_block = acc16 ? chunk / kw : 1;
  if (rows_per_block == 0) rows_per_block = 1;  // not a valid acc16 layer
  int8_t zero[C];  // the zero point, read by taps in the left / right padding
  memset(zero, (int8_t)p->input_zero_point, sizeof zero);
  size_t out = 0;
  for (size_t n = 0; n < p->batch; n++) {
    for (size_t oy = 0; oy < p->output_height; oy++) {
      for (size_t ox = 0; ox < p->output_width; ox++) {
        const uint8_t* block = (const uint8_t*)packed;
        for (size_t c0 = 0; c0 < ch; c0 += C, block += block_size) {
          const int32_t* b = (const int32_t*)block;
          const float* s = (const float*)(b + C);
          const int32_t* rowzx = (const int32_t*)(s + C);
          const int8_t* w = (const int8_t*)(rowzx + kh * C);
          const size_t nc = ch - c0 < C ? ch - c0 : C;
          uint32_t acc[C];
          uint16_t lane[C];  // acc16: the int16 lanes, wrapping like SMLAL's
          for (size_t j = 0; j < C; j++) {
            acc[j] = (uint32_t)b[j];
            lane[j] = 0;
          }
          size_t rows = 0;
          for (size_t ky = 0; ky < kh; ky++) {
            const long iy = (long)(oy * p->stride_height + ky * p->dilation_height) -
                            (long)p->pad_top;
            if (iy < 0 || iy >= (long)p->input_height) {  // not read: its zero-point sums
              for (size_t j = 0; j < C; j++) acc[j] += (uint32_t)rowzx[ky * C + j];
              continue;
            }
            const int8_t* line =
                input + ((n * p->input_height + (size_t)iy) * p->input_width) * ch + c0;
            for (size_t kx = 0; kx < kw; kx++) {
              const long ix = (long)(ox * p->stride_width + kx * p->dilation_width) -
                              (long)p->pad_left;
              const int8_t* x =
                  ix < 0 || ix >= (long)p->input_width ? zero : line + (size_t)ix * ch;
              const int8_t* wt = w + (ky * kw + kx) * C;
              if (nc == C) {  // a constant trip count the compiler vectorizes
                tap(x, wt, C, acc16, acc, lane);
              } else {
                tap(x, wt, nc, acc16, acc, lane);
              }
            }
            if (acc16 && ++rows == rows_per_block) {  // widen (SADDW)
              for (size_t j = 0; j < C; j++) {
                acc[j] += (uint32_t)(int32_t)(int16_t)lane[j];
                lane[j] = 0;
              }
              rows = 0;
            }
          }
          if (acc16)
            for (size_t j = 0; j < C; j++) acc[j] += (uint32_t)(int32_t)(int16_t)lane[j];
          for (size_t j = 0; j < nc; j++)
            qrt_gemm_s8_store_scalar((int32_t)acc[j], s[j], e, output, out + c0 + j);
        }
        out += ch;
      }
    }
  }
}

void qrt_dwconv_s8_acc32_ukernel_c16__portable(const qrt_conv2d_params* p,
                                              const int8_t* input, const void* packed,
                                              const qrt_gemm_s8_epilogue* e,
                                              size_t int16_chunk, void* output) {
  run(p, input, packed, e, int16_chunk, output, 0);
}

void qrt_dwconv_s8_acc16_ukernel_c16__portable(const qrt_conv2d_params* p,
                                              const int8_t* input, const void* packed,
                                              const qrt_gemm_s8_epilogue* e,
                                              size_t int16_chunk, void* output) {
  run(p, input, packed, e, int16_chunk, output, 1);
}
