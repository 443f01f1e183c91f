// What QUANTIZE (F32 -> S8/U8) and DEQUANTIZE (S8/U8 -> F32) share: the
// elementwise conversion's parameters, in int8 storage form (the U8 shift
// folded into the zero point and the clamp range):
//   q = clamp(round(x * (1.0f / s)) + zp)      x = (float)(q - zp) * s
#ifndef QRT_RUNTIME_OPS_CONVERT_COMMON_H_
#define QRT_RUNTIME_OPS_CONVERT_COMMON_H_

#include "op.h"
#include "qrt/kernels/fp16.h"

namespace qrt {
namespace rt {

struct ConvertParams : OpParams {
  int input = 0, output = 0;
  size_t n = 0;
  float scale = 1.0f;      // Dequantize: s; Quantize: 1.0f / s
  int32_t zero_point = 0;  // storage zero point
  int8_t lo = 0, hi = 0;
  // From the op kernel table (SelectOpKernels).
  qrt_quantize_f32_s8_fn quantize = nullptr;
  qrt_dequantize_s8_f32_fn dequantize = nullptr;
  // F16 sessions with an fp16 float side (float16.cc).
  qrt_quantize_f16_s8_fn quantize_f16 = nullptr;
  qrt_dequantize_s8_f16_fn dequantize_f16 = nullptr;
};

// Quantizes `x` (as many floats as the QUANTIZE op `op`'s input has) into
// the op's output with the op's own kernel and constants: the bits its run
// gives. set_input_f32 of a model input folded into its QUANTIZE
// (Model::input_quantize) calls it.
void QuantizeInto(const OpPlan& op, const float* x, void* const* tensor_data);

// Checks one input and one output of equal shape, the float side F32 and
// the quantized side S8/U8 per-tensor; fills the params and sets `run`.
bool PrepareConvert(PrepareContext& ctx, bool quantize, RunFn run);

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_OPS_CONVERT_COMMON_H_
