// The table of accepted ONNX operators (supported_ops.h). The "executed
// as" words name the int8 op lowering makes of the node; "float" means
// the float executor runs it and lowering refuses it today.
#include "import/supported_ops.h"

#include <algorithm>
#include <cstring>

namespace qrt {
namespace import {

const std::vector<OnnxOpSupport>& onnx_op_table() {
  static const std::vector<OnnxOpSupport> table = [] {
    std::vector<OnnxOpSupport> t = {
        {"Add", "executed as int8 ADD (or a float add)"},
        {"AveragePool", "executed as int8 AVERAGE_POOL_2D (ceil_mode, count_include_pad)"},
        {"BatchNormalization", "folded into the preceding Conv; otherwise float"},
        {"Clip", "fused into the preceding Conv/Gemm/Add as ReLU6 when min 0, max 6; otherwise elementwise"},
        {"Concat", "executed as int8 CONCATENATION; of constants: folded as a constant"},
        {"Constant", "folded as a constant"},
        {"Conv", "executed as int8 CONV_2D / DEPTHWISE_CONV_2D"},
        {"Elu", "elementwise (float)"},
        {"Flatten", "rewritten to Reshape (full constant shape)"},
        {"Gemm", "executed as int8 FULLY_CONNECTED"},
        {"GlobalAveragePool", "executed as int8 MEAN over H, W"},
        {"HardSigmoid", "elementwise (float)"},
        {"HardSwish", "elementwise (float)"},
        {"Identity", "removed"},
        {"LeakyRelu", "elementwise (float)"},
        {"MatMul", "executed as int8 FULLY_CONNECTED"},
        {"MaxPool", "executed as int8 MAX_POOL_2D (ceil_mode)"},
        {"Relu", "fused into the preceding Conv/Gemm/MatMul/Add; otherwise elementwise"},
        {"Reshape", "executed as int8 RESHAPE (metadata); of a constant: folded as a constant"},
        {"Sigmoid", "elementwise (float)"},
        {"Softmax", "executed as SOFTMAX"},
        {"Softplus", "elementwise (float)"},
        {"Tanh", "elementwise (float)"},
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
