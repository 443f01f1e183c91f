// PRELU (int8): y = x >= 0 ? x : slope[c] * x per channel (the last, NHWC
// axis). Input 1 holds the C slopes (F32 constant); the multipliers
// sx / sy and (sx * slope[c]) / sy are computed here once (fp32).
// Kernel: qrt_prelu_s8__ref (docs/integer-semantics.md, "PRelu (int8)").
#include <math.h>

#include <vector>

#include "op.h"

namespace qrt {
namespace rt {
namespace {

struct PreluParams : OpParams {
  int input = 0, output = 0;
  size_t outer = 0, channels = 0;
  std::vector<float> negative;
  qrt_prelu_s8_params quant = {};
};

void RunPrelu(const OpPlan& op, const RunContext& ctx) {
  const PreluParams& p = op.Params<PreluParams>();
  qrt_prelu_s8__ref(p.outer, p.channels, static_cast<const int8_t*>(ctx.tensor_data[p.input]), &p.quant,
                    static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

}  // namespace

bool PreparePrelu(PrepareContext& ctx) {
  if (!ctx.ExpectCounts(2, 2, 1)) return false;
  if (!ctx.ExpectActivation(0, "input") || !ctx.ExpectConstant(1, "slope")) return false;
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& s = ctx.In(1);
  const TensorDesc& y = ctx.Out(0);
  if (!x.quantized() || !y.quantized() || s.dtype != schema::DType::F32) return ctx.FailDtypes();
  if (x.num_scales != 1 || y.num_scales != 1) {
    return ctx.Fail(QRT_ERROR_UNSUPPORTED, "input and output must be per-tensor");
  }
  if (!ctx.ExpectSameShape(x, ctx.op().inputs[0], y, ctx.op().outputs[0])) return false;
  const size_t c = x.rank > 0 ? (size_t)x.shape[x.rank - 1] : 0;
  if (c == 0 || s.num_elements != c) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL, "slope %s has %zu values for the %zu channels of input %s",
                    ctx.InText(1).text, s.num_elements, c, ctx.InText(0).text);
  }
  auto p = std::unique_ptr<PreluParams>(new PreluParams());
  const float* slope = static_cast<const float*>(s.data);
  for (size_t k = 0; k < c; ++k) {
    const float m = (x.scale() * slope[k]) / y.scale();
    if (!isfinite(m)) {
      return ctx.Fail(QRT_ERROR_INVALID_MODEL, "slope %zu (%g) gives a non-finite multiplier", k,
                      (double)slope[k]);
    }
    p->negative.push_back(m);
  }
  p->input = ctx.op().inputs[0];
  p->output = ctx.op().outputs[0];
  p->channels = c;
  p->outer = x.num_elements / c;
  p->quant.positive_multiplier = x.scale() / y.scale();
  p->quant.negative_multipliers = p->negative.data();
  p->quant.input_zero_point = x.storage_zero_point;
  p->quant.output_zero_point = y.storage_zero_point;
  p->quant.output_min = (int8_t)y.storage_min;
  p->quant.output_max = (int8_t)y.storage_max;
  ctx.run().fn = RunPrelu;
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
