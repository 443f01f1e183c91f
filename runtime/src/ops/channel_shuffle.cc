// CHANNEL_SHUFFLE (NHWC): y[..., o] = x[..., (o % g) * (C / g) + o / g], a
// copy with the input's dtype and quantization. Kernels: int8
// qrt_channel_shuffle_s8__neon on aarch64 (QRT_KERNEL_PATH=ref: __ref),
// else qrt_channel_shuffle_s8__ref; fp32 qrt_channel_shuffle_f32__ref.
#include "copy_common.h"
#include "qrt/kernels/neon.h"

namespace qrt {
namespace rt {
namespace {

using ShuffleS8Fn = void (*)(size_t, size_t, size_t, const int8_t*, int8_t*);

struct ChannelShuffleParams : OpParams {
  int input = 0, output = 0;
  size_t outer = 0, groups = 0, group_channels = 0;
  ShuffleS8Fn s8 = qrt_channel_shuffle_s8__ref;
};

void RunChannelShuffleS8(const OpPlan& op, const RunContext& ctx) {
  const ChannelShuffleParams& p = op.Params<ChannelShuffleParams>();
  p.s8(p.outer, p.groups, p.group_channels, static_cast<const int8_t*>(ctx.tensor_data[p.input]),
       static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

void RunChannelShuffleF32(const OpPlan& op, const RunContext& ctx) {
  const ChannelShuffleParams& p = op.Params<ChannelShuffleParams>();
  qrt_channel_shuffle_f32__ref(p.outer, p.groups, p.group_channels,
                               static_cast<const float*>(ctx.tensor_data[p.input]),
                               static_cast<float*>(ctx.tensor_data[p.output]));
}

}  // namespace

bool PrepareChannelShuffle(PrepareContext& ctx) {
  if (!ctx.ExpectCounts(1, 1, 1)) return false;
  const schema::ChannelShuffleOptions* o = ctx.fb().options_as_ChannelShuffleOptions();
  if (o == nullptr) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL, "options are not ChannelShuffleOptions");
  }
  bool quantized = false;
  if (!ExpectSameRepresentation(ctx, &quantized)) return false;
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& y = ctx.Out(0);
  if (!ctx.ExpectSameShape(x, ctx.op().inputs[0], y, ctx.op().outputs[0])) return false;
  const int32_t c = x.rank > 0 ? x.shape[x.rank - 1] : 0;
  const int32_t g = o->groups();
  if (c < 1 || g < 1 || c % g != 0) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "groups %d does not divide the %d channels of input %s",
                    (int)g, (int)c, ctx.InText(0).text);
  }
  auto p = std::unique_ptr<ChannelShuffleParams>(new ChannelShuffleParams());
  p->input = ctx.op().inputs[0];
  p->output = ctx.op().outputs[0];
  p->groups = (size_t)g;
  p->group_channels = (size_t)(c / g);
  p->outer = x.num_elements / (size_t)c;
  if (quantized) {
    const qrt_op_kernels* k = nullptr;
    if (!SelectOpKernels(ctx, &k)) return false;
    ctx.run().kernel_name = "qrt_channel_shuffle_s8__ref";
#if QRT_KERNELS_HAVE_NEON
    if (k->isa != QRT_ISA_REF) {
      p->s8 = qrt_channel_shuffle_s8__neon;
      ctx.run().kernel_name = "qrt_channel_shuffle_s8__neon";
    }
#else
    (void)k;
#endif
  }
  ctx.run().fn = quantized ? RunChannelShuffleS8 : RunChannelShuffleF32;
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
