// CONCAT along one axis of the output's shape. With the output viewed as
// [outer, row], input i contributes row_sizes[i] contiguous elements to
// each outer row. int8: each input is requantized to the output's scale
// and zero point (a byte copy when they match). The kernel takes an array
// of input pointers; Run builds it in the op's scratch memory (planned by
// the session), so nothing allocates. Kernels: qrt_concat_s8__ref /
// qrt_concat_f32__ref.
#include <vector>

#include "op.h"

namespace qrt {
namespace rt {
namespace {

struct ConcatParams : OpParams {
  std::vector<int> inputs;
  std::vector<size_t> row_sizes;
  std::vector<qrt_concat_s8_input> quant;  // int8 only
  int output = 0;
  size_t outer = 0;
  int32_t output_zero_point = 0;
  int8_t lo = 0, hi = 0;
};

void RunConcatS8(const OpPlan& op, const RunContext& ctx) {
  const ConcatParams& p = op.Params<ConcatParams>();
  const int8_t** ptrs = static_cast<const int8_t**>(ctx.scratch);
  for (size_t i = 0; i < p.inputs.size(); ++i) {
    ptrs[i] = static_cast<const int8_t*>(ctx.tensor_data[p.inputs[i]]);
  }
  qrt_concat_s8__ref(p.outer, p.inputs.size(), p.row_sizes.data(), ptrs,
                     p.quant.data(), p.output_zero_point, p.lo, p.hi,
                     static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

void RunConcatF32(const OpPlan& op, const RunContext& ctx) {
  const ConcatParams& p = op.Params<ConcatParams>();
  const float** ptrs = static_cast<const float**>(ctx.scratch);
  for (size_t i = 0; i < p.inputs.size(); ++i) {
    ptrs[i] = static_cast<const float*>(ctx.tensor_data[p.inputs[i]]);
  }
  qrt_concat_f32__ref(p.outer, p.inputs.size(), p.row_sizes.data(), ptrs,
                      static_cast<float*>(ctx.tensor_data[p.output]));
}

}  // namespace

bool PrepareConcat(PrepareContext& ctx) {
  // Every listed input is required (none may be -1); at least one.
  const size_t n = ctx.op().inputs.empty() ? 1 : ctx.op().inputs.size();
  if (!ctx.ExpectCounts(n, n, 1)) return false;
  const schema::ConcatOptions* o = ctx.fb().options_as_ConcatOptions();
  if (o == nullptr) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL, "options are not ConcatOptions");
  }
  const TensorDesc& y = ctx.Out(0);
  int axis = o->axis();
  if (axis < 0) axis += y.rank;
  if (axis < 0 || axis >= y.rank) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL, "axis %d is out of range for output %s "
                    "of shape %s", (int)o->axis(), ctx.OutText(0).text,
                    ShapeText(y).text);
  }
  const bool quant = y.quantized();
  if (!quant && y.dtype != schema::DType::F32) return ctx.FailDtypes();
  if (quant && y.num_scales != 1) {
    return ctx.Fail(QRT_ERROR_UNSUPPORTED, "output must be per-tensor quantized");
  }
  auto p = std::unique_ptr<ConcatParams>(new ConcatParams());
  size_t inner = 1;
  for (int d = axis + 1; d < y.rank; ++d) inner *= (size_t)y.shape[d];
  p->outer = y.num_elements / (inner * (size_t)y.shape[axis]);
  int64_t axis_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const TensorDesc& x = ctx.In(i);
    if (x.quantized() != quant || (!quant && x.dtype != schema::DType::F32)) {
      return ctx.FailDtypes();
    }
    if (quant && x.num_scales != 1) {
      return ctx.Fail(QRT_ERROR_UNSUPPORTED, "input %s must be per-tensor quantized",
                      ctx.InText(i).text);
    }
    bool fits = x.rank == y.rank;
    for (int d = 0; fits && d < y.rank; ++d) {
      fits = d == axis || x.shape[d] == y.shape[d];
    }
    if (!fits) {
      return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                      "input %zu %s has shape %s, which does not fit output %s "
                      "of shape %s along axis %d", i, ctx.InText(i).text,
                      ShapeText(x).text, ctx.OutText(0).text, ShapeText(y).text,
                      axis);
    }
    axis_sum += x.shape[axis];
    p->inputs.push_back(ctx.op().inputs[i]);
    p->row_sizes.push_back((size_t)x.shape[axis] * inner);
    if (quant) p->quant.push_back({x.scale() / y.scale(), x.storage_zero_point});
  }
  if (axis_sum != y.shape[axis]) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "inputs sum to %lld along axis %d but output %s has %d",
                    (long long)axis_sum, axis, ctx.OutText(0).text,
                    (int)y.shape[axis]);
  }
  p->output = ctx.op().outputs[0];
  p->output_zero_point = y.storage_zero_point;
  p->lo = (int8_t)y.storage_min;
  p->hi = (int8_t)y.storage_max;
  ctx.run().scratch_bytes = n * sizeof(void*);
  ctx.run().fn = quant ? RunConcatS8 : RunConcatF32;
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
