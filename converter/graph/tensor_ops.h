// fp32 kernels of the float executor for the data-movement, broadcasting
// and reduction ops (NCHW, ONNX semantics), next to float_ops.h's conv,
// pool and GEMM kernels. Each takes resolved parameters (no Node);
// data_ops.cc reads the attributes / constant inputs and calls these.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/graph.h"

namespace qrt {
namespace graph {
namespace ops {

enum class Binary {
  kAdd, kSub, kMul, kDiv, kPow, kMin, kMax, kEqual, kLess, kGreater, kLessEqual, kGreaterEqual, kAnd, kOr, kPRelu
};
// Numpy-broadcasting a (op) b into out_shape (from broadcast_shapes()).
// `integer`: both operands hold integers (Div truncates toward zero, as
// ONNX does for integer tensors).
Tensor binary(const Tensor& a, const Tensor& b, const Shape& out_shape, Binary op, bool integer);
// x broadcast to out_shape (Expand, and Where's operands).
Tensor broadcast_to(const Tensor& x, const Shape& out_shape);
Tensor transpose(const Tensor& x, const std::vector<int64_t>& perm);
// One entry per axis of x: start, step and count of the kept elements
// (start + k * step, k < count; step may be negative).
Tensor strided_slice(const Tensor& x, const std::vector<int64_t>& start, const std::vector<int64_t>& step,
                     const Shape& count);
// ONNX Gather: indices already non-negative.
Tensor gather(const Tensor& x, const Tensor& indices, int64_t axis);
// Constant padding; pads in ONNX order (all begins, then all ends), >= 0.
Tensor pad_constant(const Tensor& x, const std::vector<int64_t>& pads, float value);
enum class Reduce { kSum, kMean, kProd, kMax, kMin, kSumSquare };
// Reduces over `axes` (non-negative, sorted, unique).
Tensor reduce(const Tensor& x, const std::vector<int64_t>& axes, bool keepdims, Reduce kind);
// ONNX LRN across channels (dim 1): x / (bias + alpha / size * sum x^2)^beta
// over channels [c - floor((size-1)/2), c + ceil((size-1)/2)].
Tensor lrn(const Tensor& x, int64_t size, float alpha, float beta, float bias);
// [N, C, ...]: output channel o = input channel (o % g) * (C / g) + o / g.
Tensor channel_shuffle(const Tensor& x, int64_t group);

}  // namespace ops
}  // namespace graph
}  // namespace qrt
