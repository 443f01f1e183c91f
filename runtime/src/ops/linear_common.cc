#include "linear_common.h"

#include <math.h>

namespace qrt {
namespace rt {

using schema::DType;

bool PrepareLinearEpilogue(PrepareContext& ctx, size_t out_channels,
                           schema::Activation act, LinearEpilogue* e) {
  if (!ExpectActivationEnum(ctx, act)) return false;
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& w = ctx.In(1);
  const TensorDesc& y = ctx.Out(0);
  const bool bias_ok = !ctx.HasInput(2) || ctx.In(2).dtype == DType::S32;
  if (!x.quantized() || w.dtype != DType::S8 || !bias_ok ||
      !(y.quantized() || y.dtype == DType::F32)) {
    return ctx.FailDtypes();
  }
  if (x.num_scales != 1) {
    return ctx.Fail(QRT_ERROR_UNSUPPORTED,
                    "input %s has %zu scales; activations are per-tensor",
                    ctx.InText(0).text, x.num_scales);
  }
  if (w.zero_point != 0) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "weight %s has zero point %d; weights are symmetric (0)",
                    ctx.InText(1).text, (int)w.zero_point);
  }
  if (w.num_scales != 1 && w.num_scales != out_channels) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "weight %s has %zu scales for %zu output channels",
                    ctx.InText(1).text, w.num_scales, out_channels);
  }
  if (y.quantized() && y.num_scales != 1) {
    return ctx.Fail(QRT_ERROR_UNSUPPORTED,
                    "output %s has %zu scales; activations are per-tensor",
                    ctx.OutText(0).text, y.num_scales);
  }
  const float sx = x.scale();
  if (ctx.HasInput(2)) {
    const TensorDesc& b = ctx.In(2);
    if (!ctx.ExpectConstant(2, "bias")) return false;
    if (b.rank != 1 || (size_t)b.shape[0] != out_channels) {
      return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                      "bias %s has shape %s, expected [%zu]", ctx.InText(2).text,
                      ShapeText(b).text, out_channels);
    }
    // The bias scale must be sx * sw[c] (the converter's contract); a
    // mismatch means the int32 values are in the wrong units.
    for (size_t c = 0; c < out_channels; ++c) {
      const float want = sx * w.scales[w.num_scales == 1 ? 0 : c];
      const float have = b.scales[b.num_scales == 1 ? 0 : c];
      if (fabsf(have - want) > 1e-3f * want) {
        return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                        "bias %s scale[%zu] = %g but input scale * weight "
                        "scale = %g", ctx.InText(2).text, c, (double)have,
                        (double)want);
      }
    }
  }
  e->input_zero_point = x.storage_zero_point;
  e->float_output = y.dtype == DType::F32;
  e->channel_factors.resize(out_channels);
  for (size_t c = 0; c < out_channels; ++c) {
    const float sw = w.scales[w.num_scales == 1 ? 0 : c];
    e->channel_factors[c] = e->float_output ? sx * sw : (sx * sw) / y.scale();
  }
  if (e->float_output) {
    e->dequant.scales = e->channel_factors.data();
    ActivationRangeF32(act, &e->dequant.output_min, &e->dequant.output_max);
  } else {
    e->requant.multipliers = e->channel_factors.data();
    e->requant.output_zero_point = y.storage_zero_point;
    ActivationRangeS8(y, act, &e->requant.output_min, &e->requant.output_max);
  }
  return true;
}

}  // namespace rt
}  // namespace qrt
