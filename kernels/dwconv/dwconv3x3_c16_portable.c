// Portable depthwise 3x3 micro-kernels, 16 channels per block
// (qrt/kernels/dwconv.h; packing: dwconv/pack.c): plain C loops, no vector
// types or intrinsics, which the compiler may vectorize; the NEON kernels
// (neon/dwconv3x3_c16_neon.c) walk the same loops.
//
// acc32 sums the 9 products of a channel in int32. acc16 sums them in an
// int16 lane with wraparound, exactly like the NEON acc16 kernel's SMLAL
// lanes, and widens once onto the bias: it equals the reference only when
// the layer's int16_chunk is >= 9 (dispatch's min_int16_chunk), and a wrong
// chunk gives wrong bits here too, which the tests use to show the bound is
// needed.
#include "qrt/kernels/dwconv.h"

enum { C = 16, TAPS = 9 };
static const size_t kBlock = C * (sizeof(int32_t) + sizeof(float)) + TAPS * C;

static inline __attribute__((always_inline)) void run(const qrt_conv2d_params* p,
                                                      const int8_t* input,
                                                      const void* packed,
                                                      const qrt_gemm_s8_epilogue* e,
                                                      void* output, int acc16) {
  const size_t ch = p->input_channels;
  size_t out = 0;
  for (size_t n = 0; n < p->batch; n++) {
    for (size_t oy = 0; oy < p->output_height; oy++) {
      for (size_t ox = 0; ox < p->output_width; ox++) {
        const uint8_t* block = (const uint8_t*)packed;
        for (size_t c0 = 0; c0 < ch; c0 += C, block += kBlock) {
          const int32_t* b = (const int32_t*)block;
          const float* s = (const float*)(b + C);
          const int8_t* w = (const int8_t*)(s + C);
          const size_t nc = ch - c0 < C ? ch - c0 : C;
          uint32_t acc[C];
          uint16_t lane[C];  // acc16: the int16 lanes, wrapping like SMLAL's
          for (size_t j = 0; j < C; j++) {
            acc[j] = (uint32_t)b[j];
            lane[j] = 0;
          }
          for (size_t t = 0; t < TAPS; t++) {
            const long iy = (long)(oy * p->stride_height + t / 3 * p->dilation_height) - (long)p->pad_top;
            const long ix = (long)(ox * p->stride_width + t % 3 * p->dilation_width) - (long)p->pad_left;
            const int inside = iy >= 0 && iy < (long)p->input_height && ix >= 0 &&
                               ix < (long)p->input_width;
            const int8_t* x = !inside ? NULL : input + ((n * p->input_height + (size_t)iy) *
                                           p->input_width + (size_t)ix) * ch + c0;
            for (size_t j = 0; j < nc; j++) {
              const int32_t xv = inside ? x[j] : p->input_zero_point;
              if (acc16) {
                lane[j] = (uint16_t)(lane[j] + (uint16_t)(xv * w[t * C + j]));
              } else {
                acc[j] += (uint32_t)(xv * w[t * C + j]);
              }
            }
          }
          if (acc16) {  // one SADDW: the lane as int16, sign-extended
            for (size_t j = 0; j < nc; j++)
              acc[j] += (uint32_t)(int32_t)(lane[j] >= 0x8000u ? (int32_t)lane[j] - 0x10000
                                                                : (int32_t)lane[j]);
          }
          for (size_t j = 0; j < nc; j++)
            qrt_gemm_s8_store_scalar((int32_t)acc[j], s[j], e, output, out + c0 + j);
        }
        out += ch;
      }
    }
  }
}

void qrt_dwconv3x3_s8_acc32_ukernel_c16__portable(const qrt_conv2d_params* p,
                                                 const int8_t* input,
                                                 const void* packed,
                                                 const qrt_gemm_s8_epilogue* e,
                                                 void* output) {
  run(p, input, packed, e, output, 0);
}

void qrt_dwconv3x3_s8_acc16_ukernel_c16__portable(const qrt_conv2d_params* p,
                                                 const int8_t* input,
                                                 const void* packed,
                                                 const qrt_gemm_s8_epilogue* e,
                                                 void* output) {
  run(p, input, packed, e, output, 1);
}
