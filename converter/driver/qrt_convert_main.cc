// qrt-convert: ONNX model -> quantized .qrt model (docs/converter.md).
//
//   qrt-convert MODEL.onnx -o OUT.qrt --calib-fashion-mnist IMAGES.gz [...]
//   qrt-convert MODEL_QDQ.onnx -o OUT.qrt --mean ... --std ...   (a QDQ model keeps its scales)
//   qrt-convert --list-ops      (the accepted ONNX operators, import/supported_ops.h)
//
// Exit status 0 on success; 1 on any conversion error (the message names
// the node, tensor or file; no output file is written); CLI11's codes for
// bad flags. The command line stored in the model's metadata leaves out
// the output path (-o), so the output file's name never changes its bytes.
#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include <cmath>
#include <new>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "driver/cli_checks.h"
#include "driver/convert.h"
#include "import/supported_ops.h"

namespace {

// The largest sample count or offset a flag accepts, and the largest limit.
constexpr uint64_t kMaxCount = 1000000000000ull;
constexpr uint64_t kMaxLimit = uint64_t(1) << 48;

std::string quote_arg(const std::string& a) {
  if (!a.empty() && a.find_first_of(" \t\"'\\$") == std::string::npos) return a;
  std::string q = "'";
  for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The arguments as recorded in the metadata: quoted, without -o/--output
// and its value.
std::string recorded_command_line(int argc, char** argv) {
  std::string line = "qrt-convert";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-o" || a == "--output") {
      ++i;  // skip the value too
      continue;
    }
    if (a.rfind("--output=", 0) == 0 || (a.size() > 2 && a.rfind("-o", 0) == 0 && a[2] != '-')) continue;
    line += " " + quote_arg(a);
  }
  return line;
}

std::vector<std::string> read_labels(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) throw qrt::ConvertError("--labels: cannot open '" + path + "'");
  if (!S_ISREG(st.st_mode))
    throw qrt::ConvertError("--labels: '" + path + "' is not a file (give a text file with one class name per line)");
  std::ifstream in(path);
  if (!in) throw qrt::ConvertError("--labels: cannot open '" + path + "'");
  std::vector<std::string> labels;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) labels.push_back(line);
  }
  if (labels.empty()) throw qrt::ConvertError("--labels: '" + path + "' has no class names (one per line)");
  return labels;
}

double sqnr_db(double relative_error) { return relative_error > 0 ? -10.0 * std::log10(relative_error) : INFINITY; }

// --accuracy-budget's choice: the agreement per step, then the ranking.
void print_budget(const qrt::convert::BudgetReport& r) {
  std::printf("accuracy budget %.4f: agreement %.4f on %zu calibration samples with %zu of %zu layers at 8-bit "
              "weights (%zu evaluation passes; layers at 8 bits: agreement",
              r.budget, r.agreement, r.samples, r.chosen, r.ranking.size(), r.steps.size());
  for (const qrt::convert::BudgetStep& s : r.steps) std::printf(" %zu: %.4f", s.eight_bit_layers, s.agreement);
  std::printf(")\n  ranked by the float model's logit SQNR with only that layer quantized (%zu samples):\n"
              "  rank  %-40s %-5s %12s %12s\n",
              r.ranking_samples, "layer (worst first)", "bits", "logit SQNR", "weight SQNR");
  for (size_t i = 0; i < r.ranking.size(); ++i) {
    const qrt::convert::LayerSensitivity& l = r.ranking[i];
    const std::string bits = std::to_string(l.bits) + (i < r.chosen ? "->8" : "");
    std::printf("  %4zu  %-40s %-5s %9.1f dB %9.1f dB\n", i + 1, l.node.c_str(), bits.c_str(),
                sqnr_db(l.logit_error), sqnr_db(l.weight_error));
  }
}

}  // namespace

