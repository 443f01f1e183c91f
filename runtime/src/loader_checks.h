// Value-range checks the loader applies after every op's Prepare: values
// that are well-formed but would make a kernel misbehave or an app compute
// nonsense (docs/integer-semantics.md, "Value ranges checked at load").
// qrt-convert runs the same loader on the bytes it is about to write
// (converter/emit), so a converted model can never fail these.
#ifndef QRT_RUNTIME_LOADER_CHECKS_H_
#define QRT_RUNTIME_LOADER_CHECKS_H_

#include "model.h"

namespace qrt {
namespace rt {

// Limits on values read from a file.
// Per tensor: QRT_DEFAULT_MAX_TENSOR_ELEMENTS, and on 32-bit targets
// SIZE_MAX / 8, so element counts times 8 (bits, bytes) never overflow.
constexpr size_t kMaxTensorElements =
    (uint64_t)SIZE_MAX / 8 < QRT_DEFAULT_MAX_TENSOR_ELEMENTS
        ? SIZE_MAX / 8 : (size_t)QRT_DEFAULT_MAX_TENSOR_ELEMENTS;
constexpr int32_t kMaxPreprocessSize = 16384;           // resize_short, crop H/W

// CONV_2D and FULLY_CONNECTED: the int32 accumulator bound per output
// channel and finite requantization factors.
qrt_status CheckLinearRanges(const Model& m, qrt_error* error);

// Metadata.preprocess: sizes, mean, std, channel order.
qrt_status CheckPreprocess(const Model& m, qrt_error* error);

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_LOADER_CHECKS_H_
