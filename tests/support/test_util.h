// Shared helpers for the converter tests: temporary folders, files, .npy
// writing, a quick ONNX conversion, and running a .qrt through the runtime.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "driver/convert.h"
#include "graph/graph.h"

namespace qrt::backend::testing {

// A fresh empty folder under /tmp, removed (with its files) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

bool file_exists(const std::string& path);
std::vector<uint8_t> read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::string& bytes);
// Files in `dir` (names only, sorted).
std::vector<std::string> list_dir(const std::string& dir);

// Writes a float32 C-order .npy file.
void write_npy(const std::string& path, const std::vector<int64_t>& shape, const std::vector<float>& data);

// Options for converting `model_path` with one .npy calibration file.
ConvertOptions npy_options(const std::string& model_path, const std::string& npy_path);

// Runs .qrt bytes in the runtime on one NCHW float input (transposed to
// NHWC here) and returns output 0 (a 4-D output back in NCHW order).
// REQUIREs success.
std::vector<float> run_qrt(const std::vector<uint8_t>& bytes, const frontend::Tensor& nchw_input);

// Float executor output 0 of the ONNX file (after the default passes).
std::vector<float> run_onnx_float(const std::string& model_path, const frontend::Tensor& nchw_input);

// Runs a shell command, returns its exit status; stderr goes to `err_file`.
int run_command(const std::string& cmd);

}  // namespace qrt::backend::testing
