#include "pool_common.h"

namespace qrt {
namespace rt {

bool PreparePool2D(PrepareContext& ctx, qrt_pool2d_params* c,
                   const schema::Pool2DOptions** options) {
  if (!ctx.ExpectCounts(1, 1, 1)) return false;
  const schema::Pool2DOptions* o = ctx.fb().options_as_Pool2DOptions();
  if (o == nullptr) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL, "options are not Pool2DOptions");
  }
  *options = o;
  if (!ExpectActivationEnum(ctx, o->activation())) return false;
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& y = ctx.Out(0);
  if (!ctx.ExpectRank(x, ctx.op().inputs[0], "input", 4) ||
      !ctx.ExpectRank(y, ctx.op().outputs[0], "output", 4)) {
    return false;
  }
  const bool both_float = x.dtype == schema::DType::F32 && y.dtype == schema::DType::F32;
  const bool both_quant = x.quantized() && y.quantized();
  if (!both_float && !both_quant) return ctx.FailDtypes();
  if (both_quant && (x.num_scales != 1 || y.num_scales != 1)) {
    return ctx.Fail(QRT_ERROR_UNSUPPORTED, "input and output must be per-tensor");
  }
  if (o->kernel_h() < 1 || o->kernel_w() < 1 || o->stride_h() < 1 ||
      o->stride_w() < 1 || o->pad_top() < 0 || o->pad_left() < 0 ||
      o->pad_bottom() < 0 || o->pad_right() < 0 || o->ceil_bottom() < 0 ||
      o->ceil_right() < 0 || o->pad_top() >= o->kernel_h() ||
      (int64_t)o->pad_bottom() + o->ceil_bottom() >= o->kernel_h() ||
      o->pad_left() >= o->kernel_w() ||
      (int64_t)o->pad_right() + o->ceil_right() >= o->kernel_w()) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "kernel %dx%d, stride %dx%d, pads %d,%d,%d,%d, ceil %d,%d: kernel "
                    "and stride must be >= 1 and each pad (bottom/right: with "
                    "ceil) in [0, kernel)",
                    (int)o->kernel_h(), (int)o->kernel_w(), (int)o->stride_h(),
                    (int)o->stride_w(), (int)o->pad_top(), (int)o->pad_left(),
                    (int)o->pad_bottom(), (int)o->pad_right(),
                    (int)o->ceil_bottom(), (int)o->ceil_right());
  }
  c->batch = (size_t)x.shape[0];
  c->input_height = (size_t)x.shape[1];
  c->input_width = (size_t)x.shape[2];
  c->channels = (size_t)x.shape[3];
  c->kernel_height = (size_t)o->kernel_h();
  c->kernel_width = (size_t)o->kernel_w();
  c->stride_height = (size_t)o->stride_h();
  c->stride_width = (size_t)o->stride_w();
  c->pad_top = (size_t)o->pad_top();
  c->pad_left = (size_t)o->pad_left();
  c->pad_bottom = (size_t)o->pad_bottom() + (size_t)o->ceil_bottom();
  c->pad_right = (size_t)o->pad_right() + (size_t)o->ceil_right();
  c->ceil_bottom = (size_t)o->ceil_bottom();
  c->ceil_right = (size_t)o->ceil_right();
  c->count_include_pad = o->count_include_pad() ? 1 : 0;
  c->output_height = qrt_conv_output_size(c->input_height, c->kernel_height,
      c->stride_height, 1, c->pad_top, c->pad_bottom);
  c->output_width = qrt_conv_output_size(c->input_width, c->kernel_width,
      c->stride_width, 1, c->pad_left, c->pad_right);
  if ((size_t)y.shape[0] != c->batch || (size_t)y.shape[1] != c->output_height ||
      (size_t)y.shape[2] != c->output_width || (size_t)y.shape[3] != c->channels ||
      c->output_height == 0 || c->output_width == 0) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "output %s has shape %s, expected [%zu,%zu,%zu,%zu]",
                    ctx.OutText(0).text, ShapeText(y).text, c->batch,
                    c->output_height, c->output_width, c->channels);
  }
  return true;
}

}  // namespace rt
}  // namespace qrt
