// Elementwise unary ops: one activation input, one output of the same
// shape, each element a function of the input element alone.
//
// One owner for each function: the float executor applies unary_value()
// per element, and lowering (quantize/) builds the runtime's 256-entry
// int8 table (LOOKUP_TABLE) from the same unary_value(), so calibration,
// the float reference and the int8 table can never disagree on a formula.
//
// The ops (ONNX semantics, fp32, attributes with ONNX defaults):
//   HardSigmoid  max(0, min(1, alpha * x + beta))          alpha 0.2, beta 0.5
//   HardSwish    x * max(0, min(1, x / 6 + 0.5))
//   Sigmoid      1 / (1 + exp(-x))
//   Tanh         tanh(x)
//   LeakyRelu    x >= 0 ? x : alpha * x                     alpha 0.01
//   Elu          x >= 0 ? x : alpha * (exp(x) - 1)          alpha 1
//   Softplus     log(1 + exp(x))
//   Relu         max(0, x)   (unfused Relu, e.g. after a concat)
//   Clip         min(max(x, min), max)  (attributes, after fold_constants)
//   QrtSilu      x * sigmoid(x)           (the passes' name for Mul(x, Sigmoid(x)))
//   QrtAffine    x * scale + offset       (float attributes `scale`, `offset`:
//                the passes' name for Mul/Add/Sub/Div of an activation by a
//                scalar constant that could not be folded into a neighbour)
#pragma once

#include <functional>
#include <string>

#include "graph/graph.h"

namespace qrt {
namespace graph {

// True for the op types above.
bool is_unary_elementwise(const std::string& op_type);
// The op's function with its attributes read once (for whole tensors).
// Throws ConvertError naming the node for an op type that is not unary
// elementwise.
std::function<float(float)> unary_function(const Node& n);
// The op's value at x: unary_function(n)(x).
float unary_value(const Node& n, float x);

}  // namespace graph
}  // namespace qrt
