// qrt-convert: ONNX model -> quantized .qrt model (docs/converter.md).
//
//   qrt-convert MODEL.onnx -o OUT.qrt --calib-fashion-mnist IMAGES.gz [...]
//
// Exit status 0 on success; 1 on any conversion error (the message names
// the node, tensor or file; no output file is written); CLI11's codes for
// bad flags.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "backend/convert.h"

namespace {

std::string quote_arg(const std::string& a) {
  if (!a.empty() && a.find_first_of(" \t\"'\\$") == std::string::npos) return a;
  std::string q = "'";
  for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::vector<std::string> read_labels(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw qrt::ConvertError(path + ": cannot open labels file");
  std::vector<std::string> labels;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) labels.push_back(line);
  }
  return labels;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"qrt-convert: quantize an ONNX CNN into a .qrt model"};
  qrt::backend::ConvertOptions o;
  std::string mean, stdv, crop, labels_path;
  bool quiet = false;
  app.add_option("model", o.model_path, "ONNX model file")->required();
  app.add_option("-o,--output", o.output_path, "output .qrt file (written atomically)")->required();
  app.add_option("--calib-images", o.calib_images_dir, "calibration image folder (labels.txt optional)");
  app.add_option("--calib-fashion-mnist", o.calib_fashion_mnist, "calibration Fashion-MNIST IDX images (.gz)");
  app.add_option("--calib-npy", o.calib_npy, "calibration float32 .npy tensors (NCHW)");
  app.add_option("--num-images", o.num_images, "calibration samples to use (0: all)")->capture_default_str();
  app.add_option("--calibration", o.calibration, "calibration method")->capture_default_str()->check(CLI::IsMember({"minmax"}));
  app.add_option("--resize-short", o.preprocess.resize_short, "resize so the short side is N (0: no resize)");
  app.add_option("--crop", crop, "centre crop HxW");
  app.add_option("--mean", mean, "per-channel mean a,b,c (after x/255)");
  app.add_option("--std", stdv, "per-channel std a,b,c (after x/255)");
  app.add_option("--channel-order", o.preprocess.channel_order, "RGB, BGR or GRAY (default: from the input channels)")
      ->check(CLI::IsMember({"RGB", "BGR", "GRAY"}));
  app.add_option("--weight-bits", o.lower.weight_bits, "weight bits, 4..8")->capture_default_str()->check(CLI::Range(4, 8));
  app.add_option("--activation-bits", o.lower.activation_bits, "activation bits, 4..8")->capture_default_str()->check(CLI::Range(4, 8));
  app.add_option("--labels", labels_path, "class names, one per line, stored in the metadata");
  app.add_flag("-q,--quiet", quiet, "no progress or summary");
  CLI11_PARSE(app, argc, argv);

  o.command_line = "qrt-convert";
  for (int i = 1; i < argc; ++i) o.command_line += " " + quote_arg(argv[i]);
  o.show_progress = !quiet;
  try {
    if (!crop.empty()) qrt::backend::parse_crop(crop, &o.preprocess.crop_height, &o.preprocess.crop_width);
    if (!mean.empty()) o.preprocess.mean = qrt::backend::parse_float_list(mean, "--mean");
    if (!stdv.empty()) o.preprocess.std = qrt::backend::parse_float_list(stdv, "--std");
    if (!labels_path.empty()) o.labels = read_labels(labels_path);
    const qrt::backend::ConvertSummary s = qrt::backend::convert_model(o);
    if (!quiet) {
      std::printf("wrote %s: %zu bytes, %zu operators, %zu tensors, calibrated on %zu samples\n",
                  o.output_path.c_str(), s.file_bytes, s.operators, s.tensors, s.calibration_images);
      for (const auto& [op, count] : s.op_counts) std::printf("  %-20s %zu\n", op.c_str(), count);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qrt-convert: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
