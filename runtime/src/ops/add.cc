// ADD: y = a + b, same shapes, then the fused activation.
//   F32 a, b, y: fp32 sum, the op table's add_f32 (qrt_add_f32__neon on
//     aarch64; the same bits as qrt_add_f32__ref). The method's residual
//     adds are float: the converter ends each branch with a dequantizing
//     conv epilogue.
//   S8/U8 a, b, y (any mix, per-tensor): both inputs requantized to y's
//     scale, ma = sa / sy, mb = sb / sy (fp32, once here), kernel
//     qrt_add_s8__ref (docs/integer-semantics.md, "Add (int8)"). Only the
//     converter's --quantize-adds ablation writes these.
#include "add.h"

namespace qrt {
namespace rt {
namespace {

struct AddS8Params : OpParams {
  int a = 0, b = 0, output = 0;
  size_t n = 0;
  qrt_add_s8_params quant = {};
};

void RunAddS8(const OpPlan& op, const RunContext& ctx) {
  const AddS8Params& p = op.Params<AddS8Params>();
  qrt_add_s8__ref(p.n, static_cast<const int8_t*>(ctx.tensor_data[p.a]),
                  static_cast<const int8_t*>(ctx.tensor_data[p.b]), &p.quant,
                  static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

bool PrepareAddS8(PrepareContext& ctx, schema::Activation act) {
  const TensorDesc& a = ctx.In(0);
  const TensorDesc& b = ctx.In(1);
  const TensorDesc& y = ctx.Out(0);
  if (a.num_scales != 1 || b.num_scales != 1 || y.num_scales != 1) {
    return ctx.Fail(QRT_ERROR_UNSUPPORTED,
                    "int8 add needs per-tensor scales (inputs %s, %s, output %s)",
                    ctx.InText(0).text, ctx.InText(1).text, ctx.OutText(0).text);
  }
  auto p = std::unique_ptr<AddS8Params>(new AddS8Params());
  p->a = ctx.op().inputs[0];
  p->b = ctx.op().inputs[1];
  p->output = ctx.op().outputs[0];
  p->n = y.num_elements;
  p->quant.a_multiplier = a.scale() / y.scale();
  p->quant.b_multiplier = b.scale() / y.scale();
  p->quant.a_zero_point = a.storage_zero_point;
  p->quant.b_zero_point = b.storage_zero_point;
  p->quant.output_zero_point = y.storage_zero_point;
  ActivationRangeS8(y, act, &p->quant.output_min, &p->quant.output_max);
  ctx.run().fn = RunAddS8;
  ctx.op().params = std::move(p);
  return true;
}

void RunAddF32(const OpPlan& op, const RunContext& ctx) {
  const AddParams& p = op.Params<AddParams>();
  p.add_f32(p.n, static_cast<const float*>(ctx.tensor_data[p.a]),
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
  const bool all_f32 = a.dtype == schema::DType::F32 &&
                       b.dtype == schema::DType::F32 && y.dtype == schema::DType::F32;
  const bool all_int8 = a.quantized() && b.quantized() && y.quantized() &&
                        a.dtype != schema::DType::S32 && b.dtype != schema::DType::S32 &&
                        y.dtype != schema::DType::S32;
  if (!all_f32 && !all_int8) return ctx.FailDtypes();
  if (!ctx.ExpectSameShape(a, ctx.op().inputs[0], b, ctx.op().inputs[1]) ||
      !ctx.ExpectSameShape(a, ctx.op().inputs[0], y, ctx.op().outputs[0])) {
    return false;
  }
  if (all_int8) return PrepareAddS8(ctx, act);
  auto p = std::unique_ptr<AddParams>(new AddParams());
  p->a = ctx.op().inputs[0];
  p->b = ctx.op().inputs[1];
  p->output = ctx.op().outputs[0];
  p->n = y.num_elements;
  ActivationRangeF32(act, &p->lo, &p->hi);
  const qrt_op_kernels* k = nullptr;
  if (!SelectOpKernels(ctx, &k)) return false;
  p->add_f32 = k->add_f32.fn;
  ctx.run().kernel_name = k->add_f32.name;
  ctx.run().fn = RunAddF32;
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
