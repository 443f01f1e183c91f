// ONNX ModelProto -> Graph. See onnx_import.h for what is normalized.
#include "import/onnx_import.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include <onnx/onnx_pb.h>

#include "graph/passes.h"
#include "import/proto_tensor.h"
#include "import/qdq.h"
#include "import/supported_ops.h"

namespace qrt {
namespace import {

const std::vector<std::string>& supported_onnx_ops() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> v;
    for (const OnnxOpSupport& e : onnx_op_table()) v.push_back(e.op);
    return v;  // the table is sorted
  }();
  return ops;
}

namespace {

std::string supported_list() {
  std::string s;
  for (const auto& op : supported_onnx_ops()) s += (s.empty() ? "" : ", ") + op;
  return s;
}

// Unsupported op types seen while importing, to report them all at once.
struct UnsupportedOps {
  struct Entry {
    int count = 0;
    std::vector<std::string> first_nodes;  // up to 3 node names
  };
  std::map<std::string, Entry> by_op;  // "Op" or "domain:Op"
  int total = 0;

  void add(const std::string& op, const std::string& node) {
    Entry& e = by_op[op];
    ++e.count;
    ++total;
    if (e.first_nodes.size() < 3) e.first_nodes.push_back(node);
  }
  // "model.onnx: 3 nodes use 2 unsupported operators: LRN (2 nodes: 'a', 'b'), Foo (1 node: 'c'). Supported ..."
  std::string message(const std::string& origin) const {
    std::string s = origin + ": " + std::to_string(total) + (total == 1 ? " node uses " : " nodes use ") +
                    std::to_string(by_op.size()) + " unsupported operator" + (by_op.size() == 1 ? "" : "s") + ": ";
    bool first = true;
    for (const auto& [op, e] : by_op) {
      s += (first ? "" : "; ") + std::string("'") + op + "' (" + std::to_string(e.count) +
           (e.count == 1 ? " node: " : " nodes, first: ");
      for (size_t i = 0; i < e.first_nodes.size(); ++i) s += (i ? ", '" : "'") + e.first_nodes[i] + "'";
      s += ")";
      first = false;
    }
    return s + ". Supported operators: " + supported_list() + " (qrt-convert --list-ops)";
  }
};

template <typename T>
std::vector<T> raw_values(const onnx::TensorProto& t, const std::string& where) {
  const std::string& raw = t.raw_data();
  if (raw.size() % sizeof(T) != 0)
    throw ConvertError(where + ": raw_data size " + std::to_string(raw.size()) +
                       " is not a multiple of the element size");
  std::vector<T> v(raw.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), raw.data(), raw.size());  // little-endian host
  return v;
}

float int_to_float(int64_t v, const std::string& where) {
  // INT32/INT64 extremes are ONNX's "unbounded" (Slice ends = INT64_MAX).
  if (v >= INT32_MAX) return INFINITY;
  if (v <= INT32_MIN) return -INFINITY;
  if (v > (int64_t{1} << 24) || v < -(int64_t{1} << 24))
    throw ConvertError(where + ": integer value " + std::to_string(v) +
                       " is too large to hold exactly as float");
  return static_cast<float>(v);
}

}  // namespace

