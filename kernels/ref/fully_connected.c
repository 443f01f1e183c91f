// Reference FullyConnected: y[n, c] from
//   acc = bias[c] + sum_k w[c, k] * (x[n, k] - zx)     (exact int32)
// then the same requantization / dequantizing epilogue as Conv2D.
#include "qrt/kernels/ref.h"
#include "qrt/kernels/requantize.h"

static int32_t fc_acc(const qrt_fully_connected_params* p, const int8_t* x,
                      const int8_t* weights, const int32_t* bias, size_t c) {
  const int8_t* w = weights + c * p->input_channels;
  int32_t acc = bias != NULL ? bias[c] : 0;
  for (size_t k = 0; k < p->input_channels; k++) {
    acc += (int32_t)w[k] * ((int32_t)x[k] - p->input_zero_point);
  }
  return acc;
}

void qrt_fully_connected_s8__ref(const qrt_fully_connected_params* p,
                                 const int8_t* input, const int8_t* weights,
                                 const int32_t* bias,
                                 const qrt_requant_s8_params* rq,
                                 int8_t* output) {
  for (size_t n = 0; n < p->batch; n++) {
    const int8_t* x = input + n * p->input_channels;
    for (size_t c = 0; c < p->output_channels; c++) {
      *output++ = qrt_requantize_fp32(fc_acc(p, x, weights, bias, c),
                                      rq->multipliers[c], rq->output_zero_point,
                                      rq->output_min, rq->output_max);
    }
  }
}

void qrt_fully_connected_s8_f32__ref(const qrt_fully_connected_params* p,
                                     const int8_t* input, const int8_t* weights,
                                     const int32_t* bias,
                                     const qrt_dequant_f32_params* dq,
                                     float* output) {
  for (size_t n = 0; n < p->batch; n++) {
    const int8_t* x = input + n * p->input_channels;
    for (size_t c = 0; c < p->output_channels; c++) {
      *output++ = qrt_clamp_f32((float)fc_acc(p, x, weights, bias, c) *
                                    dq->scales[c],
                                dq->output_min, dq->output_max);
    }
  }
}
