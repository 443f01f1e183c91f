#include "calib/calibration.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "calib/error.h"
#include "graph/float_executor.h"

namespace qrt::calib {

Range FixedRanges::range(const std::string& tensor, bool, int, const std::string& where) const {
  auto it = ranges_.find(tensor);
  if (it == ranges_.end())
    throw ConvertError(where + ": no calibration range for tensor '" + tensor + "' (was it calibrated?)");
  return it->second;
}

ActivationCalibration::ActivationCalibration(const CalibrationSettings& settings) : settings_(settings) {
  try {
    method_ = qrt::calib::parse_method(settings.method);
    tolerance_ = qrt::calib::parse_tolerance_spec(settings.tolerance);
  } catch (const qrt::calib::CalibError& e) {
    throw ConvertError(e.what());
  }
  if (!(settings.percentile > 0.0 && settings.percentile <= 100.0))
    throw ConvertError("--percentile must be in (0, 100], got " + std::to_string(settings.percentile));
  if (!(settings.kl_guard_db >= 0.0))
    throw ConvertError("--kl-guard must be a margin in dB >= 0 (or inf: off), got " +
                       std::to_string(settings.kl_guard_db));
}

void ActivationCalibration::observe(const std::string& tensor, const graph::Tensor& value) {
  try {
    cal_.observe(tensor, value.data);
  } catch (const qrt::calib::CalibError& e) {
    throw ConvertError(e.what());
  }
}

Range ActivationCalibration::range(const std::string& tensor, bool is_unsigned, int bits,
                                   const std::string& where) const {
  auto it = chosen_.find(tensor);
  if (it == chosen_.end() || it->second.is_unsigned != is_unsigned || it->second.bits != bits) {
    if (!cal_.has(tensor))
      throw ConvertError(where + ": no calibration data for tensor '" + tensor + "' (was it calibrated?)");
    qrt::calib::TensorSettings s;
    s.is_unsigned = is_unsigned;
    s.bits = bits;
    s.method = method_;
    const bool forced_minmax =
        method_ == qrt::calib::Method::kKl && !tolerance_.per_tensor.count(tensor) &&
        std::find(minmax_tensors_.begin(), minmax_tensors_.end(), tensor) != minmax_tensors_.end();
    if (forced_minmax) s.method = qrt::calib::Method::kMinMax;
    s.tolerance = tolerance_.for_tensor(tensor);
    s.guard_db = settings_.kl_guard_db;
    s.percentile = settings_.percentile;
    ChosenThreshold c;
    c.is_unsigned = is_unsigned;
    c.bits = bits;
    try {
      c.threshold = cal_.threshold(tensor, s);
    } catch (const qrt::calib::CalibError& e) {
      throw ConvertError(where + ": " + e.what());
    }
    it = chosen_.insert_or_assign(tensor, c).first;
  }
  const float t = it->second.threshold.threshold;
  return is_unsigned ? Range{0.0f, t} : Range{-t, t};
}

void ActivationCalibration::use_minmax_for(const std::vector<std::string>& tensors) { minmax_tensors_ = tensors; }

void ActivationCalibration::check_tolerance_names() const {
  for (const auto& kv : tolerance_.per_tensor) {
    if (chosen_.count(kv.first)) continue;
    std::string known;
    for (const auto& c : chosen_) known += (known.empty() ? "" : ", ") + c.first;
    throw ConvertError("--tolerance: '" + kv.first + "' is not an int8 activation tensor of this model (those are: " +
                       known + ")");
  }
}

Progress::Progress(std::string what, size_t total, bool enabled)
    : what_(std::move(what)), total_(total), enabled_(enabled && total > 0), tty_(isatty(2) != 0) {}

void Progress::update(size_t done) {
  if (!enabled_) return;
  const int percent = int(done * 100 / total_);
  if (tty_) {
    if (percent == last_percent_ && done != total_) return;
    std::fprintf(stderr, "\r%s %zu/%zu (%d%%)", what_.c_str(), done, total_, percent);
  } else {
    if (percent / 10 == last_percent_ / 10 && last_percent_ >= 0) return;
    std::fprintf(stderr, "%s %zu/%zu (%d%%)\n", what_.c_str(), done, total_, percent);
  }
  std::fflush(stderr);
  last_percent_ = percent;
}

void Progress::finish() {
  if (enabled_ && tty_) std::fprintf(stderr, "\n");
  enabled_ = false;
}

CalibrationStats run_samples(const graph::Graph& graph, const data::Dataset& dataset,
                             const data::PreprocessConfig& preprocess, size_t num_images,
                             const graph::TensorObserver& observer, const graph::TensorTransform& transform,
                             bool show_progress, const std::string& progress_label, const std::string& what) {
  if (graph.inputs.size() != 1)
    throw ConvertError(what + ": the model has " + std::to_string(graph.inputs.size()) +
                       " inputs; exactly one image input is supported");
  const graph::ValueInfo& in = graph.inputs[0];
  if (in.shape.size() != 4 || in.shape[0] != 1)
    throw ConvertError(what + ": input '" + in.name + "' has shape " + graph::shape_to_string(in.shape) +
                       "; expected [1, C, H, W]");
  const int c = int(in.shape[1]), h = int(in.shape[2]), w = int(in.shape[3]);
  size_t n = dataset.size();
  if (num_images > 0) n = std::min(n, num_images);
  if (n == 0) throw ConvertError(what + ": " + dataset.describe() + " has no samples");
  graph::FloatExecutor exec(graph);
  Progress progress(progress_label, n, show_progress);
  for (size_t i = 0; i < n; ++i) {
    const data::Sample s = dataset.load(i, preprocess.decode_channels());
    std::map<std::string, graph::Tensor> inputs;
    inputs[in.name] = graph::Tensor(in.shape, data::sample_to_input(s, preprocess, c, h, w));
    exec.run(inputs, observer, transform);
    progress.update(i + 1);
  }
  progress.finish();
  return CalibrationStats{n, dataset.describe()};
}

CalibrationStats run_calibration(const graph::Graph& graph, const data::Dataset& dataset,
                                 const data::PreprocessConfig& preprocess, size_t num_images,
                                 ActivationCalibration& calibration, bool show_progress,
                                 const graph::TensorTransform& transform, const std::string& progress_label) {
  const graph::TensorObserver observer = [&](const std::string& name, const graph::Tensor& t) {
    calibration.observe(name, t);
  };
  return run_samples(graph, dataset, preprocess, num_images, observer, transform, show_progress, progress_label,
                     "calibration");
}

}  // namespace qrt::calib