std::vector<int64_t> integer_values(const onnx::TensorProto& t, const std::string& where) {
  if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
    throw ConvertError(where + ": external tensor data is not supported");
  const bool raw = t.has_raw_data();
  std::vector<int64_t> v;
  switch (t.data_type()) {
    case onnx::TensorProto_DataType_INT8:
    case onnx::TensorProto_DataType_UINT8:
      if (raw) {
        for (unsigned char c : t.raw_data())
          v.push_back(t.data_type() == onnx::TensorProto_DataType_INT8 ? int64_t(static_cast<int8_t>(c)) : int64_t(c));
      } else {
        v.assign(t.int32_data().begin(), t.int32_data().end());
      }
      break;
    case onnx::TensorProto_DataType_INT32: {
      std::vector<int32_t> d = raw ? raw_values<int32_t>(t, where)
                                   : std::vector<int32_t>(t.int32_data().begin(), t.int32_data().end());
      v.assign(d.begin(), d.end());
      break;
    }
    case onnx::TensorProto_DataType_INT64:
      v = raw ? raw_values<int64_t>(t, where) : std::vector<int64_t>(t.int64_data().begin(), t.int64_data().end());
      break;
    default:
      throw ConvertError(where + ": data type " +
                         onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(t.data_type())) +
                         " where an integer tensor (int8, uint8, int32, int64) is expected");
  }
  int64_t n = 0;
  if (!graph::num_elements_within(graph::Shape(t.dims().begin(), t.dims().end()), graph::kMaxTensorElements, &n))
    throw ConvertError(where + ": dims have more than the " + std::to_string(graph::kMaxTensorElements) +
                       " elements a tensor may have, or a negative dim");
  if (int64_t(v.size()) != n)
    throw ConvertError(where + ": has " + std::to_string(v.size()) + " values but its shape needs " + std::to_string(n));
  return v;
}

onnx::TensorProto float_proto(const std::string& name, const std::vector<int64_t>& shape,
                              const std::vector<float>& values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto_DataType_FLOAT);
  for (int64_t d : shape) t.add_dims(d);
  t.set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  return t;
}

// Converts a TensorProto (float, double, int64, int32, bool/int8/uint8) to a
// float Tensor. `where` names the tensor in errors.
graph::Tensor tensor_from_proto(const onnx::TensorProto& t, const std::string& where) {
  if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
    throw ConvertError(where + ": external tensor data is not supported (save the model with "
                               "all tensors inside the .onnx file)");
  graph::Tensor out;
  for (int64_t d : t.dims()) {
    if (d < 0) throw ConvertError(where + ": negative dimension " + std::to_string(d));
    out.shape.push_back(d);
  }
  int64_t n = 0;
  if (!graph::num_elements_within(out.shape, graph::kMaxTensorElements, &n))
    throw ConvertError(where + ": dims " + graph::shape_to_string(out.shape) + " have more than the " +
                       std::to_string(graph::kMaxTensorElements) + " elements a tensor may have");
  const bool raw = t.has_raw_data();
  std::vector<float>& v = out.data;
  switch (t.data_type()) {
    case onnx::TensorProto_DataType_FLOAT:
      if (raw) v = raw_values<float>(t, where);
      else v.assign(t.float_data().begin(), t.float_data().end());
      break;
    case onnx::TensorProto_DataType_DOUBLE: {
      std::vector<double> d = raw ? raw_values<double>(t, where)
                                  : std::vector<double>(t.double_data().begin(), t.double_data().end());
      for (double x : d) v.push_back(static_cast<float>(x));
      break;
    }
    case onnx::TensorProto_DataType_INT64: {
      std::vector<int64_t> d = raw ? raw_values<int64_t>(t, where)
                                   : std::vector<int64_t>(t.int64_data().begin(), t.int64_data().end());
      for (int64_t x : d) v.push_back(int_to_float(x, where));
      break;
    }
    case onnx::TensorProto_DataType_INT32: {
      std::vector<int32_t> d = raw ? raw_values<int32_t>(t, where)
                                   : std::vector<int32_t>(t.int32_data().begin(), t.int32_data().end());
      for (int32_t x : d) v.push_back(int_to_float(x, where));
      break;
    }
    case onnx::TensorProto_DataType_INT8:
    case onnx::TensorProto_DataType_UINT8:
    case onnx::TensorProto_DataType_BOOL: {
      if (raw) {
        for (unsigned char c : t.raw_data())
          v.push_back(t.data_type() == onnx::TensorProto_DataType_INT8
                          ? static_cast<float>(static_cast<int8_t>(c)) : static_cast<float>(c));
      } else {
        for (int32_t x : t.int32_data()) v.push_back(static_cast<float>(x));
      }
      break;
    }
    default:
      throw ConvertError(where + ": unsupported tensor data type " + std::to_string(t.data_type()) +
                         " (float, double, int64, int32, int8, uint8 and bool are supported)");
  }
  out.is_integer = t.data_type() != onnx::TensorProto_DataType_FLOAT &&
                   t.data_type() != onnx::TensorProto_DataType_DOUBLE;
  if (static_cast<int64_t>(v.size()) != n)
    throw ConvertError(where + ": has " + std::to_string(v.size()) + " values but shape " +
                       graph::shape_to_string(out.shape) + " needs " + std::to_string(n));
  return out;
}

