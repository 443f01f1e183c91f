// Reference LRN (local response normalization across channels), fp32.
// For each of the `outer` rows of C channels (NHWC: the last axis):
//   sum = sum of x[c']^2 for c' in [c - (size - 1) / 2, c + size / 2] within
//         [0, C), in increasing c' (fp32, one product and one add each)
//   y[c] = x[c] / powf(bias + (alpha / size) * sum, beta)
// with alpha / size computed once in fp32 (ONNX's LRN; docs/integer-semantics.md,
// "LRN"). Float only: models keep it as a float island.
#include <math.h>

#include "qrt/kernels/ref.h"

void qrt_lrn_f32__ref(size_t outer, size_t channels, const qrt_lrn_params* p,
                      const float* input, float* output) {
  const float scaled_alpha = p->alpha / (float)p->size;
  const size_t before = (p->size - 1) / 2, after = p->size / 2;
  for (size_t r = 0; r < outer; r++) {
    const float* x = input + r * channels;
    float* y = output + r * channels;
    for (size_t c = 0; c < channels; c++) {
      const size_t lo = c >= before ? c - before : 0;
      const size_t hi = c + after < channels ? c + after : channels - 1;
      float sum = 0.0f;
      for (size_t k = lo; k <= hi; k++) sum += x[k] * x[k];
      y[c] = x[c] / powf(p->bias + scaled_alpha * sum, p->beta);
    }
  }
}
