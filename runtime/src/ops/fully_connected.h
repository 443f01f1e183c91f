// FULLY_CONNECTED state (fully_connected.cc), visible to white-box users of
// the op plan.
#ifndef QRT_RUNTIME_OPS_FULLY_CONNECTED_H_
#define QRT_RUNTIME_OPS_FULLY_CONNECTED_H_

#include "packed_linear.h"

namespace qrt {
namespace rt {

struct FullyConnectedParams : LinearEpilogue {
  qrt_fully_connected_params fc = {};
  int input = 0, weights = 0, bias = -1, output = 0;
  qrt_gemm_s8_epilogue epilogue = {};
  PackedGemm gemm;
};

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_OPS_FULLY_CONNECTED_H_
