// Depthwise 3x3 NEON kernel, 16 channels per step (packing: dwconv.h).
//
// Loop order: per output row, per channel block (16, then one of 8, then a
// staged tail of 1-7), per output pixel. A block's 9 tap weights, 16 biases
// and 16 scales stay in registers across the whole row, so a pixel costs
// its 9 input loads, the multiplies, the widening and the epilogue only.
//
// Rows: each of the 3 kernel rows is an input row pointer with a column step
// (dilation * channels) and a pixel step (stride * channels), or, for a row
// in the top / bottom padding, a vector of the input zero point with both
// steps 0 (the folded bias cancels the zero point exactly). Interior pixels
// (all 3 columns inside the row) run a loop with no branches; the few pixels
// touching the left / right padding take the per-tap path (pointer or zero
// vector per tap). The 1-7 channel tail is staged through small buffers so
// no load passes a pixel's channels.
//
// Products, acc32 (qrt_dwconv3x3_s8_acc32_ukernel_c16__neon): taps (0,1),
// (2,3), (4,5), (6,7) as SMULL + SMLAL pairs into int16 (|w| <= 127,
// |x| <= 128: two products <= 32512), tap 8 alone, each widened by SADDW
// into int32 (the first pair onto the bias registers): 20 SADDW per 16
// channels. acc16 (qrt_dwconv3x3_s8_acc16_ukernel_c16__neon): SMULL of tap 0
// then SMLAL of taps 1-8 into the same int16 lanes (low and high halves), one
// SADDW per 4 channels onto the bias: exact when the layer's int16_chunk is
// >= 9 (every sum of a channel's 9 products fits int16; dispatch checks it),
// so only the final lane value matters even though SMLAL wraps.
// Epilogue: the GEMM tile epilogue's (epilogue_neon.h, with its proof):
// int8 output SCVTF, FMUL scale[c], FCVTNS, SQXTN(2), SQADD zy, SQXTN(2),
// SMAX lo, SMIN hi; f32 output SCVTF, FMUL, qrt_clamp_f32's compare+select.
#include <string.h>

#include "dwconv_neon.h"
#include "epilogue_neon.h"
#include "qrt/kernels/neon.h"

enum { C = 16, TAPS = 9 };
static const size_t kBlock = C * (sizeof(int32_t) + sizeof(float)) + TAPS * C;

// Constants of a 16-channel block.
typedef struct {
  int8x16_t w0, w1, w2, w3, w4, w5, w6, w7, w8;
  int32x4_t b0, b1, b2, b3;
  float32x4_t s0, s1, s2, s3;
} blk16;

QRT_DW_INLINE blk16 load16(const uint8_t* blk) {
  const int32_t* b = (const int32_t*)blk;
  const float* s = (const float*)(b + C);
  const int8_t* w = (const int8_t*)(s + C);
  blk16 k;
  k.w0 = vld1q_s8(w); k.w1 = vld1q_s8(w + 16); k.w2 = vld1q_s8(w + 32);
  k.w3 = vld1q_s8(w + 48); k.w4 = vld1q_s8(w + 64); k.w5 = vld1q_s8(w + 80);
  k.w6 = vld1q_s8(w + 96); k.w7 = vld1q_s8(w + 112); k.w8 = vld1q_s8(w + 128);
  k.b0 = vld1q_s32(b); k.b1 = vld1q_s32(b + 4); k.b2 = vld1q_s32(b + 8); k.b3 = vld1q_s32(b + 12);
  k.s0 = vld1q_f32(s); k.s1 = vld1q_f32(s + 4); k.s2 = vld1q_f32(s + 8); k.s3 = vld1q_f32(s + 12);
  return k;
}

// Epilogue constants.
typedef struct {
  int16x8_t zp;
  int8x16_t lo, hi;
  float32x4_t flo, fhi;
} epi;

QRT_DW_INLINE epi load_epi(const qrt_gemm_s8_epilogue* e, int f32) {
  epi r;
  if (f32) {
    r.flo = vld1q_dup_f32(&e->min);
    r.fhi = vld1q_dup_f32(&e->max);
    r.zp = vdupq_n_s16(0);
    r.lo = r.hi = vdupq_n_s8(0);
  } else {
    r.zp = vdupq_n_s16((int16_t)e->zero_point);
    r.lo = vld1q_dup_s8(&e->lo);
    r.hi = vld1q_dup_s8(&e->hi);
    r.flo = r.fhi = vdupq_n_f32(0.0f);
  }
  return r;
}

