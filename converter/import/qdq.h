// QDQ models: QuantizeLinear / DequantizeLinear in an ONNX graph become the
// graph IR's fixed quantization (graph.h FixedActivation, FixedConstant), so
// qrt-convert keeps the model's own scales instead of calibrating. Runs on
// the ModelProto's graph before the importer reads it (import_onnx calls it).
//
// Accepted patterns (anything else with Q/DQ is a ConvertError naming the
// node and what is supported, docs/onnx-import.md "QDQ models"):
//   - weights and biases: DequantizeLinear(integer constant, scale, zero
//     point) -- int8 (zero point 0, per tensor or per axis) or int32
//     (biases, zero point 0) -- and QuantizeLinear(float constant) ->
//     [Clip] -> DequantizeLinear (fake-quantized weights, folded here with
//     ONNX's rounding: saturate(round_half_even(x / scale) + zero_point)).
//     The DQ output becomes a float initializer float(code) * scale; the
//     codes and scales go to Graph::fixed_constants under that name;
//   - activations: x -> QuantizeLinear -> [Clip(lo, hi) on the integers]
//     -> DequantizeLinear -> y, one per-tensor scale, int8 or uint8; the
//     pair becomes y = Identity(x) and Graph::fixed_activations gets the
//     scale, signedness, zero point and bits under both x and y. Bits
//     below 8 come from the Clip: [0, 2^b - 1] (uint8) or
//     [-(2^(b-1) - 1), 2^(b-1) - 1] (int8). A uint8 pair with zero point 0
//     clamps at 0: when x comes from a Conv, Gemm, MatMul or Add it becomes
//     y = Relu(x) (fused later), so float readers see the clamp too (ONNX
//     Runtime's quantizer drops such a Relu); a Relu that then reads y is
//     redundant and becomes an Identity.
// Scales must be finite and > 0; Q and DQ of a pair must agree.
#pragma once

#include <string>

#include "graph/graph.h"

namespace onnx {
class GraphProto;
}

namespace qrt::import {

// Rewrites `gp` in place (no Q/DQ node left) and fills g.fixed_activations
// and g.fixed_constants. `origin` (the file) prefixes error messages.
void resolve_qdq(onnx::GraphProto& gp, graph::Graph& g, const std::string& origin);

}  // namespace qrt::import