namespace {

graph::Attribute attribute_from_proto(const onnx::AttributeProto& a, const std::string& where) {
  graph::Attribute r;
  switch (a.type()) {
    case onnx::AttributeProto_AttributeType_INT: r.kind = graph::Attribute::Kind::kInt; r.i = a.i(); break;
    case onnx::AttributeProto_AttributeType_FLOAT: r.kind = graph::Attribute::Kind::kFloat; r.f = a.f(); break;
    case onnx::AttributeProto_AttributeType_STRING: r.kind = graph::Attribute::Kind::kString; r.s = a.s(); break;
    case onnx::AttributeProto_AttributeType_INTS:
      r.kind = graph::Attribute::Kind::kInts;
      r.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case onnx::AttributeProto_AttributeType_FLOATS:
      r.kind = graph::Attribute::Kind::kFloats;
      r.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case onnx::AttributeProto_AttributeType_TENSOR:
      r.kind = graph::Attribute::Kind::kTensor;
      r.t = tensor_from_proto(a.t(), where + " attribute '" + a.name() + "'");
      break;
    default:
      throw ConvertError(where + ": attribute '" + a.name() + "' has an unsupported type " +
                         std::to_string(a.type()));
  }
  return r;
}

// A graph input's shape. A dynamic batch (dim 0: dim_param or unset) becomes
// 1; any other dynamic or negative dim is an error naming the input,
// the dim and how to fix the model, since calibration and the .qrt need
// one fixed size.
graph::Shape shape_from_value_info(const onnx::ValueInfoProto& vi, const std::string& origin) {
  graph::Shape s;
  if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) return s;
  const auto& dims = vi.type().tensor_type().shape().dim();
  static const char* const kNchw[4] = {"N, the batch", "C, the channels", "H, the height", "W, the width"};
  for (int i = 0; i < dims.size(); ++i) {
    const auto& d = dims[i];
    if (i == 0 && !d.has_dim_value()) {
      s.push_back(1);  // dynamic batch -> 1
      continue;
    }
    const std::string which = "graph input '" + vi.name() + "' dim " + std::to_string(i) +
                              (dims.size() == 4 ? std::string(" (") + kNchw[i] + ")" : std::string());
    if (!d.has_dim_value())
      throw ConvertError(origin + ": " + which + " is dynamic" +
                         (d.dim_param().empty() ? std::string() : " ('" + d.dim_param() + "')") +
                         "; qrt needs a fixed input size: export the model with that dim fixed (torch.onnx.export "
                         "without it in dynamic_axes), or fix it with onnx.tools.update_model_dims");
    if (d.dim_value() < 0 || d.dim_value() > graph::kMaxTensorElements)
      throw ConvertError(origin + ": " + which + " is " + std::to_string(d.dim_value()) + ", not a size 0 to " +
                         std::to_string(graph::kMaxTensorElements));
    s.push_back(d.dim_value());
  }
  int64_t count = 0;
  if (!graph::num_elements_within(s, graph::kMaxTensorElements, &count))
    throw ConvertError(origin + ": graph input '" + vi.name() + "' shape " + graph::shape_to_string(s) +
                       " has more than the " + std::to_string(graph::kMaxTensorElements) +
                       " elements a tensor may have");
  return s;
}

// The ONNX opsets (default domain) the importer knows the operators of.
constexpr int64_t kMinOpset = 1, kMaxOpset = 21;

