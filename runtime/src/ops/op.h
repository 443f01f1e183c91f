// How an operator becomes runnable: the op registry and its helpers.
//
// Three hops from the file to the arithmetic: the schema's OpType picks a
// row of the registry table (registry.cc), the row names a Prepare function
// in one small file per op (conv2d.cc, add.cc, ...), and Prepare validates
// the op's tensors, computes its constants once, and picks a Run function
// that calls the reference kernel (kernels/include/qrt/kernels/ref.h) for
// the op's dtypes. Prepare runs at load; Run runs on every inference and
// must not allocate or fail.
//
// A Prepare that rejects the op says why through PrepareContext::Fail,
// which prefixes "operator <i> '<name>' (<TYPE>): ".
#ifndef QRT_RUNTIME_OPS_OP_H_
#define QRT_RUNTIME_OPS_OP_H_

#include <stddef.h>
#include <stdint.h>

#include "../error.h"
#include "../model.h"
#include "qrt/kernels/dispatch.h"
#include "qrt/kernels/ref.h"

namespace qrt {
namespace rt {

class PrepareContext {
 public:
  PrepareContext(const Model& model, OpPlan& op, qrt_error* error)
      : model_(model), op_(op), error_(error) {}

  const Model& model() const { return model_; }
  OpPlan& op() { return op_; }
  // What Prepare fills: how the op runs as the file has it (fp32 float
  // adds); ops/float16.h derives the F16 entry after every Prepare.
  OpRun& run() { return op_.run[kStorageF32]; }
  const schema::Operator& fb() const {
    return *model_.fb->operators()->Get((flatbuffers::uoffset_t)op_.index);
  }

  // Fails with "operator i 'name' (TYPE): <message>". Returns false.
  bool Fail(qrt_status status, const char* fmt, ...) QRT_PRINTF(3, 4);

  // Checks the count of inputs (min..max, absent ones included) and outputs.
  bool ExpectCounts(size_t min_inputs, size_t max_inputs, size_t outputs);
  // Tensor at input/output slot `slot` (slot must exist and not be -1).
  const TensorDesc& In(size_t slot) const {
    return model_.tensors[(size_t)op_.inputs[slot]];
  }
  const TensorDesc& Out(size_t slot) const {
    return model_.tensors[(size_t)op_.outputs[slot]];
  }
  bool HasInput(size_t slot) const {
    return slot < op_.inputs.size() && op_.inputs[slot] >= 0;
  }
  // "input tensor 2 'x'" / "output tensor 5 'y'" for messages.
  TensorText InText(size_t slot) const {
    return TensorText(op_.inputs[slot], In(slot));
  }
  TensorText OutText(size_t slot) const {
    return TensorText(op_.outputs[slot], Out(slot));
  }
  // Fails unless the input at `slot` is an activation (no buffer) / a constant.
  bool ExpectActivation(size_t slot, const char* role);
  bool ExpectConstant(size_t slot, const char* role);
  // Fails unless the tensor has the given rank.
  bool ExpectRank(const TensorDesc& t, int index, const char* role, int rank);
  // Fails with UNSUPPORTED naming the input/output dtypes.
  bool FailDtypes();
  // Fails unless the two tensors have the same shape.
  bool ExpectSameShape(const TensorDesc& a, int ia, const TensorDesc& b, int ib);

 private:
  const Model& model_;
  OpPlan& op_;
  qrt_error* error_;
};

using PrepareFn = bool (*)(PrepareContext& ctx);

struct OpRegistration {
  schema::OpType type;
  PrepareFn prepare;
};

// The registry row for `type`, or nullptr if this runtime lacks the op.
const OpRegistration* FindOp(schema::OpType type);

// Shared helpers for op files.
// Float clamp bounds for a fused activation.
void ActivationRangeF32(schema::Activation act, float* lo, float* hi);
// int8 clamp bounds of a quantized tensor narrowed by a fused activation
// (RELU: lo = max(lo, zy); RELU6: also hi = min(hi, zy + round(6 / sy))).
void ActivationRangeS8(const TensorDesc& out, schema::Activation act,
                       int8_t* lo, int8_t* hi);
// The elementwise / pooling kernel table for this CPU and QRT_KERNEL_PATH
// (qrt_select_op_kernels: `ref` gives the __ref kernels); fails ctx with
// INVALID_ARGUMENT naming the variable when it is invalid.
bool SelectOpKernels(PrepareContext& ctx, const qrt_op_kernels** kernels);

// Fails unless the activation enum is in range.
bool ExpectActivationEnum(PrepareContext& ctx, schema::Activation act);

// One Prepare per op file.
bool PrepareConv2D(PrepareContext& ctx);
bool PrepareFullyConnected(PrepareContext& ctx);
bool PrepareAdd(PrepareContext& ctx);
bool PrepareQuantize(PrepareContext& ctx);
bool PrepareDequantize(PrepareContext& ctx);
bool PrepareMaxPool2D(PrepareContext& ctx);
bool PrepareAveragePool2D(PrepareContext& ctx);
bool PrepareGlobalAveragePool(PrepareContext& ctx);
bool PrepareReshape(PrepareContext& ctx);
bool PrepareConcat(PrepareContext& ctx);
bool PrepareSoftmax(PrepareContext& ctx);
bool PrepareLookupTable(PrepareContext& ctx);
bool PrepareMul(PrepareContext& ctx);
bool PrepareChannelShuffle(PrepareContext& ctx);
bool PrepareSlice(PrepareContext& ctx);
bool PreparePad(PrepareContext& ctx);
bool PrepareLrn(PrepareContext& ctx);
bool PreparePrelu(PrepareContext& ctx);

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_OPS_OP_H_
