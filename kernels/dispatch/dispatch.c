// Kernel tables and selection (qrt/kernels/dispatch.h).
#include "qrt/kernels/dispatch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qrt/kernels/neon.h"

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#ifndef HWCAP_ASIMDHP
#define HWCAP_ASIMDHP (1 << 10)
#endif
#ifndef HWCAP2_I8MM
#define HWCAP2_I8MM (1 << 13)
#endif
#endif
#if defined(QRT_KERNELS_HAVE_CPUINFO)
#include <cpuinfo.h>
#endif

#define ROW(name, isa, acc, mr, nr, kr, wsize, stride, min_n, min_k, min_chunk) \
  {#name, isa, acc, {name, mr, nr, kr, wsize, stride}, min_n, min_k, min_chunk, 0, 0, 0}
// A row with a cost model: instructions per output, fixed + per k + per
// int16 block (see qrt_gemm_s8_kernel_cost).
#define ROWC(name, isa, acc, mr, nr, kr, wsize, stride, min_n, min_k, min_chunk, fixed, \
             per_k, per_block)                                                          \
  {#name, isa, acc, {name, mr, nr, kr, wsize, stride}, min_n, min_k, min_chunk,       \
   fixed, per_k, per_block}

// Preference order (docs/performance.md, "Dispatch"): every number below is
// instructions per MAC of a whole qrt_gemm_s8 call (driver, micro-kernel and
// epilogue: qrt_kernels_insncount's REPS count), qemu cortex-a53, M = 196,
// N = 144 unless stated.
// - SDOT 4x16c4 ahead of 4x8c4 at every N and K (qemu max, whole call:
//   M N K = 12544 96 16: 0.265 vs 0.340; 3136 144 24: 0.206 vs 0.258;
//   784 24 16: 0.315 vs 0.365, its nc <= 8 tiles run 8 channels; 196 256
//   576: 0.090 vs 0.097; N = 8: 784 8 16 0.430 both, 784 8 144 0.126 vs
//   0.128). 4x8c4 stays in the table (tests, its own row).
// - SDOT ahead of SMMLA: fewer instructions at every measured shape (K = 24:
//   0.258 vs 0.267 ... K = 576: 0.097 vs 0.106) and fewer cycles per MAC of
//   the inner loop in llvm-mca's Cortex-A710 / Neoverse-N2 / Cortex-X2
//   models (0.039 vs 0.048: SMMLA's loop is bound by the LDR d + INS that
//   pair A rows).
// - The INT16 rows of an ISA come before its INT32 rows so INT16 layers pick
//   them; INT32 layers skip them.
// - Plain NEON: 4x4c16 from K = 64 (acc32: 0.349 vs 0.389 for 4x16c1; at
//   K = 48 c16 also wins, 0.382 vs 0.404, but not at K = 56, 0.415 vs 0.395)
//   / 112 (acc16, chunk 8: 0.274 vs 0.285; at K = 96 and 104 4x16c1 still
//   wins, 0.290 vs 0.293 and 0.288 vs 0.294); below it 4x16c1 (by-element,
//   no K padding, 64 outputs per tile): K = 24 acc16 0.39 (chunk 8) and
//   acc32 0.46 against 0.53 for 4x8c2 and 0.64 for 4x4c16;
// - 4x8c2 for N <= 8, where half of a 16-channel tile would be padding
//   (N = 8, K = 27, M = 784: 0.59 against 1.01; N = 9: 4x16c1 0.90 against
//   1.01);
// - acc16 widens its int16 lanes once per block of chunk products; it beats
//   acc32 from chunk 6 (c16: K = 144 0.267 vs 0.294) / 8 (c1: K = 24 0.393
//   vs 0.464; chunk 7 0.539) / 24 (c2, N = 8: K = 27, 48, 96 0.585 / 0.447 /
//   0.386 vs 0.594 / 0.468 / 0.406; chunk 16 loses at K = 48).
// - Plain NEON rows carry a cost model fitted to whole-call counts at
//   M = 196, N = 144 (qemu cortex-a53; `qrt_kernels_insncount gemm NAME 196
//   144 K CHUNK 2`), instructions per output:
//     acc16 4x4c16: 7.45 + 0.155 K + 2.94 per block of 16 * floor(run8 / 2) k
//       (K = 112 / 576 at chunk 8: 30.7 / 123.8 per output measured)
//     acc16 4x16c1: 3.62 + 0.164 K + 0.281 per block of run1 k, rounded
//       down to a multiple of 8 (its 4-k and 1-k steps cost what a block
//       boundary saves; K = 128 at 16: 758,126; K = 256 at 8 / 16: 1,541,342
//       / 1,414,334; N = 144)
//     acc32 4x4c16: 6.35 + 0.25 K;   acc32 4x16c1: 2.9 + 0.316 K
//   times N rounded up to NR, so N = 24 (4x16c1 computes 32 channels) stays
//   on 4x4c16 where 4x16c1 wins at N = 144 (N = 24, K = 960, window 16:
//   4x16c1 1.28x 4x4c16's count; N = 32: 0.96x).
static const qrt_gemm_s8_kernel kGemmRows[] = {
#if QRT_KERNELS_HAVE_NEON
    ROW(qrt_gemm_s8_acc32_ukernel_4x16c4__neondot, QRT_ISA_NEONDOT, QRT_ACCUMULATOR_INT32, 4, 16, 4, 1, 0, 0, 0, 0),
    ROW(qrt_gemm_s8_acc32_ukernel_4x8c4__neondot, QRT_ISA_NEONDOT, QRT_ACCUMULATOR_INT32, 4, 8, 4, 1, 0, 0, 0, 0),
    ROW(qrt_gemm_s8_acc32_ukernel_4x8c8__neoni8mm, QRT_ISA_I8MM, QRT_ACCUMULATOR_INT32, 4, 8, 8, 1, 0, 0, 0, 0),
    ROWC(qrt_gemm_s8_acc16_ukernel_4x4c16__neon, QRT_ISA_NEON, QRT_ACCUMULATOR_INT16, 4, 4, 16, 1, 8, 0, 112, 6, 7.45f, 0.155f, 2.94f),
    ROWC(qrt_gemm_s8_acc16_ukernel_4x16c1__neon, QRT_ISA_NEON, QRT_ACCUMULATOR_INT16, 4, 16, 1, 2, 1, 9, 0, 8, 3.62f, 0.164f, 0.281f),
    ROWC(qrt_gemm_s8_acc32_ukernel_4x4c16__neon, QRT_ISA_NEON, QRT_ACCUMULATOR_INT32, 4, 4, 16, 1, 0, 0, 64, 0, 6.35f, 0.25f, 0.0f),
    ROWC(qrt_gemm_s8_acc32_ukernel_4x16c1__neon, QRT_ISA_NEON, QRT_ACCUMULATOR_INT32, 4, 16, 1, 2, 0, 9, 0, 0, 2.9f, 0.316f, 0.0f),
    ROW(qrt_gemm_s8_acc16_ukernel_4x8c2__neon, QRT_ISA_NEON, QRT_ACCUMULATOR_INT16, 4, 8, 2, 1, 0, 0, 0, 24),
    ROW(qrt_gemm_s8_acc32_ukernel_4x8c2__neon, QRT_ISA_NEON, QRT_ACCUMULATOR_INT32, 4, 8, 2, 1, 0, 0, 0, 0),
#endif
    ROW(qrt_gemm_s8_acc16_ukernel_4x8c2__portable, QRT_ISA_REF, QRT_ACCUMULATOR_INT16, 4, 8, 2, 1, 0, 0, 0, 0),
    ROW(qrt_gemm_s8_acc32_ukernel_4x8c2__portable, QRT_ISA_REF, QRT_ACCUMULATOR_INT32, 4, 8, 2, 1, 0, 0, 0, 0),
};

