// Float/quantized placement: which tensors the .qrt model keeps in fp32 and
// which in int8, decided in this one place.
//
// The rules (docs/converter.md explains why):
//   - graph inputs are F32 (the app feeds floats; a QUANTIZE op follows);
//   - Conv / Gemm / MatMul (and a BatchNormalization the passes could not
//     fold: a depthwise 1x1 conv) write int8, except that they write F32 (the
//     dequantizing epilogue) when any reader is an Add, a Softmax or an LRN, or
//     when the output is a graph output (the logits);
//   - Add (with its fused ReLU) runs in F32: residual sums keep full
//     precision, which costs little and avoids a requantizing add
//     (the method's guideline 4). With float_residual_adds off (the
//     --quantize-adds ablation) Add reads and writes int8 instead, and the
//     convs feeding it write int8 too;
//   - MaxPool, AveragePool, GlobalAveragePool, Reshape, Flatten,
//     QrtChannelShuffle, Slice and Pad run in the representation of their
//     input (the last three copy codes, keeping the input's quantization);
//   - Concat is int8 when every input is int8, else F32;
//   - Softmax is F32, and so is LRN (a float island: QUANTIZE / DEQUANTIZE
//     at its edges; a conv before it writes F32 directly);
//   - unary elementwise ops (graph/elementwise.h: HardSwish, Sigmoid, ...,
//     unfused Relu/Clip) read and write int8 (LOOKUP_TABLE); their output
//     is non-negative for Sigmoid, HardSigmoid, Relu, Softplus and Clip
//     with min >= 0;
//   - PRelu (per-channel slopes) reads and writes int8 (signed);
//   - Mul of two activations reads and writes int8 (non-negative when both
//     inputs are, or with a fused RELU).
// Conv/Gemm/MatMul read int8, Add and Softmax read F32; a QUANTIZE or
// DEQUANTIZE op is inserted by lowering wherever a reader needs the other
// representation (input_need()).
//
// A tensor is "non-negative" when it is the output of a fused RELU/RELU6,
// or a pool/reshape/concat of non-negative tensors; such tensors are stored
// U8 (when unsigned activations are on), all others S8.
#pragma once

#include <map>
#include <string>

#include "graph/graph.h"

namespace qrt::quantize {

struct PlacementOptions {
  // Adds (and the conv outputs that feed them) in F32. false: int8 adds
  // (requantizing both inputs to the output scale, docs/integer-semantics.md).
  bool float_residual_adds = true;
};

enum class Storage { kFloat, kQuantized };

struct TensorPlacement {
  Storage storage = Storage::kFloat;
  bool non_negative = false;
};

using Placement = std::map<std::string, TensorPlacement>;

// Placement of every graph input and node output. Throws ConvertError
// listing every op type that cannot be lowered at once (count and first
// nodes of each), or naming the node for a node that cannot be placed.
Placement decide_placement(const graph::Graph& graph, const PlacementOptions& options);

// What node input `index` must be in: float, quantized, or as produced.
enum class InputNeed { kFloat, kQuantized, kAsProduced };
InputNeed input_need(const graph::Node& node, size_t index, const Placement& placement);

// Op types lowering accepts (after the graph passes), sorted.
const std::vector<std::string>& lowerable_ops();

}  // namespace qrt::quantize
