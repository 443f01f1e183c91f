// SOFTMAX over the last axis, fp32: e = expf(x - max), y = e / sum(e); with
// SoftmaxOptions.log, y = (x - max) - logf(sum(e)) (ONNX LogSoftmax).
// Kernels: qrt_softmax_f32__ref, qrt_log_softmax_f32__ref.
#include "op.h"

namespace qrt {
namespace rt {
namespace {

struct SoftmaxParams : OpParams {
  int input = 0, output = 0;
  size_t rows = 0, cols = 0;
};

void RunSoftmaxF32(const OpPlan& op, const RunContext& ctx) {
  const SoftmaxParams& p = op.Params<SoftmaxParams>();
  qrt_softmax_f32__ref(p.rows, p.cols, static_cast<const float*>(ctx.tensor_data[p.input]),
                       static_cast<float*>(ctx.tensor_data[p.output]));
}

void RunLogSoftmaxF32(const OpPlan& op, const RunContext& ctx) {
  const SoftmaxParams& p = op.Params<SoftmaxParams>();
  qrt_log_softmax_f32__ref(p.rows, p.cols, static_cast<const float*>(ctx.tensor_data[p.input]),
                           static_cast<float*>(ctx.tensor_data[p.output]));
}

}  // namespace

bool PrepareSoftmax(PrepareContext& ctx) {
  if (!ctx.ExpectCounts(1, 1, 1)) return false;
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& y = ctx.Out(0);
  if (x.dtype != schema::DType::F32 || y.dtype != schema::DType::F32) {
    return ctx.FailDtypes();
  }
  if (!ctx.ExpectSameShape(x, ctx.op().inputs[0], y, ctx.op().outputs[0])) {
    return false;
  }
  const schema::SoftmaxOptions* o = ctx.fb().options_as_SoftmaxOptions();
  const int axis = o ? o->axis() : -1;
  if (x.rank < 1 || (axis != -1 && axis != x.rank - 1)) {
    return ctx.Fail(QRT_ERROR_UNSUPPORTED,
                    "axis %d of input %s (shape %s): only the last axis is "
                    "supported", axis, ctx.InText(0).text, ShapeText(x).text);
  }
  auto p = std::unique_ptr<SoftmaxParams>(new SoftmaxParams());
  p->input = ctx.op().inputs[0];
  p->output = ctx.op().outputs[0];
  p->cols = (size_t)x.shape[x.rank - 1];
  p->rows = x.num_elements / p->cols;
  ctx.run().fn = o && o->log() ? RunLogSoftmaxF32 : RunSoftmaxF32;
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
