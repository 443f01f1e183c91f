// The fp16 op kernel tables (qrt/kernels/fp16.h): which fp16 storage kernels
// run, chosen once per op at load like the other op tables. FP16 arithmetic
// (FEAT_FP16, HWCAP_ASIMDHP) is its own feature, not an ISA level of the
// GEMM table: a forced QRT_KERNEL_PATH=neon / neondot / i8mm takes the best
// NEON fp16 table the CPU runs, `ref` the portable one.
#include <stdio.h>

#include "qrt/kernels/dispatch.h"
#include "qrt/kernels/fp16.h"
#include "qrt/kernels/neon.h"

#define OP(name) {#name, name}
static const qrt_f16_op_kernels kF16Tables[] = {
#if QRT_KERNELS_HAVE_NEON
    {"neonfp16", 1, QRT_ISA_NEON, OP(qrt_add_f16__neonfp16),
     OP(qrt_quantize_f16_s8__neon), OP(qrt_dequantize_s8_f16__neon),
     OP(qrt_convert_f32_f16__neon), OP(qrt_convert_f16_f32__neon)},
    {"neon", 0, QRT_ISA_NEON, OP(qrt_add_f16__neon),
     OP(qrt_quantize_f16_s8__neon), OP(qrt_dequantize_s8_f16__neon),
     OP(qrt_convert_f32_f16__neon), OP(qrt_convert_f16_f32__neon)},
#endif
    {"ref", 0, QRT_ISA_REF, OP(qrt_add_f16__ref), OP(qrt_quantize_f16_s8__ref),
     OP(qrt_dequantize_s8_f16__ref), OP(qrt_convert_f32_f16__ref),
     OP(qrt_convert_f16_f32__ref)},
};
#undef OP

size_t qrt_f16_op_kernel_tables(const qrt_f16_op_kernels** tables) {
  *tables = kF16Tables;
  return sizeof(kF16Tables) / sizeof(kF16Tables[0]);
}

int qrt_f16_op_kernels_supported(const qrt_f16_op_kernels* t) {
  if (!qrt_isa_supported((qrt_isa)t->isa)) return 0;
  return !t->needs_fp16_arith || qrt_cpu_has_fp16_arith();
}

int qrt_select_f16_op_kernels(const qrt_f16_op_kernels** kernels, char* error,
                              size_t error_size) {
  *kernels = NULL;
  int forced;
  qrt_isa isa = QRT_ISA_REF;
  if (qrt_kernel_path_from_env(&forced, &isa, error, error_size)) return 1;
  for (size_t i = 0; i < sizeof(kF16Tables) / sizeof(kF16Tables[0]); i++) {
    const qrt_f16_op_kernels* t = &kF16Tables[i];
    if (forced && (qrt_isa)t->isa > isa) continue;
    if (!qrt_f16_op_kernels_supported(t)) continue;
    *kernels = t;
    return 0;
  }
  if (error_size) snprintf(error, error_size, "no fp16 kernels for path %s", qrt_isa_name(isa));
  return 1;
}