// NaN anywhere, or +-inf outside the bounds of Clip/Min/Max (where inf
// means "unbounded"), in a float initializer: an error naming it and its
// first consumer, before calibration would report it as a NaN activation.
void check_finite_initializers(const graph::Graph& g, const std::string& origin) {
  for (const graph::Node& n : g.nodes)
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const auto it = g.initializers.find(n.inputs[i]);
      if (it == g.initializers.end() || it->second.is_integer) continue;
      const bool inf_ok = n.op_type == "Clip" || n.op_type == "Min" || n.op_type == "Max";
      const std::vector<float>& v = it->second.data;
      for (size_t k = 0; k < v.size(); ++k)
        if (std::isnan(v[k]) || (std::isinf(v[k]) && !inf_ok))
          throw ConvertError(origin + ": initializer '" + it->first + "' (input " + std::to_string(i) + " of " +
                             n.describe() + ") holds " + (std::isnan(v[k]) ? "NaN" : v[k] > 0 ? "+inf" : "-inf") +
                             " at element " + std::to_string(k) + " of " + std::to_string(v.size()) +
                             " (shape " + graph::shape_to_string(it->second.shape) +
                             "); the model's weights must be finite numbers");
    }
}

}  // namespace

graph::Graph import_onnx_from_memory(const void* data, size_t size, const std::string& origin) {
  onnx::ModelProto model;
  if (size > static_cast<size_t>(INT32_MAX) || !model.ParseFromArray(data, static_cast<int>(size)))
    throw ConvertError(origin + ": not a valid ONNX model (protobuf parse failed, " +
                       std::to_string(size) + " bytes)");
  if (!model.has_graph() || model.graph().node_size() == 0)
    throw ConvertError(origin + ": not a valid ONNX model (no graph or no nodes)");

  graph::Graph g;
  resolve_qdq(*model.mutable_graph(), g, origin);  // QDQ models: Q/DQ -> fixed quantization
  const onnx::GraphProto& gp = model.graph();
  g.name = gp.name();
  g.opset = 0;
  for (const auto& os : model.opset_import())
    if (os.domain().empty() || os.domain() == "ai.onnx") g.opset = os.version();
  if (g.opset == 0)
    throw ConvertError(origin + ": model imports no default-domain (ai.onnx) opset");
  if (g.opset < kMinOpset || g.opset > kMaxOpset)
    throw ConvertError(origin + ": ONNX opset " + std::to_string(g.opset) + " is not supported: qrt-convert reads "
                       "default-domain opsets " + std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset) +
                       " (convert the model with onnx.version_converter)");

  for (const auto& t : gp.initializer()) {
    if (t.name().empty()) throw ConvertError(origin + ": an initializer has no name");
    g.initializers[t.name()] = tensor_from_proto(t, origin + ": initializer '" + t.name() + "'");
    g.shapes[t.name()] = g.initializers[t.name()].shape;
  }
  for (const auto& vi : gp.input()) {
    if (g.is_initializer(vi.name())) continue;  // IR < 4 lists initializers as inputs
    if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape())
      throw ConvertError(origin + ": graph input '" + vi.name() + "' has no tensor shape");
    if (vi.type().tensor_type().elem_type() != onnx::TensorProto_DataType_FLOAT)
      throw ConvertError(origin + ": graph input '" + vi.name() + "' has element type " +
                         onnx::TensorProto_DataType_Name(
                             static_cast<onnx::TensorProto_DataType>(vi.type().tensor_type().elem_type())) +
                         "; only float graph inputs are supported (make shape inputs initializers)");
    g.inputs.push_back({vi.name(), shape_from_value_info(vi, origin)});
    g.shapes[vi.name()] = g.inputs.back().shape;
  }
  for (int i = 0; i < gp.output_size(); ++i) {
    const std::string& name = gp.output(i).name();
    for (int j = 0; j < i; ++j)
      if (gp.output(j).name() == name)
        throw ConvertError(origin + ": graph output '" + name + "' is listed twice (outputs " + std::to_string(j) +
                           " and " + std::to_string(i) + "); each output must be named once");
    g.outputs.push_back(name);
  }
  if (g.outputs.empty()) throw ConvertError(origin + ": the graph has no outputs (graph.output is empty)");

  const auto& ops = supported_onnx_ops();
  UnsupportedOps unsupported;
  std::set<std::string> names;
  for (int i = 0; i < gp.node_size(); ++i) {
    const onnx::NodeProto& np = gp.node(i);
    graph::Node n;
    n.op_type = np.op_type();
    n.name = np.name().empty() ? n.op_type + "_" + std::to_string(i) : np.name();
    if (!names.insert(n.name).second) n.name += "_" + std::to_string(i);
    const std::string where = origin + ": " + n.describe();
    if (!np.domain().empty() && np.domain() != "ai.onnx") {
      unsupported.add(np.domain() + ":" + n.op_type, n.name);
      continue;
    }
    if (!std::binary_search(ops.begin(), ops.end(), n.op_type)) {
      unsupported.add(n.op_type, n.name);
      continue;
    }
    n.inputs.assign(np.input().begin(), np.input().end());
    while (!n.inputs.empty() && n.inputs.back().empty()) n.inputs.pop_back();
    n.outputs.assign(np.output().begin(), np.output().end());
    for (const auto& a : np.attribute()) n.attributes[a.name()] = attribute_from_proto(a, where);
    if (n.outputs.empty() || n.outputs[0].empty())  // every supported op writes its first output
      throw ConvertError(where + ": has no output (every node must name its first output)");
    if (n.op_type == "BatchNormalization" && (n.outputs.size() > 1 || n.get_int("training_mode", 0)))
      throw ConvertError(where + ": training mode (running statistics outputs) is not supported");
    if (n.op_type == "MaxPool" && n.outputs.size() > 1)
      throw ConvertError(where + ": the Indices output of MaxPool is not supported");
    if (n.op_type == "LogSoftmax") {  // the same op with a log output (SoftmaxOptions.log)
      n.op_type = "Softmax";
      n.set_int("qrt_log", 1);
    }
    if (n.op_type == "Softmax" && g.opset < 13) n.set_int("qrt_legacy_2d", 1);
    if (n.op_type == "Concat" && g.opset < 4 && !n.has_attr("axis")) n.set_int("axis", 1);  // opset < 4 default
    g.nodes.push_back(std::move(n));
  }
  if (unsupported.total > 0) throw ConvertError(unsupported.message(origin));
  check_finite_initializers(g, origin);
  try {
    g.validate();
  } catch (const ConvertError& e) {
    throw ConvertError(origin + ": " + e.what());
  }
  return g;
}

