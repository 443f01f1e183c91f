// Shape helpers shared by infer_shapes() and the float executor.
//
// 2-D sliding-window geometry shared by Conv, MaxPool and AveragePool:
// kernel, strides, dilations and explicit pads (auto_pad resolved), and the
// output size. infer_shapes() writes the resolved values back into the node
// (auto_pad becomes NOTSET, kernel_shape/pads/strides/dilations explicit), so
// lowering (quantize/) and the executor read plain attributes.
#pragma once

#include <cstdint>

#include "graph/graph.h"

namespace qrt {
namespace graph {

struct Window2d {
  int64_t kh = 1, kw = 1;              // kernel
  int64_t sh = 1, sw = 1;              // strides
  int64_t dh = 1, dw = 1;              // dilations
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;  // pads: top, left, bottom, right
  int64_t oh = 0, ow = 0;              // output size
};

// Resolves the window of `node` for an input of spatial size ih x iw and a
// kernel kh x kw (from the weights for Conv, kernel_shape for pools).
// ceil_mode rounds the output size up (pools), dropping a last window that
// would start in the bottom/right padding. Throws ConvertError naming the node.
Window2d resolve_window2d(const Node& node, int64_t ih, int64_t iw, int64_t kh, int64_t kw,
                          bool ceil_mode);

// The output positions [lo, hi) of one dimension (size `out`, input size
// `in`, stride s, leading pad `pad`) whose tap at offset `off` (k * dilation)
// reads inside [0, in): ix = ox*s - pad + off. The float executor's conv
// and the calibration's layer statistics both skip padded taps with it.
inline void conv_valid_range(int64_t out, int64_t in, int64_t s, int64_t pad, int64_t off, int64_t& lo,
                             int64_t& hi) {
  const int64_t a = pad - off;  // ix >= 0  <=>  ox >= ceil((pad - off) / s)
  lo = a <= 0 ? 0 : (a + s - 1) / s;
  const int64_t b = in - 1 + pad - off;  // ix <= in - 1  <=>  ox <= floor((in - 1 + pad - off) / s)
  hi = b < 0 ? 0 : (out < b / s + 1 ? out : b / s + 1);
  lo = lo < out ? lo : out;
  if (hi < lo) hi = lo;
}

// Numpy broadcast of two shapes; throws naming `node` if incompatible.
Shape broadcast_shapes(const Node& node, const Shape& a, const Shape& b);
// ONNX Reshape: target shape from the `shape` tensor (0 = copy unless
// allowzero, -1 = inferred).
Shape reshape_target(const Node& node, const Shape& in, const Tensor& spec);
// ONNX MatMul (numpy matmul) output shape.
Shape matmul_shape(const Node& node, const Shape& a, const Shape& b);

// infer_shapes() for one node: its inputs' shapes must be in g.shapes;
// writes its outputs' shapes (and explicit windows, non-negative axes into
// the node). fold_constants() interleaves it with evaluation.
void infer_node_shapes(Graph& g, Node& n);

}  // namespace graph
}  // namespace qrt
