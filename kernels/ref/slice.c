// Reference SLICE and PAD kernels: copies between a tensor and a box inside
// a larger one, up to 4 dimensions (row-major; NHWC for activations).
//   SLICE: y[i] = x[begin + i] for every index i of y (step 1).
//   PAD:   y[i] = x[i - pad_before] where that lies inside x, else `value`.
// Values, scale and zero point are unchanged; PAD's int8 `value` is the
// constant already quantized by the caller (docs/integer-semantics.md,
// "Slice, Pad, ChannelShuffle").
#include <string.h>

#include "qrt/kernels/ref.h"

// Copies the box of `shape` at offset `at` of `big` to / from `small`
// (element size `es`): gather (big -> small) or scatter (small -> big).
static void copy_box(const qrt_box_params* p, const uint8_t* src, uint8_t* dst,
                     size_t es, int gather) {
  const size_t* s = p->small_shape;
  const size_t* b = p->big_shape;
  const size_t row = s[3] * es;
  for (size_t i0 = 0; i0 < s[0]; i0++)
    for (size_t i1 = 0; i1 < s[1]; i1++)
      for (size_t i2 = 0; i2 < s[2]; i2++) {
        const size_t small_at = ((i0 * s[1] + i1) * s[2] + i2) * s[3];
        const size_t big_at =
            (((i0 + p->offset[0]) * b[1] + i1 + p->offset[1]) * b[2] + i2 + p->offset[2]) * b[3] +
            p->offset[3];
        if (gather) {
          memcpy(dst + small_at * es, src + big_at * es, row);
        } else {
          memcpy(dst + big_at * es, src + small_at * es, row);
        }
      }
}

static size_t box_elements(const size_t* shape) {
  return shape[0] * shape[1] * shape[2] * shape[3];
}

void qrt_slice_s8__ref(const qrt_box_params* params, const int8_t* input,
                       int8_t* output) {
  copy_box(params, (const uint8_t*)input, (uint8_t*)output, 1, 1);
}

void qrt_slice_f32__ref(const qrt_box_params* params, const float* input,
                        float* output) {
  copy_box(params, (const uint8_t*)input, (uint8_t*)output, sizeof(float), 1);
}

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
