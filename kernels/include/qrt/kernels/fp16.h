// fp16 (IEEE binary16) storage for the float residual path: scalar
// conversions and the reference kernels (kernels/ref/fp16.c).
//
// Half values are passed as their uint16_t bit patterns, so the API is plain
// C on every target (no _Float16 / __fp16 needed). The rules
// (docs/integer-semantics.md, "fp16 residual adds"):
//   round16(x)   fp32 -> fp16, round to nearest even, overflow to +-inf
//                (|x| >= 65520), subnormals kept (no flush to zero), NaN ->
//                quiet NaN keeping the top 9 payload bits (AArch64 FCVT with
//                FPCR.DN = 0)
//   widen16(h)   fp16 -> fp32, exact (NaN: quieted, payload kept)
// Add:       y = clamp16(round16(widen16(a) + widen16(b))), clamp16 the
//            reference clamp (NaN -> lo, -0.0 kept) with bounds round16(lo),
//            round16(hi) on the fp16 value.
// Quantize:  q = the f32 Quantize of widen16(x).
// Dequantize:y = round16((float)(q - zp) * s).
#ifndef QRT_KERNELS_FP16_H_
#define QRT_KERNELS_FP16_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

// fp32 -> fp16 bits, round to nearest even (see above).
static inline uint16_t qrt_f32_to_f16(float f) {
  uint32_t x;
  memcpy(&x, &f, sizeof x);
  const uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
  const uint32_t a = x & 0x7fffffffu;
  if (a >= 0x7f800000u) {  // inf, NaN
    if (a == 0x7f800000u) return (uint16_t)(sign | 0x7c00u);
    return (uint16_t)(sign | 0x7e00u | ((a >> 13) & 0x3ffu));
  }
  if (a >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);  // >= 65520: inf
  if (a >= 0x38800000u) {  // >= 2^-14: a normal half (or rounds up to one)
    uint32_t h = ((a >> 23) - 112u) << 10 | ((a >> 13) & 0x3ffu);
    const uint32_t rem = a & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++;  // carry is right
    return (uint16_t)(sign | h);
  }
  if (a <= 0x33000000u) return sign;  // <= 2^-25 (the tie goes to even 0)
  // Subnormal half: units of 2^-24.
  const uint32_t e = a >> 23;                       // 102 .. 112
  const uint32_t m = (a & 0x7fffffu) | 0x800000u;   // 24-bit significand
  const uint32_t shift = 126u - e;                  // 14 .. 24
  uint32_t h = m >> shift;
  const uint32_t rem = m & ((1u << shift) - 1u), half = 1u << (shift - 1u);
  if (rem > half || (rem == half && (h & 1u))) h++;  // 0x400: smallest normal
  return (uint16_t)(sign | h);
}

// fp16 bits -> fp32, exact.
static inline float qrt_f16_to_f32(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  const uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  uint32_t x;
  if (e == 0x1fu) {
    x = sign | 0x7f800000u | (m << 13) | (m ? 0x400000u : 0u);
  } else if (e != 0) {
    x = sign | ((e + 112u) << 23) | (m << 13);
  } else {
    const float f = (float)m * 5.9604644775390625e-08f;  // m * 2^-24, exact
    memcpy(&x, &f, sizeof x);
    x |= sign;
  }
  float f;
  memcpy(&f, &x, sizeof f);
  return f;
}

// Reference kernels (kernels/ref/fp16.c).
void qrt_add_f16__ref(size_t n, const uint16_t* a, const uint16_t* b,
                      float output_min, float output_max, uint16_t* output);
void qrt_quantize_f16_s8__ref(size_t n, const uint16_t* input, float inv_scale,
                              int32_t zero_point, int8_t output_min,
                              int8_t output_max, int8_t* output);
void qrt_dequantize_s8_f16__ref(size_t n, const int8_t* input, float scale,
                                int32_t zero_point, uint16_t* output);
// round16 / widen16 of an array (the dequantizing conv epilogue's fp16
// store; an fp16 Add's fp32 graph output).
void qrt_convert_f32_f16__ref(size_t n, const float* input, uint16_t* output);
void qrt_convert_f16_f32__ref(size_t n, const uint16_t* input, float* output);

// ---------------------------------------------------------------------------
// The fp16 op kernels, one table per ISA (kernels/dispatch/dispatch_fp16.c),
// each entry {name, fn} with the reference's signature and bits.
typedef void (*qrt_add_f16_fn)(size_t n, const uint16_t* a, const uint16_t* b,
                               float output_min, float output_max,
                               uint16_t* output);
typedef void (*qrt_quantize_f16_s8_fn)(size_t n, const uint16_t* input,
                                       float inv_scale, int32_t zero_point,
                                       int8_t output_min, int8_t output_max,
                                       int8_t* output);
typedef void (*qrt_dequantize_s8_f16_fn)(size_t n, const int8_t* input,
                                         float scale, int32_t zero_point,
                                         uint16_t* output);
typedef void (*qrt_convert_f32_f16_fn)(size_t n, const float* input,
                                       uint16_t* output);
typedef void (*qrt_convert_f16_f32_fn)(size_t n, const uint16_t* input,
                                       float* output);

typedef struct qrt_f16_op_kernels {
  const char* name;  // "ref", "neon", "neonfp16"
  int needs_fp16_arith;  // 1: only where qrt_cpu_has_fp16_arith()
  int isa;               // qrt_isa (qrt/kernels/dispatch.h)
  struct { const char* name; qrt_add_f16_fn fn; } add_f16;
  struct { const char* name; qrt_quantize_f16_s8_fn fn; } quantize_f16_s8;
  struct { const char* name; qrt_dequantize_s8_f16_fn fn; } dequantize_s8_f16;
  struct { const char* name; qrt_convert_f32_f16_fn fn; } convert_f32_f16;
  struct { const char* name; qrt_convert_f16_f32_fn fn; } convert_f16_f32;
} qrt_f16_op_kernels;

// All fp16 tables compiled for this target, best first: neonfp16 (FADD in
// half precision; needs FEAT_FP16), neon (FCVTL/FCVTN, fp32 FADD), ref.
size_t qrt_f16_op_kernel_tables(const qrt_f16_op_kernels** tables);
// 1 when this CPU runs table t.
int qrt_f16_op_kernels_supported(const qrt_f16_op_kernels* t);
// The best table the CPU runs; QRT_KERNEL_PATH=ref gives the ref table,
// neon / neondot / i8mm the best NEON one. 0 on success, else non-zero with
// a message naming the variable (error_size bytes, may be 0).
int qrt_select_f16_op_kernels(const qrt_f16_op_kernels** kernels, char* error,
                              size_t error_size);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // QRT_KERNELS_FP16_H_
