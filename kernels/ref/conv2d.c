// Reference Conv2D: direct convolution, one int32 sum per output element.
//
// For output (n, oy, ox, c) in group g = c / (output_channels / groups):
//   acc = bias[c] + sum_{ky,kx,ci} w[c,ky,kx,ci] * (x[n,iy,ix,g*cpg+ci] - zx)
// with iy = oy*stride_h - pad_top + ky*dilation_h (same for x). Positions
// outside the input are skipped, i.e. they behave as x = zx. The int32 sum
// is then requantized (qrt_requantize_fp32) or dequantized (fp32 epilogue).
#include "qrt/kernels/ref.h"
#include "qrt/kernels/requantize.h"

// The exact int32 accumulator for one output element.
static int32_t conv2d_acc(const qrt_conv2d_params* p, const int8_t* input,
                          const int8_t* weights, const int32_t* bias, size_t n,
                          size_t oy, size_t ox, size_t c) {
  const size_t in_per_group = p->input_channels / p->groups;
  const size_t out_per_group = p->output_channels / p->groups;
  const size_t group = c / out_per_group;
  int32_t acc = bias != NULL ? bias[c] : 0;
  for (size_t ky = 0; ky < p->kernel_height; ky++) {
    // Signed arithmetic: the padded position may lie above/left of the input.
    const long iy = (long)(oy * p->stride_height + ky * p->dilation_height) -
                    (long)p->pad_top;
    if (iy < 0 || iy >= (long)p->input_height) continue;
    for (size_t kx = 0; kx < p->kernel_width; kx++) {
      const long ix = (long)(ox * p->stride_width + kx * p->dilation_width) -
                      (long)p->pad_left;
      if (ix < 0 || ix >= (long)p->input_width) continue;
      const int8_t* x = input +
          ((n * p->input_height + (size_t)iy) * p->input_width + (size_t)ix) *
              p->input_channels + group * in_per_group;
      const int8_t* w = weights +
          ((c * p->kernel_height + ky) * p->kernel_width + kx) * in_per_group;
      for (size_t ci = 0; ci < in_per_group; ci++) {
        acc += (int32_t)w[ci] * ((int32_t)x[ci] - p->input_zero_point);
      }
    }
  }
  return acc;
}

void qrt_conv2d_s8__ref(const qrt_conv2d_params* p, const int8_t* input,
                        const int8_t* weights, const int32_t* bias,
                        const qrt_requant_s8_params* rq, int8_t* output) {
  for (size_t n = 0; n < p->batch; n++) {
    for (size_t oy = 0; oy < p->output_height; oy++) {
      for (size_t ox = 0; ox < p->output_width; ox++) {
        for (size_t c = 0; c < p->output_channels; c++) {
          const int32_t acc = conv2d_acc(p, input, weights, bias, n, oy, ox, c);
          *output++ = qrt_requantize_fp32(acc, rq->multipliers[c],
                                          rq->output_zero_point, rq->output_min,
                                          rq->output_max);
        }
      }
    }
  }
}

void qrt_conv2d_s8_f32__ref(const qrt_conv2d_params* p, const int8_t* input,
                            const int8_t* weights, const int32_t* bias,
                            const qrt_dequant_f32_params* dq, float* output) {
  for (size_t n = 0; n < p->batch; n++) {
    for (size_t oy = 0; oy < p->output_height; oy++) {
      for (size_t ox = 0; ox < p->output_width; ox++) {
        for (size_t c = 0; c < p->output_channels; c++) {
          const int32_t acc = conv2d_acc(p, input, weights, bias, n, oy, ox, c);
          *output++ = qrt_clamp_f32((float)acc * dq->scales[c], dq->output_min,
                                    dq->output_max);
        }
      }
    }
  }
}
