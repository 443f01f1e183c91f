// Calibration: the clipping range of every int8 activation, measured by
// running the float model (graph/float_executor.h) on sample inputs.
//
// Two halves, because what a tensor's range should be depends on how it is
// stored, and storage (S8 or U8, bits) is decided later, by placement:
//
//   1. run_calibration() streams every tensor the executor produces (graph
//      inputs included), once per sample, into an ActivationCalibration,
//      which keeps a bounded-memory histogram per tensor (converter/calib/,
//      docs/calibration.md);
//   2. lowering asks a RangeSource for the range of each tensor it stores in
//      int8, passing the storage it chose. ActivationCalibration answers with
//      the threshold t of the configured method (KL with tolerance T by
//      default, MinMax, percentile): [-t, t] for S8, [0, t] for U8. KL
//      leaves exact zeros out; graph inputs use MinMax (use_minmax_for);
//      a KL threshold whose estimated SQNR is more than the guard's margin
//      below MinMax's becomes the max (the error guard, calib/methods.h).
//
// FixedRanges is a RangeSource over known [lo, hi] ranges (tests, tools).
// Calibration errors (qrt::calib::CalibError) surface as ConvertError.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "calib/calibrator.h"
#include "data/dataset.h"
#include "graph/float_executor.h"
#include "graph/graph.h"
#include "data/preprocess.h"

namespace qrt::calib {

struct Range {
  float lo = 0.0f;
  float hi = 0.0f;
};

// What lowering asks for every activation it stores in int8.
class RangeSource {
 public:
  virtual ~RangeSource() = default;
  // The real range to quantize `tensor` (an IR tensor name) into, given its
  // storage. `where` names the op asking, for errors. Throws ConvertError.
  virtual Range range(const std::string& tensor, bool is_unsigned, int bits, const std::string& where) const = 0;
};

// Ranges given up front; the storage is ignored (activation_scale() uses
// max(hi, 0) for U8 and max(|lo|, |hi|) for S8).
class FixedRanges : public RangeSource {
 public:
  explicit FixedRanges(std::map<std::string, Range> ranges) : ranges_(std::move(ranges)) {}
  Range range(const std::string& tensor, bool is_unsigned, int bits, const std::string& where) const override;

 private:
  std::map<std::string, Range> ranges_;
};

// How thresholds are chosen (qrt-convert --calibration/--tolerance/--kl-guard/--percentile).
struct CalibrationSettings {
  std::string method = "kl";      // "kl", "minmax" or "percentile"
  std::string tolerance = "1.3";  // KL tolerance T: global and/or NAME=T (qrt::calib::parse_tolerance_spec)
  double kl_guard_db = qrt::calib::kKlGuardDb;  // KL error guard margin, dB >= 0; +inf: off (methods.h)
  double percentile = 99.99;      // in (0, 100]
};

// One threshold lowering asked for, as chosen.
struct ChosenThreshold {
  bool is_unsigned = false;
  int bits = 8;
  qrt::calib::Threshold threshold;
};

class ActivationCalibration : public RangeSource {
 public:
  // Validates the settings (ConvertError naming the flag).
  explicit ActivationCalibration(const CalibrationSettings& settings);

  // One sample's value of `tensor` (NaN/inf: ConvertError naming it).
  void observe(const std::string& tensor, const graph::Tensor& value);

  Range range(const std::string& tensor, bool is_unsigned, int bits, const std::string& where) const override;

  // Tensors calibrated with MinMax even when the method is kl, unless the
  // tolerance spec names them: the graph inputs (convert.cc). An input
  // image is 8-bit data already; MinMax keeps all of it nearly losslessly,
  // while a KL scan over its few distinct values (a histogram of spikes)
  // is an artifact of the bins and clips real pixels (Fashion-MNIST: a
  // background spike at -0.81 makes KL clip every bright pixel).
  void use_minmax_for(const std::vector<std::string>& tensors);

  // After lowering: every per-tensor tolerance (NAME=T) must have named a
  // tensor lowering asked for; a typo is an error, not a silent default.
  void check_tolerance_names() const;

  const std::string& method() const { return settings_.method; }
  double global_tolerance() const { return tolerance_.global; }
  double percentile() const { return settings_.percentile; }
  // Every threshold handed out so far, by tensor name.
  const std::map<std::string, ChosenThreshold>& chosen() const { return chosen_; }
  const qrt::calib::Calibrator& calibrator() const { return cal_; }

 private:
  CalibrationSettings settings_;
  qrt::calib::Method method_;
  qrt::calib::ToleranceSpec tolerance_;
  // One streaming histogram per tensor; the KL scan leaves its exact zeros
  // out itself (calib/kl.h: 0 is exact under every threshold).
  qrt::calib::Calibrator cal_;
  std::vector<std::string> minmax_tensors_;
  mutable std::map<std::string, ChosenThreshold> chosen_;  // a cache: each threshold computed once
};

struct CalibrationStats {
  size_t images = 0;       // samples actually run
  std::string source;      // Dataset::describe()
};

// Runs min(num_images, dataset.size()) samples (num_images == 0: all).
// The graph must have exactly one 4-D NCHW input. `transform` (optional)
// is passed to the float executor: each tensor is observed before its own
// transform (iterative_calibration.h). Throws ConvertError.
CalibrationStats run_calibration(const graph::Graph& graph, const data::Dataset& dataset,
                                 const data::PreprocessConfig& preprocess, size_t num_images,
                                 ActivationCalibration& calibration, bool show_progress = true,
                                 const graph::TensorTransform& transform = {},
                                 const std::string& progress_label = "calibrating");

// The sample loop both run_calibration() and the layer statistics
// (layer_stats.h run_layer_stats_pass) use: min(num_images, dataset.size())
// samples (0: all) through the float executor with `observer` and the
// optional `transform`, progress under `progress_label`. `what` starts the
// error messages ("calibration", "layer statistics"). Throws ConvertError.
CalibrationStats run_samples(const graph::Graph& graph, const data::Dataset& dataset,
                             const data::PreprocessConfig& preprocess, size_t num_images,
                             const graph::TensorObserver& observer, const graph::TensorTransform& transform,
                             bool show_progress, const std::string& progress_label, const std::string& what);

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

}  // namespace qrt::calib
