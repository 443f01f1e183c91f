// The table of accepted ONNX operators (supported_ops.h). The "executed
// as" / "int8 X" words name the .qrt op lowering makes of the node
// (LOOKUP_TABLE: graph/elementwise.h's functions as 256-entry tables);
// "float" means the float executor runs it and lowering refuses it today.
#include "import/supported_ops.h"

#include <algorithm>
#include <cstring>

namespace qrt {
namespace import {

const std::vector<OnnxOpSupport>& onnx_op_table() {
  static const std::vector<OnnxOpSupport> table = [] {
    std::vector<OnnxOpSupport> t = {
        {"Abs", "float; of constants: folded as a constant"},
        {"Add", "executed as int8 ADD (or a float add); + a per-channel/scalar constant after Conv/Gemm: folded "
                "into its bias; + a scalar constant: rewritten to QrtAffine; of constants: folded"},
        {"AveragePool", "executed as int8 AVERAGE_POOL_2D (ceil_mode, count_include_pad)"},
        {"BatchNormalization", "folded into the preceding Conv; otherwise executed as int8 CONV_2D (depthwise 1x1)"},
        {"Cast", "folded as a constant (shape math); on activations: float (a copy, or truncation to integers)"},
        {"Ceil", "folded as a constant; on activations: float"},
        {"Clip", "fused into the preceding Conv/Gemm/Add as ReLU6 when min 0, max 6; otherwise int8 LOOKUP_TABLE "
                 "(min/max become attributes); Clip(x + 3, 0, 6) / 6 rewritten to HardSigmoid"},
        {"Concat", "executed as int8 CONCAT; of constants: folded as a constant"},
        {"Constant", "folded as a constant"},
        {"ConstantOfShape", "folded as a constant"},
        {"Conv", "executed as int8 CONV_2D (any group)"},
        {"Div", "by a per-channel/scalar constant after Conv/Gemm: folded into it; by a scalar constant: "
                "rewritten to QrtAffine; of constants: folded (integer division truncates); otherwise float"},
        {"Dropout", "removed (inference)"},
        {"Elu", "executed as int8 LOOKUP_TABLE"},
        {"Equal", "folded as a constant; on activations: float"},
        {"Exp", "float; of constants: folded as a constant"},
        {"Expand", "folded as a constant; on activations: float"},
        {"Flatten", "rewritten to Reshape (full constant shape)"},
        {"Floor", "folded as a constant; on activations: float"},
        {"Gather", "folded as a constant (shape math); on activations: float"},
        {"Gemm", "executed as int8 FULLY_CONNECTED"},
        {"GlobalAveragePool", "executed as int8 GLOBAL_AVERAGE_POOL"},
        {"GlobalMaxPool", "rewritten to MaxPool over the whole H x W map (int8 MAX_POOL_2D)"},
        {"And", "folded as a constant; on activations: float"},
        {"Greater", "folded as a constant; on activations: float"},
        {"GreaterOrEqual", "folded as a constant; on activations: float"},
        {"HardSigmoid", "executed as int8 LOOKUP_TABLE; Mul(x, HardSigmoid(x)) with alpha 1/6, beta 0.5 rewritten to HardSwish"},
        {"HardSwish", "executed as int8 LOOKUP_TABLE"},
        {"Identity", "removed"},
        {"LRN", "float island: F32 LRN, DEQUANTIZE/QUANTIZE at its edges (in the conversion summary)"},
        {"LeakyRelu", "executed as int8 LOOKUP_TABLE"},
        {"Less", "folded as a constant; on activations: float"},
        {"LessOrEqual", "folded as a constant; on activations: float"},
        {"Log", "float; of constants: folded as a constant"},
        {"MatMul", "executed as int8 FULLY_CONNECTED"},
        {"Max", "folded as a constant; on activations: float"},
        {"MaxPool", "executed as int8 MAX_POOL_2D (ceil_mode)"},
        {"Mean", "folded as a constant; on activations: float"},
        {"Min", "folded as a constant; on activations: float"},
        {"Mul", "Mul(x, Sigmoid(x)) rewritten to QrtSilu, Mul(x, HardSigmoid(x)) to HardSwish; by a "
                "per-channel/scalar constant after Conv/Gemm: folded into it; by a scalar constant: rewritten "
                "to QrtAffine; of two activations (SE): int8 MUL with broadcasting over H, W"},
        {"Neg", "float; of constants: folded as a constant"},
        {"Not", "folded as a constant; on activations: float"},
        {"PRelu", "one slope: rewritten to LeakyRelu; per channel: int8 PRELU"},
        {"Or", "folded as a constant; on activations: float"},
        {"Pad", "constant mode: folded into the next Conv (or AveragePool) when only spatial zeros; all-zero "
                "pads removed; otherwise int8 PAD (reflect/edge: error)"},
        {"Pow", "folded as a constant; on activations: float"},
        {"Range", "folded as a constant"},
        {"Reciprocal", "float; of constants: folded as a constant"},
        {"ReduceMax", "over H, W of a 4-D tensor: rewritten to MaxPool over the whole map (+ Reshape for keepdims 0); "
                      "otherwise float; of constants: folded as a constant"},
        {"ReduceMean", "over H, W of a 4-D tensor: rewritten to GlobalAveragePool (+ Reshape for keepdims 0); "
                       "otherwise float"},
        {"ReduceMin", "float; of constants: folded as a constant"},
        {"ReduceProd", "folded as a constant; on activations: float"},
        {"ReduceSum", "float; of constants: folded as a constant"},
        {"ReduceSumSquare", "float; of constants: folded as a constant"},
        {"Relu", "fused into the preceding Conv/Gemm/MatMul/Add/BatchNormalization; otherwise int8 LOOKUP_TABLE"},
        {"Reshape", "executed as int8 RESHAPE (metadata); Reshape/Transpose/Reshape channel shuffle rewritten "
                    "to QrtChannelShuffle (int8 CHANNEL_SHUFFLE); of a constant: folded as a constant"},
        {"Shape", "folded as a constant (shapes are static)"},
        {"Sigmoid", "executed as int8 LOOKUP_TABLE; Mul(x, Sigmoid(x)) rewritten to QrtSilu"},
        {"Size", "folded as a constant"},
        {"Slice", "normalized (one input, clamped starts/ends/axes/steps attributes); int8 SLICE (step 1); of constants: folded"},
        {"Softmax", "executed as SOFTMAX"},
        {"LogSoftmax", "executed as SOFTMAX with its log output (SoftmaxOptions.log; the node reads as a Softmax in messages)"},
        {"Softplus", "executed as int8 LOOKUP_TABLE"},
        {"Split", "rewritten to one Slice per output (int8 SLICE)"},
        {"Sqrt", "float; of constants: folded as a constant"},
        {"Squeeze", "rewritten to Reshape (full constant shape)"},
        {"Sub", "a per-channel/scalar constant after Conv/Gemm: folded into it; with a scalar constant: "
                "rewritten to QrtAffine; of constants: folded; otherwise float"},
        {"Sum", "rewritten to a chain of Add"},
        {"Tanh", "executed as int8 LOOKUP_TABLE"},
        {"Tile", "folded as a constant; on activations: float"},
        {"Transpose", "part of a channel shuffle: rewritten to QrtChannelShuffle (int8 CHANNEL_SHUFFLE); of constants: folded; "
                      "otherwise float"},
        {"Unsqueeze", "rewritten to Reshape (full constant shape)"},
        {"Where", "folded as a constant; on activations: float"},
    };
    std::sort(t.begin(), t.end(), [](const OnnxOpSupport& a, const OnnxOpSupport& b) { return std::strcmp(a.op, b.op) < 0; });
    return t;
  }();
  return table;
}

std::string format_op_table() {
  std::string s;
  for (const OnnxOpSupport& e : onnx_op_table()) {
    std::string op = e.op;
    op.resize(std::max<size_t>(op.size() + 1, 20), ' ');
    s += "  " + op + e.what + "\n";
  }
  return s;
}

}  // namespace import
}  // namespace qrt
