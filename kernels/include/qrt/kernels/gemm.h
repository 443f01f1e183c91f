// GEMM-based int8 convolution: weight packing, micro-kernels and drivers.
//
// What is a GEMM micro-kernel, and why pack?
// A 1x1 convolution is a matrix product C[M,N] = A[M,K] x W[K,N]: M output
// pixels, N output channels, K input channels (NHWC rows are already the A
// rows). A KxK convolution becomes the same product once each output pixel's
// KH*KW*IC input window is copied into a row ("im2col"). A micro-kernel
// computes one MRxNR tile of C with all its accumulators in registers; to
// stream the weights at full speed it wants them in exactly the order it
// reads them. Packing rearranges OHWI weights once at load into panels of NR
// output channels, each a sequence of K-groups of KR consecutive k values:
//
//   panel p (channels p*NR .. p*NR+NR-1):
//     int32 bias'[NR]        bias with the input zero point folded in
//     float scale[NR]        per-channel epilogue scale (m[c] or sx*sw[c])
//     int8  w[Kp/KR][NR][KR] Kp = K rounded up to KR; zero padded
//
// (int16 instead of int8 for the kernels whose ukernel says wsize = 2: their
// inner loop multiplies int16 lanes, and sign-extending the weights once at
// packing saves the SXTL / SXTL2 pair per k the kernel would otherwise run.)
// Channels past N and k past K are zero, so a kernel may run full tiles.
//
// Zero point: activations are int8 with zero point zx (U8 tensors shifted by
// -128, docs/integer-semantics.md). Kernels multiply the stored x directly
// and the packer folds the correction into the bias:
//   sum_k w*(x - zx) = sum_k w*x - zx * sum_k w,   bias' = bias - zx*sum_k w
// (computed modulo 2^32, so the final int32 equals the reference whenever
// the reference's own sum fits int32). Padded conv positions are filled with
// zx, which then contribute w*zx - w*zx = 0, as the reference skips them.
//
// Epilogues (the same formulas as qrt_requantize_fp32 / the f32 reference):
//   S8:  y = round(clamp((float)acc * scale[c], lo - zy, hi - zy)) + zy
//   F32: y = clamp((float)acc * scale[c], output_min, output_max)
//
// Micro-kernel contract (qrt_gemm_s8_ukernel_fn): computes rows 0..mr-1
// (mr <= MR) and columns 0..nc-1 (nc <= NR) of one tile: A rows at
// a + i*a_stride (k int8 each, nothing read past k), packed panel w, output
// rows at c + i*c_stride (in elements of the output type). int16_chunk is
// used only by acc16 kernels: at most that many products are summed in one
// int16 lane before it is widened into int32 (docs/accumulation.md); for a
// kernel with an int16_stride, a run of at most that many products.
#ifndef QRT_KERNELS_GEMM_H_
#define QRT_KERNELS_GEMM_H_

#include <stddef.h>
#include <stdint.h>

#include "qrt/kernels/ref.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum qrt_gemm_output {
  QRT_GEMM_OUTPUT_S8 = 0,
  QRT_GEMM_OUTPUT_F32 = 1,
} qrt_gemm_output;

// Output stage of a GEMM / depthwise kernel. For S8, min/max are the float
// bounds (lo - zy) and (hi - zy); for F32 they are the activation bounds.
typedef struct qrt_gemm_s8_epilogue {
  qrt_gemm_output output;
  int32_t zero_point;  // S8 only
  float min, max;      // S8: lo - zy, hi - zy; F32: the output bounds
  int8_t lo, hi;       // S8 only: the int8 bounds themselves (SIMD epilogues)
} qrt_gemm_s8_epilogue;

// Epilogue of an int8 output with zero point zy, clamped to [lo, hi].
qrt_gemm_s8_epilogue qrt_gemm_s8_epilogue_s8(int32_t zero_point, int8_t lo,
                                             int8_t hi);
// Epilogue of the dequantizing (fp32) output, clamped to [lo, hi].
qrt_gemm_s8_epilogue qrt_gemm_s8_epilogue_f32(float lo, float hi);

typedef void (*qrt_gemm_s8_ukernel_fn)(size_t mr, size_t nc, size_t k,
                                       const int8_t* a, size_t a_stride,
                                       const void* w, void* c, size_t c_stride,
                                       const qrt_gemm_s8_epilogue* epilogue,
                                       size_t int16_chunk);

