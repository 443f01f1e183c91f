// Plain saturating INT16 emulation on a loaded model (plain_int16.h).
#include "study/plain_int16.h"

#include "model.h"
#include "ops/conv2d.h"
#include "ops/fully_connected.h"
#include "study/conv_sat16.h"

namespace qrt {
namespace study {
namespace {

using rt::Conv2DParams;
using rt::FullyConnectedParams;
using rt::OpPlan;
using rt::RunContext;

const int8_t* S8(const RunContext& ctx, int i) {
  return static_cast<const int8_t*>(ctx.tensor_data[i]);
}
const int32_t* Bias(const RunContext& ctx, int i) {
  return i < 0 ? nullptr : static_cast<const int32_t*>(ctx.tensor_data[i]);
}

// The whole op in one call, single-threaded (as the reference kernels).
void RunConv2DSat16(const OpPlan& op, const RunContext& ctx) {
  const Conv2DParams& p = op.Params<Conv2DParams>();
  if (p.float_output) {
    qrt_study_conv2d_s8_f32_sat16(&p.conv, S8(ctx, p.input), S8(ctx, p.weights),
                                  Bias(ctx, p.bias), &p.dequant,
                                  static_cast<float*>(ctx.tensor_data[p.output]));
  } else {
    qrt_study_conv2d_s8_sat16(&p.conv, S8(ctx, p.input), S8(ctx, p.weights),
                              Bias(ctx, p.bias), &p.requant,
                              static_cast<int8_t*>(ctx.tensor_data[p.output]));
  }
}

// Conv2DParams::f32_band of an fp16-output conv (F16 float-adds sessions).
void Conv2DSat16Band(const Conv2DParams& p, const qrt_conv2d_params& band,
                     const int8_t* x, const int8_t* w, const int32_t* bias,
                     int8_t* /*im2col*/, float* y) {
  qrt_study_conv2d_s8_f32_sat16(&band, x, w, bias, &p.dequant, y);
}

void RunFullyConnectedSat16(const OpPlan& op, const RunContext& ctx) {
  const FullyConnectedParams& p = op.Params<FullyConnectedParams>();
  if (p.float_output) {
    qrt_study_fully_connected_s8_f32_sat16(
        &p.fc, S8(ctx, p.input), S8(ctx, p.weights), Bias(ctx, p.bias),
        &p.dequant, static_cast<float*>(ctx.tensor_data[p.output]));
  } else {
    qrt_study_fully_connected_s8_sat16(
        &p.fc, S8(ctx, p.input), S8(ctx, p.weights), Bias(ctx, p.bias),
        &p.requant, static_cast<int8_t*>(ctx.tensor_data[p.output]));
  }
}

schema::Accumulator AccumulatorOf(const rt::Model& m, const OpPlan& op) {
  const schema::Operator* o = m.fb->operators()->Get((flatbuffers::uoffset_t)op.index);
  switch (op.type) {
    case schema::OpType::CONV_2D:
      return o->options_as_Conv2DOptions()->accumulator();
    case schema::OpType::FULLY_CONNECTED:
      return o->options_as_FullyConnectedOptions()->accumulator();
    default:
      return schema::Accumulator::INT32;
  }
}

// Replaces the run function Prepare chose by `sat16` in every float-adds
// storage that runs it (an F16 run of its own, the fp16 conv bands, stays).
void Swap(OpPlan& op, rt::RunFn sat16) {
  const rt::RunFn chosen = op.run[rt::kStorageF32].fn;
  for (rt::OpRun& r : op.run) {
    if (r.fn == chosen) r.fn = sat16;
  }
}

}  // namespace
}  // namespace study
}  // namespace qrt

extern "C" qrt_status qrt_study_emulate_plain_int16(qrt_model* model,
                                                    size_t* num_layers) {
  using namespace qrt;
  if (num_layers != nullptr) *num_layers = 0;
  if (model == nullptr) return QRT_ERROR_INVALID_ARGUMENT;
  size_t n = 0;
  for (rt::OpPlan& op : model->ops) {
    if (study::AccumulatorOf(*model, op) != schema::Accumulator::INT16) continue;
    if (op.type == schema::OpType::CONV_2D) {
      auto& p = *static_cast<rt::Conv2DParams*>(op.params.get());
      study::Swap(op, study::RunConv2DSat16);
      if (p.f32_band != nullptr) p.f32_band = study::Conv2DSat16Band;
    } else {
      study::Swap(op, study::RunFullyConnectedSat16);
    }
    ++n;
  }
  if (num_layers != nullptr) *num_layers = n;
  return QRT_OK;
}
