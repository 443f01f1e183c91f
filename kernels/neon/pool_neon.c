// int8 pooling NEON kernels: MaxPool 2D and GlobalAveragePool (NHWC), the
// reference's results (kernels/ref/pool.c) bit for bit.
//
// MaxPool: 16 channels per step, SMAX over the window's in-bounds inputs
// starting from output_min (the reference's initial value, so an empty
// window gives output_min), then SMIN with output_max.
//
// GlobalAveragePool: per group of 16 channels the int8 inputs are summed
// over all H*W pixels, first in int16 lanes (SADDW, one instruction per 8
// channels and pixel) for at most 256 pixels, where |sum| <= 128 * 256 =
// 32768 still fits ([-32768, 32512]), then widened into int32 (SADDW).
// sum(x - zx) = sum(x) - n * zx is exact in int32 like the reference's sum.
// Then the reference's requantization: m = sx / (sy * (float)n) in fp32,
// v = (float)sum * m, clamp (FMAXNM: NaN -> lo), FCVTNS, + zy.
// Channels past the last multiple of 16 (or 8) run the scalar formula.
#include <arm_neon.h>

#include "qrt/kernels/neon.h"
#include "qrt/kernels/requantize.h"

// In-bounds part [*begin, *end) of a window along one axis (as ref/pool.c).
static void window_range(size_t out, size_t stride, size_t pad, size_t kernel,
                         size_t size, size_t* begin, size_t* end) {
  const long first = (long)(out * stride) - (long)pad;
  const long last = first + (long)kernel;
  *begin = first < 0 ? 0 : (size_t)first;
  *end = last > (long)size ? size : (last < 0 ? 0 : (size_t)last);
  if (*end < *begin) *end = *begin;
}

void qrt_maxpool2d_s8__neon(const qrt_pool2d_params* p, const int8_t* input,
                            int8_t output_min, int8_t output_max,
                            int8_t* output) {
  const size_t ch = p->channels;
  const int8x16_t vmin = vdupq_n_s8(output_min), vmax = vdupq_n_s8(output_max);
  for (size_t n = 0; n < p->batch; n++) {
    const int8_t* image = input + n * p->input_height * p->input_width * ch;
    for (size_t oy = 0; oy < p->output_height; oy++) {
      size_t y0, y1;
      window_range(oy, p->stride_height, p->pad_top, p->kernel_height,
                   p->input_height, &y0, &y1);
      for (size_t ox = 0; ox < p->output_width; ox++, output += ch) {
        size_t x0, x1;
        window_range(ox, p->stride_width, p->pad_left, p->kernel_width,
                     p->input_width, &x0, &x1);
        size_t c = 0;
        for (; c + 16 <= ch; c += 16) {
          int8x16_t m = vmin;
          for (size_t iy = y0; iy < y1; iy++) {
            const int8_t* row = image + (iy * p->input_width) * ch + c;
            for (size_t ix = x0; ix < x1; ix++) m = vmaxq_s8(m, vld1q_s8(row + ix * ch));
          }
          vst1q_s8(output + c, vminq_s8(m, vmax));
        }
        for (; c < ch; c++) {
          int32_t m = output_min;
          for (size_t iy = y0; iy < y1; iy++)
            for (size_t ix = x0; ix < x1; ix++) {
              const int32_t v = image[(iy * p->input_width + ix) * ch + c];
              if (v > m) m = v;
            }
          output[c] = (int8_t)(m > output_max ? output_max : m);
        }
      }
    }
  }
}

// Requantizes 4 int32 sums (already minus n * zx).
static inline int32x4_t avg_requantize4(int32x4_t sum, float32x4_t m,
                                        float32x4_t lo, float32x4_t hi,
                                        int32x4_t zp) {
  float32x4_t v = vmulq_f32(vcvtq_f32_s32(sum), m);
  v = vminq_f32(vmaxnmq_f32(v, lo), hi);
  return vaddq_s32(vcvtnq_s32_f32(v), zp);
}

void qrt_global_avgpool_s8__neon(size_t batch, size_t height, size_t width,
                                 size_t channels,
                                 const int8_t* input,
                                 const qrt_avgpool_s8_params* q,
                                 int8_t* output) {
  const size_t hw = height * width;
  const float multiplier =
      hw != 0 ? q->input_scale / (q->output_scale * (float)hw) : 0.0f;
  const float32x4_t m = vdupq_n_f32(multiplier);
  const float32x4_t lo = vdupq_n_f32((float)(q->output_min - q->output_zero_point));
  const float32x4_t hi = vdupq_n_f32((float)(q->output_max - q->output_zero_point));
  const int32x4_t zp = vdupq_n_s32(q->output_zero_point);
  // n * zx modulo 2^32, as the reference's int32 sum of (x - zx) wraps.
  const int32_t nzx = (int32_t)((uint32_t)hw * (uint32_t)q->input_zero_point);
  const int32x4_t vnzx = vdupq_n_s32(nzx);
  for (size_t n = 0; n < batch; n++, input += hw * channels, output += channels) {
    size_t c = 0;
    for (; c + 16 <= channels; c += 16) {
      int32x4_t s0 = vdupq_n_s32(0), s1 = s0, s2 = s0, s3 = s0;
      for (size_t p0 = 0; p0 < hw;) {
        const size_t end = hw - p0 < 256 ? hw : p0 + 256;
        int16x8_t t0 = vdupq_n_s16(0), t1 = t0;
        for (; p0 < end; p0++) {
          const int8x16_t x = vld1q_s8(input + p0 * channels + c);
          t0 = vaddw_s8(t0, vget_low_s8(x));
          t1 = vaddw_high_s8(t1, x);
        }
        s0 = vaddw_s16(s0, vget_low_s16(t0));
        s1 = vaddw_high_s16(s1, t0);
        s2 = vaddw_s16(s2, vget_low_s16(t1));
        s3 = vaddw_high_s16(s3, t1);
      }
      const int32x4_t q0 = avg_requantize4(vsubq_s32(s0, vnzx), m, lo, hi, zp);
      const int32x4_t q1 = avg_requantize4(vsubq_s32(s1, vnzx), m, lo, hi, zp);
      const int32x4_t q2 = avg_requantize4(vsubq_s32(s2, vnzx), m, lo, hi, zp);
      const int32x4_t q3 = avg_requantize4(vsubq_s32(s3, vnzx), m, lo, hi, zp);
      const int16x8_t q01 = vcombine_s16(vqmovn_s32(q0), vqmovn_s32(q1));
      const int16x8_t q23 = vcombine_s16(vqmovn_s32(q2), vqmovn_s32(q3));
      vst1q_s8(output + c, vcombine_s8(vqmovn_s16(q01), vqmovn_s16(q23)));
    }
    for (; c < channels; c++) {
      uint32_t sum = 0;
      for (size_t p0 = 0; p0 < hw; p0++) sum += (uint32_t)(int32_t)input[p0 * channels + c];
      output[c] = qrt_requantize_fp32((int32_t)(sum - (uint32_t)nzx), multiplier,
                                      q->output_zero_point, q->output_min,
                                      q->output_max);
    }
  }
}
