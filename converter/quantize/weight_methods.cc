#include "quantize/weight_methods.h"

#include <algorithm>
#include <cmath>

#include "graph/graph.h"
#include "quantize/gptq.h"

namespace qrt::quantize {

void check_weight_method(const std::string& method) {
  if (method != "minmax" && method != "mse" && method != "gptq")
    throw ConvertError("unknown weight method '" + method + "' (expected minmax, mse or gptq)");
}

bool weight_method_needs_h(const std::string& method) { return method == "gptq"; }

namespace {

void check_stats(const calib::LayerStats* stats, int64_t k, int64_t groups, bool need_h, const std::string& where) {
  if (stats == nullptr) throw ConvertError(where + ": no input statistics for this layer");
  if (stats->k() != k || stats->groups() != groups)
    throw ConvertError(where + ": input statistics of K " + std::to_string(stats->k()) + " x " +
                       std::to_string(stats->groups()) + " groups for weights of K " + std::to_string(k) + " x " +
                       std::to_string(groups) + " groups");
  if (need_h && !stats->has_h()) throw ConvertError(where + ": no input second moments (H) for this layer");
}

}  // namespace

QuantizedWeights quantize_layer_weights(const std::string& method, const float* w, int64_t out, int64_t k,
                                        int64_t groups, int bits, const calib::LayerStats* stats,
                                        const std::string& where) {
  check_weight_method(method);
  if (groups < 1 || out % groups != 0)
    throw ConvertError(where + ": " + std::to_string(out) + " output channels in " + std::to_string(groups) +
                       " groups");
  if (method == "minmax") return quantize_weights_per_channel(w, int(out), k, bits);
  if (method == "mse")
    return quantize_weights_with_scales(w, int(out), k, bits, mse_channel_scales(w, int(out), k, bits));
  check_stats(stats, k, groups, true, where);
  const int64_t per = out / groups;
  QuantizedWeights q;
  q.values.resize(size_t(out * k));
  q.scales.resize(size_t(out));
  for (int64_t g = 0; g < groups; ++g) {
    const QuantizedWeights part =
        quantize_weights_gptq(w + g * per * k, int(per), k, stats->h_of(g), bits, GptqOptions{});
    std::copy(part.values.begin(), part.values.end(), q.values.begin() + g * per * k);
    std::copy(part.scales.begin(), part.scales.end(), q.scales.begin() + g * per);
  }
  return q;
}

std::vector<double> rounding_shift(const QuantizedWeights& q, const float* w, int64_t out, int64_t k,
                                   int64_t groups, const calib::LayerStats& stats, const std::string& where) {
  check_stats(&stats, k, groups, false, where);
  const int64_t per = out / groups;
  const bool per_tensor = q.scales.size() == 1;
  std::vector<double> shift(size_t(out), 0.0);
  for (int64_t c = 0; c < out; ++c) {
    const double s = q.scales[per_tensor ? 0 : size_t(c)];
    const double* mean = stats.mean_of(c / per);
    double sum = 0.0;
    for (int64_t i = 0; i < k; ++i)
      sum += (double(q.values[size_t(c * k + i)]) * s - double(w[c * k + i])) * mean[i];
    shift[size_t(c)] = sum;
  }
  return shift;
}

}  // namespace qrt::quantize
