// Plain saturating INT16 accumulation, emulated (docs/accumulation.md,
// "Plain INT16 (emulation)"): an accuracy-study kernel of the host-only
// qrt_study library, never a production path and never faster than the
// int32 reference; libqrt.a does not contain it.
//
// For each output element, the products w * q of the weights and the
// activation codes q = x - zx (the model's own values: S8 [-127, 127], U8
// [0, 255], zero point 0 -- not the runtime's shifted U8 storage; a padded
// tap is q = 0) are summed one by one, in the reference's K order
// (ky, kx, ci), in one int16 accumulator that saturates at every add:
//     acc16 = 0;  for each k: acc16 = sat16(acc16 + w[k] * (x[k] - zx))
// (each product fits int16: |w * q| <= 127 * 255). Then the bias is added
// in int32: acc = bias[c] + acc16, requantized or dequantized exactly as the
// reference (qrt_requantize_fp32 / fp32 scale). When no partial sum leaves
// int16 the result equals the int32 reference.
#include "study/conv_sat16.h"

#include "qrt/kernels/requantize.h"

static int16_t sat16_add(int16_t acc, int32_t product) {
  const int32_t s = (int32_t)acc + product;
  return (int16_t)(s > 32767 ? 32767 : s < -32768 ? -32768 : s);
}

static int32_t conv2d_acc_sat16(const qrt_conv2d_params* p, const int8_t* input,
                                const int8_t* weights, const int32_t* bias,
                                size_t n, size_t oy, size_t ox, size_t c) {
  const size_t in_per_group = p->input_channels / p->groups;
  const size_t out_per_group = p->output_channels / p->groups;
  const size_t group = c / out_per_group;
  int16_t acc16 = 0;
  for (size_t ky = 0; ky < p->kernel_height; ky++) {
    const long iy = (long)(oy * p->stride_height + ky * p->dilation_height) -
                    (long)p->pad_top;
    if (iy < 0 || iy >= (long)p->input_height) continue;  // padding: q = 0
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
        acc16 = sat16_add(acc16, (int32_t)w[ci] *
                                     ((int32_t)x[ci] - p->input_zero_point));
      }
    }
  }
  return (bias != NULL ? bias[c] : 0) + (int32_t)acc16;
}

void qrt_study_conv2d_s8_sat16(const qrt_conv2d_params* p, const int8_t* input,
                              const int8_t* weights, const int32_t* bias,
                              const qrt_requant_s8_params* rq, int8_t* output) {
  for (size_t n = 0; n < p->batch; n++)
    for (size_t oy = 0; oy < p->output_height; oy++)
      for (size_t ox = 0; ox < p->output_width; ox++)
        for (size_t c = 0; c < p->output_channels; c++) {
          const int32_t acc =
              conv2d_acc_sat16(p, input, weights, bias, n, oy, ox, c);
          *output++ = qrt_requantize_fp32(acc, rq->multipliers[c],
                                          rq->output_zero_point,
                                          rq->output_min, rq->output_max);
        }
}

void qrt_study_conv2d_s8_f32_sat16(const qrt_conv2d_params* p,
                                  const int8_t* input, const int8_t* weights,
                                  const int32_t* bias,
                                  const qrt_dequant_f32_params* dq,
                                  float* output) {
  for (size_t n = 0; n < p->batch; n++)
    for (size_t oy = 0; oy < p->output_height; oy++)
      for (size_t ox = 0; ox < p->output_width; ox++)
        for (size_t c = 0; c < p->output_channels; c++) {
          const int32_t acc =
              conv2d_acc_sat16(p, input, weights, bias, n, oy, ox, c);
          *output++ = qrt_clamp_f32((float)acc * dq->scales[c],
                                    dq->output_min, dq->output_max);
        }
}

// Fully connected: the same sum over k = 0 .. input_channels - 1.
static int32_t fc_acc_sat16(const qrt_fully_connected_params* p,
                            const int8_t* x, const int8_t* w,
                            const int32_t* bias, size_t o) {
  int16_t acc16 = 0;
  for (size_t k = 0; k < p->input_channels; k++) {
    acc16 = sat16_add(acc16,
                      (int32_t)w[k] * ((int32_t)x[k] - p->input_zero_point));
  }
  return (bias != NULL ? bias[o] : 0) + (int32_t)acc16;
}

void qrt_study_fully_connected_s8_sat16(const qrt_fully_connected_params* p,
                                       const int8_t* input,
                                       const int8_t* weights,
                                       const int32_t* bias,
                                       const qrt_requant_s8_params* rq,
                                       int8_t* output) {
  for (size_t n = 0; n < p->batch; n++)
    for (size_t o = 0; o < p->output_channels; o++) {
      const int32_t acc =
          fc_acc_sat16(p, input + n * p->input_channels,
                       weights + o * p->input_channels, bias, o);
      *output++ = qrt_requantize_fp32(acc, rq->multipliers[o],
                                      rq->output_zero_point, rq->output_min,
                                      rq->output_max);
    }
}

void qrt_study_fully_connected_s8_f32_sat16(
    const qrt_fully_connected_params* p, const int8_t* input,
    const int8_t* weights, const int32_t* bias,
    const qrt_dequant_f32_params* dq, float* output) {
  for (size_t n = 0; n < p->batch; n++)
    for (size_t o = 0; o < p->output_channels; o++) {
      const int32_t acc =
          fc_acc_sat16(p, input + n * p->input_channels,
                       weights + o * p->input_channels, bias, o);
      *output++ = qrt_clamp_f32((float)acc * dq->scales[o], dq->output_min,
                                dq->output_max);
    }
}