// acc32: SMULL + SMLAL tap pairs into int16, 5 groups of 4 SADDW.
QRT_DW_INLINE sums16 sum16_acc32(const blk16* k, int8x16_t x0, int8x16_t x1,
                                 int8x16_t x2, int8x16_t x3, int8x16_t x4,
                                 int8x16_t x5, int8x16_t x6, int8x16_t x7,
                                 int8x16_t x8) {
  sums16 r;
  int16x8_t lo = smull_lo(x0, k->w0);
  int16x8_t hi = vmull_high_s8(x0, k->w0);
  lo = smlal_lo(lo, x1, k->w1);
  hi = vmlal_high_s8(hi, x1, k->w1);
  r.a0 = vaddw_s16(k->b0, vget_low_s16(lo));
  r.a1 = vaddw_high_s16(k->b1, lo);
  r.a2 = vaddw_s16(k->b2, vget_low_s16(hi));
  r.a3 = vaddw_high_s16(k->b3, hi);
#define QRT_DW_PAIR(xa, wa, xb, wb)                          \
  lo = smull_lo(xa, wa);                                     \
  hi = vmull_high_s8(xa, wa);                                \
  lo = smlal_lo(lo, xb, wb);                                 \
  hi = vmlal_high_s8(hi, xb, wb);                            \
  r.a0 = vaddw_s16(r.a0, vget_low_s16(lo));                  \
  r.a1 = vaddw_high_s16(r.a1, lo);                           \
  r.a2 = vaddw_s16(r.a2, vget_low_s16(hi));                  \
  r.a3 = vaddw_high_s16(r.a3, hi)
  QRT_DW_PAIR(x2, k->w2, x3, k->w3);
  QRT_DW_PAIR(x4, k->w4, x5, k->w5);
  QRT_DW_PAIR(x6, k->w6, x7, k->w7);
#undef QRT_DW_PAIR
  lo = smull_lo(x8, k->w8);
  hi = vmull_high_s8(x8, k->w8);
  r.a0 = vaddw_s16(r.a0, vget_low_s16(lo));
  r.a1 = vaddw_high_s16(r.a1, lo);
  r.a2 = vaddw_s16(r.a2, vget_low_s16(hi));
  r.a3 = vaddw_high_s16(r.a3, hi);
  return r;
}

// acc16 (int16_chunk >= 9): two int16 chains per half, taps 0, 2, 4, 6, 8
// and taps 1, 3, 5, 7 (SMULL, then SMLAL), added, then 4 SADDW onto the
// bias. Any subset of a channel's 9 products fits int16 (the chunk bound
// holds for every selection), so the partial sums and their sum are exact.
// Two chains instead of one of 9: llvm-mca, 16-channel interior pixel,
// cortex-a53 / a55 / a76: 144 / 98 / 35 cycles (one chain 154 / 104 / 33;
// acc32 152 / 107 / 39), 62 instructions (one chain 60; acc32 76).
QRT_DW_INLINE sums16 sum16_acc16(const blk16* k, int8x16_t x0, int8x16_t x1,
                                 int8x16_t x2, int8x16_t x3, int8x16_t x4,
                                 int8x16_t x5, int8x16_t x6, int8x16_t x7,
                                 int8x16_t x8) {
  int16x8_t lo = smull_lo(x0, k->w0);
  int16x8_t hi = vmull_high_s8(x0, k->w0);
  int16x8_t lo2 = smull_lo(x1, k->w1);
  int16x8_t hi2 = vmull_high_s8(x1, k->w1);
#define QRT_DW_TAP(l, h, xa, wa) \
  l = smlal_lo(l, xa, wa);        \
  h = vmlal_high_s8(h, xa, wa)
  QRT_DW_TAP(lo, hi, x2, k->w2);
  QRT_DW_TAP(lo2, hi2, x3, k->w3);
  QRT_DW_TAP(lo, hi, x4, k->w4);
  QRT_DW_TAP(lo2, hi2, x5, k->w5);
  QRT_DW_TAP(lo, hi, x6, k->w6);
  QRT_DW_TAP(lo2, hi2, x7, k->w7);
  QRT_DW_TAP(lo, hi, x8, k->w8);
#undef QRT_DW_TAP
  lo = vaddq_s16(lo, lo2);
  hi = vaddq_s16(hi, hi2);
  sums16 r;
  r.a0 = vaddw_s16(k->b0, vget_low_s16(lo));
  r.a1 = vaddw_high_s16(k->b1, lo);
  r.a2 = vaddw_s16(k->b2, vget_low_s16(hi));
  r.a3 = vaddw_high_s16(k->b3, hi);
  return r;
}

