// Reference SLICE kernels: y[i] = x[begin + i] for every index i of y
// (step 1, up to 4 dimensions, row-major; NHWC for activations). A copy:
// values, scale and zero point unchanged (docs/integer-semantics.md,
// "Slice, Pad, ChannelShuffle").
#include "box.h"

void qrt_slice_s8__ref(const qrt_box_params* params, const int8_t* input,
                       int8_t* output) {
  copy_box(params, (const uint8_t*)input, (uint8_t*)output, 1, 1);
}

void qrt_slice_f32__ref(const qrt_box_params* params, const float* input,
                        float* output) {
  copy_box(params, (const uint8_t*)input, (uint8_t*)output, sizeof(float), 1);
}
