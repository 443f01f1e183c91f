// CONV_2D on the packed kernels: depthwise 3x3 through the dwconv3x3
// kernel, other depthwise kernel sizes (5x5, 7x7, ...) through the KxK
// dwconv kernel, everything else (groups == 1, grouped convolution,
// depthwise with a channel multiplier) through the GEMM driver
// (qrt_conv2d_s8_gemm: 1x1 in place, im2col rows into per-thread scratch;
// one GEMM per group). QRT_KERNEL_PATH=ref keeps qrt_conv2d_s8__ref
// (conv2d.cc).
//
// Threads: the output is cut into tasks of (image, band of output rows);
// each band runs as a convolution of its own whose input pointer starts at
// the first input row the band reads (pad_top shrinks accordingly), so the
// kernels need no notion of a sub-range. Every output value is computed by
// the same kernel from the same inputs whatever the cut, so results are
// identical for any thread count.
#include "conv2d.h"
#include "../thread_pool.h"

namespace qrt {
namespace rt {
namespace {

size_t OutputElementBytes(const Conv2DParams& p) {
  return p.float_output ? sizeof(float) : sizeof(int8_t);
}

// The convolution computing output rows [oy0, oy1) of image n.
struct Band {
  qrt_conv2d_params conv;
  size_t input_offset;   // elements
  size_t output_offset;  // elements
};

Band MakeBand(const qrt_conv2d_params& c, size_t n, size_t oy0, size_t oy1) {
  Band b;
  b.conv = c;
  b.conv.batch = 1;
  b.conv.output_height = oy1 - oy0;
  const long first = (long)(oy0 * c.stride_height) - (long)c.pad_top;
  size_t row0 = 0;  // first input row at the band's input pointer
  if (first > 0) {  // callers ensure first < input_height (BandsPerImage)
    row0 = (size_t)first;
    b.conv.pad_top = 0;
    b.conv.input_height = c.input_height - row0;
  } else {
    b.conv.pad_top = (size_t)(-first);
  }
  b.input_offset = (n * c.input_height + row0) * c.input_width * c.input_channels;
  b.output_offset =
      (n * c.output_height + oy0) * c.output_width * c.output_channels;
  return b;
}

// Bands per image for `threads`: one per thread, at most one per output
// row; 1 when a row's window would start below the input (all padding).
size_t BandsPerImage(const qrt_conv2d_params& c, size_t threads) {
  if (threads <= 1) return 1;
  const long last_first =
      (long)((c.output_height - 1) * c.stride_height) - (long)c.pad_top;
  if (last_first >= (long)c.input_height) return 1;
  return threads < c.output_height ? threads : c.output_height;
}

struct ConvJob {
  const OpPlan* op;
  const Conv2DParams* p;
  const RunContext* ctx;
  const int8_t* input;
  uint8_t* output;
  size_t bands;
};

void ConvTask(const void* arg, size_t task, size_t thread) {
  const ConvJob& j = *static_cast<const ConvJob*>(arg);
  const qrt_conv2d_params& c = j.p->conv;
  const size_t n = task / j.bands, band = task % j.bands;
  const size_t oy0 = band * c.output_height / j.bands;
  const size_t oy1 = (band + 1) * c.output_height / j.bands;
  const Band b = MakeBand(c, n, oy0, oy1);
  const int8_t* x = j.input + b.input_offset;
  void* y = j.output + b.output_offset * OutputElementBytes(*j.p);
  if (j.p->gemm.kernel != nullptr) {
    qrt_conv2d_s8_gemm(&j.p->gemm.kernel->ukernel, &b.conv, x,
                       j.p->gemm.packed.data, &j.p->epilogue,
                       j.p->gemm.int16_chunk,
                       static_cast<int8_t*>(j.ctx->ThreadScratch(*j.op, thread)),
                       y);
  } else if (j.p->dwconv.kernel != nullptr) {
    j.p->dwconv.kernel->fn(&b.conv, x, j.p->dwconv.packed.data,
                           &j.p->epilogue, y);
  } else {
    j.p->dwconvk.kernel->fn(&b.conv, x, j.p->dwconvk.packed.data,
                            &j.p->epilogue, j.p->dwconvk.int16_chunk, y);
  }
}

void RunPackedConv2D(const OpPlan& op, const RunContext& ctx) {
  const Conv2DParams& p = op.Params<Conv2DParams>();
  const int8_t* x = static_cast<const int8_t*>(ctx.tensor_data[p.input]);
  if (ctx.num_threads <= 1) {  // the whole batch in one kernel call
    if (p.gemm.kernel != nullptr) {
      qrt_conv2d_s8_gemm(&p.gemm.kernel->ukernel, &p.conv, x,
                         p.gemm.packed.data, &p.epilogue, p.gemm.int16_chunk,
                         static_cast<int8_t*>(ctx.ThreadScratch(op, 0)),
                         ctx.tensor_data[p.output]);
    } else if (p.dwconv.kernel != nullptr) {
      p.dwconv.kernel->fn(&p.conv, x, p.dwconv.packed.data, &p.epilogue,
                          ctx.tensor_data[p.output]);
    } else {
      p.dwconvk.kernel->fn(&p.conv, x, p.dwconvk.packed.data, &p.epilogue,
                           p.dwconvk.int16_chunk, ctx.tensor_data[p.output]);
    }
    return;
  }
  ConvJob job;
  job.op = &op;
  job.p = &p;
  job.ctx = &ctx;
  job.input = x;
  job.output = static_cast<uint8_t*>(ctx.tensor_data[p.output]);
  job.bands = BandsPerImage(p.conv, ctx.num_threads);
  ctx.pool->Parallelize(p.conv.batch * job.bands, ConvTask, &job);
}

}  // namespace

bool PreparePackedConv2D(PrepareContext& ctx, schema::Accumulator accumulator,
                         int int16_chunk, Conv2DParams* p) {
  bool reference = false;
  if (!UseReferenceKernels(ctx, &reference)) return false;
  if (reference) return true;
  const qrt_conv2d_params& c = p->conv;
  const bool depthwise = c.groups == c.input_channels && c.groups == c.output_channels &&
                         c.groups > 1;
  if (depthwise && c.kernel_height == 3 && c.kernel_width == 3) {
    if (!PrepareDwconv3x3(ctx, accumulator, int16_chunk, c.output_channels, *p,
                          &p->dwconv)) {
      return false;
    }
  } else if (depthwise) {
    if (!PrepareDwconvKxK(ctx, accumulator, int16_chunk, c, *p, &p->dwconvk)) {
      return false;
    }
  } else {  // groups == 1, grouped, or depthwise with a channel multiplier
    const size_t k = c.kernel_height * c.kernel_width * (c.input_channels / c.groups);
    if (!PrepareGemm(ctx, accumulator, int16_chunk, c.output_channels, k, *p,
                     &p->gemm, c.groups)) {
      return false;
    }
    ctx.run().thread_scratch_bytes =
        qrt_conv2d_s8_gemm_scratch_size(&c, &p->gemm.kernel->ukernel);
  }
  p->epilogue = MakeGemmEpilogue(*p);
  ctx.run().fn = RunPackedConv2D;
  return true;
}

}  // namespace rt
}  // namespace qrt
