// What MAX_POOL_2D and AVERAGE_POOL_2D share: checking Pool2DOptions
// against the NHWC input/output shapes, and filling qrt_pool2d_params.
// Every window must hold at least one input: pads smaller than the kernel.
#ifndef QRT_RUNTIME_OPS_POOL_COMMON_H_
#define QRT_RUNTIME_OPS_POOL_COMMON_H_

#include "op.h"

namespace qrt {
namespace rt {

// Checks counts, options, ranks, shapes and that input and output are both
// F32 or both quantized (per-tensor). Fills `params`; *options is the table.
bool PreparePool2D(PrepareContext& ctx, qrt_pool2d_params* params,
                   const schema::Pool2DOptions** options);

// The int8 average's quantization (AVERAGE_POOL_2D, GLOBAL_AVERAGE_POOL):
// scales, storage zero points, clamp range narrowed by `act`.
void FillAvgPoolQuant(const TensorDesc& x, const TensorDesc& y,
                      schema::Activation act, qrt_avgpool_s8_params* q);

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_OPS_POOL_COMMON_H_
