// qrt-eval's per-layer comparison: how far each int8 tensor of the runtime
// is from the float model's tensor of the same name.
//
// Why. Top-1 says *whether* quantization hurt; the per-layer numbers say
// *where*. The converter keeps ONNX tensor names for activations
// (docs/converter.md), so the runtime's tensor "conv3_out" is the float
// executor's "conv3_out", quantized. Conversions the converter inserts are
// named "<tensor>/quantized" (compared with "<tensor>"); "<tensor>/dequantized"
// copies hold the same values as their int8 source and are not listed.
//
// Layout. Runtime tensors are NHWC, the float executor's NCHW: 4-D float
// values are transposed before comparing. A Flatten/Reshape of a 4-D tensor
// to 2-D is (h, w, c) ordered in the runtime, (c, h, w) in ONNX: permuted.
//
// Metrics, accumulated over every evaluated image (sums, not means of
// per-image values, so large activations weigh as they do in the signal):
//   SQNR   = 10 log10( sum x^2 / sum (x - x_q)^2 )   (+inf when exact)
//   cosine = sum x x_q / sqrt(sum x^2 * sum x_q^2)   (1 when both are 0)
// where x is the float value and x_q = scale * (q - zero_point).
//
// "Drop" of a layer: SQNR of what its op read minus SQNR of what it wrote,
// so a layer that adds much noise stands out even deep in the network where
// every SQNR is low. What an op read follows placement (docs/converter.md):
// Conv/Gemm/MatMul read "<input>/quantized" when the runtime has it; other
// ops read the input as produced.
//
// Usage: create the session with keep_all_tensors; per image call
// qrt_session_run, then run the float executor with observer(): each float
// tensor is compared as it is produced, nothing is copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "graph/float_executor.h"
#include "graph/graph.h"
#include "qrt/qrt.h"

namespace qrt::eval {

// Sums from which SQNR and cosine similarity follow.
struct ErrorStats {
  double sum_ref_sq = 0;   // sum x^2
  double sum_q_sq = 0;     // sum x_q^2
  double sum_dot = 0;      // sum x * x_q
  double sum_err_sq = 0;   // sum (x - x_q)^2
  double max_abs_err = 0;
  size_t count = 0;        // elements seen

  void add(const float* ref, const float* approx, size_t n);
  // +inf when the error is 0; -inf when the reference is all 0 but not x_q.
  double sqnr_db() const;
  double cosine() const;
};

struct LayerRow {
  std::string name;          // runtime tensor name
  std::string float_name;    // float executor tensor it is compared with
  size_t tensor_index = 0;   // runtime tensor index
  std::string dtype;         // "S8", "U8", "F32"
  std::vector<int32_t> shape;  // runtime (NHWC) shape
  float scale = 0;           // 0 for F32
  int32_t zero_point = 0;    // as stored in the file
  std::string node;          // ONNX node that produced float_name ("" for /quantized)
  std::string op;            // its op type (+ fused activation), "QUANTIZE" for /quantized
  std::vector<std::string> inputs;  // rows this op read (for the drop)
  ErrorStats stats;
  double input_sqnr_db = std::numeric_limits<double>::infinity();  // min over inputs; +inf if none
  double drop_db() const { return input_sqnr_db - stats.sqnr_db(); }  // NaN/inf when not defined
  bool quantized() const { return dtype != "F32"; }
};

class LayerComparer {
 public:
  // `graph` is the float model after the passes; the session must have
  // been created with keep_all_tensors (else ConvertError). Both must
  // outlive the comparer. Throws naming the tensor if a runtime tensor and
  // its float counterpart differ in element count.
  LayerComparer(const graph::Graph& graph, const qrt_session* session);

  // Compares each float tensor with the runtime's after qrt_session_run.
  // The returned observer refers to this comparer.
  graph::TensorObserver observer();
  // Counts one evaluated image (after the float run).
  void finish_image() { ++images_; }

  size_t images() const { return images_; }
  // Rows in runtime tensor order, with input_sqnr_db filled in.
  std::vector<LayerRow> rows() const;

 private:
  void compare(const std::string& float_name, const graph::Tensor& value);

  const graph::Graph& graph_;
  const qrt_session* session_;
  std::vector<LayerRow> rows_;
  std::map<std::string, std::vector<size_t>> rows_by_float_;  // float name -> rows
  std::vector<float> ref_, deq_;                    // scratch
  size_t images_ = 0;
};

// Indices into `rows` of the n rows with the lowest SQNR (ties: runtime
// order), and of the n largest finite drops (rows whose inputs are exact,
// like the input quantization, have no finite drop and are left out).
std::vector<size_t> lowest_sqnr(const std::vector<LayerRow>& rows, size_t n);
std::vector<size_t> largest_drops(const std::vector<LayerRow>& rows, size_t n);

// Float value in runtime layout: NCHW -> NHWC for 4-D, and a 4-D -> 2-D
// flatten from (c,h,w) to (h,w,c) order. Exposed for tests.
void to_runtime_layout(const graph::Graph& graph, const std::string& name, const graph::Tensor& value,
                       std::vector<float>* out);

}  // namespace qrt::eval
