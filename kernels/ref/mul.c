// Reference int8 Mul: the product of two int8 activations, requantized once.
//
//   acc = (a - za) * (b - zb)                          exact int32 (|acc| <= 65025)
//   y   = round(clamp((float)acc * m, lo - zy, hi - zy)) + zy,   m = (sa * sb) / sy
//
// the same requantization step as Conv (qrt_requantize_fp32), so one
// product of two codes is treated like a one-term dot product
// (docs/integer-semantics.md, "Mul (int8)"). b is either a's shape or a
// [batch, channels] vector broadcast over the spatial positions (the
// squeeze-and-excitation multiply).
#include "qrt/kernels/ref.h"
#include "qrt/kernels/requantize.h"

void qrt_mul_s8__ref(size_t batch, size_t spatial, size_t channels,
                     const int8_t* a, const int8_t* b, int b_broadcast,
                     const qrt_mul_s8_params* p, int8_t* output) {
  for (size_t n = 0; n < batch; n++) {
    for (size_t s = 0; s < spatial; s++) {
      const size_t row = (n * spatial + s) * channels;
      const int8_t* br = b + (b_broadcast ? n * channels : row);
      for (size_t c = 0; c < channels; c++) {
        const int32_t acc = ((int32_t)a[row + c] - p->a_zero_point) *
                            ((int32_t)br[c] - p->b_zero_point);
        output[row + c] = qrt_requantize_fp32(acc, p->multiplier, p->output_zero_point,
                                              p->output_min, p->output_max);
      }
    }
  }
}
