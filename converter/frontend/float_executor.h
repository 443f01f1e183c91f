// Reference fp32 execution of a Graph (NCHW, ONNX semantics).
//
// Used by the calibrator (activation statistics through the observer), by
// qrt-eval as the float baseline, and by the tests against ONNX's own node
// test data. Runs graphs before or after the passes (it also executes
// Constant, Identity and BatchNormalization nodes) and honours
// Node::fused_activation. Single-threaded; convolutions use im2col + a
// cache-blocked GEMM whose inner loop vectorizes; depthwise convs a direct
// loop.
//
// The observer is called once per graph input, then once per tensor each
// node produces (after any fused activation), in execution order. The Tensor
// reference is valid only during the call.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "frontend/graph.h"

namespace qrt {
namespace frontend {

using TensorObserver = std::function<void(const std::string& tensor, const Tensor& value)>;

class FloatExecutor {
 public:
  // Keeps a reference to `graph`: it must outlive the executor.
  explicit FloatExecutor(const Graph& graph);

  // Runs the graph. `inputs` maps every graph input name to a tensor of its
  // shape (a mismatch throws ConvertError naming the input). Returns the
  // graph outputs by name.
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& inputs,
                                    const TensorObserver& observer = {}) const;

 private:
  const Graph& graph_;
};

// One-shot helper: FloatExecutor(graph).run(inputs, observer).
std::map<std::string, Tensor> run_float(const Graph& graph,
                                        const std::map<std::string, Tensor>& inputs,
                                        const TensorObserver& observer = {});

}  // namespace frontend
}  // namespace qrt
