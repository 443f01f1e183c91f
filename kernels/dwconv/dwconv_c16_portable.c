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
#include "qrt/kernels/dwconv.h"

enum { C = 16 };

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
          for (size_t j = 0; j < nc; j++) {
            uint32_t acc = (uint32_t)b[j];
            uint16_t lane = 0;  // acc16: the int16 lane, wrapping like SMLAL's
            size_t rows = 0;
            for (size_t ky = 0; ky < kh; ky++) {
              const long iy = (long)(oy * p->stride_height + ky * p->dilation_height) -
                              (long)p->pad_top;
              if (iy < 0 || iy >= (long)p->input_height) {
                acc += (uint32_t)rowzx[ky * C + j];
                continue;
              }
              for (size_t kx = 0; kx < kw; kx++) {
                const long ix = (long)(ox * p->stride_width + kx * p->dilation_width) -
                                (long)p->pad_left;
                const int32_t xv =
                    ix < 0 || ix >= (long)p->input_width
                        ? p->input_zero_point
                        : input[((n * p->input_height + (size_t)iy) * p->input_width +
                                 (size_t)ix) * ch + c0 + j];
                const int32_t prod = xv * w[(ky * kw + kx) * C + j];
                if (acc16) {
                  lane = (uint16_t)(lane + (uint16_t)prod);
                } else {
                  acc += (uint32_t)prod;
                }
              }
              if (acc16 && ++rows == rows_per_block) {  // widen (SADDW)
                acc += (uint32_t)(int32_t)(int16_t)lane;
                lane = 0;
                rows = 0;
              }
            }
            if (acc16) acc += (uint32_t)(int32_t)(int16_t)lane;
            qrt_gemm_s8_store_scalar((int32_t)acc, s[j], e, output, out + c0 + j);
          }
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
