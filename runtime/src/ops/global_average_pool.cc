// GLOBAL_AVERAGE_POOL: [N,H,W,C] -> [N,1,1,C] (or [N,C]), the mean over
// H x W per channel; int8 requantizes like AVERAGE_POOL_2D.
// Kernels: the op table's global_avgpool_s8 (qrt_global_avgpool_s8__ref or
// its NEON twin, same bits) / qrt_global_avgpool_f32__ref.
#include <math.h>

#include "pool_common.h"

namespace qrt {
namespace rt {
namespace {

struct GlobalAvgPoolParams : OpParams {
  size_t batch = 0, height = 0, width = 0, channels = 0;
  qrt_avgpool_s8_params quant = {};
  int input = 0, output = 0;
  qrt_global_avgpool_s8_fn global_avgpool_s8 = nullptr;  // op kernel table
};

void RunGlobalAvgPoolS8(const OpPlan& op, const RunContext& ctx) {
  const GlobalAvgPoolParams& p = op.Params<GlobalAvgPoolParams>();
  p.global_avgpool_s8(p.batch, p.height, p.width, p.channels,
                             static_cast<const int8_t*>(ctx.tensor_data[p.input]),
                             &p.quant, static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

void RunGlobalAvgPoolF32(const OpPlan& op, const RunContext& ctx) {
  const GlobalAvgPoolParams& p = op.Params<GlobalAvgPoolParams>();
  qrt_global_avgpool_f32__ref(p.batch, p.height, p.width, p.channels,
                              static_cast<const float*>(ctx.tensor_data[p.input]),
                              -INFINITY, INFINITY,
                              static_cast<float*>(ctx.tensor_data[p.output]));
}

}  // namespace

bool PrepareGlobalAveragePool(PrepareContext& ctx) {
  if (!ctx.ExpectCounts(1, 1, 1)) return false;
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& y = ctx.Out(0);
  if (!ctx.ExpectRank(x, ctx.op().inputs[0], "input", 4)) return false;
  const size_t n = (size_t)x.shape[0], c = (size_t)x.shape[3];
  const bool shape_ok =
      (y.rank == 4 && (size_t)y.shape[0] == n && y.shape[1] == 1 &&
       y.shape[2] == 1 && (size_t)y.shape[3] == c) ||
      (y.rank == 2 && (size_t)y.shape[0] == n && (size_t)y.shape[1] == c);
  if (!shape_ok) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "output %s has shape %s, expected [%zu,1,1,%zu] or [%zu,%zu]",
                    ctx.OutText(0).text, ShapeText(y).text, n, c, n, c);
  }
  auto p = std::unique_ptr<GlobalAvgPoolParams>(new GlobalAvgPoolParams());
  p->batch = n;
  p->height = (size_t)x.shape[1];
  p->width = (size_t)x.shape[2];
  p->channels = c;
  p->input = ctx.op().inputs[0];
  p->output = ctx.op().outputs[0];
  if (x.quantized() && y.quantized()) {
    if (x.num_scales != 1 || y.num_scales != 1) {
      return ctx.Fail(QRT_ERROR_UNSUPPORTED, "input and output must be per-tensor");
    }
    FillAvgPoolQuant(x, y, schema::Activation::NONE, &p->quant);
    const qrt_op_kernels* k = nullptr;
    if (!SelectOpKernels(ctx, &k)) return false;
    p->global_avgpool_s8 = k->global_avgpool_s8.fn;
    ctx.run().kernel_name = k->global_avgpool_s8.name;
    ctx.run().fn = RunGlobalAvgPoolS8;
  } else if (x.dtype == schema::DType::F32 && y.dtype == schema::DType::F32) {
    ctx.run().fn = RunGlobalAvgPoolF32;
  } else {
    return ctx.FailDtypes();
  }
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
