// Depthwise KxK NEON kernels, 16 channels per step (layout and accumulation:
// qrt/kernels/dwconv.h): any kernel size, stride, dilation and padding,
// channel multiplier 1. The 3x3 layers keep neon/dwconv3x3_c16_neon.c,
// whose 9 tap weights fit in registers; here a tap's 16 weights are loaded
// beside its 16 inputs (25 or 49 taps do not fit in 32 registers).
//
// Loop order: per output row, per channel block (16, then one of 8 on
// 64-bit input loads, then 1-7 channels in scalar int32 code), per output
// pixel. Per output row the kernel rows inside the input are [ky0, ky1):
// rows in the top / bottom padding are not read, their zero-point sums
// (rowzx, packed) are added to the bias once per row and block. The valid
// rows of a pixel are one pointer apart by dilation * W * C bytes, and the
// taps of a row by dilation * C. Interior pixels (all KW columns inside) run
// with no per-tap checks and, for KW 3, 5 and 7 (s8 output), a fully
// unrolled row; pixels touching the left / right padding read the
// zero-point vector for their padded taps (the folded bias cancels it).
//
// Products: acc32 (qrt_dwconv_s8_acc32_ukernel_c16__neon): per kernel row,
// tap pairs SMULL + SMLAL into int16 (|w| <= 127, |x| <= 128: <= 32512),
// the odd last tap SMULL alone, each widened by 4 SADDW into the int32 sums.
// acc16 (qrt_dwconv_s8_acc16_ukernel_c16__neon): SMLAL of every tap of R =
// floor(int16_chunk / KW) valid kernel rows into one int16 lane per channel,
// then 4 SADDW: at most R * KW <= int16_chunk products per lane, so exact by
// the chunk bound (docs/accumulation.md). Epilogue: the GEMM tile
// epilogue's steps (epilogue_neon.h, with its proof).
#include <string.h>

#include "dwconv_neon.h"
#include "epilogue_neon.h"
#include "qrt/kernels/neon.h"

enum { C = 16 };

QRT_DW_INLINE void widen(sums16* r, int16x8_t lo, int16x8_t hi, int half) {
  r->a0 = vaddw_s16(r->a0, vget_low_s16(lo));
  r->a1 = vaddw_high_s16(r->a1, lo);
  if (!half) {
    r->a2 = vaddw_s16(r->a2, vget_low_s16(hi));
    r->a3 = vaddw_high_s16(r->a3, hi);
  }
}

// 16 input channels, or 8 (half: 64-bit load, upper lanes unused).
QRT_DW_INLINE int8x16_t ldx(const int8_t* p, int half) {
  return half ? vcombine_s8(vld1_s8(p), vdup_n_s8(0)) : vld1q_s8(p);
}

// Taps of one kernel row into the int16 pair (lo, hi): the first with
// SMULL when `first`, the rest SMLAL.
QRT_DW_INLINE void mac(int16x8_t* lo, int16x8_t* hi, int8x16_t x, int8x16_t w, int first,
                       int half) {
  if (first) {
    *lo = smull_lo(x, w);
    if (!half) *hi = vmull_high_s8(x, w);
  } else {
    *lo = smlal_lo(*lo, x, w);
    if (!half) *hi = vmlal_high_s8(*hi, x, w);
  }
}

// Where tap kx of a row reads: row + ix * C bytes, or the zero-point vector.
typedef struct {
  const int8_t* zero;  // zero-point vector
  long ix0;            // input column of kx = 0
  size_t dw, iw, ch;   // dilation, input width, channels
} cols;

QRT_DW_INLINE const int8_t* tap(const int8_t* row, const cols* k, size_t kx) {
  const long ix = k->ix0 + (long)(kx * k->dw);
  return ix >= 0 && ix < (long)k->iw ? row + (size_t)ix * k->ch : k->zero;
}

