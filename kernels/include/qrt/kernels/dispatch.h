// Kernel dispatch: which micro-kernel runs, chosen once per process.
//
// Every kernel compiled for this target is a row of a small table, in order
// of preference (fastest first): {name, isa, accumulator, ukernel{fn, mr, nr,
// kr}}. CPU features are read once (cpuinfo where it is linked, else
// getauxval: AT_HWCAP & HWCAP_ASIMDDP, AT_HWCAP2 & HWCAP2_I8MM, which this
// cpuinfo snapshot lacks). Selection takes the first row whose ISA the CPU
// has and whose accumulator suits the layer: an INT32 layer needs an acc32
// kernel; an INT16 layer may use either (acc16 is only a faster way to get
// the same int32 sums), so a dotprod CPU runs it with SDOT.
//
// The environment variable QRT_KERNEL_PATH=ref|neon|neondot|i8mm forces one
// ISA (ref = the portable C kernels), so every path is testable in one
// binary; an unknown name, or an ISA this build or CPU lacks, is an error
// (status non-zero, message naming the variable and the value).
#ifndef QRT_KERNELS_DISPATCH_H_
#define QRT_KERNELS_DISPATCH_H_

#include <stddef.h>
#include <stdint.h>

#include "qrt/kernels/accumulation.h"
#include "qrt/kernels/dwconv.h"
#include "qrt/kernels/gemm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum qrt_isa {
  QRT_ISA_REF = 0,      // portable C (__portable / __ref kernels)
  QRT_ISA_NEON = 1,     // ARMv8-A Advanced SIMD
  QRT_ISA_NEONDOT = 2,  // + SDOT (armv8.2-a+dotprod)
  QRT_ISA_I8MM = 3,     // + SMMLA (armv8.6-a+i8mm)
} qrt_isa;

// Numbered as schema/qrt.fbs enum Accumulator.
typedef enum qrt_accumulator {
  QRT_ACCUMULATOR_INT32 = 0,
  QRT_ACCUMULATOR_INT16 = 1,
} qrt_accumulator;

typedef struct qrt_gemm_s8_kernel {
  const char* name;
  qrt_isa isa;
  qrt_accumulator accumulator;  // how the kernel sums (INT16: needs a chunk)
  qrt_gemm_s8_ukernel ukernel;
  // Measured break-even points (docs/performance.md): the row is chosen only
  // for layers with N >= min_n output channels, K >= min_k and, for an acc16
  // row, int16_chunk >= min_int16_chunk (the window of its int16_stride
  // for run kernels); below them a later row executes fewer instructions.
  uint32_t min_n, min_k, min_int16_chunk;
  // Cost model (0, 0, 0: none): measured instructions per output of a whole
  // call, cost_fixed + K * cost_k + (int16 blocks per output) * cost_block,
  // times the output channels rounded up to NR. Where the first row a layer
  // may take has a model, the later rows of the same ISA with a model that
  // the layer may also take compete with it and the cheapest wins
  // (qrt_gemm_s8_kernel_cost).
  float cost_fixed, cost_k, cost_block;
} qrt_gemm_s8_kernel;

typedef struct qrt_dwconv3x3_s8_kernel {
  const char* name;
  qrt_isa isa;
  qrt_accumulator accumulator;  // INT16: all 9 taps of a channel in int16
  qrt_dwconv3x3_s8_fn fn;
  // An acc16 row is chosen only for an INT16 layer with int16_chunk >=
  // min_int16_chunk (9: the kernel never widens before the 9th product).
  uint32_t min_int16_chunk;
} qrt_dwconv3x3_s8_kernel;

// Depthwise KxK (qrt/kernels/dwconv.h: any kernel size; the runtime uses it
// for every depthwise layer but 3x3).
typedef struct qrt_dwconv_s8_kernel {
  const char* name;
  qrt_isa isa;
  qrt_accumulator accumulator;  // INT16: whole kernel rows in int16
  qrt_dwconv_s8_fn fn;
} qrt_dwconv_s8_kernel;