// One pixel of 16 channels: x0..x8 are the taps' inputs; stores nc <= 16
// channels at o.
QRT_DW_INLINE void pixel16(const blk16* k, const epi* ep, int f32, int acc16,
                           int8x16_t x0, int8x16_t x1, int8x16_t x2, int8x16_t x3,
                           int8x16_t x4, int8x16_t x5, int8x16_t x6, int8x16_t x7,
                           int8x16_t x8, char* o, size_t nc) {
  const sums16 a = acc16 ? sum16_acc16(k, x0, x1, x2, x3, x4, x5, x6, x7, x8)
                         : sum16_acc32(k, x0, x1, x2, x3, x4, x5, x6, x7, x8);
  if (!f32) {
    const int16x8_t h0 = qrt_neon_requant8(a.a0, a.a1, k->s0, k->s1, ep->zp);
    const int16x8_t h1 = qrt_neon_requant8(a.a2, a.a3, k->s2, k->s3, ep->zp);
    qrt_neon_st16_s8(qrt_neon_narrow_clamp(h0, h1, ep->lo, ep->hi), o, nc);
  } else {
    qrt_neon_row8_f32(a.a0, a.a1, k->s0, k->s1, ep->flo, ep->fhi, o, nc < 8 ? nc : 8);
    if (nc > 8)
      qrt_neon_row8_f32(a.a2, a.a3, k->s2, k->s3, ep->flo, ep->fhi, o + 8 * sizeof(float), nc - 8);
  }
}

// Interior pixels of one row: kernel row i reads ri, ri + csi, ri + 2 csi
// and moves psi bytes per pixel.
QRT_DW_INLINE void interior16(const blk16* k, const epi* ep, int f32, int acc16,
                              const int8_t* r0, const int8_t* r1, const int8_t* r2,
                              size_t cs0, size_t cs1, size_t cs2, size_t ps0, size_t ps1,
                              size_t ps2, char* o, size_t os, size_t count) {
  for (; count != 0; count--, o += os) {
    pixel16(k, ep, f32, acc16, vld1q_s8(r0), vld1q_s8(r0 + cs0), vld1q_s8(r0 + 2 * cs0),
            vld1q_s8(r1), vld1q_s8(r1 + cs1), vld1q_s8(r1 + 2 * cs1),
            vld1q_s8(r2), vld1q_s8(r2 + cs2), vld1q_s8(r2 + 2 * cs2), o, C);
    r0 += ps0; r1 += ps1; r2 += ps2;
  }
}

// Constants of an 8-channel half block (lanes off..off+7 of a 16 block).
typedef struct {
  int8x8_t w0, w1, w2, w3, w4, w5, w6, w7, w8;
  int32x4_t b0, b1;
  float32x4_t s0, s1;
} blk8;

QRT_DW_INLINE blk8 load8(const uint8_t* blk, size_t off) {
  const int32_t* b = (const int32_t*)blk;
  const float* s = (const float*)(b + C);
  const int8_t* w = (const int8_t*)(s + C) + off;
  blk8 k;
  k.w0 = vld1_s8(w); k.w1 = vld1_s8(w + 16); k.w2 = vld1_s8(w + 32);
  k.w3 = vld1_s8(w + 48); k.w4 = vld1_s8(w + 64); k.w5 = vld1_s8(w + 80);
  k.w6 = vld1_s8(w + 96); k.w7 = vld1_s8(w + 112); k.w8 = vld1_s8(w + 128);
  k.b0 = vld1q_s32(b + off); k.b1 = vld1q_s32(b + off + 4);
  k.s0 = vld1q_f32(s + off); k.s1 = vld1q_f32(s + off + 4);
  return k;
}

