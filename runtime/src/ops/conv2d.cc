// CONV_2D: regular, grouped and depthwise convolution, NHWC x OHWI.
//   x [N,H,W,C] S8/U8, w [O,KH,KW,C/groups] S8 constant, bias [O] S32 or
//   absent, y [N,OH,OW,O] S8/U8 (requantized) or F32 (dequantizing
//   epilogue). Kernels: qrt_conv2d_s8__ref / qrt_conv2d_s8_f32__ref here;
//   the packed GEMM / depthwise kernels in conv2d_packed.cc.
// Accumulator INT16 changes only how a kernel sums, never the result, so the
// reference kernel (int32 sums) serves it too.
#include "conv2d.h"

namespace qrt {
namespace rt {
namespace {

void RunConv2DS8(const OpPlan& op, const RunContext& ctx) {
  const Conv2DParams& p = op.Params<Conv2DParams>();
  qrt_conv2d_s8__ref(&p.conv, static_cast<const int8_t*>(ctx.tensor_data[p.input]),
                     static_cast<const int8_t*>(ctx.tensor_data[p.weights]),
                     p.bias < 0 ? nullptr
                                : static_cast<const int32_t*>(ctx.tensor_data[p.bias]),
                     &p.requant, static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

void RunConv2DS8F32(const OpPlan& op, const RunContext& ctx) {
  const Conv2DParams& p = op.Params<Conv2DParams>();
  qrt_conv2d_s8_f32__ref(
      &p.conv, static_cast<const int8_t*>(ctx.tensor_data[p.input]),
      static_cast<const int8_t*>(ctx.tensor_data[p.weights]),
      p.bias < 0 ? nullptr : static_cast<const int32_t*>(ctx.tensor_data[p.bias]),
      &p.dequant, static_cast<float*>(ctx.tensor_data[p.output]));
}

}  // namespace

bool PrepareConv2D(PrepareContext& ctx) {
  if (!ctx.ExpectCounts(2, 3, 1)) return false;
  const schema::Conv2DOptions* o = ctx.fb().options_as_Conv2DOptions();
  if (o == nullptr) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL, "options are not Conv2DOptions");
  }
  if (!ctx.ExpectActivation(0, "input") || !ctx.ExpectConstant(1, "weight")) {
    return false;
  }
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& w = ctx.In(1);
  const TensorDesc& y = ctx.Out(0);
  if (!ctx.ExpectRank(x, ctx.op().inputs[0], "input", 4) ||
      !ctx.ExpectRank(w, ctx.op().inputs[1], "weight", 4) ||
      !ctx.ExpectRank(y, ctx.op().outputs[0], "output", 4)) {
    return false;
  }
  if (o->stride_h() < 1 || o->stride_w() < 1 || o->dilation_h() < 1 ||
      o->dilation_w() < 1 || o->groups() < 1 || o->pad_top() < 0 ||
      o->pad_left() < 0 || o->pad_bottom() < 0 || o->pad_right() < 0) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "strides, dilations and groups must be >= 1 and pads >= 0");
  }
  const size_t groups = (size_t)o->groups();
  const size_t channels = (size_t)x.shape[3];
  const size_t out_channels = (size_t)w.shape[0];
  if ((size_t)w.shape[3] * groups != channels || out_channels % groups != 0) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "weight %s has shape %s but input %s has %zu channels "
                    "(groups %zu)", ctx.InText(1).text, ShapeText(w).text,
                    ctx.InText(0).text, channels, groups);
  }
  auto p = std::unique_ptr<Conv2DParams>(new Conv2DParams());
  qrt_conv2d_params& c = p->conv;
  c.batch = (size_t)x.shape[0];
  c.input_height = (size_t)x.shape[1];
  c.input_width = (size_t)x.shape[2];
  c.input_channels = channels;
  c.output_channels = out_channels;
  c.kernel_height = (size_t)w.shape[1];
  c.kernel_width = (size_t)w.shape[2];
  c.stride_height = (size_t)o->stride_h();
  c.stride_width = (size_t)o->stride_w();
  c.dilation_height = (size_t)o->dilation_h();
  c.dilation_width = (size_t)o->dilation_w();
  c.pad_top = (size_t)o->pad_top();
  c.pad_left = (size_t)o->pad_left();
  c.pad_bottom = (size_t)o->pad_bottom();
  c.pad_right = (size_t)o->pad_right();
  c.groups = groups;
  c.output_height = qrt_conv_output_size(c.input_height, c.kernel_height,
      c.stride_height, c.dilation_height, c.pad_top, c.pad_bottom);
  c.output_width = qrt_conv_output_size(c.input_width, c.kernel_width,
      c.stride_width, c.dilation_width, c.pad_left, c.pad_right);
  if ((size_t)y.shape[0] != c.batch || (size_t)y.shape[1] != c.output_height ||
      (size_t)y.shape[2] != c.output_width || (size_t)y.shape[3] != out_channels ||
      c.output_height == 0 || c.output_width == 0) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "output %s has shape %s, expected [%zu,%zu,%zu,%zu]",
                    ctx.OutText(0).text, ShapeText(y).text, c.batch,
                    c.output_height, c.output_width, out_channels);
  }
  if (!PrepareLinearEpilogue(ctx, out_channels, o->activation(), p.get()) ||
      !VerifyAccumulator(ctx, o->accumulator(), o->int16_chunk())) {
    return false;
  }
  c.input_zero_point = p->input_zero_point;
  p->input = ctx.op().inputs[0];
  p->weights = ctx.op().inputs[1];
  p->bias = ctx.HasInput(2) ? ctx.op().inputs[2] : -1;
  p->output = ctx.op().outputs[0];
  ctx.run().fn = p->float_output ? RunConv2DS8F32 : RunConv2DS8;
  SetKernelInfo(ctx.op(), p->float_output ? "qrt_conv2d_s8_f32__ref"
                                          : "qrt_conv2d_s8__ref", 0, 0);
  if (!PreparePackedConv2D(ctx, o->accumulator(), o->int16_chunk(), p.get())) {
    return false;
  }
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
