// Reference float Add (with fused activation clamp) and Softmax (last axis).
#include <math.h>

#include "qrt/kernels/ref.h"
#include "qrt/kernels/requantize.h"

void qrt_add_f32__ref(size_t n, const float* a, const float* b,
                      float output_min, float output_max, float* output) {
  for (size_t i = 0; i < n; i++) {
    output[i] = qrt_clamp_f32(a[i] + b[i], output_min, output_max);
  }
}

// e_i = expf(x_i - max), y_i = e_i / sum(e), sum in fp32 in index order.
void qrt_softmax_f32__ref(size_t rows, size_t cols, const float* input,
                          float* output) {
  for (size_t r = 0; r < rows; r++) {
    const float* x = input + r * cols;
    float* y = output + r * cols;
    float max = -INFINITY;
    for (size_t i = 0; i < cols; i++) {
      if (x[i] > max) max = x[i];
    }
    float sum = 0.0f;
    for (size_t i = 0; i < cols; i++) {
      y[i] = expf(x[i] - max);
      sum += y[i];
    }
    for (size_t i = 0; i < cols; i++) y[i] = y[i] / sum;
  }
}
