// The whole conversion, as one call: ONNX file -> calibrated, quantized,
// lowered model -> .qrt file (written atomically). qrt-convert is a thin
// command-line wrapper around convert_model(); tests call it directly.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "calib/calibration.h"
#include "data/dataset.h"
#include "driver/accuracy_budget.h"
#include "driver/iterative_calibration.h"
#include "quantize/lower.h"
#include "data/preprocess.h"

namespace qrt::convert {

// LowerOptions with the converter's defaults (see ConvertOptions::lower).
inline quantize::LowerOptions default_lower_options() {
  quantize::LowerOptions o;
  o.weight_method = "gptq";
  o.bias_correction = true;
  return o;
}

struct ConvertOptions {
  std::string model_path;
  std::string output_path;
  // Calibration data: exactly one source.
  std::string calib_images_dir;
  std::string calib_fashion_mnist;      // IDX images file (.gz or raw)
  std::vector<std::string> calib_npy;
  std::string calib_cifar10;            // CIFAR-10 .tar.gz (train_jpg.tar.gz)
  size_t num_images = 200;              // 0: every sample of the source
  // Set when the user chose num_images (qrt-convert --num-images): a source
  // with fewer samples then gives a warning with both numbers.
  bool num_images_explicit = false;
  // Which num_images samples: the first (default), from an offset, or drawn
  // at random with a seed (dataset.h select_subset), so calibration can be
  // repeated on different, reproducible subsets.
  size_t calib_offset = 0;
  bool calib_random = false;
  uint64_t calib_seed = 0;
  calib::CalibrationSettings calibration;  // method (default kl), tolerance (1.3), percentile
  // --iterative: the paper's Algorithm 1 (iterative_calibration.h) instead
  // of one pass; Metadata.settings.iterations records the passes run.
  bool iterative = false;
  IterativeSettings iterative_settings;  // --max-iterations, epsilon 1e-3
  data::PreprocessConfig preprocess;      // finalized by convert_model()
  // What a calibration file may make the readers allocate (data/limits.h:
  // --max-image-pixels, --max-tensor-elements); preprocess.max_image_pixels
  // bounds resized images.
  data::ReadLimits limits;
  // Lowering. The converter's weight quantization default is set here, not
  // in LowerOptions (whose own default, minmax without bias correction,
  // needs no calibration statistics): gptq + bias correction, the best on
  // every model and bit width measured (docs/calibration.md "Weights").
  // Its layer_stats pointer is set by convert_to_bytes.
  quantize::LowerOptions lower = default_lower_options();
  // Memory for the per-layer input statistics of --weights gptq /
  // --bias-correction (calib/layer_stats.h): layers whose accumulators do
  // not fit run in further passes over the calibration data.
  size_t layer_stats_budget_bytes = size_t(512) << 20;
  // --accuracy-budget: the least float/int8 top-1 agreement on the
  // calibration samples, in [0, 1]; layers go to 8-bit weights until it is
  // met (accuracy_budget.h). 0: no budget, nothing measured.
  double accuracy_budget = 0;
  // Recorded in the metadata as given. qrt-convert passes its arguments
  // without the output path (-o), so the same inputs and flags give the
  // same bytes whatever the output file is called.
  std::string command_line;
  std::vector<std::string> labels;      // class names for the metadata (optional)
  bool show_progress = true;
};

struct ConvertSummary {
  size_t operators = 0;
  size_t tensors = 0;
  size_t file_bytes = 0;
  size_t calibration_images = 0;
  std::map<std::string, size_t> op_counts;  // schema op name -> count
  // Float islands: operators other than CONV_2D, FULLY_CONNECTED, ADD (the
  // method's float residual path), QUANTIZE and DEQUANTIZE that compute in
  // fp32 (LRN, SOFTMAX, a float pool, ...): schema op name -> their names.
  std::map<std::string, std::vector<std::string>> float_ops;
  size_t int16_layers = 0, int32_layers = 0;  // conv / FC accumulators
  std::map<std::string, calib::ChosenThreshold> thresholds;  // per int8 activation (IR tensor name)
  // --iterative only: one record per calibration pass (empty otherwise).
  std::vector<IterationRecord> iterations;
  bool iterations_converged = false;
  BudgetReport budget;  // --accuracy-budget only (budget 0 otherwise)
  std::vector<std::string> warnings;
  // QDQ models: what the .qrt took from the model's QuantizeLinear /
  // DequantizeLinear (activation scales, layers' weights, int32 biases).
  size_t qdq_activations = 0, qdq_weights = 0, qdq_biases = 0;
};

// The converter's version string, stored in Metadata.converter_version.
std::string converter_version();

// Opens the one calibration source the options name (throws if none or
// several).
std::unique_ptr<data::Dataset> open_calibration_dataset(const ConvertOptions& options);

// ONNX -> .qrt bytes (no file written). Throws ConvertError.
std::vector<uint8_t> convert_to_bytes(const ConvertOptions& options, ConvertSummary* summary);

// convert_to_bytes + write_file_atomic(output_path). On any error nothing is
// written and an existing output file is left as it was.
ConvertSummary convert_model(const ConvertOptions& options);

}  // namespace qrt::convert
