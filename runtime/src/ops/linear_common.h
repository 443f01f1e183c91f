// What CONV_2D and FULLY_CONNECTED share: int8 input x, per-channel int8
// weights w, optional int32 bias, and an epilogue that either requantizes
// to int8 (S8/U8 output) or dequantizes to fp32 (F32 output, the end of a
// residual branch). This file checks the quantization of all four tensors
// and computes the per-channel constants once:
//   int8 out:  m[c] = (sx * sw[c]) / sy   (fp32, in that order)
//   f32 out:   s[c] = sx * sw[c]
// plus the clamp range from the fused activation.
#ifndef QRT_RUNTIME_OPS_LINEAR_COMMON_H_
#define QRT_RUNTIME_OPS_LINEAR_COMMON_H_

#include <vector>

#include "op.h"

namespace qrt {
namespace rt {

struct LinearEpilogue : OpParams {
  bool float_output = false;
  std::vector<float> channel_factors;  // m[c] or s[c], one per out channel
  qrt_requant_s8_params requant = {};
  qrt_dequant_f32_params dequant = {};
  int32_t input_zero_point = 0;        // storage zero point of x
};

// Checks dtypes and quantization of inputs 0 (x), 1 (w), 2 (bias, optional)
// and output 0 (y) for `out_channels`, and fills `e`.
bool PrepareLinearEpilogue(PrepareContext& ctx, size_t out_channels,
                           schema::Activation act, LinearEpilogue* e);

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_OPS_LINEAR_COMMON_H_
