#include "calib/calibrator.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "calib/error.h"

namespace qrt::calib {

double ToleranceSpec::for_tensor(const std::string& tensor) const {
  auto it = per_tensor.find(tensor);
  return it == per_tensor.end() ? global : it->second;
}

namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

double parse_tolerance_value(const std::string& text, const std::string& item) {
  const std::string t = trim(text);
  char* end = nullptr;
  errno = 0;
  const double v = t.empty() ? NAN : std::strtod(t.c_str(), &end);
  if (t.empty() || errno != 0 || end != t.c_str() + t.size() || std::isnan(v) || !(v >= 1.0))
    throw CalibError("--tolerance: '" + item + "': '" + t + "' is not a number >= 1 (or inf)");
  return v;
}

}  // namespace

ToleranceSpec parse_tolerance_spec(const std::string& text) {
  ToleranceSpec spec;
  bool have_global = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = trim(text.substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty()) throw CalibError("--tolerance: empty item in '" + text + "'");
    const size_t eq = item.rfind('=');
    if (eq == std::string::npos) {
      if (have_global) throw CalibError("--tolerance: two global values in '" + text + "'");
      spec.global = parse_tolerance_value(item, item);
      have_global = true;
    } else {
      const std::string name = trim(item.substr(0, eq));
      if (name.empty()) throw CalibError("--tolerance: '" + item + "' has no tensor name before '='");
      if (spec.per_tensor.count(name)) throw CalibError("--tolerance: tensor '" + name + "' given twice");
      spec.per_tensor[name] = parse_tolerance_value(item.substr(eq + 1), item);
    }
  }
  return spec;
}

Calibrator::Calibrator(size_t num_bins) : num_bins_(num_bins) {
  Histogram check(num_bins);  // validates num_bins now, not at the first observe
  (void)check;
}

void Calibrator::observe(const std::string& tensor, const float* data, size_t n) {
  auto it = hist_.find(tensor);
  if (it == hist_.end()) it = hist_.emplace(tensor, TensorHistogram(tensor, num_bins_)).first;
  it->second.observe(data, n);
}

std::vector<std::string> Calibrator::tensors() const {
  std::vector<std::string> names;
  for (const auto& kv : hist_) names.push_back(kv.first);
  return names;
}

const TensorHistogram& Calibrator::histogram(const std::string& tensor) const {
  auto it = hist_.find(tensor);
  if (it == hist_.end()) throw CalibError("calibration: tensor '" + tensor + "' was never observed");
  return it->second;
}

Threshold Calibrator::threshold(const std::string& tensor, const TensorSettings& settings) const {
  const TensorHistogram& h = histogram(tensor);
  if (h.count() == 0) throw CalibError("calibration: tensor '" + tensor + "' received no values");
  return compute_threshold(h, settings);
}

std::map<std::string, Threshold> Calibrator::finalize(const std::map<std::string, TensorFormat>& formats,
                                                      const CalibrationOptions& options) const {
  for (const auto& kv : options.tolerance.per_tensor)
    if (!formats.count(kv.first))
      throw CalibError("--tolerance: tensor '" + kv.first + "' is not a calibrated activation");
  std::map<std::string, Threshold> out;
  for (const auto& kv : formats) {
    TensorSettings s;
    s.is_unsigned = kv.second.is_unsigned;
    s.bits = kv.second.bits;
    s.method = options.method;
    s.tolerance = options.tolerance.for_tensor(kv.first);
    s.guard_db = options.guard_db;
    s.percentile = options.percentile;
    out[kv.first] = threshold(kv.first, s);
  }
  return out;
}

}  // namespace qrt::calib
