#include "driver/iterative_calibration.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "quantize/placement.h"
#include "quantize/quant_math.h"

namespace qrt::convert {

namespace {

const char kQuantizedSuffix[] = "/quantized";

bool is_linear(const std::string& op) { return op == "Conv" || op == "Gemm" || op == "MatMul"; }

// Output-channel axis of a linear node's weight (input 1): Conv OIHW -> 0;
// Gemm B is [out, k] with transB, else [k, out]; MatMul B is [k, out].
int weight_channel_axis(const graph::Node& n) {
  if (n.op_type == "Conv") return 0;
  if (n.op_type == "Gemm" && n.get_int("transB", 0) != 0) return 0;
  return 1;
}

// Round trip of one weight tensor through the converter's own weight
// quantization (the int8 values times their channel's scale, in fp32).
void fake_quantize_weights(graph::Tensor& w, int axis, const quantize::LowerOptions& lower, const graph::Node& n) {
  const int64_t size = int64_t(w.data.size());
  if (size == 0) return;
  if (!lower.per_channel_weights) {
    const quantize::QuantizedWeights q =
        quantize::quantize_weights_per_tensor(w.data.data(), size, lower.weight_bits_for(n.name));
    for (int64_t i = 0; i < size; ++i) w.data[size_t(i)] = float(q.values[size_t(i)]) * q.scales[0];
    return;
  }
  if (axis == 0) {
    const int channels = int(w.shape.at(0));
    const int64_t per = size / channels;
    const quantize::QuantizedWeights q =
        quantize::quantize_weights_per_channel(w.data.data(), channels, per, lower.weight_bits_for(n.name));
    for (int64_t i = 0; i < size; ++i) w.data[size_t(i)] = float(q.values[size_t(i)]) * q.scales[size_t(i / per)];
    return;
  }
  if (w.shape.size() != 2)
    throw ConvertError(n.describe() + ": iterative calibration expects 2-D weights, got " +
                       graph::shape_to_string(w.shape));
  const int64_t k = w.shape[0], out = w.shape[1];  // [k, out]: channel = column
  std::vector<float> t(static_cast<size_t>(size));
  for (int64_t r = 0; r < k; ++r)
    for (int64_t c = 0; c < out; ++c) t[size_t(c * k + r)] = w.data[size_t(r * out + c)];
  const quantize::QuantizedWeights q =
      quantize::quantize_weights_per_channel(t.data(), int(out), k, lower.weight_bits_for(n.name));
  for (int64_t r = 0; r < k; ++r)
    for (int64_t c = 0; c < out; ++c)
      w.data[size_t(r * out + c)] = float(q.values[size_t(c * k + r)]) * q.scales[size_t(c)];
}

}  // namespace

void fake_quantize_activation(std::vector<float>& values, float threshold, bool is_unsigned, int bits) {
  const float scale = quantize::activation_scale(is_unsigned ? 0.0f : -threshold, threshold, is_unsigned, bits);
  const float inv = 1.0f / scale;
  const float lo = is_unsigned ? 0.0f : -float(quantize::s8_qmax(bits));
  const float hi = float(is_unsigned ? quantize::u8_qmax(bits) : quantize::s8_qmax(bits));
  for (float& v : values) {
    const float x = std::min(std::max(v * inv, lo), hi);
    v = std::nearbyint(x) * scale;  // default rounding mode: half to even, as lrintf
  }
}

graph::Graph make_simulation_graph(const graph::Graph& graph, const quantize::LowerOptions& lower,
                                      const std::vector<std::string>& quantized_inputs) {
  graph::Graph sim = graph;
  std::set<std::string> done;
  for (const graph::Node& n : graph.nodes) {
    if (!is_linear(n.op_type) || n.inputs.size() < 2 || !graph.is_initializer(n.input(1))) continue;
    if (!done.insert(n.input(1)).second) continue;
    fake_quantize_weights(sim.initializers.at(n.input(1)), weight_channel_axis(n), lower, n);
  }
  if (quantized_inputs.empty()) return sim;

  const quantize::Placement placement = quantize::decide_placement(graph, lower.placement);
  const std::set<std::string> split(quantized_inputs.begin(), quantized_inputs.end());
  auto identity = [&](const std::string& t) {
    const std::string copy = t + kQuantizedSuffix;
    if (graph.producer(copy) != nullptr || graph.is_initializer(copy) || graph.is_graph_input(copy))
      throw ConvertError("iterative calibration: tensor name '" + copy + "' is taken; it names the int8 copy of '" +
                         t + "'");
    graph::Node id;
    id.name = "simulated QUANTIZE of " + t;
    id.op_type = "Identity";
    id.inputs = {t};
    id.outputs = {copy};
    return id;
  };
  sim.nodes.clear();
  for (const graph::ValueInfo& in : graph.inputs)
    if (split.count(in.name)) sim.nodes.push_back(identity(in.name));
  for (const graph::Node& n : graph.nodes) {
    graph::Node reader = n;
    for (size_t i = 0; i < reader.inputs.size(); ++i)
      if (split.count(reader.inputs[i]) && quantize::input_need(n, i, placement) == quantize::InputNeed::kQuantized)
        reader.inputs[i] += kQuantizedSuffix;
    sim.nodes.push_back(std::move(reader));
    if (!n.outputs.empty() && split.count(n.outputs[0])) sim.nodes.push_back(identity(n.outputs[0]));
  }
  return sim;
}

IterativeResult run_iterative_calibration(const graph::Graph& graph, const data::Dataset& dataset,
                                          const data::PreprocessConfig& preprocess, size_t num_images,
                                          const calib::CalibrationSettings& settings,
                                          const std::vector<std::string>& minmax_tensors,
                                          const quantize::LowerOptions& lower, const IterativeSettings& iterative,
                                          bool show_progress, bool log) {
  if (iterative.max_iterations < 1)
    throw ConvertError("--max-iterations must be >= 1, got " + std::to_string(iterative.max_iterations));
  if (!(iterative.epsilon >= 0.0)) throw ConvertError("iterative calibration: epsilon must be >= 0");
  IterativeResult result;
  result.calibration = std::make_unique<calib::ActivationCalibration>(settings);
  result.calibration->use_minmax_for(minmax_tensors);
  result.stats = calib::run_calibration(graph, dataset, preprocess, num_images, *result.calibration, show_progress, {},
                                 "calibrating (iteration 1)");
  // Lowering decides which tensors are int8 and how (S8/U8, bits); it asks
  // the calibration for exactly those, so chosen() is the list.
  // The simulation's weights are MinMax-rounded whatever the final method
  // (fake_quantize_weights); this lowering needs no layer statistics.
  quantize::LowerOptions discover = lower;
  discover.weight_method = "minmax";
  discover.bias_correction = false;
  (void)quantize::lower_graph(graph, *result.calibration, discover);
  const std::map<std::string, calib::ChosenThreshold> storage = result.calibration->chosen();
  IterationRecord first;
  for (const auto& [name, c] : storage) first.thresholds[name] = c.threshold.threshold;
  result.iterations.push_back(std::move(first));
  if (log) std::fprintf(stderr, "iterative calibration: iteration 1 (one pass, float activations)\n");

  // Which name carries each int8 value in the simulation graph.
  const quantize::Placement placement = quantize::decide_placement(graph, lower.placement);
  std::vector<std::string> split;
  std::map<std::string, std::string> quantized_as;  // simulation tensor -> calibrated tensor
  for (const auto& kv : storage) {
    auto p = placement.find(kv.first);
    if (p == placement.end())
      throw ConvertError("iterative calibration: int8 tensor '" + kv.first + "' has no placement");
    if (p->second.storage == quantize::Storage::kFloat) {
      split.push_back(kv.first);
      quantized_as[kv.first + kQuantizedSuffix] = kv.first;
    } else {
      quantized_as[kv.first] = kv.first;
    }
  }
  const graph::Graph sim = make_simulation_graph(graph, lower, split);

  for (int it = 2; it <= iterative.max_iterations; ++it) {
    const std::map<std::string, float>& prev = result.iterations.back().thresholds;
    const graph::TensorTransform transform = [&](const std::string& name, graph::Tensor& value) {
      auto q = quantized_as.find(name);
      if (q == quantized_as.end()) return;
      const calib::ChosenThreshold& st = storage.at(q->second);
      fake_quantize_activation(value.data, prev.at(q->second), st.is_unsigned, st.bits);
    };
    auto cal = std::make_unique<calib::ActivationCalibration>(settings);
    cal->use_minmax_for(minmax_tensors);
    calib::run_calibration(sim, dataset, preprocess, num_images, *cal, show_progress, transform,
                    "calibrating (iteration " + std::to_string(it) + ")");
    IterationRecord rec;
    for (const auto& [name, st] : storage) {
      const calib::Range r =
          cal->range(name, st.is_unsigned, st.bits, "iterative calibration, iteration " + std::to_string(it));
      const float t = r.hi;
      rec.thresholds[name] = t;
      const float old = prev.at(name);
      const double change = old > 0.0f ? std::fabs(double(t) - double(old)) / double(old)
                                       : (t == old ? 0.0 : std::numeric_limits<double>::infinity());
      if (rec.worst_tensor.empty() || change > rec.max_relative_change) {
        rec.max_relative_change = change;
        rec.worst_tensor = name;
      }
    }
    if (log)
      std::fprintf(stderr, "iterative calibration: iteration %d: largest relative threshold change %.3g (%s)\n", it,
                   rec.max_relative_change, rec.worst_tensor.c_str());
    const bool converged = rec.max_relative_change < iterative.epsilon;
    result.iterations.push_back(std::move(rec));
    result.calibration = std::move(cal);
    if (converged) {
      result.converged = true;
      break;
    }
  }
  if (log && !result.converged && iterative.max_iterations > 1)
    std::fprintf(stderr, "iterative calibration: not converged after %d iterations (epsilon %g)\n",
                 iterative.max_iterations, iterative.epsilon);
  return result;
}

}  // namespace qrt::convert
