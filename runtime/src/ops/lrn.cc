// LRN: local response normalization across channels (the last, NHWC axis),
// F32 in and out: a float island (the converter quantizes / dequantizes at
// its edges). Kernel: qrt_lrn_f32__ref.
#include <math.h>

#include "op.h"

namespace qrt {
namespace rt {
namespace {

struct LrnParams : OpParams {
  int input = 0, output = 0;
  size_t outer = 0, channels = 0;
  qrt_lrn_params lrn = {};
};

void RunLrn(const OpPlan& op, const RunContext& ctx) {
  const LrnParams& p = op.Params<LrnParams>();
  qrt_lrn_f32__ref(p.outer, p.channels, &p.lrn, static_cast<const float*>(ctx.tensor_data[p.input]),
                   static_cast<float*>(ctx.tensor_data[p.output]));
}

}  // namespace

bool PrepareLrn(PrepareContext& ctx) {
  if (!ctx.ExpectCounts(1, 1, 1)) return false;
  const schema::LRNOptions* o = ctx.fb().options_as_LRNOptions();
  if (o == nullptr) return ctx.Fail(QRT_ERROR_INVALID_MODEL, "options are not LRNOptions");
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& y = ctx.Out(0);
  if (x.dtype != schema::DType::F32 || y.dtype != schema::DType::F32) return ctx.FailDtypes();
  if (!ctx.ExpectSameShape(x, ctx.op().inputs[0], y, ctx.op().outputs[0])) return false;
  if (o->size() < 1 || !isfinite(o->alpha()) || !isfinite(o->beta()) || !isfinite(o->bias())) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL, "size %d must be >= 1, alpha/beta/bias finite",
                    (int)o->size());
  }
  if (x.rank < 1 || x.shape[x.rank - 1] < 1) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL, "input %s has no channels", ctx.InText(0).text);
  }
  auto p = std::unique_ptr<LrnParams>(new LrnParams());
  p->input = ctx.op().inputs[0];
  p->output = ctx.op().outputs[0];
  p->channels = (size_t)x.shape[x.rank - 1];
  p->outer = x.num_elements / p->channels;
  p->lrn.size = (size_t)o->size();
  p->lrn.alpha = o->alpha();
  p->lrn.beta = o->beta();
  p->lrn.bias = o->bias();
  ctx.run().fn = RunLrn;
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