// Depthwise 3x3: the acc16 row of an ISA before its acc32 row, taken only by
// INT16 layers whose int16_chunk covers all 9 taps (the kernel sums them in
// int16 and widens once; 4 SADDW per 16 channels instead of 20).
#define DW(name, isa, acc, min_chunk) {#name, isa, acc, name, min_chunk}
static const qrt_dwconv3x3_s8_kernel kDwconvRows[] = {
#if QRT_KERNELS_HAVE_NEON
    DW(qrt_dwconv3x3_s8_acc16_ukernel_c16__neon, QRT_ISA_NEON, QRT_ACCUMULATOR_INT16, 9),
    DW(qrt_dwconv3x3_s8_acc32_ukernel_c16__neon, QRT_ISA_NEON, QRT_ACCUMULATOR_INT32, 0),
#endif
    DW(qrt_dwconv3x3_s8_acc16_ukernel_c16__portable, QRT_ISA_REF, QRT_ACCUMULATOR_INT16, 9),
    DW(qrt_dwconv3x3_s8_acc32_ukernel_c16__portable, QRT_ISA_REF, QRT_ACCUMULATOR_INT32, 0),
};
#undef DW

// Depthwise KxK: the acc16 row of an ISA before its acc32 row, taken by
// INT16 layers whose int16_chunk holds a whole kernel row
// (qrt_dwconv_s8_kernel_exact).
#define DWK(name, isa, acc) {#name, isa, acc, name}
static const qrt_dwconv_s8_kernel kDwconvKxKRows[] = {
#if QRT_KERNELS_HAVE_NEON
    DWK(qrt_dwconv_s8_acc16_ukernel_c16__neon, QRT_ISA_NEON, QRT_ACCUMULATOR_INT16),
    DWK(qrt_dwconv_s8_acc32_ukernel_c16__neon, QRT_ISA_NEON, QRT_ACCUMULATOR_INT32),
#endif
    DWK(qrt_dwconv_s8_acc16_ukernel_c16__portable, QRT_ISA_REF, QRT_ACCUMULATOR_INT16),
    DWK(qrt_dwconv_s8_acc32_ukernel_c16__portable, QRT_ISA_REF, QRT_ACCUMULATOR_INT32),
};
#undef DWK

