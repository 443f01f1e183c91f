// GEMM and GEMM-based convolution drivers: tile the output over a
// micro-kernel (qrt/kernels/gemm.h), im2col MR rows at a time for KxK.
#include <string.h>

#include "qrt/kernels/gemm.h"

static size_t out_size(const qrt_gemm_s8_epilogue* e) {
  return e->output == QRT_GEMM_OUTPUT_S8 ? sizeof(int8_t) : sizeof(float);
}

// One block of mr <= MR rows against every panel.
static void gemm_rows(const qrt_gemm_s8_ukernel* uk, size_t mr, size_t n,
                      size_t k, const int8_t* a, size_t a_stride,
                      const void* packed, uint8_t* c, size_t c_stride,
                      const qrt_gemm_s8_epilogue* e, size_t int16_chunk) {
  const size_t panel = qrt_gemm_s8_panel_size(uk, k);
  const size_t esize = out_size(e);
  const uint8_t* w = (const uint8_t*)packed;
  for (size_t n0 = 0; n0 < n; n0 += uk->nr, w += panel) {
    const size_t nc = n - n0 < uk->nr ? n - n0 : uk->nr;
    uk->fn(mr, nc, k, a, a_stride, w, c + n0 * esize, c_stride, e,
           int16_chunk);
  }
}

void qrt_gemm_s8(const qrt_gemm_s8_ukernel* uk, size_t m, size_t n, size_t k,
                 const int8_t* a, size_t a_stride, const void* packed, void* c,
                 size_t c_stride, const qrt_gemm_s8_epilogue* e,
                 size_t int16_chunk) {
  const size_t esize = out_size(e);
  for (size_t m0 = 0; m0 < m; m0 += uk->mr) {
    const size_t mr = m - m0 < uk->mr ? m - m0 : uk->mr;
    gemm_rows(uk, mr, n, k, a + m0 * a_stride, a_stride, packed,
              (uint8_t*)c + m0 * c_stride * esize, c_stride, e, int16_chunk);
  }
}

static int reads_input_in_place(const qrt_conv2d_params* p) {
  return p->kernel_height == 1 && p->kernel_width == 1 &&
         p->stride_height == 1 && p->stride_width == 1 && p->pad_top == 0 &&
         p->pad_left == 0 && p->pad_bottom == 0 && p->pad_right == 0;
}

static size_t group_count(const qrt_conv2d_params* p) {
  return p->groups > 1 ? p->groups : 1;
}

// MR im2col rows of KH*KW*IC bytes; groups > 1: the MR rows of every group
// (the same bytes), so one pass over a pixel's window fills all groups.
size_t qrt_conv2d_s8_gemm_scratch_size(const qrt_conv2d_params* p,
                                       const qrt_gemm_s8_ukernel* uk) {
  if (reads_input_in_place(p)) return 0;
  return (size_t)uk->mr * p->kernel_height * p->kernel_width *
         p->input_channels;
}

size_t qrt_conv2d_s8_gemm_packed_size(const qrt_gemm_s8_ukernel* uk,
                                      size_t groups, size_t n, size_t k) {
  if (groups < 1) groups = 1;
  return groups * qrt_gemm_s8_packed_size(uk, n / groups, k);
}

void qrt_conv2d_s8_gemm_pack_weights(const qrt_gemm_s8_ukernel* uk,
                                     size_t groups, size_t n, size_t k,
                                     const int8_t* weights, const int32_t* bias,
                                     const float* scales,
                                     int32_t input_zero_point, void* packed) {
  if (groups < 1) groups = 1;
  const size_t gn = n / groups, block = qrt_gemm_s8_packed_size(uk, gn, k);
  for (size_t g = 0; g < groups; g++) {
    qrt_gemm_s8_pack_weights(uk, gn, k, weights + g * gn * k,
                             bias != NULL ? bias + g * gn : NULL, scales + g * gn,
                             input_zero_point, (uint8_t*)packed + g * block);
  }
}

