// Helpers for the converter tests: .npy writing, a quick ONNX conversion,
// and running a .qrt through the runtime (and the ONNX model through the
// float executor) to compare. The file helpers (TempDir, read_bytes, ...)
// come from files.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "driver/convert.h"
#include "files.h"
#include "graph/graph.h"
#include "qrt/schema/qrt_generated.h"

namespace qrt::testing {

// Writes a float32 C-order .npy file.
void write_npy(const std::string& path, const std::vector<int64_t>& shape, const std::vector<float>& data);

// Options for converting `model_path` with one .npy calibration file.
convert::ConvertOptions npy_options(const std::string& model_path, const std::string& npy_path);

// Runs .qrt bytes in the runtime on one NCHW float input (transposed to
// NHWC here) and returns output 0 (a 4-D output back in NCHW order).
// REQUIREs success.
std::vector<float> run_qrt(const std::vector<uint8_t>& bytes, const graph::Tensor& nchw_input);
// The same for several inputs (in graph input order, any batch; 4-D ones
// NCHW, the others as they are).
std::vector<float> run_qrt_inputs(const std::vector<uint8_t>& bytes, const std::vector<graph::Tensor>& inputs);

// Float executor output 0 of the ONNX file (after the default passes).
std::vector<float> run_onnx_float(const std::string& model_path, const graph::Tensor& nchw_input);

// The n int8 values a weight buffer stores, as the runtime reads them:
// one byte each, bit-packed (packed_bits) or sparse (bitmap + non-zero
// values), schema/qrt.fbs Buffer.
std::vector<int8_t> stored_int8(const qrt::schema::Buffer* b, size_t n);

}  // namespace qrt::testing
