// QUANTIZE: F32 -> S8/U8, q = clamp(round(x * (1.0f / s)) + zp).
// 1.0f / s is computed once here. Kernel: the op table's quantize_f32_s8
// (qrt_quantize_f32_s8__ref or its NEON twin, same bits).
// (PrepareConvert, shared with DEQUANTIZE, lives here too.) QuantizeInto
// runs the same kernel from set_input_f32 when a session folds a model
// input's QUANTIZE into it (Model::input_quantize).
#include "convert_common.h"

namespace qrt {
namespace rt {
namespace {

void RunQuantize(const OpPlan& op, const RunContext& ctx) {
  const ConvertParams& p = op.Params<ConvertParams>();
  p.quantize(p.n, static_cast<const float*>(ctx.tensor_data[p.input]),
             p.scale, p.zero_point, p.lo, p.hi,
             static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

}  // namespace

void QuantizeInto(const OpPlan& op, const float* x, void* const* tensor_data) {
  const ConvertParams& p = op.Params<ConvertParams>();
  p.quantize(p.n, x, p.scale, p.zero_point, p.lo, p.hi,
             static_cast<int8_t*>(tensor_data[p.output]));
}

bool PrepareConvert(PrepareContext& ctx, bool quantize, RunFn run) {
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
  const qrt_op_kernels* k = nullptr;
  if (!SelectOpKernels(ctx, &k)) return false;
  p->quantize = k->quantize_f32_s8.fn;
  p->dequantize = k->dequantize_s8_f32.fn;
  ctx.run().kernel_name = quantize ? k->quantize_f32_s8.name : k->dequantize_s8_f32.name;
  ctx.run().fn = run;
  ctx.op().params = std::move(p);
  return true;
}

bool PrepareQuantize(PrepareContext& ctx) {
  return PrepareConvert(ctx, true, RunQuantize);
}

}  // namespace rt
}  // namespace qrt
