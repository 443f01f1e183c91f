// MUL: y = a * b of two int8 activations (per-tensor), then the fused
// activation. b has a's shape, or is [N,1,1,C] against a's [N,H,W,C] (the
// squeeze-and-excitation multiply). m = (sa * sb) / sy in fp32, once here;
// docs/integer-semantics.md, "Mul (int8)". Kernel: qrt_mul_s8__neon on
// aarch64 (QRT_KERNEL_PATH=ref: __ref), else qrt_mul_s8__ref.
#include <math.h>

#include "op.h"
#include "qrt/kernels/neon.h"

namespace qrt {
namespace rt {
namespace {

using MulFn = void (*)(size_t, size_t, size_t, const int8_t*, const int8_t*, int,
                       const qrt_mul_s8_params*, int8_t*);

struct MulParams : OpParams {
  int a = 0, b = 0, output = 0;
  size_t batch = 0, spatial = 0, channels = 0;
  int broadcast = 0;
  qrt_mul_s8_params quant = {};
  MulFn fn = nullptr;
};

void RunMul(const OpPlan& op, const RunContext& ctx) {
  const MulParams& p = op.Params<MulParams>();
  p.fn(p.batch, p.spatial, p.channels, static_cast<const int8_t*>(ctx.tensor_data[p.a]),
       static_cast<const int8_t*>(ctx.tensor_data[p.b]), p.broadcast, &p.quant,
       static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

}  // namespace

bool PrepareMul(PrepareContext& ctx) {
  if (!ctx.ExpectCounts(2, 2, 1)) return false;
  const schema::MulOptions* o = ctx.fb().options_as_MulOptions();
  const schema::Activation act = o ? o->activation() : schema::Activation::NONE;
  if (!ExpectActivationEnum(ctx, act)) return false;
  if (!ctx.ExpectActivation(0, "input") || !ctx.ExpectActivation(1, "input")) return false;
  const TensorDesc& a = ctx.In(0);
  const TensorDesc& b = ctx.In(1);
  const TensorDesc& y = ctx.Out(0);
  if (!a.quantized() || !b.quantized() || !y.quantized()) return ctx.FailDtypes();
  if (a.num_scales != 1 || b.num_scales != 1 || y.num_scales != 1) {
    return ctx.Fail(QRT_ERROR_UNSUPPORTED, "int8 mul needs per-tensor scales");
  }
  if (!ctx.ExpectSameShape(a, ctx.op().inputs[0], y, ctx.op().outputs[0])) return false;
  auto p = std::unique_ptr<MulParams>(new MulParams());
  if (a.same_shape(b)) {
    p->batch = 1;
    p->spatial = 1;
    p->channels = a.num_elements;
  } else if (a.rank == 4 && b.rank == 4 && b.shape[0] == a.shape[0] && b.shape[1] == 1 &&
             b.shape[2] == 1 && b.shape[3] == a.shape[3]) {
    p->batch = (size_t)a.shape[0];
    p->spatial = (size_t)a.shape[1] * (size_t)a.shape[2];
    p->channels = (size_t)a.shape[3];
    p->broadcast = 1;
  } else {
    return ctx.Fail(QRT_ERROR_UNSUPPORTED,
                    "input %s of shape %s times %s of shape %s: the second input "
                    "must have the first's shape or be [N,1,1,C] against [N,H,W,C]",
                    ctx.InText(0).text, ShapeText(a).text, ctx.InText(1).text,
                    ShapeText(b).text);
  }
  const float m = (a.scale() * b.scale()) / y.scale();
  if (!(m > 0.0f) || !isfinite(m)) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL, "scales give multiplier %g (must be finite, > 0)",
                    (double)m);
  }
  p->a = ctx.op().inputs[0];
  p->b = ctx.op().inputs[1];
  p->output = ctx.op().outputs[0];
  p->quant.multiplier = m;
  p->quant.a_zero_point = a.storage_zero_point;
  p->quant.b_zero_point = b.storage_zero_point;
  p->quant.output_zero_point = y.storage_zero_point;
  ActivationRangeS8(y, act, &p->quant.output_min, &p->quant.output_max);
  const qrt_op_kernels* k = nullptr;
  if (!SelectOpKernels(ctx, &k)) return false;
  p->fn = qrt_mul_s8__ref;
  ctx.run().kernel_name = "qrt_mul_s8__ref";
#if QRT_KERNELS_HAVE_NEON
  if (k->isa != QRT_ISA_REF) {
    p->fn = qrt_mul_s8__neon;
    ctx.run().kernel_name = "qrt_mul_s8__neon";
  }
#else
  (void)k;
#endif
  ctx.run().fn = RunMul;
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