int main(int argc, char** argv) {
  // --list-ops needs no model: answer it before the parser asks for one.
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--list-ops") {
      std::printf("ONNX operators qrt-convert accepts (default domain), and what becomes of each:\n%s",
                  qrt::import::format_op_table().c_str());
      return 0;
    }
  CLI::App app{"qrt-convert: quantize an ONNX CNN into a .qrt model"};
  app.failure_message(qrt::cli::failure_message("qrt-convert"));
  using qrt::cli::one_of;
  using qrt::cli::real;
  using qrt::cli::whole;
  bool list_ops = false;
  app.add_flag("--list-ops", list_ops, "print every ONNX operator qrt-convert accepts and what becomes of it, then exit");
  qrt::convert::ConvertOptions o;
  std::string mean, stdv, crop, labels_path, mode = "w8a8";
  bool quiet = false, per_tensor_weights = false, signed_activations = false, quantize_adds = false, no_int16 = false;
  app.add_option("model", o.model_path, "ONNX model file")->required();
  app.add_option("-o,--output", o.output_path, "output .qrt file (written atomically)")->required();
  app.add_option("--calib-images", o.calib_images_dir, "calibration image folder (labels.txt optional)");
  app.add_option("--calib-fashion-mnist", o.calib_fashion_mnist, "calibration Fashion-MNIST IDX images (.gz)");
  app.add_option("--calib-npy", o.calib_npy, "calibration float32 .npy tensors (NCHW)");
  app.add_option("--calib-cifar10", o.calib_cifar10, "calibration images from a CIFAR-10 .tar.gz (train_jpg.tar.gz)");
  auto* calib_seed = app.add_option("--calib-seed", o.calib_seed,
                                    "draw the --num-images calibration samples at random with this seed")
                         ->check(whole(0, UINT64_MAX));
  app.add_option("--calib-offset", o.calib_offset, "use the --num-images calibration samples from this offset")
      ->excludes(calib_seed)
      ->check(whole(0, kMaxCount));
  auto* num_images = app.add_option("--num-images", o.num_images, "calibration samples to use (0: all)")
      ->capture_default_str()
      ->check(whole(0, kMaxCount, " (0: every sample)"));
  auto* calibration_flag = app.add_option("--calibration", o.calibration.method, "activation calibration: kl (KL with tolerance), minmax, percentile")
      ->capture_default_str()->check(one_of({"kl", "minmax", "percentile"}));
  auto* tolerance = app.add_option("--tolerance", o.calibration.tolerance,
                 "KL tolerance T >= 1 (or inf): global and/or per tensor, e.g. 1.3,conv1_out=2 (--calibration kl)")
      ->capture_default_str();
  auto* kl_guard = app.add_option("--kl-guard", o.calibration.kl_guard_db,
                 "KL error guard: a tensor whose KL threshold's estimated SQNR is more than this many dB below "
                 "MinMax's gets MinMax (inf: off); docs/calibration.md (--calibration kl)")
      ->capture_default_str()
      ->check(real(0, INFINITY, false, false, true, " (inf: off)"));
  auto* percentile = app.add_option("--percentile", o.calibration.percentile,
                                    "percentile calibration: p in (0, 100] (--calibration percentile)")
      ->capture_default_str()
      ->check(real(0, 100, true, false, false));
  auto* max_iterations =
      app.add_option("--max-iterations", o.iterative_settings.max_iterations,
                     "--iterative: at most N calibration passes, the first included (>= 1)")
          ->capture_default_str()->check(whole(1, 1000));
  app.add_flag("--iterative", o.iterative,
               "iterative calibration (the paper's Algorithm 1): recalibrate on the simulated quantized network "
               "until every threshold moves by less than 0.1%");
  app.add_option("--resize-short", o.preprocess.resize_short, "resize so the short side is N (0: no resize)")
      ->check(whole(0, qrt::data::kMaxImageSide, " (0: no resize)"));
  app.add_option("--crop", crop, "centre crop HxW (each side 1 to " + std::to_string(qrt::data::kMaxImageSide) + ")");
  qrt::data::ReadLimits& limits = o.limits;
  app.add_option("--max-image-pixels", limits.max_image_pixels,
                 "refuse calibration images (read from their headers, before decoding) and resized images with "
                 "more pixels than this")
      ->capture_default_str()
      ->check(whole(1, kMaxLimit));
  app.add_option("--max-tensor-elements", limits.max_tensor_elements,
                 "refuse .npy and IDX calibration files with more elements than this")
      ->capture_default_str()
      ->check(whole(1, kMaxLimit));
  app.add_option("--mean", mean, "per-channel mean a,b,c (after x/255)");
  app.add_option("--std", stdv, "per-channel std a,b,c (after x/255)");
  app.add_option("--channel-order", o.preprocess.channel_order, "RGB, BGR or GRAY (default: from the input channels)")
      ->check(one_of({"RGB", "BGR", "GRAY"}));
  app.add_option("--mode", mode, "preset: w8a8 (8-bit weights and activations) or w6a8 (6-bit weights)")
      ->capture_default_str()->check(one_of({"w8a8", "w6a8"}));
  auto* wbits = app.add_option("--weight-bits", o.lower.weight_bits, "weight bits, 4..8 (default: from --mode)")
                    ->check(whole(4, 8));
  std::string layer_weight_bits;
  app.add_option("--layer-weight-bits", layer_weight_bits,
                 "per-layer weight bits by ONNX node name, NODE=BITS[,NODE=BITS...] (mixed precision: "
                 "e.g. keep the first conv at 8 bits in W6A8; such a layer accumulates in INT32)");
  std::string accuracy_budget;
  app.add_option("--accuracy-budget", accuracy_budget,
                 "mixed precision by measurement: the least float/int8 top-1 agreement on the calibration samples, "
                 "0.99 or 99%; the layers whose quantized weights hurt the output most go to 8 bits until it is "
                 "met (a classifier only; docs/calibration.md)");
  auto* abits = app.add_option("--activation-bits", o.lower.activation_bits, "activation bits, 4..8 (default: from --mode)")
                    ->check(whole(4, 8));
  app.add_flag("--per-tensor-weights", per_tensor_weights, "one scale per weight tensor (default: per output channel)");
  auto* weights = app.add_option("--weights", o.lower.weight_method,
                 "weight quantization: minmax (per-channel MinMax, round to nearest: the paper's rule), mse "
                 "(per-channel clip minimizing the weight MSE), gptq (mse scales, rounding that compensates the "
                 "layer's output error on the calibration inputs); docs/calibration.md. With --per-tensor-weights "
                 "the default is minmax")
      ->check(one_of({"minmax", "mse", "gptq"}))
      ->capture_default_str();
  std::string bias_correction = o.lower.bias_correction ? "on" : "off";
  auto* bias_corr = app.add_option("--bias-correction", bias_correction,
                 "fold the expected output shift of weight rounding, measured on the calibration inputs, into the "
                 "biases. With --per-tensor-weights the default is off")
      ->check(one_of({"on", "off"}))
      ->capture_default_str();
  size_t stats_mb = o.layer_stats_budget_bytes >> 20;
  app.add_option("--layer-stats-memory", stats_mb,
                 "MiB for the per-layer input statistics of --weights gptq / --bias-correction (layers over it take "
                 "more passes over the calibration data)")
      ->check(whole(1, 1 << 20))
      ->capture_default_str();
  app.add_flag("--signed-activations", signed_activations,
               "S8 for every activation (default: U8 [0, 2^b-1] after ReLU/ReLU6)");
  app.add_flag("--quantize-adds", quantize_adds,
               "ablation: element-wise adds run in int8 (default: float adds, the method's guideline)");
  app.add_flag("--no-int16", no_int16, "always accumulate in INT32 (default: INT16 when weight + activation bits <= 14)");
  std::string sparse_weights = "auto";
  app.add_option("--sparse-weights", sparse_weights,
                 "store a layer's weights as a bitmap + its non-zero values when that is smaller (pruned models; "
                 "decoded to dense at load), or always dense (off)")
      ->check(one_of({"auto", "off"}))
      ->capture_default_str();
  std::string qdq_asymmetric = "error";
  app.add_option("--qdq-asymmetric", qdq_asymmetric,
                 "QDQ models: an activation with a non-zero zero point is an error, or (widen) stored symmetric "
                 "over the same range, with a warning")
      ->check(one_of({"error", "widen"}))
      ->capture_default_str();
  app.add_option("--labels", labels_path, "class names, one per line, stored in the metadata");
  app.add_flag("-q,--quiet", quiet, "no progress or summary");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --calib-npy takes every file after it: a model given after it lands
    // there, and CLI11 only says the model is missing.
    if (o.model_path.empty())
      for (const std::string& f : o.calib_npy)
        if (f.size() > 5 && f.compare(f.size() - 5, 5, ".onnx") == 0) {
          std::fprintf(stderr,
                       "qrt-convert: error: no model: '%s' was taken as a --calib-npy file (--calib-npy takes every "
                       "file after it); give the model first: qrt-convert %s -o OUT.qrt --calib-npy ...\n",
                       f.c_str(), f.c_str());
          return e.get_exit_code();
        }
    return app.exit(e);
  }
  if (const std::string why = qrt::cli::empty_value_problem(app); !why.empty()) {
    std::fprintf(stderr, "qrt-convert: error: %s\n", why.c_str());
    return 1;
  }
  o.calib_random = calib_seed->count() > 0;
  if (max_iterations->count() > 0 && !o.iterative) {
    std::fprintf(stderr, "qrt-convert: error: --max-iterations needs --iterative\n");
    return 1;
  }
  // Settings of one calibration method given with another: refused, not
  // silently ignored.
  const std::string& method = o.calibration.method;
  const struct { CLI::Option* flag; const char* name; const char* wants; } only_for[] = {
      {tolerance, "--tolerance", "kl"}, {kl_guard, "--kl-guard", "kl"}, {percentile, "--percentile", "percentile"}};
  for (const auto& f : only_for)
    if (f.flag->count() > 0 && method != f.wants) {
      std::fprintf(stderr,
                   "qrt-convert: error: %s applies to --calibration %s only, and the calibration is %s%s: add "
                   "--calibration %s or leave %s out\n",
                   f.name, f.wants, method.c_str(), calibration_flag->count() ? "" : " (the default)", f.wants, f.name);
      return 1;
    }
  if (const std::string why = qrt::cli::output_path_problem(o.output_path); !why.empty()) {
    std::fprintf(stderr, "qrt-convert: error: -o: %s\n", why.c_str());
    return 1;
  }
  o.preprocess.max_image_pixels = limits.max_image_pixels;
  o.num_images_explicit = num_images->count() > 0;

  const int mode_weight_bits = mode == "w6a8" ? 6 : 8;
  if (wbits->count() == 0) o.lower.weight_bits = mode_weight_bits;
  if (abits->count() == 0) o.lower.activation_bits = 8;
  o.lower.per_channel_weights = !per_tensor_weights;
  // One scale per tensor is the paper's ablation: MinMax, round to nearest,
  // unless the flags say otherwise (lower_graph refuses the other methods).
  if (per_tensor_weights && weights->count() == 0) o.lower.weight_method = "minmax";
  if (per_tensor_weights && bias_corr->count() == 0) bias_correction = "off";
  o.lower.bias_correction = bias_correction == "on";
  o.layer_stats_budget_bytes = stats_mb << 20;
  o.lower.unsigned_activations = !signed_activations;
  o.lower.placement.float_residual_adds = !quantize_adds;
  o.lower.int16_accumulation = !no_int16;
  o.lower.qdq_widen_asymmetric = qdq_asymmetric == "widen";
  o.lower.sparse_weights = sparse_weights == "auto";
  o.command_line = recorded_command_line(argc, argv);
  o.show_progress = !quiet;
  try {
    if (!crop.empty()) qrt::data::parse_crop(crop, &o.preprocess.crop_height, &o.preprocess.crop_width);
    if (!mean.empty()) o.preprocess.mean = qrt::data::parse_float_list(mean, "--mean");
    if (!stdv.empty()) o.preprocess.std = qrt::data::parse_float_list(stdv, "--std");
    if (!labels_path.empty()) o.labels = read_labels(labels_path);
    if (!layer_weight_bits.empty())
      o.lower.layer_weight_bits = qrt::quantize::parse_layer_weight_bits(layer_weight_bits);
    if (!accuracy_budget.empty()) o.accuracy_budget = qrt::convert::parse_accuracy_budget(accuracy_budget);
    const qrt::convert::ConvertSummary s = qrt::convert::convert_model(o);
    for (const std::string& w : s.warnings) std::fprintf(stderr, "qrt-convert: warning: %s\n", w.c_str());
    if (!quiet && (s.qdq_activations || s.qdq_weights)) {
      std::printf("QDQ model: kept its scales for %zu activations, the weights of %zu layers and %zu int32 biases; "
                  "calibrated on %zu samples\n",
                  s.qdq_activations, s.qdq_weights, s.qdq_biases, s.calibration_images);
      std::printf("wrote %s: %zu bytes, %zu operators, %zu tensors; accumulators: %zu INT16, %zu INT32\n",
                  o.output_path.c_str(), s.file_bytes, s.operators, s.tensors, s.int16_layers, s.int32_layers);
    } else if (!quiet) {
      std::printf("W%dA%d, %s %s weights%s, %s activations, %s calibration, %s adds; accumulators: %zu INT16, "
                  "%zu INT32\n",
                  o.lower.weight_bits, o.lower.activation_bits, per_tensor_weights ? "per-tensor" : "per-channel",
                  o.lower.weight_method.c_str(), o.lower.bias_correction ? " + bias correction" : "",
                  signed_activations ? "signed" : "unsigned-after-ReLU", o.calibration.method.c_str(),
                  quantize_adds ? "int8" : "float", s.int16_layers, s.int32_layers);
      std::printf("wrote %s: %zu bytes, %zu operators, %zu tensors, calibrated on %zu samples\n",
                  o.output_path.c_str(), s.file_bytes, s.operators, s.tensors, s.calibration_images);
      for (const auto& [op, count] : s.op_counts) std::printf("  %-20s %zu\n", op.c_str(), count);
      for (const auto& [op, names] : s.float_ops) {  // float islands, QUANTIZE / DEQUANTIZE at their edges
        std::printf("float island: %s x%zu (", op.c_str(), names.size());
        for (size_t i = 0; i < names.size() && i < 3; ++i) std::printf("%s%s", i ? ", " : "", names[i].c_str());
        std::printf("%s)\n", names.size() > 3 ? ", ..." : "");
      }
      for (const auto& [tensor, c] : s.thresholds)
        if (c.threshold.guarded)
          std::printf("KL guard: %s: KL threshold %.6g (%.1f dB) -> max %.6g (%.1f dB)\n", tensor.c_str(),
                      c.threshold.kl_rule_threshold, c.threshold.kl_rule_sqnr_db, c.threshold.threshold,
                      c.threshold.max_sqnr_db);
      if (o.iterative) {
        std::printf("iterative calibration: %zu iterations (%s); largest relative threshold change:",
                    s.iterations.size(), s.iterations_converged ? "converged" : "stopped at --max-iterations");
        for (size_t i = 1; i < s.iterations.size(); ++i) std::printf(" %.3g", s.iterations[i].max_relative_change);
        std::printf("\n");
      }
      if (o.accuracy_budget > 0) print_budget(s.budget);
    }
  } catch (const std::bad_alloc&) {
    // The readers and the importer check their sizes first (data/limits.h,
    // graph::kMaxTensorElements); what is left is a model or a calibration
    // set larger than this machine's memory.
    std::fprintf(stderr,
                 "qrt-convert: error: out of memory converting %s (std::bad_alloc): the model's activations times "
                 "the calibration batch, or --layer-stats-memory %zu MiB, do not fit; try fewer --num-images or a "
                 "smaller --layer-stats-memory\n",
                 o.model_path.c_str(), stats_mb);
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qrt-convert: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
