// Reference Softmax and LogSoftmax (fp32, last axis).
#include <math.h>

#include "qrt/kernels/ref.h"

static float row_max(const float* x, size_t cols) {
  float max = -INFINITY;
  for (size_t i = 0; i < cols; i++) {
    if (x[i] > max) max = x[i];
  }
  return max;
}

// e_i = expf(x_i - max), y_i = e_i / sum(e), sum in fp32 in index order.
void qrt_softmax_f32__ref(size_t rows, size_t cols, const float* input,
                          float* output) {
  for (size_t r = 0; r < rows; r++) {
    const float* x = input + r * cols;
    float* y = output + r * cols;
    const float max = row_max(x, cols);
    float sum = 0.0f;
    for (size_t i = 0; i < cols; i++) {
      y[i] = expf(x[i] - max);
      sum += y[i];
    }
    for (size_t i = 0; i < cols; i++) y[i] = y[i] / sum;
  }
}

// d_i = x_i - max, y_i = d_i - logf(sum(expf(d))), sum in fp32 in index
// order (no division: exact where softmax's quotient would underflow).
void qrt_log_softmax_f32__ref(size_t rows, size_t cols, const float* input,
                              float* output) {
  for (size_t r = 0; r < rows; r++) {
    const float* x = input + r * cols;
    float* y = output + r * cols;
    const float max = row_max(x, cols);
    float sum = 0.0f;
    for (size_t i = 0; i < cols; i++) sum += expf(x[i] - max);
    const float log_sum = logf(sum);
    for (size_t i = 0; i < cols; i++) y[i] = (x[i] - max) - log_sum;
  }
}