#define OP(name) {#name, name}
static const qrt_op_kernels kOpTables[] = {
#if QRT_KERNELS_HAVE_NEON
    {QRT_ISA_NEON, OP(qrt_quantize_f32_s8__neon), OP(qrt_dequantize_s8_f32__neon),
     OP(qrt_add_f32__neon), OP(qrt_maxpool2d_s8__neon), OP(qrt_global_avgpool_s8__neon)},
#endif
    {QRT_ISA_REF, OP(qrt_quantize_f32_s8__ref), OP(qrt_dequantize_s8_f32__ref),
     OP(qrt_add_f32__ref), OP(qrt_maxpool2d_s8__ref), OP(qrt_global_avgpool_s8__ref)},
};
#undef OP

static const char* const kIsaNames[] = {"ref", "neon", "neondot", "i8mm"};
enum { kNumIsas = 4 };

// CPU features, read once.
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_supported[kNumIsas];
static int g_fp16;

static void detect(void) {
  g_supported[QRT_ISA_REF] = 1;
#if QRT_KERNELS_HAVE_NEON
  g_supported[QRT_ISA_NEON] = 1;  // Advanced SIMD is mandatory on ARMv8-A
  int dot = 0, i8mm = 0;
#if defined(__linux__)
  dot = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
  g_fp16 = (getauxval(AT_HWCAP) & HWCAP_ASIMDHP) != 0;
  i8mm = (getauxval(AT_HWCAP2) & HWCAP2_I8MM) != 0;
#endif
#if defined(QRT_KERNELS_HAVE_CPUINFO)
  if (cpuinfo_initialize()) dot = cpuinfo_has_arm_neon_dot();
#endif
  g_supported[QRT_ISA_NEONDOT] = dot;
  g_supported[QRT_ISA_I8MM] = i8mm && dot;
#endif
}

const char* qrt_isa_name(qrt_isa isa) {
  return (unsigned)isa < kNumIsas ? kIsaNames[isa] : "unknown";
}

int qrt_isa_supported(qrt_isa isa) {
  if ((unsigned)isa >= kNumIsas) return 0;
  pthread_once(&g_once, detect);
  return g_supported[isa];
}

int qrt_cpu_has_fp16_arith(void) {
  pthread_once(&g_once, detect);
  return g_fp16;
}

size_t qrt_op_kernel_tables(const qrt_op_kernels** tables) {
  *tables = kOpTables;
  return sizeof(kOpTables) / sizeof(kOpTables[0]);
}

size_t qrt_gemm_s8_kernels(const qrt_gemm_s8_kernel** rows) {
  *rows = kGemmRows;
  return sizeof(kGemmRows) / sizeof(kGemmRows[0]);
}

size_t qrt_dwconv3x3_s8_kernels(const qrt_dwconv3x3_s8_kernel** rows) {
  *rows = kDwconvRows;
  return sizeof(kDwconvRows) / sizeof(kDwconvRows[0]);
}

