// CONV_2D state shared by the reference path (conv2d.cc) and the packed
// kernel paths (conv2d_packed.cc).
#ifndef QRT_RUNTIME_OPS_CONV2D_H_
#define QRT_RUNTIME_OPS_CONV2D_H_

#include "packed_linear.h"
#include "qrt/kernels/fp16.h"

namespace qrt {
namespace rt {

struct Conv2DParams : LinearEpilogue {
  qrt_conv2d_params conv = {};
  int input = 0, weights = 0, bias = -1, output = 0;
  // Packed paths only.
  qrt_gemm_s8_epilogue epilogue = {};
  PackedGemm gemm;            // groups == 1, grouped (one block per group)
  PackedDwconv dwconv;        // depthwise 3x3
  PackedDwconvKxK dwconvk;    // depthwise, any other kernel size
  // F16 sessions with an fp16 output (float16.cc): bands of f16_rows output
  // rows, each computed by f32_band (the op's fp32 kernel on the band as a
  // convolution of its own, `im2col` the thread's GEMM scratch) into
  // per-thread scratch `y`, then round16 by to_f16.
  using F32BandFn = void (*)(const Conv2DParams& p,
                             const qrt_conv2d_params& band, const int8_t* x,
                             const int8_t* w, const int32_t* bias,
                             int8_t* im2col, float* y);
  F32BandFn f32_band = nullptr;
  qrt_convert_f32_f16_fn to_f16 = nullptr;
  size_t f16_rows = 0;
};

// Picks the packed kernel for `p` unless QRT_KERNEL_PATH is `ref`
// (depthwise 3x3: dwconv; other depthwise: dwconvk; any other groups: the
// GEMM, one packed block per group), packs the weights and sets the op's
// run function and scratch. Leaves the reference run function in place
// under `ref`. False (ctx failed) on error.
bool PreparePackedConv2D(PrepareContext& ctx, schema::Accumulator accumulator,
                         int int16_chunk, Conv2DParams* p);

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_OPS_CONV2D_H_
