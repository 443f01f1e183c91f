// FULLY_CONNECTED: y[n, o] = sum_k w[o, k] * (x[n, k] - zx) + b[o].
//   x [N,K] (or any rank: the last dimension is K, the rest are rows)
//   S8/U8, w [O,K] S8 constant, bias [O] S32 or absent, y [rows, O]
//   S8/U8 or F32. Kernels: qrt_fully_connected_s8__ref / _s8_f32__ref, or
//   qrt_gemm_s8 on packed weights (packed_linear.h) unless
//   QRT_KERNEL_PATH=ref. Threads split the output channels into groups of
//   whole NR-channel panels; each group is one qrt_gemm_s8 call over all
//   rows, so every output is computed the same way for any thread count.
#include "../thread_pool.h"
#include "fully_connected.h"

namespace qrt {
namespace rt {
namespace {

struct GemmJob {
  const FullyConnectedParams* p;
  const int8_t* x;
  uint8_t* y;
  size_t groups;
};

// Channel panels [g * panels / groups, (g + 1) * panels / groups).
void GemmTask(const void* arg, size_t g, size_t /*thread*/) {
  const GemmJob& j = *static_cast<const GemmJob*>(arg);
  const FullyConnectedParams& p = *j.p;
  const qrt_gemm_s8_ukernel& uk = p.gemm.kernel->ukernel;
  const size_t n = p.fc.output_channels, k = p.fc.input_channels;
  const size_t panels = (n + uk.nr - 1) / uk.nr;
  const size_t p0 = g * panels / j.groups, p1 = (g + 1) * panels / j.groups;
  const size_t n0 = p0 * uk.nr, n1 = p1 * uk.nr < n ? p1 * uk.nr : n;
  const size_t esize = p.float_output ? sizeof(float) : sizeof(int8_t);
  qrt_gemm_s8(&uk, p.fc.batch, n1 - n0, k, j.x, k,
              static_cast<const uint8_t*>(p.gemm.packed.data) +
                  p0 * qrt_gemm_s8_panel_size(&uk, k),
              j.y + n0 * esize, n, &p.epilogue, p.gemm.int16_chunk);
}

void RunFullyConnectedGemm(const OpPlan& op, const RunContext& ctx) {
  const FullyConnectedParams& p = op.Params<FullyConnectedParams>();
  GemmJob job;
  job.p = &p;
  job.x = static_cast<const int8_t*>(ctx.tensor_data[p.input]);
  job.y = static_cast<uint8_t*>(ctx.tensor_data[p.output]);
  const size_t nr = p.gemm.kernel->ukernel.nr;
  const size_t panels = (p.fc.output_channels + nr - 1) / nr;
  job.groups = ctx.num_threads < panels ? ctx.num_threads : panels;
  ctx.pool->Parallelize(job.groups, GemmTask, &job);
}

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
  if (!PrepareLinearEpilogue(ctx, out_channels, o->activation(), p.get()) ||
      !VerifyAccumulator(ctx, o->accumulator(), o->int16_chunk())) {
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
  ctx.run().fn = p->float_output ? RunFullyConnectedS8F32 : RunFullyConnectedS8;
  SetKernelInfo(ctx.op(), p->float_output ? "qrt_fully_connected_s8_f32__ref"
                                          : "qrt_fully_connected_s8__ref", 0, 0);
  bool reference = false;
  if (!UseReferenceKernels(ctx, &reference)) return false;
  if (!reference) {
    if (!PrepareGemm(ctx, o->accumulator(), o->int16_chunk(), out_channels, k,
                     *p, &p->gemm)) {
      return false;
    }
    p->epilogue = MakeGemmEpilogue(*p);
    ctx.run().fn = RunFullyConnectedGemm;
  }
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
