// The loader's two halves: loader_api.cc (the qrt_model_load_* entry
// points: limits, reading the file once, the FlatBuffers verifier, trailing
// bytes) hands a verified model to loader.cc (everything else).
#ifndef QRT_RUNTIME_LOADER_H_
#define QRT_RUNTIME_LOADER_H_

#include "model.h"

namespace qrt {
namespace rt {

// Fills `m` from m.fb (verified; m.file holds the bytes): tensors, graph,
// each op's Prepare and the value-range checks.
qrt_status LoadVerified(Model& m, qrt_error* error);

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_LOADER_H_
