// ADD's float state, shared with the fp16 float-adds path (float16.cc).
#ifndef QRT_RUNTIME_OPS_ADD_H_
#define QRT_RUNTIME_OPS_ADD_H_

#include "op.h"
#include "qrt/kernels/dispatch.h"
#include "qrt/kernels/fp16.h"

namespace qrt {
namespace rt {

struct AddParams : OpParams {
  int a = 0, b = 0, output = 0;
  size_t n = 0;
  float lo = 0, hi = 0;
  qrt_add_f32_fn add_f32 = nullptr;  // F32 sessions: the op table's kernel
  // F16 sessions (float16.cc): fp16 inputs; an F32 output goes through
  // n fp16 values of scratch, then widen16.
  qrt_add_f16_fn add_f16 = nullptr;
  qrt_convert_f16_f32_fn widen = nullptr;
};

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_OPS_ADD_H_
