// Depthwise NEON helpers shared by the 3x3 kernel (dwconv3x3_c16_neon.c)
// and the KxK kernel (dwconv_c16_neon.c). Everything is static inline, so
// each translation unit keeps its own copy.
#ifndef QRT_KERNELS_NEON_DWCONV_NEON_H_
#define QRT_KERNELS_NEON_DWCONV_NEON_H_

#include <arm_neon.h>

#define QRT_DW_INLINE static inline __attribute__((always_inline))

// SMULL / SMLAL of the low halves. As intrinsics (vget_low_s8 of the
// loop-invariant weights) GCC 12 hoists each low half into a register of
// its own and then spills them (measured in the 3x3 kernel: 7 stack loads
// and 3 MOVs per pixel); the asm names the low half of the same register
// instead.
QRT_DW_INLINE int16x8_t smull_lo(int8x16_t a, int8x16_t b) {
  int16x8_t r;
  __asm__("smull %0.8h, %1.8b, %2.8b" : "=w"(r) : "w"(a), "w"(b));
  return r;
}
QRT_DW_INLINE int16x8_t smlal_lo(int16x8_t acc, int8x16_t a, int8x16_t b) {
  __asm__("smlal %0.8h, %1.8b, %2.8b" : "+w"(acc) : "w"(a), "w"(b));
  return acc;
}

// The int32 sums of 16 channels: a0 = channels 0-3, ..., a3 = 12-15.
typedef struct {
  int32x4_t a0, a1, a2, a3;
} sums16;

#endif  // QRT_KERNELS_NEON_DWCONV_NEON_H_