size_t qrt_dwconv_s8_kernels(const qrt_dwconv_s8_kernel** rows) {
  *rows = kDwconvKxKRows;
  return sizeof(kDwconvKxKRows) / sizeof(kDwconvKxKRows[0]);
}

static int fail(char* error, size_t size, const char* fmt, const char* a,
                const char* b) {
  if (size > 0) snprintf(error, size, fmt, a, b);
  return 1;
}

int qrt_kernel_path_from_env(int* forced, qrt_isa* isa, char* error,
                             size_t error_size) {
  *forced = 0;
  const char* v = getenv("QRT_KERNEL_PATH");
  if (v == NULL || v[0] == '\0') return 0;
  for (int i = 0; i < kNumIsas; i++) {
    if (strcmp(v, kIsaNames[i]) != 0) continue;
    if (!qrt_isa_supported((qrt_isa)i)) {
      return fail(error, error_size,
                  "QRT_KERNEL_PATH=%s: %s kernels are not available on this "
                  "build or CPU", v, kIsaNames[i]);
    }
    *forced = 1;
    *isa = (qrt_isa)i;
    return 0;
  }
  return fail(error, error_size,
              "QRT_KERNEL_PATH=%s: unknown path (expected ref, neon, neondot "
              "or i8mm)%s", v, "");
}

int qrt_select_gemm_s8(qrt_accumulator accumulator,
                       const qrt_gemm_s8_kernel** kernel, char* error,
                       size_t error_size) {
  const qrt_int16_bounds unbounded = {(size_t)-1, (size_t)-1, (size_t)-1};
  return qrt_select_gemm_s8_for_layer(accumulator, (size_t)-1, (size_t)-1,
                                      &unbounded, kernel, error, error_size);
}

static int has_model(const qrt_gemm_s8_kernel* r) {
  return r->cost_fixed != 0.0f || r->cost_k != 0.0f;
}

float qrt_gemm_s8_kernel_cost(const qrt_gemm_s8_kernel* r, size_t n, size_t k,
                              const qrt_int16_bounds* int16) {
  if (!has_model(r)) return 0.0f;
  const size_t nr = r->ukernel.nr;
  const float outputs = (float)((n + nr - 1) / nr * nr);
  float blocks = 0.0f;
  if (r->accumulator == QRT_ACCUMULATOR_INT16) {
    const size_t v = qrt_gemm_s8_kernel_int16_chunk(r, int16);
    size_t block;  // k per int16 block, as the kernel runs it
    if (r->ukernel.kr == 1) {
      block = v >= 8 ? v / 8 * 8 : v;  // 4x16c1: whole 8-k groups
    } else if (r->ukernel.kr == 16) {
      block = v >= 2 ? 16 * (v / 2) : 8;  // 4x4c16: 2 products per lane per 16 k
    } else {
      block = r->ukernel.kr * v;
    }
    if (block == 0) block = 1;
    blocks = (float)((k + block - 1) / block);
  }
  return outputs * (r->cost_fixed + (float)k * r->cost_k + blocks * r->cost_block);
}

static int allowed(const qrt_gemm_s8_kernel* r, int forced, qrt_isa isa,
                   qrt_accumulator accumulator, size_t n, size_t k,
                   const qrt_int16_bounds* int16) {
  if (forced ? r->isa != isa : !qrt_isa_supported(r->isa)) return 0;
  if (accumulator == QRT_ACCUMULATOR_INT32 && r->accumulator != QRT_ACCUMULATOR_INT32) return 0;
  if (n < r->min_n || k < r->min_k) return 0;
  if (r->accumulator == QRT_ACCUMULATOR_INT16 &&
      qrt_gemm_s8_kernel_int16_chunk(r, int16) < r->min_int16_chunk)
    return 0;
  return 1;
}

