// Calibration: the float range of every activation tensor, measured by
// running the float model (frontend/float_executor.h) on sample inputs.
//
// A Calibrator sees every tensor the executor produces (graph inputs
// included) through observe(), once per sample, and afterwards reports one
// [lo, hi] range per tensor name. MinMaxCalibrator keeps the running min and
// max; a histogram-based KL calibrator can implement the same interface
// later without touching the caller (make_calibrator picks by name).
//
// run_calibration() drives it: loads up to `num_images` samples from a
// Dataset, preprocesses them into the model input and runs the executor,
// printing progress on stderr.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "dataset.h"
#include "frontend/graph.h"
#include "preprocess.h"

namespace qrt::backend {

struct Range {
  float lo = 0.0f;
  float hi = 0.0f;
};

class Calibrator {
 public:
  virtual ~Calibrator() = default;
  virtual std::string method() const = 0;  // "minmax", stored in metadata
  virtual void observe(const std::string& tensor, const frontend::Tensor& value) = 0;
  // One range per observed tensor, by name (sorted: deterministic).
  virtual std::map<std::string, Range> ranges() const = 0;
};

class MinMaxCalibrator : public Calibrator {
 public:
  std::string method() const override { return "minmax"; }
  void observe(const std::string& tensor, const frontend::Tensor& value) override;
  std::map<std::string, Range> ranges() const override { return ranges_; }

 private:
  std::map<std::string, Range> ranges_;
};

// "minmax" (the only method so far); anything else throws naming it.
std::unique_ptr<Calibrator> make_calibrator(const std::string& method);

struct CalibrationStats {
  size_t images = 0;       // samples actually run
  std::string source;      // Dataset::describe()
};

// Runs min(num_images, dataset.size()) samples (num_images == 0: all).
// The graph must have exactly one 4-D NCHW input. Throws ConvertError.
CalibrationStats run_calibration(const frontend::Graph& graph, const Dataset& dataset,
                                 const PreprocessConfig& preprocess, size_t num_images,
                                 Calibrator& calibrator, bool show_progress = true);

// Progress on stderr: "\r<what> 37/100 (37%)" when stderr is a terminal,
// otherwise one line per 10%. finish() ends the line.
class Progress {
 public:
  Progress(std::string what, size_t total, bool enabled);
  void update(size_t done);
  void finish();

 private:
  std::string what_;
  size_t total_;
  bool enabled_;
  bool tty_;
  int last_percent_ = -1;
};

}  // namespace qrt::backend