// One kernel row of kw taps. Interior (border == 0): tap kx at q + kx * cs.
// Border: per-tap column check (tap()). acc32 widens every pair; acc16 adds
// into (lo, hi), `first` starting a new int16 block.
QRT_DW_INLINE void row_taps(sums16* r, int16x8_t* lo, int16x8_t* hi, const int8_t* q,
                            size_t cs, const cols* k, const int8_t* w, size_t kw,
                            int border, int acc16, int first, int half) {
#define QRT_DW_X(kx) ldx(border ? tap(q, k, kx) : q + (kx) * cs, half)
  if (acc16) {
    for (size_t kx = 0; kx < kw; kx++)
      mac(lo, hi, QRT_DW_X(kx), vld1q_s8(w + kx * C), first && kx == 0, half);
    return;
  }
  size_t kx = 0;
  for (; kx + 2 <= kw; kx += 2) {
    int16x8_t l, h = vdupq_n_s16(0);
    mac(&l, &h, QRT_DW_X(kx), vld1q_s8(w + kx * C), 1, half);
    mac(&l, &h, QRT_DW_X(kx + 1), vld1q_s8(w + (kx + 1) * C), 0, half);
    widen(r, l, h, half);
  }
  if (kx < kw) {
    int16x8_t l, h = vdupq_n_s16(0);
    mac(&l, &h, QRT_DW_X(kx), vld1q_s8(w + kx * C), 1, half);
    widen(r, l, h, half);
  }
#undef QRT_DW_X
}

// The sums of one pixel: bias (padded rows included) plus its nrows valid
// kernel rows, the first at q (interior: the pixel's kx = 0 tap; border: the
// row's column 0), rs bytes apart; w at the first valid row's weights.
QRT_DW_INLINE sums16 pixel_sums(sums16 r, const int8_t* q, size_t rs, size_t nrows,
                                size_t cs, const cols* k, const int8_t* w, size_t kw,
                                size_t rows_per_block, int border, int acc16, int half) {
  int16x8_t lo = vdupq_n_s16(0), hi = vdupq_n_s16(0);
  size_t in_block = 0;
  for (size_t i = 0; i < nrows; i++, q += rs, w += kw * C) {
    row_taps(&r, &lo, &hi, q, cs, k, w, kw, border, acc16, in_block == 0, half);
    if (acc16 && ++in_block == rows_per_block) {
      widen(&r, lo, hi, half);
      in_block = 0;
    }
  }
  if (acc16 && in_block != 0) widen(&r, lo, hi, half);
  return r;
}

// Epilogue constants.
typedef struct {
  int16x8_t zp;
  int8x16_t lo, hi;
  float32x4_t flo, fhi;
} epi;

QRT_DW_INLINE void store(const sums16* a, const float* s, const epi* ep, int f32, char* o,
                         size_t nc) {
  const float32x4_t s0 = vld1q_f32(s), s1 = vld1q_f32(s + 4);
  if (!f32) {
    const int16x8_t h0 = qrt_neon_requant8(a->a0, a->a1, s0, s1, ep->zp);
    int16x8_t h1 = h0;
    if (nc > 8) h1 = qrt_neon_requant8(a->a2, a->a3, vld1q_f32(s + 8), vld1q_f32(s + 12), ep->zp);
    qrt_neon_st16_s8(qrt_neon_narrow_clamp(h0, h1, ep->lo, ep->hi), o, nc);
  } else {
    qrt_neon_row8_f32(a->a0, a->a1, s0, s1, ep->flo, ep->fhi, o, nc < 8 ? nc : 8);
    if (nc > 8)
      qrt_neon_row8_f32(a->a2, a->a3, vld1q_f32(s + 8), vld1q_f32(s + 12), ep->flo, ep->fhi,
                        o + 8 * sizeof(float), nc - 8);
  }
}

// The geometry of one output row.
typedef struct {
  const int8_t* row0;  // first valid kernel row's input row, column 0, channel 0
  size_t rs, nrows;    // bytes between valid kernel rows, how many
  size_t ky0;          // first valid kernel row
  size_t x0, x1;       // interior pixels [x0, x1)
} rowgeo;