int qrt_select_gemm_s8_for_layer(qrt_accumulator accumulator, size_t n,
                                 size_t k, const qrt_int16_bounds* int16,
                                 const qrt_gemm_s8_kernel** kernel,
                                 char* error, size_t error_size) {
  *kernel = NULL;
  int forced;
  qrt_isa isa = QRT_ISA_REF;
  if (qrt_kernel_path_from_env(&forced, &isa, error, error_size)) return 1;
  const size_t rows = sizeof(kGemmRows) / sizeof(kGemmRows[0]);
  for (size_t i = 0; i < rows; i++) {
    const qrt_gemm_s8_kernel* r = &kGemmRows[i];
    if (!allowed(r, forced, isa, accumulator, n, k, int16)) continue;
    *kernel = r;
    if (!has_model(r)) return 0;
    // The later modelled rows of this ISA the layer may take compete.
    float best = qrt_gemm_s8_kernel_cost(r, n, k, int16);
    for (size_t j = i + 1; j < rows; j++) {
      const qrt_gemm_s8_kernel* o = &kGemmRows[j];
      if (o->isa != r->isa || !has_model(o)) continue;
      if (!allowed(o, forced, isa, accumulator, n, k, int16)) continue;
      const float c = qrt_gemm_s8_kernel_cost(o, n, k, int16);
      if (c < best) {
        best = c;
        *kernel = o;
      }
    }
    return 0;
  }
  return fail(error, error_size, "no int8 GEMM kernel for path %s (%s)",
              qrt_isa_name(isa),
              accumulator == QRT_ACCUMULATOR_INT16 ? "INT16" : "INT32");
}

int qrt_select_dwconv3x3_s8_for_layer(qrt_accumulator accumulator,
                                      size_t int16_chunk,
                                      const qrt_dwconv3x3_s8_kernel** kernel,
                                      char* error, size_t error_size) {
  *kernel = NULL;
  int forced;
  qrt_isa isa = QRT_ISA_REF;
  if (qrt_kernel_path_from_env(&forced, &isa, error, error_size)) return 1;
  for (size_t i = 0; i < sizeof(kDwconvRows) / sizeof(kDwconvRows[0]); i++) {
    const qrt_dwconv3x3_s8_kernel* r = &kDwconvRows[i];
    if (forced ? r->isa > isa : !qrt_isa_supported(r->isa)) continue;
    if (r->accumulator == QRT_ACCUMULATOR_INT16 &&
        (accumulator != QRT_ACCUMULATOR_INT16 || int16_chunk < r->min_int16_chunk))
      continue;
    *kernel = r;
    return 0;
  }
  return fail(error, error_size, "no depthwise 3x3 kernel for path %s%s",
              qrt_isa_name(isa), "");
}

int qrt_select_dwconv3x3_s8(const qrt_dwconv3x3_s8_kernel** kernel,
                            char* error, size_t error_size) {
  return qrt_select_dwconv3x3_s8_for_layer(QRT_ACCUMULATOR_INT32, 0, kernel,
                                           error, error_size);
}

int qrt_select_dwconv_s8_for_layer(qrt_accumulator accumulator,
                                   size_t kernel_width, size_t int16_chunk,
                                   const qrt_dwconv_s8_kernel** kernel,
                                   char* error, size_t error_size) {
  *kernel = NULL;
  int forced;
  qrt_isa isa = QRT_ISA_REF;
  if (qrt_kernel_path_from_env(&forced, &isa, error, error_size)) return 1;
  for (size_t i = 0; i < sizeof(kDwconvKxKRows) / sizeof(kDwconvKxKRows[0]); i++) {
    const qrt_dwconv_s8_kernel* r = &kDwconvKxKRows[i];
    if (forced ? r->isa > isa : !qrt_isa_supported(r->isa)) continue;
    if (r->accumulator == QRT_ACCUMULATOR_INT16 &&
        (accumulator != QRT_ACCUMULATOR_INT16 ||
         !qrt_dwconv_s8_kernel_exact(r, kernel_width, int16_chunk)))
      continue;
    *kernel = r;
    return 0;
  }
  return fail(error, error_size, "no depthwise KxK kernel for path %s%s",
              qrt_isa_name(isa), "");
}

int qrt_select_op_kernels(const qrt_op_kernels** kernels, char* error,
                          size_t error_size) {
  *kernels = NULL;
  int forced;
  qrt_isa isa = QRT_ISA_REF;
  if (qrt_kernel_path_from_env(&forced, &isa, error, error_size)) return 1;
  for (size_t i = 0; i < sizeof(kOpTables) / sizeof(kOpTables[0]); i++) {
    const qrt_op_kernels* t = &kOpTables[i];
    if (forced ? t->isa > isa : !qrt_isa_supported(t->isa)) continue;
    *kernels = t;
    return 0;
  }
  return fail(error, error_size, "no elementwise/pooling kernels for path %s%s",
              qrt_isa_name(isa), "");
}