// 1 when `row` gives the reference's bits for a layer of kernel width
// kernel_width whose verified int16_chunk is `int16_chunk`: acc32 rows
// always, acc16 rows from int16_chunk >= kernel_width (one kernel row per
// int16 block at least).
static inline int qrt_dwconv_s8_kernel_exact(const qrt_dwconv_s8_kernel* row,
                                             size_t kernel_width,
                                             size_t int16_chunk) {
  return row->accumulator == QRT_ACCUMULATOR_INT32 || int16_chunk >= kernel_width;
}

// "ref", "neon", "neondot", "i8mm" (the QRT_KERNEL_PATH spellings).
const char* qrt_isa_name(qrt_isa isa);
// 1 when kernels for isa are compiled in and the CPU can run them.
int qrt_isa_supported(qrt_isa isa);

// All rows compiled for this target, in preference order.
size_t qrt_gemm_s8_kernels(const qrt_gemm_s8_kernel** rows);
size_t qrt_dwconv3x3_s8_kernels(const qrt_dwconv3x3_s8_kernel** rows);
size_t qrt_dwconv_s8_kernels(const qrt_dwconv_s8_kernel** rows);

// Reads QRT_KERNEL_PATH: 0 and *forced = 0 when unset or empty; 0 and
// *forced = 1, *isa set for a valid supported name; otherwise non-zero with
// a message in error (error_size bytes, may be 0).
int qrt_kernel_path_from_env(int* forced, qrt_isa* isa, char* error,
                             size_t error_size);

// The kernel for a layer of depth k (= KH * KW * IC) summing with
// `accumulator`; int16 is the layer's INT16 bounds (qrt_int16_layer_bounds;
// ignored for INT32, may be NULL then): an acc16 row is measured against the
// bound of its ukernel's int16_stride (qrt_gemm_s8_kernel_int16_chunk).
// Takes the first row the CPU (or QRT_KERNEL_PATH) allows whose accumulator
// suits the layer and whose min_n / min_k / min_int16_chunk the layer meets
// (N output channels, depth K): e.g. on plain NEON, N = 144, K = 24 gets a
// 4x16c1 kernel, N = 8 a 4x8c2 one (a 16-channel tile would be half empty),
// an INT32 K = 576 the 4x4c16 acc32 one. 0 on success; on error *kernel is
// NULL and error says why.
int qrt_select_gemm_s8_for_layer(qrt_accumulator accumulator, size_t n,
                                 size_t k, const qrt_int16_bounds* int16,
                                 const qrt_gemm_s8_kernel** kernel,
                                 char* error, size_t error_size);
// Estimated instructions of `row` for an M x N x K layer with these INT16
// bounds, per row of M (0 for a row without a model).
float qrt_gemm_s8_kernel_cost(const qrt_gemm_s8_kernel* row, size_t n, size_t k,
                              const qrt_int16_bounds* int16);
// The int16_chunk argument `row`'s kernel runs with for a layer with these
// bounds: the window of its stride for a run kernel, the chunk for another
// acc16 kernel, 0 for an acc32 kernel (or NULL bounds).
static inline size_t qrt_gemm_s8_kernel_int16_chunk(const qrt_gemm_s8_kernel* row,
                                                    const qrt_int16_bounds* int16) {
  if (row->accumulator != QRT_ACCUMULATOR_INT16 || int16 == NULL) return 0;
  switch (row->ukernel.int16_stride) {
    case 0: return int16->chunk;
    case 1: return int16->run1;
    case 8: return int16->run8;
    default: return 0;  // no bound for this stride: never selected
  }
}
// The kernel for a large layer (N, K and chunk unbounded): the first suitable
// row. Prefer qrt_select_gemm_s8_for_layer.
int qrt_select_gemm_s8(qrt_accumulator accumulator,
                       const qrt_gemm_s8_kernel** kernel, char* error,
                       size_t error_size);