QRT_DW_INLINE void pixel8(const blk8* k, const epi* ep, int f32, int acc16, int8x8_t x0,
                          int8x8_t x1, int8x8_t x2, int8x8_t x3, int8x8_t x4,
                          int8x8_t x5, int8x8_t x6, int8x8_t x7, int8x8_t x8,
                          char* o, size_t nc) {
  int32x4_t a0, a1;
  if (acc16) {  // all 9 taps in int16 (two chains, as sum16_acc16), 2 SADDW
    int16x8_t p = vmull_s8(x0, k->w0);
    int16x8_t q = vmull_s8(x1, k->w1);
    p = vmlal_s8(p, x2, k->w2);
    q = vmlal_s8(q, x3, k->w3);
    p = vmlal_s8(p, x4, k->w4);
    q = vmlal_s8(q, x5, k->w5);
    p = vmlal_s8(p, x6, k->w6);
    q = vmlal_s8(q, x7, k->w7);
    p = vmlal_s8(p, x8, k->w8);
    p = vaddq_s16(p, q);
    a0 = vaddw_s16(k->b0, vget_low_s16(p));
    a1 = vaddw_high_s16(k->b1, p);
  } else {  // tap pairs, 10 SADDW
    int16x8_t p = vmlal_s8(vmull_s8(x0, k->w0), x1, k->w1);
    a0 = vaddw_s16(k->b0, vget_low_s16(p));
    a1 = vaddw_high_s16(k->b1, p);
    p = vmlal_s8(vmull_s8(x2, k->w2), x3, k->w3);
    a0 = vaddw_s16(a0, vget_low_s16(p));
    a1 = vaddw_high_s16(a1, p);
    p = vmlal_s8(vmull_s8(x4, k->w4), x5, k->w5);
    a0 = vaddw_s16(a0, vget_low_s16(p));
    a1 = vaddw_high_s16(a1, p);
    p = vmlal_s8(vmull_s8(x6, k->w6), x7, k->w7);
    a0 = vaddw_s16(a0, vget_low_s16(p));
    a1 = vaddw_high_s16(a1, p);
    p = vmull_s8(x8, k->w8);
    a0 = vaddw_s16(a0, vget_low_s16(p));
    a1 = vaddw_high_s16(a1, p);
  }
  if (!f32) {
    const int16x8_t h = qrt_neon_requant8(a0, a1, k->s0, k->s1, ep->zp);
    const int8x8_t y =
        vmin_s8(vmax_s8(vqmovn_s16(h), vget_low_s8(ep->lo)), vget_low_s8(ep->hi));
    qrt_neon_st16_s8(vcombine_s8(y, y), o, nc);
  } else {
    qrt_neon_row8_f32(a0, a1, k->s0, k->s1, ep->flo, ep->fhi, o, nc);
  }
}

// One output row's kernel rows: input pointer of the interior's first
// pixel (channel 0) or the zero vector, column and pixel steps (bytes).
typedef struct {
  const int8_t* r[3];
  size_t cs[3], ps[3];
  const int8_t* base[3];  // input row start, NULL in the padding
} rows3;

// The 9 tap pointers of pixel ox at channel c0 (zero vector where padded).
QRT_DW_INLINE void taps_of(const qrt_conv2d_params* p, const rows3* R, size_t ox,
                           size_t c0, const int8_t* zero, const int8_t* t[TAPS]) {
  const size_t ch = p->input_channels;
  for (size_t kx = 0; kx < 3; kx++) {
    const long ix = (long)(ox * p->stride_width + kx * p->dilation_width) - (long)p->pad_left;
    const int in = ix >= 0 && ix < (long)p->input_width;
    for (size_t ky = 0; ky < 3; ky++)
      t[ky * 3 + kx] = in && R->base[ky] != NULL ? R->base[ky] + (size_t)ix * ch + c0 : zero;
  }
}

