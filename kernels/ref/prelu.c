// Reference int8 PRelu with one slope per channel (the last, NHWC axis):
// two requantization multipliers, one for each side of the input's zero
// point (docs/integer-semantics.md, "PRelu (int8)"):
//   d = x - zx
//   m = d >= 0 ? positive_multiplier : negative_multipliers[c]
//   y = round(clamp((float)d * m, lo - zy, hi - zy)) + zy
// positive_multiplier = sx / sy and negative_multipliers[c] =
// (sx * slope[c]) / sy, computed once by the caller in fp32.
#include "qrt/kernels/ref.h"
#include "qrt/kernels/requantize.h"

void qrt_prelu_s8__ref(size_t outer, size_t channels, const int8_t* input,
                       const qrt_prelu_s8_params* p, int8_t* output) {
  for (size_t r = 0; r < outer; r++) {
    for (size_t c = 0; c < channels; c++) {
      const size_t i = r * channels + c;
      const int32_t d = (int32_t)input[i] - p->input_zero_point;
      const float m = d >= 0 ? p->positive_multiplier : p->negative_multipliers[c];
      output[i] = qrt_requantize_fp32(d, m, p->output_zero_point, p->output_min, p->output_max);
    }
  }
}
