// ADD: y = a + b, fp32, same shapes, then the fused activation.
// (Quantized residual adds are done in float: the converter ends each
// branch with a dequantizing conv epilogue.) Kernel: qrt_add_f32__ref.
#include "op.h"

namespace qrt {
namespace rt {
namespace {

struct AddParams : OpParams {
  int a = 0, b = 0, output = 0;
  size_t n = 0;
  float lo = 0, hi = 0;
};

void RunAddF32(const OpPlan& op, const RunContext& ctx) {
  const AddParams& p = op.Params<AddParams>();
  qrt_add_f32__ref(p.n, static_cast<const float*>(ctx.tensor_data[p.a]),
                   static_cast<const float*>(ctx.tensor_data[p.b]), p.lo, p.hi,
                   static_cast<float*>(ctx.tensor_data[p.output]));
}

}  // namespace

bool PrepareAdd(PrepareContext& ctx) {
  if (!ctx.ExpectCounts(2, 2, 1)) return false;
  const schema::AddOptions* o = ctx.fb().options_as_AddOptions();
  const schema::Activation act = o ? o->activation() : schema::Activation::NONE;
  if (!ExpectActivationEnum(ctx, act)) return false;
  const TensorDesc& a = ctx.In(0);
  const TensorDesc& b = ctx.In(1);
  const TensorDesc& y = ctx.Out(0);
  if (a.dtype != schema::DType::F32 || b.dtype != schema::DType::F32 ||
      y.dtype != schema::DType::F32) {
    return ctx.FailDtypes();
  }
  if (!ctx.ExpectSameShape(a, ctx.op().inputs[0], b, ctx.op().inputs[1]) ||
      !ctx.ExpectSameShape(a, ctx.op().inputs[0], y, ctx.op().outputs[0])) {
    return false;
  }
  auto p = std::unique_ptr<AddParams>(new AddParams());
  p->a = ctx.op().inputs[0];
  p->b = ctx.op().inputs[1];
  p->output = ctx.op().outputs[0];
  p->n = y.num_elements;
  ActivationRangeF32(act, &p->lo, &p->hi);
  ctx.op().run = RunAddF32;
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