// n bytes from src to dst: the runs im2col copies are often short (a
// 3-channel stem's kernel row is 9 or 21 bytes), where a memcpy call costs
// more than the copy: up to 64 bytes 16- / 8- / 4-byte moves, the last one
// overlapping the previous within [0, n); longer runs memcpy (ResNet50's
// 3x3 rows of 192-1536 bytes: 16-byte moves executed 15.7M instructions
// against libc's 10.5M on `max`).
static inline void copy_bytes(int8_t* dst, const int8_t* src, size_t n) {
  if (n > 64) {  // long runs (a 3x3 kernel row of 64+ channels): libc's copy
    memcpy(dst, src, n);
  } else if (n >= 16) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) memcpy(dst + i, src + i, 16);
    if (i < n) memcpy(dst + n - 16, src + n - 16, 16);
  } else if (n >= 8) {
    uint64_t lo, hi;
    memcpy(&lo, src, 8);
    memcpy(&hi, src + n - 8, 8);
    memcpy(dst, &lo, 8);
    memcpy(dst + n - 8, &hi, 8);
  } else if (n >= 4) {
    uint32_t lo, hi;
    memcpy(&lo, src, 4);
    memcpy(&hi, src + n - 4, 4);
    memcpy(dst, &lo, 4);
    memcpy(dst + n - 4, &hi, 4);
  } else {
    for (size_t i = 0; i < n; i++) dst[i] = src[i];
  }
}

static inline void fill_bytes(int8_t* dst, int8_t v, size_t n) {
  if (n >= 8) {
    const uint64_t pattern = 0x0101010101010101ull * (uint8_t)v;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) memcpy(dst + i, &pattern, 8);
    if (i < n) memcpy(dst + n - 8, &pattern, 8);
  } else {
    for (size_t i = 0; i < n; i++) dst[i] = v;
  }
}

// Row of the output pixel (n, oy, ox): its KH*KW*IC window in OHWI order,
// out-of-bounds taps filled with the input zero point.
static void im2col_row(const qrt_conv2d_params* p, const int8_t* input,
                       size_t n, size_t oy, size_t ox, int8_t* row) {
  const size_t ic = p->input_channels, kw = p->kernel_width;
  const size_t iw = p->input_width, ih = p->input_height;
  const int8_t zero = (int8_t)p->input_zero_point;
  const long ix0 = (long)(ox * p->stride_width) - (long)p->pad_left;
  // The whole kernel row in bounds with dilation 1: its KW taps are KW * IC
  // contiguous input bytes (NHWC), one copy instead of KW.
  const int row_inside = p->dilation_width == 1 && ix0 >= 0 && ix0 + (long)kw <= (long)iw;
  const long iy0 = (long)(oy * p->stride_height) - (long)p->pad_top;
  const int8_t* image = input + n * ih * iw * ic;
  for (size_t ky = 0; ky < p->kernel_height; ky++) {
    const long iy = iy0 + (long)(ky * p->dilation_height);
    if (iy < 0 || iy >= (long)ih) {
      fill_bytes(row, zero, kw * ic);
      row += kw * ic;
      continue;
    }
    const int8_t* line = image + (size_t)iy * iw * ic;
    if (row_inside) {
      copy_bytes(row, line + (size_t)ix0 * ic, kw * ic);
      row += kw * ic;
      continue;
    }
    for (size_t kx = 0; kx < kw; kx++, row += ic) {
      const long ix = ix0 + (long)(kx * p->dilation_width);
      if (ix < 0 || ix >= (long)iw) {
        fill_bytes(row, zero, ic);
      } else {
        copy_bytes(row, line + (size_t)ix * ic, ic);
      }
    }
  }
}

// The rows of output pixel (n, oy, ox) for every group at once: group g's
// KH*KW*(IC/G) window at row + g * group_stride, out-of-bounds taps filled
// with the input zero point. One bounds check per tap for all groups.
static void im2col_row_groups(const qrt_conv2d_params* p, const int8_t* input,
                              size_t n, size_t oy, size_t ox, int8_t* row,
                              size_t group_stride) {
  const size_t ic = p->input_channels, groups = p->groups, gic = ic / groups;
  const size_t kw = p->kernel_width, iw = p->input_width, ih = p->input_height;
  const int8_t zero = (int8_t)p->input_zero_point;
  const long ix0 = (long)(ox * p->stride_width) - (long)p->pad_left;
  const long iy0 = (long)(oy * p->stride_height) - (long)p->pad_top;
  const int8_t* image = input + n * ih * iw * ic;
  for (size_t ky = 0; ky < p->kernel_height; ky++) {
    const long iy = iy0 + (long)(ky * p->dilation_height);
    const int row_in = iy >= 0 && iy < (long)ih;
    const int8_t* line = row_in ? image + (size_t)iy * iw * ic : image;
    for (size_t kx = 0; kx < kw; kx++, row += gic) {
      const long ix = ix0 + (long)(kx * p->dilation_width);
      int8_t* d = row;
      if (!row_in || ix < 0 || ix >= (long)iw) {
        for (size_t g = 0; g < groups; g++, d += group_stride) fill_bytes(d, zero, gic);
        continue;
      }
      const int8_t* src = line + (size_t)ix * ic;
      for (size_t g = 0; g < groups; g++, d += group_stride, src += gic)
        copy_bytes(d, src, gic);
    }
  }
}

