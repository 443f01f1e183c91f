// LOOKUP_TABLE on aarch64: 16 lookups per step from the 256-byte table held
// in 16 q registers. TBL4 looks up indices 0..63 of its 4-register table
// (0 for larger indices); TBX4 looks up 0..63 and leaves the lane alone for
// larger ones. With u = x + 128 (x XOR 0x80 on the byte), the four quarters
// of the table answer u, u - 64, u - 128 and u - 192 (mod 256): exactly one
// of them is in 0..63 for each lane, so the chain TBL4, TBX4, TBX4, TBX4
// gives table[u], the reference's result bit for bit. The tail (< 16
// elements) is the reference loop.
#include <arm_neon.h>

#include "qrt/kernels/neon.h"
#include "qrt/kernels/ref.h"

void qrt_lookup_table_s8__neon(size_t n, const int8_t* input,
                               const int8_t* table, int8_t* output) {
  const uint8_t* t = (const uint8_t*)table;
  const uint8x16x4_t t0 = vld1q_u8_x4(t);
  const uint8x16x4_t t1 = vld1q_u8_x4(t + 64);
  const uint8x16x4_t t2 = vld1q_u8_x4(t + 128);
  const uint8x16x4_t t3 = vld1q_u8_x4(t + 192);
  const uint8x16_t flip = vdupq_n_u8(0x80);
  const uint8x16_t step = vdupq_n_u8(64);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const uint8x16_t u = veorq_u8(vld1q_u8((const uint8_t*)input + i), flip);
    const uint8x16_t u1 = vsubq_u8(u, step);
    const uint8x16_t u2 = vsubq_u8(u1, step);
    const uint8x16_t u3 = vsubq_u8(u2, step);
    uint8x16_t y = vqtbl4q_u8(t0, u);
    y = vqtbx4q_u8(y, t1, u1);
    y = vqtbx4q_u8(y, t2, u2);
    y = vqtbx4q_u8(y, t3, u3);
    vst1q_u8((uint8_t*)output + i, y);
  }
  for (; i < n; i++) output[i] = table[(int32_t)input[i] + 128];
}
