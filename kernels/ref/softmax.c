// Reference Softmax and LogSoftmax (fp32, last axis).
#include <math.h>

#include "qrt/kernels/ref.h"

// Per row: max, then sum(expf(x - max)) in fp32 in index order, then
//   softmax:     y_i = expf(x_i - max) / sum (the exponentials kept in y);
//   log softmax: y_i = (x_i - max) - logf(sum) (no division: exact where
//                the softmax quotient would underflow).
static void softmax_rows(size_t rows, size_t cols, const float* input,
                         float* output, int log_output) {
  for (size_t r = 0; r < rows; r++) {
    const float* x = input + r * cols;
    float* y = output + r * cols;
    float max = -INFINITY;
    for (size_t i = 0; i < cols; i++) {
      if (x[i] > max) max = x[i];
    }
    float sum = 0.0f;
    for (size_t i = 0; i < cols; i++) {
      const float e = expf(x[i] - max);
      if (!log_output) y[i] = e;
      sum += e;
    }
    if (log_output) {
      const float log_sum = logf(sum);
      for (size_t i = 0; i < cols; i++) y[i] = (x[i] - max) - log_sum;
    } else {
      for (size_t i = 0; i < cols; i++) y[i] = y[i] / sum;
    }
  }
}

void qrt_softmax_f32__ref(size_t rows, size_t cols, const float* input,
                          float* output) {
  softmax_rows(rows, cols, input, output, 0);
}

void qrt_log_softmax_f32__ref(size_t rows, size_t cols, const float* input,
                              float* output) {
  softmax_rows(rows, cols, input, output, 1);
}
