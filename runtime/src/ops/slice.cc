// SLICE: y = the box of y's shape at `begin` of x (step 1), a copy with the
// input's dtype and quantization. Kernels: qrt_slice_s8__ref / _f32__ref.
#include "copy_common.h"

namespace qrt {
namespace rt {
namespace {

struct SliceParams : OpParams {
  int input = 0, output = 0;
  qrt_box_params box = {};
};

void RunSliceS8(const OpPlan& op, const RunContext& ctx) {
  const SliceParams& p = op.Params<SliceParams>();
  qrt_slice_s8__ref(&p.box, static_cast<const int8_t*>(ctx.tensor_data[p.input]),
                    static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

void RunSliceF32(const OpPlan& op, const RunContext& ctx) {
  const SliceParams& p = op.Params<SliceParams>();
  qrt_slice_f32__ref(&p.box, static_cast<const float*>(ctx.tensor_data[p.input]),
                     static_cast<float*>(ctx.tensor_data[p.output]));
}

}  // namespace

bool PrepareSlice(PrepareContext& ctx) {
  if (!ctx.ExpectCounts(1, 1, 1)) return false;
  const schema::SliceOptions* o = ctx.fb().options_as_SliceOptions();
  if (o == nullptr || o->begin() == nullptr) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL, "options are not SliceOptions with begin");
  }
  bool quantized = false;
  if (!ExpectSameRepresentation(ctx, &quantized)) return false;
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& y = ctx.Out(0);
  auto p = std::unique_ptr<SliceParams>(new SliceParams());
  if (!Shape4(ctx, x, ctx.op().inputs[0], p->box.big_shape) ||
      !Shape4(ctx, y, ctx.op().outputs[0], p->box.small_shape)) {
    return false;
  }
  if (y.rank != x.rank || (int)o->begin()->size() != x.rank) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "input %s (shape %s), output %s (shape %s) and begin (%u values) "
                    "must have the same rank", ctx.InText(0).text, ShapeText(x).text,
                    ctx.OutText(0).text, ShapeText(y).text, o->begin()->size());
  }
  for (int d = 0; d < x.rank; ++d) {
    const int32_t b = o->begin()->Get((flatbuffers::uoffset_t)d);
    if (b < 0 || (int64_t)b + y.shape[d] > x.shape[d]) {
      return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                      "axis %d: begin %d + output size %d exceeds input %s size %d",
                      d, (int)b, (int)y.shape[d], ctx.InText(0).text, (int)x.shape[d]);
    }
    p->box.offset[4 - x.rank + d] = (size_t)b;
  }
  p->input = ctx.op().inputs[0];
  p->output = ctx.op().outputs[0];
  ctx.run().fn = quantized ? RunSliceS8 : RunSliceF32;
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