// The depthwise 3x3 kernel for a layer summing with `accumulator` (an INT32
// layer gets an acc32 row; an INT16 layer an acc16 row only when its
// int16_chunk >= the row's min_int16_chunk, else the acc32 row of the same
// ISA). QRT_KERNEL_PATH forces the best rows at or below its ISA. 0 on
// success; on error *kernel is NULL and error says why.
int qrt_select_dwconv3x3_s8_for_layer(qrt_accumulator accumulator,
                                      size_t int16_chunk,
                                      const qrt_dwconv3x3_s8_kernel** kernel,
                                      char* error, size_t error_size);
// The same for an INT32 layer.
int qrt_select_dwconv3x3_s8(const qrt_dwconv3x3_s8_kernel** kernel,
                            char* error, size_t error_size);

// The depthwise KxK kernel for a layer of kernel width kernel_width summing
// with `accumulator`: an INT16 layer gets the acc16 row of the best ISA when
// qrt_dwconv_s8_kernel_exact (int16_chunk >= kernel_width), else the acc32
// row; an INT32 layer the acc32 row. QRT_KERNEL_PATH forces the best rows at
// or below its ISA. 0 on success; on error *kernel is NULL and error says
// why.
int qrt_select_dwconv_s8_for_layer(qrt_accumulator accumulator,
                                   size_t kernel_width, size_t int16_chunk,
                                   const qrt_dwconv_s8_kernel** kernel,
                                   char* error, size_t error_size);

// ---------------------------------------------------------------------------
// Elementwise and pooling ops: one table per ISA, each entry the kernel's
// name (for op info / profiles) and function, with the reference kernel's
// signature (qrt/kernels/ref.h). NEON entries give the reference's bits.
typedef void (*qrt_quantize_f32_s8_fn)(size_t n, const float* input,
                                       float inv_scale, int32_t zero_point,
                                       int8_t output_min, int8_t output_max,
                                       int8_t* output);
typedef void (*qrt_dequantize_s8_f32_fn)(size_t n, const int8_t* input,
                                         float scale, int32_t zero_point,
                                         float* output);
typedef void (*qrt_add_f32_fn)(size_t n, const float* a, const float* b,
                               float output_min, float output_max,
                               float* output);
typedef void (*qrt_maxpool2d_s8_fn)(const qrt_pool2d_params* params,
                                    const int8_t* input, int8_t output_min,
                                    int8_t output_max, int8_t* output);
typedef void (*qrt_global_avgpool_s8_fn)(size_t batch, size_t height,
                                         size_t width, size_t channels,
                                         const int8_t* input,
                                         const qrt_avgpool_s8_params* quant,
                                         int8_t* output);

typedef struct qrt_op_kernels {
  qrt_isa isa;  // QRT_ISA_REF: the __ref kernels
  struct { const char* name; qrt_quantize_f32_s8_fn fn; } quantize_f32_s8;
  struct { const char* name; qrt_dequantize_s8_f32_fn fn; } dequantize_s8_f32;
  struct { const char* name; qrt_add_f32_fn fn; } add_f32;
  struct { const char* name; qrt_maxpool2d_s8_fn fn; } maxpool2d_s8;
  struct { const char* name; qrt_global_avgpool_s8_fn fn; } global_avgpool_s8;
} qrt_op_kernels;

// All op tables compiled for this target, best first.
size_t qrt_op_kernel_tables(const qrt_op_kernels** tables);
// The best table the CPU runs, or with QRT_KERNEL_PATH the best at or below
// the forced ISA (neondot / i8mm get the NEON table). 0 on success.
int qrt_select_op_kernels(const qrt_op_kernels** kernels, char* error,
                          size_t error_size);

// 1 when the CPU has ARMv8.2-A half-precision arithmetic (HWCAP_ASIMDHP)
// and this build has qrt_add_f16__neonfp16 (qrt/kernels/neon.h).
int qrt_cpu_has_fp16_arith(void);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // QRT_KERNELS_DISPATCH_H_
