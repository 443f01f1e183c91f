#include "driver/convert.h"

#include "data/cifar10.h"
#include "data/idx.h"
#include "data/image_dir.h"
#include "data/npy.h"
#include "data/subset.h"
#include "import/onnx_import.h"
#include "emit/serialize.h"
#include "calib/layer_stats.h"
#include "quantize/weight_methods.h"

#ifndef QRT_VERSION
#define QRT_VERSION "unknown"
#endif

namespace qrt::convert {

std::string converter_version() { return std::string("qrt-convert ") + QRT_VERSION; }

std::unique_ptr<data::Dataset> open_calibration_dataset(const ConvertOptions& o) {
  const int sources = int(!o.calib_images_dir.empty()) + int(!o.calib_fashion_mnist.empty()) +
                      int(!o.calib_npy.empty()) + int(!o.calib_cifar10.empty());
  if (sources == 0)
    throw ConvertError(
        "no calibration data: give --calib-images DIR, --calib-fashion-mnist FILE, --calib-cifar10 FILE or "
        "--calib-npy FILE...");
  if (sources > 1)
    throw ConvertError("give only one of --calib-images, --calib-fashion-mnist, --calib-cifar10, --calib-npy");
  std::unique_ptr<data::Dataset> source;
  if (!o.calib_images_dir.empty()) source = std::make_unique<data::ImageDirDataset>(o.calib_images_dir, o.limits);
  else if (!o.calib_fashion_mnist.empty())
    source = std::make_unique<data::FashionMnistDataset>(o.calib_fashion_mnist, "", o.limits);
  else if (!o.calib_cifar10.empty()) source = std::make_unique<data::Cifar10Dataset>(o.calib_cifar10, o.limits);
  else source = std::make_unique<data::NpyDataset>(o.calib_npy, o.limits);
  if (!o.calib_random && o.calib_offset == 0) return source;
  if (o.num_images == 0) throw ConvertError("--calib-seed and --calib-offset need --num-images N (N > 0)");
  data::SubsetSpec spec;
  spec.count = o.num_images;
  spec.offset = o.calib_offset;
  spec.random = o.calib_random;
  spec.seed = o.calib_seed;
  return data::make_subset(std::move(source), spec);
}

namespace {

bool has_calibration_source(const ConvertOptions& o) {
  return !o.calib_images_dir.empty() || !o.calib_fashion_mnist.empty() || !o.calib_npy.empty() ||
         !o.calib_cifar10.empty();
}

// A QDQ model converted without calibration data: every tensor lowering
// stores in int8 must have the model's own scale.
class QdqOnlyRanges : public calib::RangeSource {
 public:
  calib::Range range(const std::string& tensor, bool, int, const std::string& where) const override {
    throw ConvertError(where + ": tensor '" + tensor +
                       "' is stored in int8 but the model gives it no QuantizeLinear/DequantizeLinear scale; give "
                       "calibration data (--calib-images, --calib-npy, ...) to calibrate the tensors the QDQ model "
                       "leaves float");
  }
};

}  // namespace

namespace {

// Metadata, summary and serialization of a lowered model.
std::vector<uint8_t> finish_model(const ConvertOptions& o, quantize::LoweredModel m,
                                  const calib::CalibrationStats& stats, const calib::ActivationCalibration* calibration,
                                  const IterativeResult* iterative, ConvertSummary* summary, bool weights_fixed,
                                  BudgetReport* budget_report) {
  quantize::LMetadata& md = m.metadata;
  md.converter_version = converter_version();
  md.source_model = o.model_path;
  quantize::LSettings& s = md.settings;
  s.command_line = o.command_line;
  // A QDQ model without calibration data: "qdq" (its own scales).
  const std::string method = calibration ? calibration->method() : "qdq";
  s.calibration = method;
  s.tolerance = method == "kl" ? float(calibration->global_tolerance()) : 0.0f;
  s.percentile = method == "percentile" ? float(calibration->percentile()) : 0.0f;
  s.kl_guard_db = method == "kl" ? float(o.calibration.kl_guard_db) : -1.0f;
  s.calibration_images = int(stats.images);
  s.calibration_source = stats.source;
  s.weight_bits = o.lower.weight_bits;
  s.activation_bits = o.lower.activation_bits;
  s.per_channel_weights = o.lower.per_channel_weights;
  // Every layer's weights from the model's DequantizeLinear: "qdq".
  s.weight_method = weights_fixed && m.qdq_weights > 0 ? "qdq" : o.lower.weight_method;
  s.bias_correction = o.lower.bias_correction && !weights_fixed;
  s.layer_weight_bits = format_layer_weight_bits(o.lower.layer_weight_bits);
  if (budget_report) s.calibration_agreement = float(budget_report->agreement);
  s.unsigned_activations = o.lower.unsigned_activations;
  s.float_residual_adds = o.lower.placement.float_residual_adds;
  size_t int16_layers = 0, int32_layers = 0;
  for (const quantize::LOperator& op : m.operators) {
    if (op.type != schema::OpType::CONV_2D && op.type != schema::OpType::FULLY_CONNECTED) continue;
    ++(op.options.accumulator == schema::Accumulator::INT16 ? int16_layers : int32_layers);
  }
  s.int16_accumulation = int16_layers > 0;
  s.iterations = iterative ? int(iterative->iterations.size()) : 0;
  md.labels = o.labels;
  md.preprocess = quantize::LPreprocess{o.preprocess.resize_short, o.preprocess.crop_height, o.preprocess.crop_width,
                              o.preprocess.mean, o.preprocess.std, o.preprocess.channel_order};

  std::vector<uint8_t> bytes = emit::serialize_model(m);
  if (summary) {
    summary->operators = m.operators.size();
    summary->tensors = m.tensors.size();
    summary->file_bytes = bytes.size();
    summary->calibration_images = stats.images;
    summary->op_counts.clear();
    for (const quantize::LOperator& op : m.operators) ++summary->op_counts[schema::EnumNameOpType(op.type)];
    summary->float_ops.clear();
    using T = schema::OpType;
    for (const quantize::LOperator& op : m.operators)
      if (op.type != T::CONV_2D && op.type != T::FULLY_CONNECTED && op.type != T::ADD && op.type != T::QUANTIZE &&
          op.type != T::DEQUANTIZE && !op.outputs.empty() && !m.tensors[size_t(op.outputs[0])].quantized())
        summary->float_ops[schema::EnumNameOpType(op.type)].push_back(op.name);
    summary->int16_layers = int16_layers;
    summary->int32_layers = int32_layers;
    summary->thresholds = calibration ? calibration->chosen() : std::map<std::string, calib::ChosenThreshold>{};
    summary->warnings = m.warnings;
    summary->qdq_activations = m.qdq_activations;
    summary->qdq_weights = m.qdq_weights;
    summary->qdq_biases = m.qdq_biases;
    if (iterative) {
      summary->iterations = iterative->iterations;
      summary->iterations_converged = iterative->converged;
    }
    if (budget_report) summary->budget = std::move(*budget_report);
  }
  return bytes;
}

}  // namespace

std::vector<uint8_t> convert_to_bytes(const ConvertOptions& options, ConvertSummary* summary) {
  ConvertOptions o = options;
  const graph::Graph graph = import::load_onnx_model(o.model_path);
  if (graph.inputs.size() != 1 || graph.inputs[0].shape.size() != 4)
    throw ConvertError(o.model_path + ": the model needs exactly one 4-D NCHW input");
  for (size_t d = 1; d < 4; ++d)
    if (graph.inputs[0].shape[d] < 1)
      throw ConvertError(o.model_path + ": input '" + graph.inputs[0].name + "' " +
                         graph::shape_to_string(graph.inputs[0].shape) + " has an empty dim " + std::to_string(d) +
                         " (C, H and W must be >= 1)");
  // A QDQ model fixes (some of) its own quantization (import/qdq.h); the
  // layers whose weights it leaves float are quantized with the options.
  const bool qdq = graph.has_fixed_quantization();
  std::vector<std::string> layers;  // Conv/Gemm/MatMul nodes whose weights lowering quantizes
  for (const std::string& name : calib::linear_layer_nodes(graph)) {
    for (const graph::Node& n : graph.nodes)
      if (n.name == name && !graph.fixed_constants.count(n.input(1))) layers.push_back(name);
  }
  if (qdq && (o.accuracy_budget > 0 || o.iterative))
    throw ConvertError(o.model_path + ": a QDQ model keeps its own scales; --accuracy-budget and --iterative do not "
                                      "apply to it");
  if (o.accuracy_budget > 0) check_classifier_output(graph);  // before the long passes
  o.preprocess.finalize(int(graph.inputs[0].shape[1]));
  if (qdq && !has_calibration_source(o)) {
    if (!layers.empty())
      throw ConvertError(o.model_path + ": QDQ model with " + std::to_string(layers.size()) +
                         " layers whose weights are float (no DequantizeLinear), e.g. node '" + layers[0] +
                         "'; give calibration data (--calib-images, --calib-npy, ...) to quantize them");
    o.lower.show_progress = false;
    quantize::LoweredModel m = quantize::lower_graph(graph, QdqOnlyRanges(), o.lower);
    return finish_model(o, std::move(m), calib::CalibrationStats{}, nullptr, nullptr, summary, true, nullptr);
  }

  std::unique_ptr<data::Dataset> source = open_calibration_dataset(o);
  // Fewer samples than asked for: said, with both numbers.
  std::string short_warning;
  if (o.num_images_explicit && o.num_images > source->size())
    short_warning = "calibrating on " + std::to_string(source->size()) + " samples, fewer than the " +
                    std::to_string(o.num_images) + " asked for (--num-images " + std::to_string(o.num_images) +
                    "): " + source->describe() + " has no more";
  std::unique_ptr<calib::ActivationCalibration> owned =
      std::make_unique<calib::ActivationCalibration>(o.calibration);  // validates the settings before the long run
  std::vector<std::string> input_names;
  for (const graph::ValueInfo& in : graph.inputs) input_names.push_back(in.name);
  owned->use_minmax_for(input_names);
  calib::CalibrationStats stats;
  IterativeResult iterative;
  if (o.iterative) {
    iterative = run_iterative_calibration(graph, *source, o.preprocess, o.num_images, o.calibration, input_names,
                                          o.lower, o.iterative_settings, o.show_progress, o.show_progress);
    owned = std::move(iterative.calibration);
    stats = iterative.stats;
  }
  // Per-layer input statistics for the weight method / bias correction:
  // the first group of layers in the calibration pass itself, the others
  // (over the memory budget) in passes of their own.
  std::map<std::string, calib::LayerStats> layer_stats;
  const bool need_stats = (o.lower.weight_method != "minmax" || o.lower.bias_correction) && !layers.empty();
  if (need_stats) {
    quantize::check_weight_method(o.lower.weight_method);
    calib::LayerStatsOptions so;
    so.second_moments = so.depthwise_second_moments = quantize::weight_method_needs_h(o.lower.weight_method);
    const std::vector<std::vector<std::string>> passes =
        calib::plan_layer_stats_passes(graph, layers, o.layer_stats_budget_bytes, so);
    for (size_t p = 0; p < passes.size(); ++p) {
      calib::LayerStatsCollector collector(graph, passes[p], so);
      const bool with_calibration = p == 0 && !o.iterative;
      const std::string label =
          passes.size() == 1 ? std::string(with_calibration ? "calibrating" : "layer statistics")
                             : "layer statistics " + std::to_string(p + 1) + "/" + std::to_string(passes.size());
      const calib::CalibrationStats run = calib::run_layer_stats_pass(
          graph, *source, o.preprocess, o.num_images, collector, with_calibration ? owned.get() : nullptr,
          o.show_progress, label);
      if (with_calibration) stats = run;
      collector.finish();
      for (const std::string& node : passes[p]) layer_stats.emplace(node, collector.take(node));
    }
  }
  if (!o.iterative && !need_stats)
    stats = calib::run_calibration(graph, *source, o.preprocess, o.num_images, *owned, o.show_progress);
  calib::ActivationCalibration& calibration = *owned;
  o.lower.layer_stats = &layer_stats;
  o.lower.show_progress = o.show_progress;
  const bool budget = o.accuracy_budget > 0;
  BudgetReport budget_report;
  if (budget) {
    const ModelBuilder build = [&](const std::map<std::string, int>& bits) {
      quantize::LowerOptions lo = o.lower;
      lo.layer_weight_bits = bits;
      lo.show_progress = false;
      return emit::serialize_model(quantize::lower_graph(graph, calibration, lo));
    };
    o.lower.layer_weight_bits = choose_layer_weight_bits(o.accuracy_budget, graph, *source, o.preprocess,
                                                         o.num_images, o.lower, layer_stats, build,
                                                         o.show_progress, &budget_report);
  }

  quantize::LoweredModel m = quantize::lower_graph(graph, calibration, o.lower);
  calibration.check_tolerance_names();
  if (!short_warning.empty()) m.warnings.insert(m.warnings.begin(), short_warning);
  return finish_model(o, std::move(m), stats, &calibration, o.iterative ? &iterative : nullptr, summary,
                      layers.empty(), budget ? &budget_report : nullptr);
}
ConvertSummary convert_model(const ConvertOptions& options) {
  if (options.output_path.empty()) throw ConvertError("no output file (-o)");
  ConvertSummary summary;
  const std::vector<uint8_t> bytes = convert_to_bytes(options, &summary);
  // Never over an input: the model or a calibration file.
  std::vector<std::string> inputs = {options.model_path, options.calib_fashion_mnist, options.calib_cifar10};
  inputs.insert(inputs.end(), options.calib_npy.begin(), options.calib_npy.end());
  emit::write_file_atomic(options.output_path, bytes, inputs);
  return summary;
}

}  // namespace qrt::convert
