// Graph IR helpers: attribute getters, producer/consumer lookups, validation.
#include "graph/graph.h"

#include <set>
#include <sstream>

namespace qrt {
namespace graph {

int64_t num_elements(const Shape& shape) {
  for (int64_t d : shape)
    if (d == 0) return 0;  // empty, whatever the other dims
  int64_t n = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(n, d, &n))
      throw ConvertError("tensor shape " + shape_to_string(shape) + " has more elements than fit in 64 bits");
  return n;
}

bool num_elements_within(const Shape& shape, int64_t limit, int64_t* out) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (d < 0) return false;
  for (int64_t d : shape)
    if (d == 0) n = 0;
  for (int64_t d : shape)
    if (n != 0 && (__builtin_mul_overflow(n, d, &n) || n > limit)) return false;
  *out = n;
  return true;
}

std::string shape_to_string(const Shape& shape) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << "]";
  return os.str();
}

const char* fused_activation_name(FusedActivation a) {
  switch (a) {
    case FusedActivation::kNone: return "none";
    case FusedActivation::kRelu: return "relu";
    case FusedActivation::kRelu6: return "relu6";
  }
  return "?";
}

namespace {
const char* kind_name(Attribute::Kind k) {
  switch (k) {
    case Attribute::Kind::kInt: return "int";
    case Attribute::Kind::kFloat: return "float";
    case Attribute::Kind::kString: return "string";
    case Attribute::Kind::kInts: return "ints";
    case Attribute::Kind::kFloats: return "floats";
    case Attribute::Kind::kTensor: return "tensor";
  }
  return "?";
}
}  // namespace

std::string Node::describe() const { return "node '" + name + "' (" + op_type + ")"; }

bool Node::has_attr(const std::string& key) const { return attributes.count(key) != 0; }

static const Attribute& get_attr(const Node& n, const std::string& key, Attribute::Kind kind) {
  auto it = n.attributes.find(key);
  if (it == n.attributes.end())
    throw ConvertError(n.describe() + ": missing required attribute '" + key + "'");
  if (it->second.kind != kind)
    throw ConvertError(n.describe() + ": attribute '" + key + "' is " + kind_name(it->second.kind) +
                       ", expected " + kind_name(kind));
  return it->second;
}

int64_t Node::get_int(const std::string& key) const { return get_attr(*this, key, Attribute::Kind::kInt).i; }
int64_t Node::get_int(const std::string& key, int64_t dflt) const {
  return has_attr(key) ? get_int(key) : dflt;
}
float Node::get_float(const std::string& key) const {
  return get_attr(*this, key, Attribute::Kind::kFloat).f;
}
float Node::get_float(const std::string& key, float dflt) const {
  return has_attr(key) ? get_float(key) : dflt;
}
std::string Node::get_string(const std::string& key) const {
  return get_attr(*this, key, Attribute::Kind::kString).s;
}
std::string Node::get_string(const std::string& key, const std::string& dflt) const {
  return has_attr(key) ? get_string(key) : dflt;
}
std::vector<int64_t> Node::get_ints(const std::string& key) const {
  return get_attr(*this, key, Attribute::Kind::kInts).ints;
}
std::vector<int64_t> Node::get_ints(const std::string& key, const std::vector<int64_t>& dflt) const {
  return has_attr(key) ? get_ints(key) : dflt;
}
std::vector<float> Node::get_floats(const std::string& key) const {
  return get_attr(*this, key, Attribute::Kind::kFloats).floats;
}
const Tensor& Node::get_tensor(const std::string& key) const {
  return get_attr(*this, key, Attribute::Kind::kTensor).t;
}

void Node::set_int(const std::string& key, int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  attributes[key] = std::move(a);
}
void Node::set_float(const std::string& key, float v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloat;
  a.f = v;
  attributes[key] = std::move(a);
}
void Node::set_ints(const std::string& key, std::vector<int64_t> v) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = std::move(v);
  attributes[key] = std::move(a);
}
void Node::set_string(const std::string& key, std::string v) {
  Attribute a;
  a.kind = Attribute::Kind::kString;
  a.s = std::move(v);
  attributes[key] = std::move(a);
}

