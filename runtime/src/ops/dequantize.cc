// DEQUANTIZE: S8/U8 -> F32, x = (float)(q - zp) * s.
// Kernel: the op table's dequantize_s8_f32 (qrt_dequantize_s8_f32__ref or
// its NEON twin, same bits).
#include "convert_common.h"

namespace qrt {
namespace rt {
namespace {

void RunDequantize(const OpPlan& op, const RunContext& ctx) {
  const ConvertParams& p = op.Params<ConvertParams>();
  p.dequantize(p.n, static_cast<const int8_t*>(ctx.tensor_data[p.input]),
               p.scale, p.zero_point,
               static_cast<float*>(ctx.tensor_data[p.output]));
}

}  // namespace

bool PrepareDequantize(PrepareContext& ctx) {
  return PrepareConvert(ctx, false, RunDequantize);
}

}  // namespace rt
}  // namespace qrt
