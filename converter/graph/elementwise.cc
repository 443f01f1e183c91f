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

std::function<float(float)> unary_function(const Node& n) {
  const std::string& op = n.op_type;
  if (op == "HardSigmoid") {
    const float alpha = n.get_float("alpha", 0.2f), beta = n.get_float("beta", 0.5f);
    return [=](float x) { return std::max(0.0f, std::min(1.0f, alpha * x + beta)); };
  }
  if (op == "HardSwish") return [](float x) { return x * std::max(0.0f, std::min(1.0f, x / 6.0f + 0.5f)); };
  if (op == "Sigmoid") return sigmoid;
  if (op == "Tanh") return [](float x) { return std::tanh(x); };
  if (op == "LeakyRelu") {
    const float alpha = n.get_float("alpha", 0.01f);
    return [=](float x) { return x >= 0.0f ? x : alpha * x; };
  }
  if (op == "Elu") {
    const float alpha = n.get_float("alpha", 1.0f);
    return [=](float x) { return x >= 0.0f ? x : alpha * (std::exp(x) - 1.0f); };
  }
  if (op == "Softplus") return [](float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); };
  if (op == "Relu") return [](float x) { return std::max(0.0f, x); };
  if (op == "Clip") {
    const float lo = n.get_float("min", -std::numeric_limits<float>::infinity());
    const float hi = n.get_float("max", std::numeric_limits<float>::infinity());
    return [=](float x) { return std::min(std::max(x, lo), hi); };
  }
  if (op == "QrtSilu") return [](float x) { return x * sigmoid(x); };
  if (op == "QrtAffine") {
    const float scale = n.get_float("scale"), offset = n.get_float("offset");
    return [=](float x) { return x * scale + offset; };
  }
  throw ConvertError(n.describe() + ": not an elementwise unary op");
}

float unary_value(const Node& n, float x) { return unary_function(n)(x); }

}  // namespace graph
}  // namespace qrt
