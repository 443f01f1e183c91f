// CHANNEL_SHUFFLE on aarch64 for the case every ShuffleNet uses, 2 groups:
// output channels 2j and 2j + 1 are input channels j and k + j (k = C / 2),
// so 16 (then 8) channels of each half go out interleaved by one ST2.
// Other group counts, and the last k % 8 channels of a row, take the
// reference's loop. A copy: the reference's bytes by construction.
#include <arm_neon.h>

#include "qrt/kernels/neon.h"
#include "qrt/kernels/ref.h"

void qrt_channel_shuffle_s8__neon(size_t outer, size_t groups, size_t group_channels,
                                  const int8_t* input, int8_t* output) {
  if (groups != 2) {
    qrt_channel_shuffle_s8__ref(outer, groups, group_channels, input, output);
    return;
  }
  const size_t k = group_channels, c = 2 * k;
  for (size_t r = 0; r < outer; r++) {
    const int8_t* x = input + r * c;
    int8_t* y = output + r * c;
    size_t j = 0;
    for (; j + 16 <= k; j += 16) {
      int8x16x2_t v;
      v.val[0] = vld1q_s8(x + j);
      v.val[1] = vld1q_s8(x + k + j);
      vst2q_s8(y + 2 * j, v);
    }
    if (j + 8 <= k) {
      int8x8x2_t v;
      v.val[0] = vld1_s8(x + j);
      v.val[1] = vld1_s8(x + k + j);
      vst2_s8(y + 2 * j, v);
      j += 8;
    }
    for (; j < k; j++) {
      y[2 * j] = x[j];
      y[2 * j + 1] = x[k + j];
    }
  }
}
