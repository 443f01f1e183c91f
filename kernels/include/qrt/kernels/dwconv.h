// Depthwise 3x3 convolution (groups == input == output channels), any
// stride, dilation and padding, with packed weights.
//
// Packing: blocks of 16 channels (zero padded past `channels`), each
//   int32 bias'[16]  bias - zx * sum of the channel's 9 weights
//   float scale[16]  epilogue scale, as for the GEMM (qrt/kernels/gemm.h)
//   int8  w[9][16]   tap-major (ky*3+kx), 16 channels per tap
// so one 16-byte load gives a tap's weights for 16 consecutive NHWC
// channels. Weights must lie in [-127, 127] (the symmetric S8 range): the
// acc32 NEON kernel sums two products in int16 (2 * 127 * 128 = 32512).
// The acc16 kernels sum all 9 products of a channel in int16 (wrapping) and
// widen once: exact only for a layer whose int16_chunk
// (qrt/kernels/accumulation.h) is >= 9, which dispatch checks
// (qrt_select_dwconv3x3_s8_for_layer).
// Padded taps read the zero point, which the folded bias cancels exactly, so
// the result equals qrt_conv2d_s8__ref / qrt_conv2d_s8_f32__ref.
#ifndef QRT_KERNELS_DWCONV_H_
#define QRT_KERNELS_DWCONV_H_

#include <stddef.h>
#include <stdint.h>

#include "qrt/kernels/gemm.h"
#include "qrt/kernels/ref.h"

#ifdef __cplusplus
extern "C" {
#endif

// Packing (dwconv/pack.c).
size_t qrt_dwconv3x3_s8_packed_size(size_t channels);

// weights OHWI [channels][3][3][1], bias [channels] or NULL, scales
// [channels]; packed: qrt_dwconv3x3_s8_packed_size bytes, aligned to 4.
void qrt_dwconv3x3_s8_pack_weights(size_t channels, const int8_t* weights,
                                   const int32_t* bias, const float* scales,
                                   int32_t input_zero_point, void* packed);

// params: kernel 3x3, groups == input_channels == output_channels.
typedef void (*qrt_dwconv3x3_s8_fn)(const qrt_conv2d_params* params,
                                    const int8_t* input, const void* packed,
                                    const qrt_gemm_s8_epilogue* epilogue,
                                    void* output);

// The portable micro-kernels (dwconv/dwconv3x3_c16_portable.c); the NEON
// ones are in qrt/kernels/neon.h. acc16: int16_chunk >= 9 only.
void qrt_dwconv3x3_s8_acc32_ukernel_c16__portable(
    const qrt_conv2d_params* params, const int8_t* input, const void* packed,
    const qrt_gemm_s8_epilogue* epilogue, void* output);
void qrt_dwconv3x3_s8_acc16_ukernel_c16__portable(
    const qrt_conv2d_params* params, const int8_t* input, const void* packed,
    const qrt_gemm_s8_epilogue* epilogue, void* output);

// ---------------------------------------------------------------------------
// Depthwise KxK (any kernel size, channel multiplier 1, any stride, dilation
// and padding): the runtime's kernel for every depthwise layer that is not
// 3x3 (5x5 and 7x7 in MnasNet, EfficientNet, MobileNetV3).
//
// Packing (dwconv/pack.c), T = KH * KW taps: blocks of 16 channels (zero
// padded past `channels`), each
//   int32 bias'[16]   bias - zx * sum of the channel's T weights
//   float scale[16]   epilogue scale
//   int32 rowzx[KH][16]  zx * sum of kernel row ky's KW weights
//   int8  w[T][16]    tap-major (ky*KW+kx), 16 channels per tap
// A kernel row that lies wholly in the top / bottom padding is not read:
// the kernels add rowzx[ky] instead (the zero point it would have
// contributed), so an output row near the border costs only its valid rows.
// Weights must lie in [-127, 127] (acc32 sums tap pairs in int16).
//
// Accumulation (docs/accumulation.md): acc32 sums the taps of a kernel row
// in pairs (kx, kx+1) in int16 lanes (one channel per lane; 2 * 127 * 128 =
// 32512), the odd last tap alone, each widened into int32. acc16 sums
// R = floor(int16_chunk / KW) whole kernel rows (R * KW <= int16_chunk
// products) in one int16 lane per channel before widening: exact for any
// layer whose int16_chunk >= KW, which dispatch checks
// (qrt_select_dwconv_s8_for_layer); the kernel's int16_chunk argument is that
// verified chunk (acc32 kernels ignore it).
size_t qrt_dwconv_s8_packed_size(size_t channels, size_t kernel_height,
                                 size_t kernel_width);
// weights OHWI [channels][KH][KW][1], bias [channels] or NULL, scales
// [channels]; packed: qrt_dwconv_s8_packed_size bytes, aligned to 4.
void qrt_dwconv_s8_pack_weights(size_t channels, size_t kernel_height,
                                size_t kernel_width, const int8_t* weights,
                                const int32_t* bias, const float* scales,
                                int32_t input_zero_point, void* packed);

// params: groups == input_channels == output_channels, any kernel size.
typedef void (*qrt_dwconv_s8_fn)(const qrt_conv2d_params* params,
                                 const int8_t* input, const void* packed,
                                 const qrt_gemm_s8_epilogue* epilogue,
                                 size_t int16_chunk, void* output);

// The portable micro-kernels (dwconv/dwconv_c16_portable.c); the NEON ones
// are in qrt/kernels/neon.h. acc16: int16_chunk >= kernel_width only.
void qrt_dwconv_s8_acc32_ukernel_c16__portable(
    const qrt_conv2d_params* params, const int8_t* input, const void* packed,
    const qrt_gemm_s8_epilogue* epilogue, size_t int16_chunk, void* output);
void qrt_dwconv_s8_acc16_ukernel_c16__portable(
    const qrt_conv2d_params* params, const int8_t* input, const void* packed,
    const qrt_gemm_s8_epilogue* epilogue, size_t int16_chunk, void* output);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // QRT_KERNELS_DWCONV_H_
