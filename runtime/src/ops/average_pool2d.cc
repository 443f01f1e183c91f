// AVERAGE_POOL_2D: mean over each window, NHWC; int8 requantizes
//   v = (float)sum(x - zx) * (sx / (sy * (float)n)), clamped, rounded.
// Kernels: qrt_avgpool2d_s8__ref / qrt_avgpool2d_f32__ref.
#include "pool_common.h"

namespace qrt {
namespace rt {
namespace {

struct AvgPoolParams : OpParams {
  qrt_pool2d_params pool = {};
  qrt_avgpool_s8_params quant = {};
  int input = 0, output = 0;
  float lo = 0, hi = 0;
};

void RunAvgPoolS8(const OpPlan& op, const RunContext& ctx) {
  const AvgPoolParams& p = op.Params<AvgPoolParams>();
  qrt_avgpool2d_s8__ref(&p.pool, static_cast<const int8_t*>(ctx.tensor_data[p.input]),
                        &p.quant, static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

void RunAvgPoolF32(const OpPlan& op, const RunContext& ctx) {
  const AvgPoolParams& p = op.Params<AvgPoolParams>();
  qrt_avgpool2d_f32__ref(&p.pool, static_cast<const float*>(ctx.tensor_data[p.input]),
                         p.lo, p.hi, static_cast<float*>(ctx.tensor_data[p.output]));
}

}  // namespace

// Shared with GLOBAL_AVERAGE_POOL: the int8 average's quantization.
void FillAvgPoolQuant(const TensorDesc& x, const TensorDesc& y,
                      schema::Activation act, qrt_avgpool_s8_params* q) {
  q->input_scale = x.scale();
  q->output_scale = y.scale();
  q->input_zero_point = x.storage_zero_point;
  q->output_zero_point = y.storage_zero_point;
  ActivationRangeS8(y, act, &q->output_min, &q->output_max);
}

bool PrepareAveragePool2D(PrepareContext& ctx) {
  auto p = std::unique_ptr<AvgPoolParams>(new AvgPoolParams());
  const schema::Pool2DOptions* o = nullptr;
  if (!PreparePool2D(ctx, &p->pool, &o)) return false;
  const TensorDesc& x = ctx.In(0);
  if (x.quantized()) {
    FillAvgPoolQuant(x, ctx.Out(0), o->activation(), &p->quant);
    ctx.run().fn = RunAvgPoolS8;
  } else {
    ActivationRangeF32(o->activation(), &p->lo, &p->hi);
    ctx.run().fn = RunAvgPoolF32;
  }
  p->input = ctx.op().inputs[0];
  p->output = ctx.op().outputs[0];
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
