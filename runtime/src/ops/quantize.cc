// QUANTIZE (F32 -> S8/U8) and DEQUANTIZE (S8/U8 -> F32), elementwise:
//   q = clamp(round(x * (1.0f / s)) + zp)      x = (float)(q - zp) * s
// with the U8 -> int8 storage shift folded into zp and the clamp range.
// Kernels: qrt_quantize_f32_s8__ref / qrt_dequantize_s8_f32__ref.
#include "op.h"

namespace qrt {
namespace rt {
namespace {

struct ConvertParams : OpParams {
  int input = 0, output = 0;
  size_t n = 0;
  float scale = 1.0f;      // Dequantize: s; Quantize: 1.0f / s
  int32_t zero_point = 0;  // storage zero point
  int8_t lo = 0, hi = 0;
};

void RunQuantize(const OpPlan& op, const RunContext& ctx) {
  const ConvertParams& p = op.Params<ConvertParams>();
  qrt_quantize_f32_s8__ref(p.n, static_cast<const float*>(ctx.tensor_data[p.input]),
                           p.scale, p.zero_point, p.lo, p.hi,
                           static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

void RunDequantize(const OpPlan& op, const RunContext& ctx) {
  const ConvertParams& p = op.Params<ConvertParams>();
  qrt_dequantize_s8_f32__ref(p.n, static_cast<const int8_t*>(ctx.tensor_data[p.input]),
                             p.scale, p.zero_point,
                             static_cast<float*>(ctx.tensor_data[p.output]));
}

bool PrepareConvert(PrepareContext& ctx, bool quantize) {
  if (!ctx.ExpectCounts(1, 1, 1)) return false;
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& y = ctx.Out(0);
  const TensorDesc& q = quantize ? y : x;
  const TensorDesc& f = quantize ? x : y;
  if (f.dtype != schema::DType::F32 || !q.quantized()) return ctx.FailDtypes();
  if (!ctx.ExpectSameShape(x, ctx.op().inputs[0], y, ctx.op().outputs[0])) {
    return false;
  }
  if (q.num_scales != 1) {
    return ctx.Fail(QRT_ERROR_UNSUPPORTED,
                    "%s has %zu scales; activations are per-tensor",
                    TensorText(quantize ? ctx.op().outputs[0] : ctx.op().inputs[0], q).text,
                    q.num_scales);
  }
  auto p = std::unique_ptr<ConvertParams>(new ConvertParams());
  p->input = ctx.op().inputs[0];
  p->output = ctx.op().outputs[0];
  p->n = x.num_elements;
  p->scale = quantize ? 1.0f / q.scale() : q.scale();
  p->zero_point = q.storage_zero_point;
  p->lo = (int8_t)q.storage_min;
  p->hi = (int8_t)q.storage_max;
  ctx.op().run = quantize ? RunQuantize : RunDequantize;
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace

bool PrepareQuantize(PrepareContext& ctx) { return PrepareConvert(ctx, true); }
bool PrepareDequantize(PrepareContext& ctx) { return PrepareConvert(ctx, false); }

}  // namespace rt
}  // namespace qrt
