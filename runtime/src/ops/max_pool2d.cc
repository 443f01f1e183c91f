// MAX_POOL_2D: max over each window's in-bounds inputs, NHWC.
// int8: input and output must share scale and zero point (a max commutes
// with the affine map only then); the result is clamped by the fused
// activation. Kernels: the op table's maxpool2d_s8 (qrt_maxpool2d_s8__ref or
// its NEON twin, same bits) / qrt_maxpool2d_f32__ref.
#include "pool_common.h"

namespace qrt {
namespace rt {
namespace {

struct MaxPoolParams : OpParams {
  qrt_pool2d_params pool = {};
  int input = 0, output = 0;
  int8_t lo8 = 0, hi8 = 0;
  float lo = 0, hi = 0;
  qrt_maxpool2d_s8_fn maxpool_s8 = nullptr;  // from the op kernel table
};

void RunMaxPoolS8(const OpPlan& op, const RunContext& ctx) {
  const MaxPoolParams& p = op.Params<MaxPoolParams>();
  p.maxpool_s8(&p.pool, static_cast<const int8_t*>(ctx.tensor_data[p.input]),
                        p.lo8, p.hi8, static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

void RunMaxPoolF32(const OpPlan& op, const RunContext& ctx) {
  const MaxPoolParams& p = op.Params<MaxPoolParams>();
  qrt_maxpool2d_f32__ref(&p.pool, static_cast<const float*>(ctx.tensor_data[p.input]),
                         p.lo, p.hi, static_cast<float*>(ctx.tensor_data[p.output]));
}

}  // namespace

bool PrepareMaxPool2D(PrepareContext& ctx) {
  auto p = std::unique_ptr<MaxPoolParams>(new MaxPoolParams());
  const schema::Pool2DOptions* o = nullptr;
  if (!PreparePool2D(ctx, &p->pool, &o)) return false;
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& y = ctx.Out(0);
  if (x.quantized()) {
    if (x.scale() != y.scale() || x.storage_zero_point != y.storage_zero_point) {
      return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                      "input %s (scale %g, zero point %d, %s) and output %s "
                      "(scale %g, zero point %d, %s) must share quantization",
                      ctx.InText(0).text, (double)x.scale(), (int)x.zero_point,
                      schema::EnumNameDType(x.dtype), ctx.OutText(0).text,
                      (double)y.scale(), (int)y.zero_point,
                      schema::EnumNameDType(y.dtype));
    }
    ActivationRangeS8(y, o->activation(), &p->lo8, &p->hi8);
    const qrt_op_kernels* k = nullptr;
    if (!SelectOpKernels(ctx, &k)) return false;
    p->maxpool_s8 = k->maxpool2d_s8.fn;
    ctx.run().kernel_name = k->maxpool2d_s8.name;
    ctx.run().fn = RunMaxPoolS8;
  } else {
    ActivationRangeF32(o->activation(), &p->lo, &p->hi);
    ctx.run().fn = RunMaxPoolF32;
  }
  p->input = ctx.op().inputs[0];
  p->output = ctx.op().outputs[0];
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
