// Reference fp16 kernels (qrt/kernels/fp16.h): the definition of every fp16
// result. fp32 has 24 >= 2 * 11 + 2 significand bits, so round16 of the
// exact fp32 sum of two halves equals one native half-precision FADD
// (double rounding cannot differ): this is exactly ARMv8.2 FP16 arithmetic.
#include "qrt/kernels/fp16.h"
#include "qrt/kernels/requantize.h"

void qrt_add_f16__ref(size_t n, const uint16_t* a, const uint16_t* b,
                      float output_min, float output_max, uint16_t* output) {
  const float lo = qrt_f16_to_f32(qrt_f32_to_f16(output_min));
  const float hi = qrt_f16_to_f32(qrt_f32_to_f16(output_max));
  for (size_t i = 0; i < n; i++) {
    const float s = qrt_f16_to_f32(
        qrt_f32_to_f16(qrt_f16_to_f32(a[i]) + qrt_f16_to_f32(b[i])));
    // The clamp of an fp16 value to fp16 bounds is an fp16 value: exact.
    output[i] = qrt_f32_to_f16(qrt_clamp_f32(s, lo, hi));
  }
}

void qrt_quantize_f16_s8__ref(size_t n, const uint16_t* input, float inv_scale,
                              int32_t zero_point, int8_t output_min,
                              int8_t output_max, int8_t* output) {
  const float lo = (float)(output_min - zero_point);
  const float hi = (float)(output_max - zero_point);
  for (size_t i = 0; i < n; i++) {
    const float v = qrt_clamp_f32(qrt_f16_to_f32(input[i]) * inv_scale, lo, hi);
    output[i] = (int8_t)(qrt_round_half_even_f32(v) + zero_point);
  }
}

void qrt_dequantize_s8_f16__ref(size_t n, const int8_t* input, float scale,
                                int32_t zero_point, uint16_t* output) {
  for (size_t i = 0; i < n; i++) {
    output[i] = qrt_f32_to_f16((float)((int32_t)input[i] - zero_point) * scale);
  }
}

void qrt_convert_f32_f16__ref(size_t n, const float* input, uint16_t* output) {
  for (size_t i = 0; i < n; i++) output[i] = qrt_f32_to_f16(input[i]);
}

void qrt_convert_f16_f32__ref(size_t n, const uint16_t* input, float* output) {
  for (size_t i = 0; i < n; i++) output[i] = qrt_f16_to_f32(input[i]);
}
