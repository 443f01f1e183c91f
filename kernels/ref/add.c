// Reference Add kernels: float (fp32 storage, fused activation clamp) and
// int8.
//
// int8 Add: both inputs requantized to the output's scale and
// zero point in fp32 (docs/integer-semantics.md, "Add (int8)"):
//   v = (float)(a - za) * ma + (float)(b - zb) * mb     (two products, one sum, fp32, no FMA)
//   y = round(clamp(v, lo - zy, hi - zy)) + zy
// Used only by the converter's --quantize-adds ablation; the method keeps
// residual adds in float (qrt_add_f32__ref).
#include "qrt/kernels/ref.h"
#include "qrt/kernels/requantize.h"

void qrt_add_s8__ref(size_t n, const int8_t* a, const int8_t* b,
                     const qrt_add_s8_params* params, int8_t* output) {
  const float lo = (float)(params->output_min - params->output_zero_point);
  const float hi = (float)(params->output_max - params->output_zero_point);
  for (size_t i = 0; i < n; i++) {
    const float va = (float)((int32_t)a[i] - params->a_zero_point) * params->a_multiplier;
    const float vb = (float)((int32_t)b[i] - params->b_zero_point) * params->b_multiplier;
    const float v = qrt_clamp_f32(va + vb, lo, hi);
    output[i] = (int8_t)(qrt_round_half_even_f32(v) + params->output_zero_point);
  }
}

// fp32: y = clamp(a + b, output_min, output_max).
void qrt_add_f32__ref(size_t n, const float* a, const float* b,
                      float output_min, float output_max, float* output) {
  for (size_t i = 0; i < n; i++) {
    output[i] = qrt_clamp_f32(a[i] + b[i], output_min, output_max);
  }
}
