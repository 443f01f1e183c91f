// Reference Quantize (fp32 -> int8) and Dequantize (int8 -> fp32).
//   q = round(clamp(x * inv_scale, lo - zp, hi - zp)) + zp
//   x = (float)(q - zp) * scale
#include "qrt/kernels/ref.h"
#include "qrt/kernels/requantize.h"

void qrt_quantize_f32_s8__ref(size_t n, const float* input, float inv_scale,
                              int32_t zero_point, int8_t output_min,
                              int8_t output_max, int8_t* output) {
  const float lo = (float)(output_min - zero_point);
  const float hi = (float)(output_max - zero_point);
  for (size_t i = 0; i < n; i++) {
    const float v = qrt_clamp_f32(input[i] * inv_scale, lo, hi);
    output[i] = (int8_t)(qrt_round_half_even_f32(v) + zero_point);
  }
}

void qrt_dequantize_s8_f32__ref(size_t n, const int8_t* input, float scale,
                                int32_t zero_point, float* output) {
  for (size_t i = 0; i < n; i++) {
    output[i] = (float)((int32_t)input[i] - zero_point) * scale;
  }
}
