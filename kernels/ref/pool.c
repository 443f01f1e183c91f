// Reference pooling: MaxPool, AveragePool, GlobalAveragePool (int8, fp32).
//
// Window of output (oy, ox): input rows iy = oy * stride_h - pad_top + ky,
// ky in [0, kernel_h) (columns likewise); only in-bounds positions take part.
// Int8 average: sum of (x - zx) in int32 over the n in-bounds inputs (n =
// kernel area with count_include_pad), then
//   v = (float)sum * (sx / (sy * (float)n)), requantized like Conv2D.
// Float average: fp32 sum in window order (row by row), divided by (float)n.
// With count_include_pad, n is the window's area inside the explicitly padded
// input: rows/columns that only ceil_mode added (ceil_bottom/ceil_right) do
// not count.
#include <math.h>

#include "qrt/kernels/ref.h"
#include "qrt/kernels/requantize.h"

// The in-bounds part of one window along one axis: [*begin, *end).
static void window_range(size_t out, size_t stride, size_t pad, size_t kernel,
                         size_t size, size_t* begin, size_t* end) {
  const long first = (long)(out * stride) - (long)pad;
  const long last = first + (long)kernel;  // exclusive
  *begin = first < 0 ? 0 : (size_t)first;
  *end = last > (long)size ? size : (last < 0 ? 0 : (size_t)last);
  if (*end < *begin) *end = *begin;
}

// Calls the body for each output (n, oy, ox) with its window bounds.
#define QRT_FOR_EACH_WINDOW(p, body)                                           \
  for (size_t n = 0; n < (p)->batch; n++)                                      \
    for (size_t oy = 0; oy < (p)->output_height; oy++)                         \
      for (size_t ox = 0; ox < (p)->output_width; ox++) {                      \
        size_t y0, y1, x0, x1;                                                 \
        window_range(oy, (p)->stride_height, (p)->pad_top, (p)->kernel_height, \
                     (p)->input_height, &y0, &y1);                             \
        window_range(ox, (p)->stride_width, (p)->pad_left, (p)->kernel_width,  \
                     (p)->input_width, &x0, &x1);                              \
        const size_t out_base =                                                \
            ((n * (p)->output_height + oy) * (p)->output_width + ox) *         \
            (p)->channels;                                                     \
        body                                                                   \
      }

#define QRT_IN_INDEX(p, n, iy, ix, c) \
  ((((n) * (p)->input_height + (iy)) * (p)->input_width + (ix)) * (p)->channels + (c))

void qrt_maxpool2d_s8__ref(const qrt_pool2d_params* p, const int8_t* input,
                           int8_t output_min, int8_t output_max, int8_t* output) {
  QRT_FOR_EACH_WINDOW(p, {
    for (size_t c = 0; c < p->channels; c++) {
      int32_t m = output_min;  // empty window -> output_min
      for (size_t iy = y0; iy < y1; iy++)
        for (size_t ix = x0; ix < x1; ix++) {
          const int32_t v = input[QRT_IN_INDEX(p, n, iy, ix, c)];
          if (v > m) m = v;
        }
      if (m > output_max) m = output_max;
      output[out_base + c] = (int8_t)m;
    }
  })
}

void qrt_maxpool2d_f32__ref(const qrt_pool2d_params* p, const float* input,
                            float output_min, float output_max, float* output) {
  QRT_FOR_EACH_WINDOW(p, {
    for (size_t c = 0; c < p->channels; c++) {
      float m = -INFINITY;
      for (size_t iy = y0; iy < y1; iy++)
        for (size_t ix = x0; ix < x1; ix++) {
          const float v = input[QRT_IN_INDEX(p, n, iy, ix, c)];
          if (v > m) m = v;
        }
      output[out_base + c] = qrt_clamp_f32(m, output_min, output_max);
    }
  })
}