// A micro-kernel and the tile / packing it needs: MR x NR tiles, KR
// consecutive k per packed group, wsize bytes per packed weight (1: int8,
// 2: int16). int16_stride (acc16 kernels): s >= 1 if each int16 lane sums a
// run of k = r, r + s, r + 2s, ... only (4x16c1: 1; 4x4c16: 8), so its
// int16_chunk argument may be the layer's qrt_int16_window of that stride;
// 0 if lanes hold other selections of k (the c2 layout), which need
// qrt_int16_chunk (qrt/kernels/accumulation.h).
typedef struct qrt_gemm_s8_ukernel {
  qrt_gemm_s8_ukernel_fn fn;
  uint32_t mr, nr, kr, wsize, int16_stride;
} qrt_gemm_s8_ukernel;

// ---------------------------------------------------------------------------
// Packing (once, at load).

// Bytes of one packed panel and of all ceil(n / nr) panels for ukernel.
size_t qrt_gemm_s8_panel_size(const qrt_gemm_s8_ukernel* ukernel, size_t k);
size_t qrt_gemm_s8_packed_size(const qrt_gemm_s8_ukernel* ukernel, size_t n,
                               size_t k);

// weights [n][k] int8 (OHWI conv weights are [OC][KH*KW*IC]), bias [n] or
// NULL, scales [n] (m[c] for S8 output, sx*sw[c] for F32). packed must hold
// qrt_gemm_s8_packed_size bytes, aligned to 4.
void qrt_gemm_s8_pack_weights(const qrt_gemm_s8_ukernel* ukernel, size_t n,
                              size_t k, const int8_t* weights,
                              const int32_t* bias, const float* scales,
                              int32_t input_zero_point, void* packed);

// ---------------------------------------------------------------------------
// Drivers.

// C[m, n] = A[m, k] x W + epilogue, tiled over the micro-kernel.
void qrt_gemm_s8(const qrt_gemm_s8_ukernel* ukernel, size_t m, size_t n,
                 size_t k, const int8_t* a, size_t a_stride, const void* packed,
                 void* c, size_t c_stride, const qrt_gemm_s8_epilogue* epilogue,
                 size_t int16_chunk);

// Convolution (any kernel size, stride, dilation, padding, groups) through
// the GEMM: 1x1 / stride 1 / no padding reads the input in place, anything
// else copies MR im2col rows at a time into scratch. groups > 1 (grouped
// convolution, depthwise with a channel multiplier): per block of MR output
// pixels, each group is a GEMM of its own (N = OC / groups, K = KH * KW *
// IC / groups) against its own packed block; packed holds the groups'
// blocks one after the other (qrt_conv2d_s8_gemm_pack_weights; for
// groups == 1 that is qrt_gemm_s8_pack_weights' layout).
size_t qrt_conv2d_s8_gemm_packed_size(const qrt_gemm_s8_ukernel* ukernel,
                                      size_t groups, size_t n, size_t k);
// weights OHWI [n][k] with k = KH * KW * IC / groups; n a multiple of groups.
void qrt_conv2d_s8_gemm_pack_weights(const qrt_gemm_s8_ukernel* ukernel,
                                     size_t groups, size_t n, size_t k,
                                     const int8_t* weights, const int32_t* bias,
                                     const float* scales,
                                     int32_t input_zero_point, void* packed);
size_t qrt_conv2d_s8_gemm_scratch_size(const qrt_conv2d_params* params,
                                       const qrt_gemm_s8_ukernel* ukernel);
void qrt_conv2d_s8_gemm(const qrt_gemm_s8_ukernel* ukernel,
                        const qrt_conv2d_params* params, const int8_t* input,
                        const void* packed, const qrt_gemm_s8_epilogue* epilogue,
                        size_t int16_chunk, int8_t* scratch, void* output);

// ---------------------------------------------------------------------------
// Portable micro-kernels (gemm/gemm_4x8c2_portable.c; also the host build's
// GEMM path): GNU C vector types, no intrinsics. c2 packing: the same layout
// and summation order as the NEON c2 kernels, so the acc16 one wraps in int16
// exactly where the NEON kernel would.
void qrt_gemm_s8_acc32_ukernel_4x8c2__portable(size_t mr, size_t nc, size_t k,
    const int8_t* a, size_t a_stride, const void* w, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* epilogue, size_t int16_chunk);
void qrt_gemm_s8_acc16_ukernel_4x8c2__portable(size_t mr, size_t nc, size_t k,
    const int8_t* a, size_t a_stride, const void* w, void* c, size_t c_stride,
    const qrt_gemm_s8_epilogue* epilogue, size_t int16_chunk);

// Epilogue of one accumulator (shared by the portable kernels).
void qrt_gemm_s8_store_scalar(int32_t acc, float scale,
                              const qrt_gemm_s8_epilogue* epilogue, void* c,
                              size_t index);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // QRT_KERNELS_GEMM_H_
