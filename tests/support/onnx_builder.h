// Test helper: builds small ONNX models with the protobuf API, e.g.
//   OnnxBuilder b(13);
//   b.input("x", {1, 2, 4, 4}).initializer("w", w).output("y");
//   attr_ints(b.node("Conv", {"x", "w"}, {"y"}, "conv1"), "pads", {1, 1, 1, 1});
//   Graph g = b.import();
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "graph/graph.h"

namespace qrt::testing {

class OnnxBuilder {
 public:
  explicit OnnxBuilder(int64_t opset = 13);
  // Float graph input; a dim of -1 becomes a symbolic (dynamic) dimension.
  OnnxBuilder& input(const std::string& name, const graph::Shape& shape);
  OnnxBuilder& output(const std::string& name);
  OnnxBuilder& initializer(const std::string& name, const graph::Tensor& t);
  OnnxBuilder& int64_initializer(const std::string& name, const std::vector<int64_t>& values);
  OnnxBuilder& double_initializer(const std::string& name, const graph::Shape& shape, const std::vector<double>& v);
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "");
  std::string serialize() const;
  graph::Graph import() const;  // import_onnx_from_memory, origin "test.onnx"
  onnx::ModelProto& model() { return model_; }

 private:
  onnx::ModelProto model_;
};

onnx::NodeProto& attr_i(onnx::NodeProto& n, const std::string& key, int64_t v);
onnx::NodeProto& attr_f(onnx::NodeProto& n, const std::string& key, float v);
onnx::NodeProto& attr_ints(onnx::NodeProto& n, const std::string& key, const std::vector<int64_t>& v);
onnx::NodeProto& attr_s(onnx::NodeProto& n, const std::string& key, const std::string& v);
onnx::NodeProto& attr_t(onnx::NodeProto& n, const std::string& key, const graph::Tensor& v);

// Deterministic pseudo-random tensor with values in [lo, hi].
graph::Tensor random_tensor(const graph::Shape& shape, unsigned seed, float lo = -1.0f, float hi = 1.0f);

// The message of the qrt::ConvertError f throws, or "<no error>".
std::string error_of(const std::function<void()>& f);

}  // namespace qrt::testing