// One output row of one channel block (16 or, half, 8 channels at c0).
QRT_DW_INLINE void block_row(const qrt_conv2d_params* p, const rowgeo* g, const uint8_t* blk,
                             size_t kw, size_t rows_per_block, const int8_t* zero,
                             const epi* ep, int f32, int acc16, int half, size_t c0,
                             char* out, size_t esize) {
  const size_t ch = p->input_channels, kh = p->kernel_height;
  const int32_t* b = (const int32_t*)blk;
  const float* s = (const float*)(b + C);
  const int32_t* rowzx = (const int32_t*)(s + C);
  const int8_t* w = (const int8_t*)(rowzx + kh * C) + g->ky0 * kw * C;
  sums16 bias = {vld1q_s32(b), vld1q_s32(b + 4), vld1q_s32(b + 8), vld1q_s32(b + 12)};
  for (size_t ky = 0; ky < kh; ky++) {
    if (ky >= g->ky0 && ky < g->ky0 + g->nrows) continue;
    const int32_t* z = rowzx + ky * C;
    bias.a0 = vaddq_s32(bias.a0, vld1q_s32(z));
    bias.a1 = vaddq_s32(bias.a1, vld1q_s32(z + 4));
    bias.a2 = vaddq_s32(bias.a2, vld1q_s32(z + 8));
    bias.a3 = vaddq_s32(bias.a3, vld1q_s32(z + 12));
  }
  const size_t nc = half ? 8 : C, cs = p->dilation_width * ch, ps = p->stride_width * ch;
  const int8_t* row = g->row0 + c0;
  cols k = {zero, 0, p->dilation_width, p->input_width, ch};
  const size_t ow = p->output_width, os = ch * esize;
  for (size_t ox = 0; ox < g->x0; ox++) {
    k.ix0 = (long)(ox * p->stride_width) - (long)p->pad_left;
    const sums16 a = pixel_sums(bias, row, g->rs, g->nrows, cs, &k, w, kw, rows_per_block, 1,
                                acc16, half);
    store(&a, s, ep, f32, out + ox * os + c0 * esize, nc);
  }
  const int8_t* q = row + (g->x0 * p->stride_width - p->pad_left) * ch;
  char* o = out + g->x0 * os + c0 * esize;
  for (size_t ox = g->x0; ox < g->x1; ox++, q += ps, o += os) {
    const sums16 a = pixel_sums(bias, q, g->rs, g->nrows, cs, &k, w, kw, rows_per_block, 0,
                                acc16, half);
    store(&a, s, ep, f32, o, nc);
  }
  for (size_t ox = g->x1; ox < ow; ox++) {
    k.ix0 = (long)(ox * p->stride_width) - (long)p->pad_left;
    const sums16 a = pixel_sums(bias, row, g->rs, g->nrows, cs, &k, w, kw, rows_per_block, 1,
                                acc16, half);
    store(&a, s, ep, f32, out + ox * os + c0 * esize, nc);
  }
}

// Channels c0.. c0+nc-1 (nc <= 7) of one output row in int32 scalar code
// (exact for either accumulator).
static void tail_row(const qrt_conv2d_params* p, const int8_t* image, size_t oy,
                     const uint8_t* blk, size_t kw, size_t c0, size_t nc,
                     const qrt_gemm_s8_epilogue* e, char* out) {
  const size_t ch = p->input_channels, kh = p->kernel_height, l0 = c0 % C;
  const int32_t* b = (const int32_t*)blk;
  const float* s = (const float*)(b + C);
  const int32_t* rowzx = (const int32_t*)(s + C);
  const int8_t* w = (const int8_t*)(rowzx + kh * C);
  for (size_t ox = 0; ox < p->output_width; ox++) {
    for (size_t j = 0; j < nc; j++) {
      uint32_t acc = (uint32_t)b[l0 + j];
      for (size_t ky = 0; ky < kh; ky++) {
        const long iy = (long)(oy * p->stride_height + ky * p->dilation_height) -
                        (long)p->pad_top;
        if (iy < 0 || iy >= (long)p->input_height) {
          acc += (uint32_t)rowzx[ky * C + l0 + j];
          continue;
        }
        for (size_t kx = 0; kx < kw; kx++) {
          const long ix = (long)(ox * p->stride_width + kx * p->dilation_width) -
                          (long)p->pad_left;
          const int32_t x = ix < 0 || ix >= (long)p->input_width
                                ? p->input_zero_point
                                : image[((size_t)iy * p->input_width + (size_t)ix) * ch + c0 + j];
          acc += (uint32_t)(x * w[(ky * kw + kx) * C + l0 + j]);
        }
      }
      qrt_gemm_s8_store_scalar((int32_t)acc, s[l0 + j], e, out, ox * ch + c0 + j);
    }
  }
}

