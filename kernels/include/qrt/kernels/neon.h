// aarch64 NEON kernels (kernels/neon/). Declared on every target so code can
// name them; defined only when compiling for aarch64 (QRT_KERNELS_HAVE_NEON
// is then 1). The dotprod and i8mm kernels execute SDOT / SMMLA: call them
// only where qrt_isa_supported (qrt/kernels/dispatch.h) says the CPU has the
// extension. Signatures and packing: qrt/kernels/gemm.h, dwconv.h.
#ifndef QRT_KERNELS_NEON_H_
#define QRT_KERNELS_NEON_H_

#include <stddef.h>
#include <stdint.h>

#include "qrt/kernels/dwconv.h"
#include "qrt/kernels/gemm.h"
#include "qrt/kernels/ref.h"

#if defined(__aarch64__)
#define QRT_KERNELS_HAVE_NEON 1
#else
#define QRT_KERNELS_HAVE_NEON 0
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define QRT_DECLARE_GEMM_UKERNEL(name)                                       \
  void name(size_t mr, size_t nc, size_t k, const int8_t* a, size_t a_stride, \
            const void* w, void* c, size_t c_stride,                          \
            const qrt_gemm_s8_epilogue* epilogue, size_t int16_chunk);

// KR = 16 ("c16 mlal", both operands along K, no broadcasts), weights in
// [-127, 127]: SMULL+SMLAL2 per (row, channel) pair, SADALP.
QRT_DECLARE_GEMM_UKERNEL(qrt_gemm_s8_acc32_ukernel_4x4c16__neon)
// KR = 16: SMLAL+SMLAL2 into int16 lanes, widened every int16_chunk products
// per lane (2 per 16-k step).
QRT_DECLARE_GEMM_UKERNEL(qrt_gemm_s8_acc16_ukernel_4x4c16__neon)
// KR = 1 (lanes are channels): MLA by element into int16 for int16_chunk
// products per lane, SADDW; the narrow-K rows (neon/gemm_4x16c1_neon.c).
QRT_DECLARE_GEMM_UKERNEL(qrt_gemm_s8_acc16_ukernel_4x16c1__neon)
// KR = 1: SMLAL/SMLAL2 by element into int32.
QRT_DECLARE_GEMM_UKERNEL(qrt_gemm_s8_acc32_ukernel_4x16c1__neon)
// KR = 2, weights in [-127, 127]: SMULL+SMLAL pairs into int16, SADALP.
QRT_DECLARE_GEMM_UKERNEL(qrt_gemm_s8_acc32_ukernel_4x8c2__neon)
// KR = 2: SMLAL into int16 for int16_chunk products per lane, SADALP.
QRT_DECLARE_GEMM_UKERNEL(qrt_gemm_s8_acc16_ukernel_4x8c2__neon)
// KR = 4: SDOT (armv8.2-a+dotprod); NR = 16 (the default) and NR = 8.
QRT_DECLARE_GEMM_UKERNEL(qrt_gemm_s8_acc32_ukernel_4x16c4__neondot)
QRT_DECLARE_GEMM_UKERNEL(qrt_gemm_s8_acc32_ukernel_4x8c4__neondot)
// KR = 8: SMMLA (armv8.6-a+i8mm).
QRT_DECLARE_GEMM_UKERNEL(qrt_gemm_s8_acc32_ukernel_4x8c8__neoni8mm)

#undef QRT_DECLARE_GEMM_UKERNEL

// Depthwise 3x3, 16 channels per step: SMULL+SMLAL tap pairs, SADDW.
void qrt_dwconv3x3_s8_acc32_ukernel_c16__neon(const qrt_conv2d_params* params,
                                             const int8_t* input,
                                             const void* packed,
                                             const qrt_gemm_s8_epilogue* epilogue,
                                             void* output);
// The same loops with all 9 taps in int16 (SMULL, 8 SMLAL), one SADDW per
// 4 channels: only for layers with int16_chunk >= 9.
void qrt_dwconv3x3_s8_acc16_ukernel_c16__neon(const qrt_conv2d_params* params,
                                             const int8_t* input,
                                             const void* packed,
                                             const qrt_gemm_s8_epilogue* epilogue,
                                             void* output);
