// Epilogue constructors and the scalar output step shared by the portable
// micro-kernels: the formulas of qrt_requantize_fp32 and the f32 reference.
#include "qrt/kernels/gemm.h"
#include "qrt/kernels/requantize.h"

qrt_gemm_s8_epilogue qrt_gemm_s8_epilogue_s8(int32_t zero_point, int8_t lo,
                                             int8_t hi) {
  qrt_gemm_s8_epilogue e;
  e.output = QRT_GEMM_OUTPUT_S8;
  e.zero_point = zero_point;
  e.min = (float)((int32_t)lo - zero_point);
  e.max = (float)((int32_t)hi - zero_point);
  e.lo = lo;
  e.hi = hi;
  return e;
}

qrt_gemm_s8_epilogue qrt_gemm_s8_epilogue_f32(float lo, float hi) {
  qrt_gemm_s8_epilogue e;
  e.output = QRT_GEMM_OUTPUT_F32;
  e.zero_point = 0;
  e.min = lo;
  e.max = hi;
  e.lo = e.hi = 0;
  return e;
}

void qrt_gemm_s8_store_scalar(int32_t acc, float scale,
                              const qrt_gemm_s8_epilogue* e, void* c,
                              size_t index) {
  const float v = qrt_clamp_f32((float)acc * scale, e->min, e->max);
  if (e->output == QRT_GEMM_OUTPUT_S8) {
    ((int8_t*)c)[index] = (int8_t)(qrt_round_half_even_f32(v) + e->zero_point);
  } else {
    ((float*)c)[index] = v;
  }
}