// kw_const: the kernel width when known at compile time (unrolled rows),
// else 0.
QRT_DW_INLINE void run(const qrt_conv2d_params* p, const int8_t* input, const void* packed,
                       const qrt_gemm_s8_epilogue* e, size_t chunk, void* output, int f32,
                       int acc16, size_t kw_const) {
  const size_t ch = p->input_channels, kh = p->kernel_height;
  const size_t kw = kw_const ? kw_const : p->kernel_width;
  const size_t ow = p->output_width, esize = f32 ? sizeof(float) : 1;
  const size_t block_size =
      C * (sizeof(int32_t) + sizeof(float)) + kh * C * sizeof(int32_t) + kh * kw * C;
  size_t rows_per_block = acc16 ? chunk / kw : 1;
  if (rows_per_block == 0) rows_per_block = 1;
  int8_t zero[C];
  memset(zero, (int8_t)p->input_zero_point, sizeof zero);
  epi ep;
  if (f32) {
    ep.flo = vld1q_dup_f32(&e->min);
    ep.fhi = vld1q_dup_f32(&e->max);
    ep.zp = vdupq_n_s16(0);
    ep.lo = ep.hi = vdupq_n_s8(0);
  } else {
    ep.zp = vdupq_n_s16((int16_t)e->zero_point);
    ep.lo = vld1q_dup_s8(&e->lo);
    ep.hi = vld1q_dup_s8(&e->hi);
    ep.flo = ep.fhi = vdupq_n_f32(0.0f);
  }
  // Interior pixels [x0, x1): all kw columns inside the row.
  rowgeo g;
  const size_t sw = p->stride_width, pl = p->pad_left, span = (kw - 1) * p->dilation_width;
  g.x0 = (pl + sw - 1) / sw;
  g.x1 = p->input_width + pl >= 1 + span ? (p->input_width + pl - 1 - span) / sw + 1 : 0;
  if (g.x0 > ow) g.x0 = ow;
  if (g.x1 > ow) g.x1 = ow;
  if (g.x1 < g.x0) g.x1 = g.x0;
  g.rs = p->dilation_height * p->input_width * ch;
  char* out = (char*)output;
  for (size_t n = 0; n < p->batch; n++) {
    const int8_t* image = input + n * p->input_height * p->input_width * ch;
    for (size_t oy = 0; oy < p->output_height; oy++, out += ow * ch * esize) {
      // Valid kernel rows [ky0, ky0 + nrows): iy increases with ky.
      g.ky0 = 0;
      g.row0 = image;
      g.nrows = 0;
      for (size_t ky = 0; ky < kh; ky++) {
        const long iy = (long)(oy * p->stride_height + ky * p->dilation_height) -
                        (long)p->pad_top;
        if (iy < 0 || iy >= (long)p->input_height) continue;
        if (g.nrows++ == 0) {
          g.ky0 = ky;
          g.row0 = image + (size_t)iy * p->input_width * ch;
        }
      }
      const uint8_t* blk = (const uint8_t*)packed;
      size_t c0 = 0;
      for (; c0 + C <= ch; c0 += C, blk += block_size)
        block_row(p, &g, blk, kw, rows_per_block, zero, &ep, f32, acc16, 0, c0, out, esize);
      if (c0 + 8 <= ch) {
        block_row(p, &g, blk, kw, rows_per_block, zero, &ep, f32, acc16, 1, c0, out, esize);
        c0 += 8;
      }
      if (c0 < ch) tail_row(p, image, oy, blk, kw, c0, ch - c0, e, out);
    }
  }
}

#define QRT_DW_ENTRY(name, acc16)                                                          \
  void name(const qrt_conv2d_params* p, const int8_t* input, const void* packed,          \
            const qrt_gemm_s8_epilogue* e, size_t int16_chunk, void* output) {            \
    if (e->output != QRT_GEMM_OUTPUT_S8) {                                                 \
      run(p, input, packed, e, int16_chunk, output, 1, acc16, 0);                          \
      return;                                                                              \
    }                                                                                      \
    switch (p->kernel_width) {                                                             \
      case 3: run(p, input, packed, e, int16_chunk, output, 0, acc16, 3); break;           \
      case 5: run(p, input, packed, e, int16_chunk, output, 0, acc16, 5); break;           \
      case 7: run(p, input, packed, e, int16_chunk, output, 0, acc16, 7); break;           \
      default: run(p, input, packed, e, int16_chunk, output, 0, acc16, 0); break;          \
    }                                                                                      \
  }

QRT_DW_ENTRY(qrt_dwconv_s8_acc32_ukernel_c16__neon, 0)
QRT_DW_ENTRY(qrt_dwconv_s8_acc16_ukernel_c16__neon, 1)
