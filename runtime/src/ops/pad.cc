// PAD (constant): y = x surrounded by `value`, same dtype and quantization
// in and out. An int8 tensor holds the code of `value` computed here once
// with the QUANTIZE formula (qrt_quantize_f32_s8__ref on one element:
// round(clamp(value * (1.0f / s), lo - zp, hi - zp)) + zp), so a value
// outside the tensor's range pads with the nearest end of the range
// (docs/integer-semantics.md, "Slice, Pad, ChannelShuffle"). Kernels:
// qrt_pad_s8__ref / _f32__ref.
#include "copy_common.h"

namespace qrt {
namespace rt {
namespace {

struct PadParams : OpParams {
  int input = 0, output = 0;
  qrt_box_params box = {};
  float value = 0.0f;
  int8_t code = 0;
};

void RunPadS8(const OpPlan& op, const RunContext& ctx) {
  const PadParams& p = op.Params<PadParams>();
  qrt_pad_s8__ref(&p.box, static_cast<const int8_t*>(ctx.tensor_data[p.input]), p.code,
                  static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

void RunPadF32(const OpPlan& op, const RunContext& ctx) {
  const PadParams& p = op.Params<PadParams>();
  qrt_pad_f32__ref(&p.box, static_cast<const float*>(ctx.tensor_data[p.input]), p.value,
                   static_cast<float*>(ctx.tensor_data[p.output]));
}

}  // namespace

bool PreparePad(PrepareContext& ctx) {
  if (!ctx.ExpectCounts(1, 1, 1)) return false;
  const schema::PadOptions* o = ctx.fb().options_as_PadOptions();
  if (o == nullptr || o->pads() == nullptr) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL, "options are not PadOptions with pads");
  }
  bool quantized = false;
  if (!ExpectSameRepresentation(ctx, &quantized)) return false;
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& y = ctx.Out(0);
  auto p = std::unique_ptr<PadParams>(new PadParams());
  if (!Shape4(ctx, x, ctx.op().inputs[0], p->box.small_shape) ||
      !Shape4(ctx, y, ctx.op().outputs[0], p->box.big_shape)) {
    return false;
  }
  if (y.rank != x.rank || (int)o->pads()->size() != 2 * x.rank) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "input %s (shape %s), output %s (shape %s) and pads (%u values, "
                    "2 per axis) do not agree", ctx.InText(0).text, ShapeText(x).text,
                    ctx.OutText(0).text, ShapeText(y).text, o->pads()->size());
  }
  for (int d = 0; d < x.rank; ++d) {
    const int32_t before = o->pads()->Get((flatbuffers::uoffset_t)d);
    const int32_t after = o->pads()->Get((flatbuffers::uoffset_t)(x.rank + d));
    if (before < 0 || after < 0 || (int64_t)x.shape[d] + before + after != y.shape[d]) {
      return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                      "axis %d: input %s size %d + pads %d, %d != output size %d", d,
                      ctx.InText(0).text, (int)x.shape[d], (int)before, (int)after,
                      (int)y.shape[d]);
    }
    p->box.offset[4 - x.rank + d] = (size_t)before;
  }
  p->value = o->value();
  if (quantized) {
    qrt_quantize_f32_s8__ref(1, &p->value, 1.0f / y.scale(), y.storage_zero_point,
                             (int8_t)y.storage_min, (int8_t)y.storage_max, &p->code);
  }
  p->input = ctx.op().inputs[0];
  p->output = ctx.op().outputs[0];
  ctx.run().fn = quantized ? RunPadS8 : RunPadF32;
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