// groups > 1: per block of MR output pixels, the windows of all groups
// (one pass per pixel: im2col_row_groups; in place for 1x1 / stride 1 / no
// padding: group g's A rows at input + g * IC/G with stride IC), then per
// group g its GEMM against its packed block, into output channels
// [g * OC/G, (g + 1) * OC/G).
static void conv_grouped(const qrt_gemm_s8_ukernel* uk, const qrt_conv2d_params* p,
                         const int8_t* input, const void* packed,
                         const qrt_gemm_s8_epilogue* e, size_t int16_chunk,
                         int8_t* scratch, void* output) {
  const size_t groups = p->groups, ic = p->input_channels, oc = p->output_channels;
  const size_t gic = ic / groups, gn = oc / groups;
  const size_t m = p->batch * p->output_height * p->output_width;
  const size_t k = p->kernel_height * p->kernel_width * gic;
  const size_t block = qrt_gemm_s8_packed_size(uk, gn, k), esize = out_size(e);
  const size_t group_stride = (size_t)uk->mr * k;
  const int in_place = reads_input_in_place(p);
  const size_t ow = p->output_width, oh = p->output_height;
  size_t n0 = 0, oy = 0, ox = 0;  // the next pixel
  for (size_t m0 = 0; m0 < m; m0 += uk->mr) {
    const size_t mr = m - m0 < uk->mr ? m - m0 : uk->mr;
    uint8_t* c = (uint8_t*)output + m0 * oc * esize;
    if (!in_place) {
      for (size_t i = 0; i < mr; i++) {
        im2col_row_groups(p, input, n0, oy, ox, scratch + i * k, group_stride);
        if (++ox == ow) {
          ox = 0;
          if (++oy == oh) {
            oy = 0;
            n0++;
          }
        }
      }
    }
    for (size_t g = 0; g < groups; g++) {
      const uint8_t* w = (const uint8_t*)packed + g * block;
      if (in_place) {
        gemm_rows(uk, mr, gn, k, input + m0 * ic + g * gic, ic, w, c + g * gn * esize, oc, e,
                  int16_chunk);
      } else {
        gemm_rows(uk, mr, gn, k, scratch + g * group_stride, k, w, c + g * gn * esize, oc, e,
                  int16_chunk);
      }
    }
  }
}

void qrt_conv2d_s8_gemm(const qrt_gemm_s8_ukernel* uk,
                        const qrt_conv2d_params* p, const int8_t* input,
                        const void* packed, const qrt_gemm_s8_epilogue* e,
                        size_t int16_chunk, int8_t* scratch, void* output) {
  // A local copy: the micro-kernel calls are opaque, so through the caller's
  // pointer every im2col row would reload (and recompute from) the params;
  // the copy's address never escapes (MobileNetV2's stem: ~55 instructions
  // per output pixel).
  const qrt_conv2d_params params = *p;
  p = &params;
  const qrt_gemm_s8_ukernel ukernel = *uk;
  uk = &ukernel;
  const size_t m = p->batch * p->output_height * p->output_width;
  const size_t n = p->output_channels;
  const size_t k = p->kernel_height * p->kernel_width * p->input_channels;
  if (group_count(p) > 1) {
    conv_grouped(uk, p, input, packed, e, int16_chunk, scratch, output);
    return;
  }
  if (reads_input_in_place(p)) {
    qrt_gemm_s8(uk, m, n, k, input, k, packed, output, n, e, int16_chunk);
    return;
  }
  const size_t esize = out_size(e);
  const size_t ow = p->output_width, oh = p->output_height;
  // Output pixel coordinates, advanced one pixel at a time (batch-major).
  size_t n0 = 0, oy = 0, ox = 0;
  for (size_t m0 = 0; m0 < m; m0 += uk->mr) {
    const size_t mr = m - m0 < uk->mr ? m - m0 : uk->mr;
    for (size_t i = 0; i < mr; i++) {
      im2col_row(p, input, n0, oy, ox, scratch + i * k);
      if (++ox == ow) {
        ox = 0;
        if (++oy == oh) {
          oy = 0;
          n0++;
        }
      }
    }
    gemm_rows(uk, mr, n, k, scratch, k, packed,
              (uint8_t*)output + m0 * n * esize, n, e, int16_chunk);
  }
}