QRT_DW_INLINE void run(const qrt_conv2d_params* p, const int8_t* input,
                       const void* packed, const qrt_gemm_s8_epilogue* e,
                       void* output, int f32, int acc16) {
  const size_t ch = p->input_channels, ow = p->output_width;
  const size_t esize = f32 ? sizeof(float) : 1;
  int8_t zero[C];
  memset(zero, (int8_t)p->input_zero_point, sizeof zero);
  const epi ep = load_epi(e, f32);
  // Interior pixels [x0, x1): all 3 columns inside the row.
  const size_t sw = p->stride_width, dw = p->dilation_width, pl = p->pad_left;
  size_t x0 = (pl + sw - 1) / sw, x1 = 0;
  if (p->input_width + pl >= 1 + 2 * dw) x1 = (p->input_width + pl - 1 - 2 * dw) / sw + 1;
  if (x0 > ow) x0 = ow;
  if (x1 > ow) x1 = ow;
  if (x1 < x0) x1 = x0;
  char* out = (char*)output;
  for (size_t n = 0; n < p->batch; n++) {
    for (size_t oy = 0; oy < p->output_height; oy++, out += ow * ch * esize) {
      rows3 R;
      for (size_t ky = 0; ky < 3; ky++) {
        const long iy = (long)(oy * p->stride_height + ky * p->dilation_height) - (long)p->pad_top;
        if (iy >= 0 && iy < (long)p->input_height) {
          R.base[ky] = input + (n * p->input_height + (size_t)iy) * p->input_width * ch;
          R.r[ky] = R.base[ky] + (x0 * sw - pl) * ch;
          R.cs[ky] = dw * ch;
          R.ps[ky] = sw * ch;
        } else {
          R.base[ky] = NULL;
          R.r[ky] = zero;
          R.cs[ky] = R.ps[ky] = 0;
        }
      }
      const uint8_t* blk = (const uint8_t*)packed;
      size_t c0 = 0;
      for (; c0 + C <= ch; c0 += C, blk += kBlock) {
        const blk16 k = load16(blk);
        const int8_t* t[TAPS];
        for (size_t ox = 0; ox < x0; ox++) {
          taps_of(p, &R, ox, c0, zero, t);
          pixel16(&k, &ep, f32, acc16, vld1q_s8(t[0]), vld1q_s8(t[1]), vld1q_s8(t[2]),
                  vld1q_s8(t[3]), vld1q_s8(t[4]), vld1q_s8(t[5]), vld1q_s8(t[6]),
                  vld1q_s8(t[7]), vld1q_s8(t[8]), out + (ox * ch + c0) * esize, C);
        }
        const int8_t* r0 = R.r[0] + (R.ps[0] ? c0 : 0);
        const int8_t* r1 = R.r[1] + (R.ps[1] ? c0 : 0);
        const int8_t* r2 = R.r[2] + (R.ps[2] ? c0 : 0);
        char* o = out + (x0 * ch + c0) * esize;
        if (R.ps[0] != 0 && R.ps[1] != 0 && R.ps[2] != 0) {  // no row padded: shared steps
          interior16(&k, &ep, f32, acc16, r0, r1, r2, R.cs[0], R.cs[0], R.cs[0], R.ps[0], R.ps[0],
                     R.ps[0], o, ch * esize, x1 - x0);
        } else {
          interior16(&k, &ep, f32, acc16, r0, r1, r2, R.cs[0], R.cs[1], R.cs[2], R.ps[0], R.ps[1],
                     R.ps[2], o, ch * esize, x1 - x0);
        }
        for (size_t ox = x1; ox < ow; ox++) {
          taps_of(p, &R, ox, c0, zero, t);
          pixel16(&k, &ep, f32, acc16, vld1q_s8(t[0]), vld1q_s8(t[1]), vld1q_s8(t[2]),
                  vld1q_s8(t[3]), vld1q_s8(t[4]), vld1q_s8(t[5]), vld1q_s8(t[6]),
                  vld1q_s8(t[7]), vld1q_s8(t[8]), out + (ox * ch + c0) * esize, C);
        }
      }
      if (c0 + 8 <= ch) {  // one half block of 8 channels
        const blk8 k = load8(blk, 0);
        const int8_t* t[TAPS];
        for (size_t ox = 0; ox < x0; ox++) {
          taps_of(p, &R, ox, c0, zero, t);
          pixel8(&k, &ep, f32, acc16, vld1_s8(t[0]), vld1_s8(t[1]), vld1_s8(t[2]), vld1_s8(t[3]),
                 vld1_s8(t[4]), vld1_s8(t[5]), vld1_s8(t[6]), vld1_s8(t[7]), vld1_s8(t[8]),
                 out + (ox * ch + c0) * esize, 8);
        }
        const int8_t* r0 = R.r[0] + (R.ps[0] ? c0 : 0);
        const int8_t* r1 = R.r[1] + (R.ps[1] ? c0 : 0);
        const int8_t* r2 = R.r[2] + (R.ps[2] ? c0 : 0);
        const size_t cs0 = R.cs[0], cs1 = R.cs[1], cs2 = R.cs[2];
        const size_t ps0 = R.ps[0], ps1 = R.ps[1], ps2 = R.ps[2];
        char* o = out + (x0 * ch + c0) * esize;
        const size_t os = ch * esize;
        for (size_t ox = x0; ox < x1; ox++, o += os) {
          pixel8(&k, &ep, f32, acc16, vld1_s8(r0), vld1_s8(r0 + cs0), vld1_s8(r0 + 2 * cs0),
                 vld1_s8(r1), vld1_s8(r1 + cs1), vld1_s8(r1 + 2 * cs1),
                 vld1_s8(r2), vld1_s8(r2 + cs2), vld1_s8(r2 + 2 * cs2), o, 8);
          r0 += ps0; r1 += ps1; r2 += ps2;
        }
        for (size_t ox = x1; ox < ow; ox++) {
          taps_of(p, &R, ox, c0, zero, t);
          pixel8(&k, &ep, f32, acc16, vld1_s8(t[0]), vld1_s8(t[1]), vld1_s8(t[2]), vld1_s8(t[3]),
                 vld1_s8(t[4]), vld1_s8(t[5]), vld1_s8(t[6]), vld1_s8(t[7]), vld1_s8(t[8]),
                 out + (ox * ch + c0) * esize, 8);
        }
        c0 += 8;
      }
      if (c0 < ch) {  // 1-7 channels: staged, every pixel on the per-tap path
        const size_t nc = ch - c0;
        const blk8 k = load8(blk, c0 % C);
        const int8_t* t[TAPS];
        for (size_t ox = 0; ox < ow; ox++) {
          taps_of(p, &R, ox, c0, zero, t);
          int8_t tmp[TAPS][8];
          for (size_t i = 0; i < TAPS; i++) {
            memset(tmp[i], 0, 8);
            memcpy(tmp[i], t[i], nc);
          }
          pixel8(&k, &ep, f32, acc16, vld1_s8(tmp[0]), vld1_s8(tmp[1]), vld1_s8(tmp[2]),
                 vld1_s8(tmp[3]), vld1_s8(tmp[4]), vld1_s8(tmp[5]), vld1_s8(tmp[6]),
                 vld1_s8(tmp[7]), vld1_s8(tmp[8]), out + (ox * ch + c0) * esize, nc);
        }
      }
    }
  }
}

void qrt_dwconv3x3_s8_acc32_ukernel_c16__neon(const qrt_conv2d_params* p,
                                              const int8_t* input,
                                              const void* packed,
                                              const qrt_gemm_s8_epilogue* e,
                                              void* output) {
  if (__builtin_expect(e->output == QRT_GEMM_OUTPUT_S8, 1)) {
    run(p, input, packed, e, output, 0, 0);
  } else {
    run(p, input, packed, e, output, 1, 0);
  }
}

void qrt_dwconv3x3_s8_acc16_ukernel_c16__neon(const qrt_conv2d_params* p,
                                              const int8_t* input,
                                              const void* packed,
                                              const qrt_gemm_s8_epilogue* e,
                                              void* output) {
  if (__builtin_expect(e->output == QRT_GEMM_OUTPUT_S8, 1)) {
    run(p, input, packed, e, output, 0, 1);
  } else {
    run(p, input, packed, e, output, 1, 1);
  }
}
