// Calibrator: the calibration library's entry point for the converter.
//
//   qrt::calib::Calibrator cal;                      // 16384 bins per half
//   for each sample, for each produced tensor:
//     cal.observe(name, data, n);                    // streaming, any batch size
//   std::map<std::string, TensorFormat> formats = ...;  // from placement
//   CalibrationOptions opt;                          // method kl, T = 1.3
//   opt.tolerance = parse_tolerance_spec("1.3,conv3_out=2.0");
//   std::map<std::string, Threshold> t = cal.finalize(formats, opt);
//   // signed: range [-t, t]; unsigned: [0, t]
//
// Memory per tensor is constant (two histograms of num_bins counters,
// tensor_histogram.h) whatever the calibration set size. Results are
// deterministic: the histograms do not depend on batch boundaries or order
// (histogram.h), every computation runs in a fixed order, and every output
// is a std::map sorted by tensor name.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "calib/methods.h"
#include "calib/tensor_histogram.h"

namespace qrt::calib {

// The tolerance T of the KL rule: one global value, optionally overridden
// per tensor (the activation a layer produces, by tensor name).
struct ToleranceSpec {
  double global = 1.3;
  std::map<std::string, double> per_tensor;
  double for_tensor(const std::string& tensor) const;
};

// Parses "--tolerance" text: a global value and/or NAME=VALUE overrides,
// comma-separated: "1.3", "2", "1.3,conv1_out=1.0", "relu2=inf". Every value
// must be a number >= 1 (or inf). Throws CalibError naming the bad item.
ToleranceSpec parse_tolerance_spec(const std::string& text);

// What placement decided about a tensor's storage.
struct TensorFormat {
  bool is_unsigned = false;
  int bits = 8;
};

struct CalibrationOptions {
  Method method = Method::kKl;
  ToleranceSpec tolerance;    // kl
  double guard_db = kKlGuardDb;  // kl: the error guard's margin (methods.h), +inf: off
  double percentile = 99.99;  // percentile
};

class Calibrator {
 public:
  // num_bins per histogram: a power of two (throws CalibError otherwise).
  explicit Calibrator(size_t num_bins = kHistogramBins);

  // One batch of values of `tensor` (any layout: only values matter). NaN
  // or an infinity throws CalibError naming the tensor and index.
  void observe(const std::string& tensor, const float* data, size_t n);
  void observe(const std::string& tensor, const std::vector<float>& data) {
    observe(tensor, data.data(), data.size());
  }

  // Observed tensors, sorted by name.
  std::vector<std::string> tensors() const;
  bool has(const std::string& tensor) const { return hist_.count(tensor) != 0; }
  // Throws CalibError naming the tensor if it was never observed.
  const TensorHistogram& histogram(const std::string& tensor) const;

  // The threshold of one tensor (throws naming it if never observed, if it
  // received no values, or if `settings` is invalid).
  Threshold threshold(const std::string& tensor, const TensorSettings& settings) const;

  // Thresholds of every tensor in `formats`, sorted by name. Every tensor
  // must have been observed, and every per-tensor tolerance must name one of
  // `formats` (a typo is an error, not a silent default).
  std::map<std::string, Threshold> finalize(const std::map<std::string, TensorFormat>& formats,
                                            const CalibrationOptions& options) const;

 private:
  size_t num_bins_;
  std::map<std::string, TensorHistogram> hist_;
};

}  // namespace qrt::calib