// The divisor with count_include_pad: the window's area within
// [0, pad_top + input + pad_bottom - ceil_bottom) in padded coordinates (a
// window always starts inside that range).
static size_t counted_area(const qrt_pool2d_params* p, size_t oy, size_t ox) {
  const size_t top = oy * p->stride_height, left = ox * p->stride_width;
  const size_t hlim = p->pad_top + p->input_height + p->pad_bottom - p->ceil_bottom;
  const size_t wlim = p->pad_left + p->input_width + p->pad_right - p->ceil_right;
  const size_t h = top + p->kernel_height > hlim ? hlim - top : p->kernel_height;
  const size_t w = left + p->kernel_width > wlim ? wlim - left : p->kernel_width;
  return h * w;
}

// Requantizes an int8 window sum of n elements.
static int8_t avg_requantize(int32_t sum, size_t n, const qrt_avgpool_s8_params* q) {
  if (n == 0) return qrt_requantize_fp32(0, 0.0f, q->output_zero_point,
                                         q->output_min, q->output_max);
  const float multiplier = q->input_scale / (q->output_scale * (float)n);
  return qrt_requantize_fp32(sum, multiplier, q->output_zero_point,
                             q->output_min, q->output_max);
}

void qrt_avgpool2d_s8__ref(const qrt_pool2d_params* p, const int8_t* input,
                           const qrt_avgpool_s8_params* quant, int8_t* output) {
  QRT_FOR_EACH_WINDOW(p, {
    const size_t count = p->count_include_pad ? counted_area(p, oy, ox)
                                              : (y1 - y0) * (x1 - x0);
    for (size_t c = 0; c < p->channels; c++) {
      int32_t sum = 0;
      for (size_t iy = y0; iy < y1; iy++)
        for (size_t ix = x0; ix < x1; ix++)
          sum += (int32_t)input[QRT_IN_INDEX(p, n, iy, ix, c)] - quant->input_zero_point;
      output[out_base + c] = avg_requantize(sum, count, quant);
    }
  })
}

void qrt_avgpool2d_f32__ref(const qrt_pool2d_params* p, const float* input,
                            float output_min, float output_max, float* output) {
  QRT_FOR_EACH_WINDOW(p, {
    const size_t count = p->count_include_pad ? counted_area(p, oy, ox)
                                              : (y1 - y0) * (x1 - x0);
    for (size_t c = 0; c < p->channels; c++) {
      float sum = 0.0f;
      for (size_t iy = y0; iy < y1; iy++)
        for (size_t ix = x0; ix < x1; ix++)
          sum += input[QRT_IN_INDEX(p, n, iy, ix, c)];
      const float mean = count != 0 ? sum / (float)count : 0.0f;
      output[out_base + c] = qrt_clamp_f32(mean, output_min, output_max);
    }
  })
}

// Global pooling is AveragePool with one window covering all of H x W.
static qrt_pool2d_params global_params(size_t batch, size_t height, size_t width,
                                       size_t channels) {
  qrt_pool2d_params p = {0};
  p.batch = batch;
  p.input_height = p.kernel_height = height;
  p.input_width = p.kernel_width = width;
  p.channels = channels;
  p.output_height = p.output_width = 1;
  p.stride_height = p.stride_width = 1;
  return p;
}

void qrt_global_avgpool_s8__ref(size_t batch, size_t height, size_t width,
                                size_t channels, const int8_t* input,
                                const qrt_avgpool_s8_params* quant,
                                int8_t* output) {
  const qrt_pool2d_params p = global_params(batch, height, width, channels);
  qrt_avgpool2d_s8__ref(&p, input, quant, output);
}

void qrt_global_avgpool_f32__ref(size_t batch, size_t height, size_t width,
                                 size_t channels, const float* input,
                                 float output_min, float output_max,
                                 float* output) {
  const qrt_pool2d_params p = global_params(batch, height, width, channels);
  qrt_avgpool2d_f32__ref(&p, input, output_min, output_max, output);
}
