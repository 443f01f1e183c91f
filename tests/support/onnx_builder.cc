// OnnxBuilder: see onnx_builder.h.
#include "onnx_builder.h"

#include <random>

#include "import/onnx_import.h"

namespace qrt::testing {

namespace {
void fill_tensor(onnx::TensorProto* t, const std::string& name, const graph::Tensor& v) {
  t->set_name(name);
  t->set_data_type(onnx::TensorProto_DataType_FLOAT);
  for (int64_t d : v.shape) t->add_dims(d);
  for (float x : v.data) t->add_float_data(x);
}
}  // namespace

OnnxBuilder::OnnxBuilder(int64_t opset) {
  model_.set_ir_version(7);
  auto* os = model_.add_opset_import();
  os->set_domain("");
  os->set_version(opset);
  model_.mutable_graph()->set_name("test");
}

OnnxBuilder& OnnxBuilder::input(const std::string& name, const graph::Shape& shape) {
  auto* vi = model_.mutable_graph()->add_input();
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  auto* sh = tt->mutable_shape();
  for (int64_t d : shape) {
    auto* dim = sh->add_dim();
    if (d < 0) dim->set_dim_param("N");
    else dim->set_dim_value(d);
  }
  return *this;
}

OnnxBuilder& OnnxBuilder::output(const std::string& name) {
  auto* vi = model_.mutable_graph()->add_output();
  vi->set_name(name);
  vi->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  return *this;
}

OnnxBuilder& OnnxBuilder::initializer(const std::string& name, const graph::Tensor& t) {
  fill_tensor(model_.mutable_graph()->add_initializer(), name, t);
  return *this;
}

OnnxBuilder& OnnxBuilder::int64_initializer(const std::string& name, const std::vector<int64_t>& values) {
  auto* t = model_.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto_DataType_INT64);
  t->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
  return *this;
}

OnnxBuilder& OnnxBuilder::double_initializer(const std::string& name, const graph::Shape& shape,
                                             const std::vector<double>& v) {
  auto* t = model_.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto_DataType_DOUBLE);
  for (int64_t d : shape) t->add_dims(d);
  for (double x : v) t->add_double_data(x);
  return *this;
}

onnx::NodeProto& OnnxBuilder::node(const std::string& op, const std::vector<std::string>& inputs,
                                   const std::vector<std::string>& outputs, const std::string& name) {
  auto* n = model_.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return *n;
}

std::string OnnxBuilder::serialize() const { return model_.SerializeAsString(); }

graph::Graph OnnxBuilder::import() const {
  const std::string b = serialize();
  return import::import_onnx_from_memory(b.data(), b.size(), "test.onnx");
}

onnx::NodeProto& attr_i(onnx::NodeProto& n, const std::string& key, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto_AttributeType_INT);
  a->set_i(v);
  return n;
}
onnx::NodeProto& attr_f(onnx::NodeProto& n, const std::string& key, float v) {
  auto* a = n.add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto_AttributeType_FLOAT);
  a->set_f(v);
  return n;
}
onnx::NodeProto& attr_ints(onnx::NodeProto& n, const std::string& key, const std::vector<int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto_AttributeType_INTS);
  for (int64_t x : v) a->add_ints(x);
  return n;
}
onnx::NodeProto& attr_s(onnx::NodeProto& n, const std::string& key, const std::string& v) {
  auto* a = n.add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto_AttributeType_STRING);
  a->set_s(v);
  return n;
}
onnx::NodeProto& attr_t(onnx::NodeProto& n, const std::string& key, const graph::Tensor& v) {
  auto* a = n.add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto_AttributeType_TENSOR);
  fill_tensor(a->mutable_t(), "", v);
  return n;
}

graph::Tensor random_tensor(const graph::Shape& shape, unsigned seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  graph::Tensor t(shape);
  for (float& v : t.data) v = u(rng);
  return t;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConvertError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace qrt::testing
