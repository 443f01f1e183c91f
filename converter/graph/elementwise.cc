#include "graph/elementwise.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qrt {
namespace graph {

bool is_unary_elementwise(const std::string& op) {
  return op == "HardSigmoid" || op == "HardSwish" || op == "Sigmoid" || op == "Tanh" || op == "LeakyRelu" ||
         op == "Elu" || op == "Softplus" || op == "Relu" || op == "Clip" || op == "QrtSilu" || op == "QrtAffine";
}

namespace {
float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
}  // namespace

float unary_value(const Node& n, float x) {
  const std::string& op = n.op_type;
  if (op == "HardSigmoid")
    return std::max(0.0f, std::min(1.0f, n.get_float("alpha", 0.2f) * x + n.get_float("beta", 0.5f)));
  if (op == "HardSwish") return x * std::max(0.0f, std::min(1.0f, x / 6.0f + 0.5f));
  if (op == "Sigmoid") return sigmoid(x);
  if (op == "Tanh") return std::tanh(x);
  if (op == "LeakyRelu") return x >= 0.0f ? x : n.get_float("alpha", 0.01f) * x;
  if (op == "Elu") return x >= 0.0f ? x : n.get_float("alpha", 1.0f) * (std::exp(x) - 1.0f);
  if (op == "Softplus") return x > 20.0f ? x : std::log1p(std::exp(x));
  if (op == "Relu") return std::max(0.0f, x);
  if (op == "Clip")
    return std::min(std::max(x, n.get_float("min", -std::numeric_limits<float>::infinity())),
                    n.get_float("max", std::numeric_limits<float>::infinity()));
  if (op == "QrtSilu") return x * sigmoid(x);
  if (op == "QrtAffine") return x * n.get_float("scale") + n.get_float("offset");
  throw ConvertError(n.describe() + ": not an elementwise unary op");
}

}  // namespace graph
}  // namespace qrt
