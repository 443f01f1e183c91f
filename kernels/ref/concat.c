// Reference Concat: output row r is input 0's row r, then input 1's, ...
// (rows as described in ref.h). The int8 variant requantizes every input to
// the output's scale and zero point:
//   y = round(clamp((float)(q - zi) * (si / sy), lo - zy, hi - zy)) + zy
// Optimized kernels may byte-copy an input whose multiplier is 1.0f and whose
// zero point equals the output's, which gives the same bits whenever its
// values already lie in [lo, hi].
#include <string.h>

#include "qrt/kernels/ref.h"
#include "qrt/kernels/requantize.h"

void qrt_concat_s8__ref(size_t outer, size_t num_inputs,
                        const size_t* input_row_sizes,
                        const int8_t* const* inputs,
                        const qrt_concat_s8_input* quant,
                        int32_t output_zero_point, int8_t output_min,
                        int8_t output_max, int8_t* output) {
  for (size_t r = 0; r < outer; r++) {
    for (size_t i = 0; i < num_inputs; i++) {
      const size_t size = input_row_sizes[i];
      const int8_t* q = inputs[i] + r * size;
      for (size_t k = 0; k < size; k++) {
        *output++ = qrt_requantize_fp32((int32_t)q[k] - quant[i].zero_point,
                                        quant[i].multiplier, output_zero_point,
                                        output_min, output_max);
      }
    }
  }
}

void qrt_concat_f32__ref(size_t outer, size_t num_inputs,
                         const size_t* input_row_sizes,
                         const float* const* inputs, float* output) {
  for (size_t r = 0; r < outer; r++) {
    for (size_t i = 0; i < num_inputs; i++) {
      const size_t size = input_row_sizes[i];
      if (size != 0) memcpy(output, inputs[i] + r * size, size * sizeof(float));
      output += size;
    }
  }
}
