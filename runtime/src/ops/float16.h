// fp16 float-adds sessions (qrt_session_options.float_adds = F16, or AUTO on
// a CPU with fp16 arithmetic): which float activations are stored as fp16,
// and the run functions that read and write them. Decided once at load, after
// every op's Prepare; the file's tensors stay F32.
//
// A tensor is fp16 when it is an F32 activation, not a model input or
// output, written by CONV_2D with F32 output (the dequantizing epilogue),
// DEQUANTIZE or ADD, and read only by ADD and QUANTIZE; then, to a fixed
// point, an ADD's two inputs are both fp16 or both fp32, and its output is
// fp16 only if its inputs are (so an fp16 ADD is one fp16 addition; its
// output may still be fp32, e.g. a model output or a pooling input: widened
// exactly). A conv qualifies when it can run in bands of output rows (every
// band starts inside the input). FULLY_CONNECTED outputs stay fp32.
//
// Each op that reads or writes such a tensor gets an OpPlan::run[kStorageF16]
// of its own (run function, kernel name, scratch; every other op's is a copy
// of its F32 run):
//   CONV_2D     bands of rows: the fp32 epilogue as in F32 sessions
//               (Conv2DParams::f32_band) into a per-thread scratch band,
//               then round16 (convert_f32_f16)
//   DEQUANTIZE  dequantize_s8_f16;  QUANTIZE  quantize_f16_s8
//   ADD         add_f16 (fp16 output), or add_f16 into scratch + widen16
// with the kernels of qrt_select_f16_op_kernels (same bits on every path).
#ifndef QRT_RUNTIME_OPS_FLOAT16_H_
#define QRT_RUNTIME_OPS_FLOAT16_H_

#include "../model.h"

namespace qrt {
namespace rt {

// Fills Model::f16 / num_f16 and the ops' run[kStorageF16].
qrt_status PrepareFloat16(Model& m, qrt_error* error);

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_OPS_FLOAT16_H_
