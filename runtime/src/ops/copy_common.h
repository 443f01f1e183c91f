// What CHANNEL_SHUFFLE, SLICE and PAD share: they copy elements, so input
// and output must have the same dtype (S8, U8 or F32) and, when quantized,
// the same per-tensor scale, zero point and bits; and the rank-4 view of a
// shape (leading 1s) that the box kernels (qrt_box_params) take.
#ifndef QRT_RUNTIME_OPS_COPY_COMMON_H_
#define QRT_RUNTIME_OPS_COPY_COMMON_H_

#include "op.h"

namespace qrt {
namespace rt {

// Fails unless input 0 and output 0 are both F32, or both quantized with
// the same dtype and per-tensor quantization. *quantized says which.
bool ExpectSameRepresentation(PrepareContext& ctx, bool* quantized);

// shape4[3 - k] = shape[rank - 1 - k]; 1 where rank < 4. Fails for rank > 4.
bool Shape4(PrepareContext& ctx, const TensorDesc& t, int index, size_t shape4[4]);

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_OPS_COPY_COMMON_H_