const std::string& Node::input(size_t i) const {
  static const std::string kEmpty;
  return i < inputs.size() ? inputs[i] : kEmpty;
}

bool Graph::is_initializer(const std::string& t) const { return initializers.count(t) != 0; }
bool Graph::is_graph_input(const std::string& t) const {
  for (const auto& in : inputs)
    if (in.name == t) return true;
  return false;
}
bool Graph::is_graph_output(const std::string& t) const {
  for (const auto& o : outputs)
    if (o == t) return true;
  return false;
}

int Graph::producer_index(const std::string& t) const {
  if (t.empty()) return -1;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (const auto& o : nodes[i].outputs)
      if (o == t) return static_cast<int>(i);
  return -1;
}
const Node* Graph::producer(const std::string& t) const {
  int i = producer_index(t);
  return i < 0 ? nullptr : &nodes[i];
}
Node* Graph::producer(const std::string& t) {
  int i = producer_index(t);
  return i < 0 ? nullptr : &nodes[i];
}

std::vector<const Node*> Graph::consumers(const std::string& t) const {
  std::vector<const Node*> out;
  if (t.empty()) return out;
  for (const auto& n : nodes)
    for (const auto& in : n.inputs)
      if (in == t) {
        out.push_back(&n);
        break;
      }
  return out;
}

int Graph::use_count(const std::string& t) const {
  if (t.empty()) return 0;
  int c = 0;
  for (const auto& n : nodes)
    for (const auto& in : n.inputs)
      if (in == t) ++c;
  for (const auto& o : outputs)
    if (o == t) ++c;
  return c;
}

const Shape& Graph::shape(const std::string& t) const {
  auto it = shapes.find(t);
  if (it == shapes.end()) throw ConvertError("tensor '" + t + "': shape unknown (run infer_shapes first)");
  return it->second;
}

const Tensor& Graph::initializer(const std::string& t, const Node& user) const {
  auto it = initializers.find(t);
  if (it == initializers.end())
    throw ConvertError(user.describe() + ": input '" + t +
                       "' must be a constant (initializer), but it is computed at run time or missing");
  return it->second;
}

void Graph::rename_uses(const std::string& from, const std::string& to) {
  for (auto& n : nodes)
    for (auto& in : n.inputs)
      if (in == from) in = to;
  for (auto& o : outputs)
    if (o == from) o = to;
}

void Graph::validate() const {
  std::set<std::string> defined;
  for (const auto& in : inputs) defined.insert(in.name);
  for (const auto& kv : initializers) defined.insert(kv.first);
  for (const auto& n : nodes) {
    for (const auto& in : n.inputs) {
      if (in.empty() || defined.count(in)) continue;
      if (producer_index(in) >= 0)
        throw ConvertError(n.describe() + ": input '" + in +
                           "' is produced by a later node (graph is not in topological order)");
      throw ConvertError(n.describe() + ": input '" + in +
                         "' is not a graph input, an initializer, or the output of any node");
    }
    for (const auto& o : n.outputs) {
      if (o.empty()) continue;
      if (!defined.insert(o).second) {  // ONNX tensors have one producer
        const int first = producer_index(o);
        throw ConvertError(n.describe() + ": output '" + o + "' is already " +
                           (first >= 0 && &nodes[size_t(first)] != &n
                                ? "the output of " + nodes[size_t(first)].describe()
                                : std::string("a graph input, an initializer or another output of this node")) +
                           " (each tensor must have one producer)");
      }
    }
  }
  for (const auto& o : outputs)
    if (!defined.count(o)) throw ConvertError("graph output '" + o + "' is not produced by any node");
}

}  // namespace graph
}  // namespace qrt
