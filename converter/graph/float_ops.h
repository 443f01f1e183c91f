// fp32 reference kernels of the float executor (NCHW, ONNX semantics).
// Each takes resolved parameters (no Node), so it can be tested and reused
// on its own; float_executor.cc reads the attributes and calls these.
#pragma once

#include "graph/graph.h"
#include "graph/op_helpers.h"

namespace qrt {
namespace graph {
namespace ops {

// x [N, C, H, W], w [M, C/group, kh, kw], bias [M] or nullptr.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, const Window2d& win, int64_t group);
Tensor max_pool2d(const Tensor& x, const Window2d& win);
Tensor average_pool2d(const Tensor& x, const Window2d& win, bool count_include_pad);
Tensor global_average_pool(const Tensor& x);
// y = (x - mean) / sqrt(var + eps) * scale + bias, per channel (dim 1).
Tensor batch_norm(const Tensor& x, const Tensor& scale, const Tensor& bias, const Tensor& mean,
                  const Tensor& var, float eps);
// Numpy-broadcasting a + b; out_shape from broadcast_shapes().
Tensor add(const Tensor& a, const Tensor& b, const Shape& out_shape);
// alpha * op(A) * op(B) + beta * C, C unidirectionally broadcast (or nullptr).
Tensor gemm(const Tensor& a, const Tensor& b, const Tensor* c, float alpha, float beta, bool trans_a,
            bool trans_b);
Tensor matmul(const Tensor& a, const Tensor& b, const Shape& out_shape);
Tensor concat(const std::vector<const Tensor*>& xs, int64_t axis);
// legacy_2d: opset < 13 semantics (coerce to 2-D at axis); log: LogSoftmax.
Tensor softmax(const Tensor& x, int64_t axis, bool legacy_2d, bool log = false);
void clip_inplace(Tensor& x, float lo, float hi);

}  // namespace ops
}  // namespace graph
}  // namespace qrt
