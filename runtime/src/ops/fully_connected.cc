// FULLY_CONNECTED: y[n, o] = sum_k w[o, k] * (x[n, k] - zx) + b[o].
//   x [N,K] (or any rank: the last dimension is K, the rest are rows)
//   S8/U8, w [O,K] S8 constant, bias [O] S32 or absent, y [rows, O]
//   S8/U8 or F32. Kernels: qrt_fully_connected_s8__ref / _s8_f32__ref.
#include "linear_common.h"

namespace qrt {
namespace rt {
namespace {

struct FullyConnectedParams : LinearEpilogue {
  qrt_fully_connected_params fc = {};
  int input = 0, weights = 0, bias = -1, output = 0;
};

void RunFullyConnectedS8(const OpPlan& op, const RunContext& ctx) {
  const FullyConnectedParams& p = op.Params<FullyConnectedParams>();
  qrt_fully_connected_s8__ref(
      &p.fc, static_cast<const int8_t*>(ctx.tensor_data[p.input]),
      static_cast<const int8_t*>(ctx.tensor_data[p.weights]),
      p.bias < 0 ? nullptr : static_cast<const int32_t*>(ctx.tensor_data[p.bias]),
      &p.requant, static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

void RunFullyConnectedS8F32(const OpPlan& op, const RunContext& ctx) {
  const FullyConnectedParams& p = op.Params<FullyConnectedParams>();
  qrt_fully_connected_s8_f32__ref(
      &p.fc, static_cast<const int8_t*>(ctx.tensor_data[p.input]),
      static_cast<const int8_t*>(ctx.tensor_data[p.weights]),
      p.bias < 0 ? nullptr : static_cast<const int32_t*>(ctx.tensor_data[p.bias]),
      &p.dequant, static_cast<float*>(ctx.tensor_data[p.output]));
}

}  // namespace

bool PrepareFullyConnected(PrepareContext& ctx) {
  if (!ctx.ExpectCounts(2, 3, 1)) return false;
  const schema::FullyConnectedOptions* o =
      ctx.fb().options_as_FullyConnectedOptions();
  if (o == nullptr) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "options are not FullyConnectedOptions");
  }
  if (!ctx.ExpectActivation(0, "input") || !ctx.ExpectConstant(1, "weight")) {
    return false;
  }
  if (o->accumulator() == schema::Accumulator::INT16 ? o->int16_chunk() < 1
      : o->accumulator() != schema::Accumulator::INT32) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "accumulator %d with int16_chunk %d is invalid",
                    (int)o->accumulator(), (int)o->int16_chunk());
  }
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& w = ctx.In(1);
  const TensorDesc& y = ctx.Out(0);
  if (!ctx.ExpectRank(w, ctx.op().inputs[1], "weight", 2)) return false;
  const size_t out_channels = (size_t)w.shape[0];
  const size_t k = (size_t)w.shape[1];
  if (x.rank < 1 || (size_t)x.shape[x.rank - 1] != k) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "weight %s has shape %s but input %s has shape %s (last "
                    "dimension must be %zu)", ctx.InText(1).text,
                    ShapeText(w).text, ctx.InText(0).text, ShapeText(x).text, k);
  }
  const size_t rows = x.num_elements / k;
  if (y.rank < 1 || (size_t)y.shape[y.rank - 1] != out_channels ||
      y.num_elements != rows * out_channels) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "output %s has shape %s, expected [%zu,%zu]",
                    ctx.OutText(0).text, ShapeText(y).text, rows, out_channels);
  }
  auto p = std::unique_ptr<FullyConnectedParams>(new FullyConnectedParams());
  if (!PrepareLinearEpilogue(ctx, out_channels, o->activation(), p.get())) {
    return false;
  }
  p->fc.batch = rows;
  p->fc.input_channels = k;
  p->fc.output_channels = out_channels;
  p->fc.input_zero_point = p->input_zero_point;
  p->input = ctx.op().inputs[0];
  p->weights = ctx.op().inputs[1];
  p->bias = ctx.HasInput(2) ? ctx.op().inputs[2] : -1;
  p->output = ctx.op().outputs[0];
  ctx.op().run = p->float_output ? RunFullyConnectedS8F32 : RunFullyConnectedS8;
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