// Depthwise KxK (neon/dwconv_c16_neon.c, layout and accumulation: dwconv.h).
void qrt_dwconv_s8_acc32_ukernel_c16__neon(const qrt_conv2d_params* params,
                                           const int8_t* input, const void* packed,
                                           const qrt_gemm_s8_epilogue* epilogue,
                                           size_t int16_chunk, void* output);
void qrt_dwconv_s8_acc16_ukernel_c16__neon(const qrt_conv2d_params* params,
                                           const int8_t* input, const void* packed,
                                           const qrt_gemm_s8_epilogue* epilogue,
                                           size_t int16_chunk, void* output);

// ---------------------------------------------------------------------------
// Elementwise and pooling NEON kernels (neon/elementwise_neon.c,
// neon/pool_neon.c): the same parameters and bits as the reference kernel of
// the same op in qrt/kernels/ref.h.
void qrt_quantize_f32_s8__neon(size_t n, const float* input, float inv_scale,
                               int32_t zero_point, int8_t output_min,
                               int8_t output_max, int8_t* output);
void qrt_dequantize_s8_f32__neon(size_t n, const int8_t* input, float scale,
                                 int32_t zero_point, float* output);
void qrt_add_f32__neon(size_t n, const float* a, const float* b,
                       float output_min, float output_max, float* output);
void qrt_maxpool2d_s8__neon(const qrt_pool2d_params* params,
                            const int8_t* input, int8_t output_min,
                            int8_t output_max, int8_t* output);
void qrt_global_avgpool_s8__neon(size_t batch, size_t height, size_t width,
                                 size_t channels, const int8_t* input,
                                 const qrt_avgpool_s8_params* quant,
                                 int8_t* output);

// Float Add with fp16 storage (IEEE binary16 bit patterns), ARMv8.2-A FP16
// arithmetic: y = clamp(round16(a + b), round16(min), round16(max)), the
// reference's clamp (NaN -> lo). Its own semantics, not the fp32 Add's
// (neon/add_f16_neonfp16.c). Call only where qrt_cpu_has_fp16_arith().
void qrt_add_f16__neonfp16(size_t n, const uint16_t* a, const uint16_t* b,
                           float output_min, float output_max,
                           uint16_t* output);

// fp16 storage on plain ARMv8-A (neon/fp16_neon.c): FCVTL / FCVTN only, the
// bits of the references in qrt/kernels/fp16.h; any NEON CPU runs them.
void qrt_add_f16__neon(size_t n, const uint16_t* a, const uint16_t* b,
                       float output_min, float output_max, uint16_t* output);
void qrt_quantize_f16_s8__neon(size_t n, const uint16_t* input, float inv_scale,
                               int32_t zero_point, int8_t output_min,
                               int8_t output_max, int8_t* output);
void qrt_dequantize_s8_f16__neon(size_t n, const int8_t* input, float scale,
                                 int32_t zero_point, uint16_t* output);
void qrt_convert_f32_f16__neon(size_t n, const float* input, uint16_t* output);
void qrt_convert_f16_f32__neon(size_t n, const uint16_t* input, float* output);

// LOOKUP_TABLE, int8 MUL, CHANNEL_SHUFFLE (neon/lookup_table_neon.c,
// neon/mul_neon.c, neon/channel_shuffle_neon.c):
// the reference's parameters and bits (qrt/kernels/ref.h). The runtime's op
// files call them directly on aarch64 (no dispatch row), unless
// QRT_KERNEL_PATH=ref.
void qrt_lookup_table_s8__neon(size_t n, const int8_t* input,
                               const int8_t* table, int8_t* output);
void qrt_mul_s8__neon(size_t batch, size_t spatial, size_t channels,
                      const int8_t* a, const int8_t* b, int b_broadcast,
                      const qrt_mul_s8_params* params, int8_t* output);
// CHANNEL_SHUFFLE (neon/channel_shuffle_neon.c): ST2 interleave for 2
// groups, the reference's loop otherwise.
void qrt_channel_shuffle_s8__neon(size_t outer, size_t groups, size_t group_channels,
                                  const int8_t* input, int8_t* output);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // QRT_KERNELS_NEON_H_
