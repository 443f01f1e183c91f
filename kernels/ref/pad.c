// Reference PAD kernels (constant): y[i] = x[i - pad_before] where that
// lies inside x, else `value` (up to 4 dimensions, row-major). The int8
// `value` is the pad constant's code, quantized once by the caller
// (docs/integer-semantics.md, "Slice, Pad, ChannelShuffle").
#include "box.h"

void qrt_pad_s8__ref(const qrt_box_params* params, const int8_t* input,
                     int8_t value, int8_t* output) {
  memset(output, (uint8_t)value, box_elements(params->big_shape));
  copy_box(params, (const uint8_t*)input, (uint8_t*)output, 1, 0);
}

void qrt_pad_f32__ref(const qrt_box_params* params, const float* input,
                      float value, float* output) {
  const size_t n = box_elements(params->big_shape);
  for (size_t i = 0; i < n; i++) output[i] = value;
  copy_box(params, (const uint8_t*)input, (uint8_t*)output, sizeof(float), 0);
}