graph::Graph import_onnx(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw ConvertError(path + ": is a folder, not an ONNX model file");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ConvertError(path + ": cannot open file");
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.empty()) throw ConvertError(path + ": not a valid ONNX model (empty file)");
  return import_onnx_from_memory(bytes.data(), bytes.size(), path);
}

graph::Tensor parse_onnx_tensor(const void* data, size_t size, const std::string& where,
                         std::string* name, bool* is_integer) {
  onnx::TensorProto t;
  if (size > static_cast<size_t>(INT32_MAX) || !t.ParseFromArray(data, static_cast<int>(size)))
    throw ConvertError(where + ": not a valid ONNX TensorProto");
  if (name) *name = t.name();
  if (is_integer)
    *is_integer = t.data_type() != onnx::TensorProto_DataType_FLOAT &&
                  t.data_type() != onnx::TensorProto_DataType_DOUBLE;
  return tensor_from_proto(t, where);
}

graph::Tensor load_onnx_tensor(const std::string& path, std::string* name, bool* is_integer) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ConvertError(path + ": cannot open file");
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return parse_onnx_tensor(bytes.data(), bytes.size(), path, name, is_integer);
}

graph::Graph load_onnx_model(const std::string& path) {
  graph::Graph g = import_onnx(path);
  try {
    graph::run_default_passes(g);
  } catch (const ConvertError& e) {
    throw ConvertError(path + ": " + e.what());
  }
  return g;
}

}  // namespace import
}  // namespace qrt
