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
//
// The optional transform is called right after the observer, on the same
// tensor, and may change its values in place (not its shape): every
// consumer, and the returned graph outputs, see the transformed values.
// The iterative calibration (converter/driver/iterative_calibration.h) uses it to
// fake-quantize int8 activations; the observer still sees the value before
// its own transform (but after every upstream one). Without a transform the
// executor computes exactly what it did before.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace qrt {
namespace graph {

using TensorObserver = std::function<void(const std::string& tensor, const Tensor& value)>;
using TensorTransform = std::function<void(const std::string& tensor, Tensor& value)>;

class FloatExecutor {
 public:
  // Keeps a reference to `graph`: it must outlive the executor.
  explicit FloatExecutor(const Graph& graph);

  // Runs the graph. `inputs` maps every graph input name to a tensor of its
  // shape (a mismatch throws ConvertError naming the input). Returns the
  // graph outputs by name. A transform that changes a tensor's size throws
  // ConvertError naming the tensor.
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& inputs,
                                    const TensorObserver& observer = {},
                                    const TensorTransform& transform = {}) const;

 private:
  const Graph& graph_;
};

// Evaluates one node on its inputs (nullptr: absent optional input), one
// tensor per output (before any fused activation); Tensor::is_integer set
// as data_ops.h's integer_result() says. fold_constants() evaluates
// constant subgraphs with it.
std::vector<Tensor> evaluate_node(const Node& n, const std::vector<const Tensor*>& in);

// One-shot helper: FloatExecutor(graph).run(inputs, observer).
std::map<std::string, Tensor> run_float(const Graph& graph,
                                        const std::map<std::string, Tensor>& inputs,
                                        const TensorObserver& observer = {});

}  // namespace graph
}  // namespace qrt
