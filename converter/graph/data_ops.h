// Shape inference and float execution of the shape-math, data-movement,
// broadcasting and reduction ops (the ops that shape subgraphs, SE blocks,
// channel shuffles and older exports bring), in one place so the two can
// never disagree: the executor calls data_op_shapes() for the output
// shapes and resolved parameters, then the kernels of tensor_ops.h.
//
// Parameters that ONNX moved from attributes to inputs over the opsets
// (Slice starts/ends/axes/steps, Unsqueeze/Squeeze/Reduce* axes, Split
// split, Pad pads/value, Reshape shape) are read from either form; an input
// form must be a constant (initializer) when its shape depends on it.
//
// The ops: Constant, Shape, Size, Gather, Unsqueeze, Squeeze, Cast, Range,
// ConstantOfShape, Slice, Split, Transpose, Expand, Tile, Sub, Mul, Div,
// Pow, Min, Max, Sum, Mean, Equal, Less, Greater, LessOrEqual,
// GreaterOrEqual, And, Or, Not, Where, PRelu, Sqrt, Floor, Ceil, Neg, Abs,
// Exp, Log, Reciprocal, ReduceMean, ReduceSum, ReduceSumSquare,
// ReduceProd, ReduceMax, ReduceMin, Pad (constant), LRN,
// QrtChannelShuffle, Dropout (inference: a copy).
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace qrt {
namespace graph {

bool is_data_op(const std::string& op_type);

// Output shapes (one per output) for input shapes `in`; `consts[i]` is
// input i's value when it is a constant, else nullptr. Throws ConvertError
// naming the node (bad attribute, non-constant parameter, mismatch).
std::vector<Shape> data_op_shapes(const Node& n, const std::vector<Shape>& in,
                                  const std::vector<const Tensor*>& consts);

// Evaluates the node (in[i] == nullptr: absent optional input).
std::vector<Tensor> data_op_run(const Node& n, const std::vector<const Tensor*>& in);

// Whether output 0 of `n` holds integers (ONNX int/bool type) given its
// inputs: Shape, Size, comparisons, Cast to an integer type, and ops that
// carry their integer inputs through (Gather, Concat, Mul of integers...).
bool integer_result(const Node& n, const std::vector<const Tensor*>& in);

// Slice (any opset): starts/ends/axes/steps from inputs 1..4 or the
// attributes of the same names, clamped as ONNX defines it; per input dim
// the first index, the step and the count kept (the output shape).
struct SliceSpec {
  std::vector<int64_t> start, step;
  Shape count;
};
SliceSpec resolve_slice(const Node& n, const Shape& x, const std::vector<const Tensor*>& consts);

// Pad (any opset): pads from input 1 / attribute `pads` (with opset 18's
// axes), value from input 2 / attribute `value`; constant mode only,
// pads >= 0 (errors name the node).
struct PadSpec {
  std::vector<int64_t> pads;  // 2 * rank, ONNX order (all begins, then all ends)
  float value = 0.0f;
  std::string mode;
};
PadSpec resolve_pad(const Node& n, const Shape& x, const std::vector<const Tensor*>& consts);

// A Constant node's value (value, value_float(s), value_int(s)).
Tensor constant_value(const Node& n);

// The values of an integer parameter tensor (finite integers); throws
// naming the node and `what` otherwise.
std::vector<int64_t> int_values(const Node& n, const Tensor& t, const std::string& what);

}  // namespace graph
}  // namespace qrt
