// The optimized conv / FC kernels as the runtime uses them: which kernel a
// layer gets, and its weights packed once at load.
//
// At load (Prepare), for each CONV_2D / FULLY_CONNECTED layer:
//  1. QRT_KERNEL_PATH=ref keeps the layer on the pure reference kernels
//     (qrt_conv2d_s8__ref, ...), so one binary can compare every path.
//  2. Otherwise the dispatch table (qrt/kernels/dispatch.h) picks the GEMM
//     kernel for the layer (qrt_select_gemm_s8_for_layer: accumulator, N, depth
//     K and int16 chunk; an INT32 layer gets an acc32 kernel, an INT16 layer
//     the fastest kernel of either kind, e.g. SDOT acc32 where the CPU has
//     it; for a grouped conv, per group) or the depthwise 3x3 / KxK kernel.
//  3. An acc16 kernel sums at most `int16_chunk` products per int16 lane.
//     The file's chunk is authoritative and verified at load
//     (VerifyAccumulator): qrt_int16_chunk, the converter's own planning
//     code (kernels/accumulation/, docs/accumulation.md), recomputes the
//     bound from the weights and the input's storage range, and a file that
//     claims more is refused, so a wrong chunk can never overflow a lane.
//  4. The weights are packed for that kernel (bias with the input zero
//     point folded in, per-channel epilogue scales) into memory the model
//     owns; the run path only reads it.
#ifndef QRT_RUNTIME_OPS_PACKED_LINEAR_H_
#define QRT_RUNTIME_OPS_PACKED_LINEAR_H_

#include <stdlib.h>

#include "linear_common.h"
#include "qrt/kernels/dispatch.h"

namespace qrt {
namespace rt {

// Packed weights, 64-byte aligned, owned by the op's params (the model).
struct PackedBuffer {
  void* data = nullptr;
  size_t bytes = 0;
  PackedBuffer() = default;
  PackedBuffer(const PackedBuffer&) = delete;
  PackedBuffer& operator=(const PackedBuffer&) = delete;
  ~PackedBuffer() { free(data); }
  // Allocates `bytes`; fails ctx with OUT_OF_MEMORY.
  bool Allocate(PrepareContext& ctx, size_t bytes);
};

// True when QRT_KERNEL_PATH=ref (the layer stays on the __ref kernels);
// fails ctx (INVALID_ARGUMENT naming the variable) when the variable is
// invalid for this build / CPU.
bool UseReferenceKernels(PrepareContext& ctx, bool* reference);

// The epilogue of the packed kernels equivalent to `e`.
qrt_gemm_s8_epilogue MakeGemmEpilogue(const LinearEpilogue& e);

// A GEMM kernel with its packed weights [n][k] and the chunk it runs with.
struct PackedGemm {
  const qrt_gemm_s8_kernel* kernel = nullptr;
  size_t int16_chunk = 0;  // 0 for acc32 kernels
  PackedBuffer packed;
};

// Fails with INVALID_MODEL unless `accumulator` is INT32, or INT16 with
// 1 <= file_chunk <= qrt_int16_chunk(weights, input storage range).
// Input 0 is the activation, input 1 the int8 weights [channels][...].
bool VerifyAccumulator(PrepareContext& ctx, schema::Accumulator accumulator,
                       int file_chunk);

// Selects the kernel for `accumulator` / `file_chunk` and packs weights
// [n][k] (input 1 of the op), bias (input 2, optional) and e's factors.
// groups > 1 (grouped convolution): the kernel is chosen for one group
// (n / groups output channels of depth k) and each group's weights
// [n / groups][k] are packed into a block of their own, the blocks one
// after the other (qrt_conv2d_s8_gemm_packed_size, qrt/kernels/gemm.h).
bool PrepareGemm(PrepareContext& ctx, schema::Accumulator accumulator,
                 int file_chunk, size_t n, size_t k, const LinearEpilogue& e,
                 PackedGemm* out, size_t groups = 1);

// Depthwise 3x3 kernel and its packed weights ([channels][3][3][1]). An
// INT16 layer whose verified `file_chunk` covers all 9 taps
// (qrt_select_dwconv3x3_s8_for_layer: >= 9) gets the acc16 kernel.
struct PackedDwconv {
  const qrt_dwconv3x3_s8_kernel* kernel = nullptr;
  PackedBuffer packed;
};
bool PrepareDwconv3x3(PrepareContext& ctx, schema::Accumulator accumulator,
                      int file_chunk, size_t channels, const LinearEpilogue& e,
                      PackedDwconv* out);

// Depthwise KxK kernel (any kernel size but 3x3) and its packed weights
// ([channels][KH][KW][1]); int16_chunk is what the kernel runs with: the
// verified file chunk for an acc16 row (chosen when it is >= KW), else 0.
struct PackedDwconvKxK {
  const qrt_dwconv_s8_kernel* kernel = nullptr;
  size_t int16_chunk = 0;
  PackedBuffer packed;
};
bool PrepareDwconvKxK(PrepareContext& ctx, schema::Accumulator accumulator,
                      int file_chunk, const qrt_conv2d_params& conv,
                      const LinearEpilogue& e, PackedDwconvKxK* out);

// Records the choice on the op (its F32 run's kernel name, qrt_session_op_info).
void SetKernelInfo(OpPlan& op, const char* name, size_t int16_chunk,
                   size_t packed_bytes);

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_OPS_PACKED_LINEAR_H_
