// Helpers shared by the reference kernels: activation bounds, output sizes.
#include <math.h>

#include "qrt/kernels/ref.h"

void qrt_activation_range_f32(qrt_activation activation, float* output_min,
                              float* output_max) {
  *output_min = -INFINITY;
  *output_max = INFINITY;
  if (activation == QRT_ACTIVATION_RELU || activation == QRT_ACTIVATION_RELU6) {
    *output_min = 0.0f;
  }
  if (activation == QRT_ACTIVATION_RELU6) *output_max = 6.0f;
}

size_t qrt_conv_output_size(size_t input, size_t kernel, size_t stride,
                            size_t dilation, size_t pad_before, size_t pad_after) {
  if (kernel == 0 || stride == 0 || dilation == 0) return 0;
  const size_t padded = input + pad_before + pad_after;
  const size_t span = dilation * (kernel - 1) + 1;  // dilated kernel extent
  if (padded < span) return 0;
  return (padded - span) / stride + 1;
}
