#include "calibration.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "frontend/float_executor.h"

namespace qrt::backend {

void MinMaxCalibrator::observe(const std::string& tensor, const frontend::Tensor& value) {
  if (value.data.empty()) return;
  float lo = value.data[0], hi = value.data[0];
  for (float v : value.data) {
    if (std::isnan(v)) throw ConvertError("calibration: tensor '" + tensor + "' contains NaN");
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  auto it = ranges_.find(tensor);
  if (it == ranges_.end()) {
    ranges_[tensor] = Range{lo, hi};
  } else {
    it->second.lo = std::min(it->second.lo, lo);
    it->second.hi = std::max(it->second.hi, hi);
  }
}

std::unique_ptr<Calibrator> make_calibrator(const std::string& method) {
  if (method == "minmax") return std::make_unique<MinMaxCalibrator>();
  throw ConvertError("calibration method '" + method + "' is not supported (supported: minmax)");
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

CalibrationStats run_calibration(const frontend::Graph& graph, const Dataset& dataset,
                                 const PreprocessConfig& preprocess, size_t num_images,
                                 Calibrator& calibrator, bool show_progress) {
  if (graph.inputs.size() != 1)
    throw ConvertError("calibration: the model has " + std::to_string(graph.inputs.size()) +
                       " inputs; exactly one image input is supported");
  const frontend::ValueInfo& in = graph.inputs[0];
  if (in.shape.size() != 4 || in.shape[0] != 1)
    throw ConvertError("calibration: input '" + in.name + "' has shape " + frontend::shape_to_string(in.shape) +
                       "; expected [1, C, H, W]");
  const int c = int(in.shape[1]), h = int(in.shape[2]), w = int(in.shape[3]);
  size_t n = dataset.size();
  if (num_images > 0) n = std::min(n, num_images);
  if (n == 0) throw ConvertError("calibration: " + dataset.describe() + " has no samples");
  frontend::FloatExecutor exec(graph);
  const frontend::TensorObserver observer = [&](const std::string& name, const frontend::Tensor& t) {
    calibrator.observe(name, t);
  };
  Progress progress("calibrating", n, show_progress);
  for (size_t i = 0; i < n; ++i) {
    const Sample s = dataset.load(i, preprocess.decode_channels());
    std::map<std::string, frontend::Tensor> inputs;
    inputs[in.name] = frontend::Tensor(in.shape, sample_to_input(s, preprocess, c, h, w));
    exec.run(inputs, observer);
    progress.update(i + 1);
  }
  progress.finish();
  return CalibrationStats{n, dataset.describe()};
}

}  // namespace qrt::backend
