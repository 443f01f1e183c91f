// The converter's graph IR: an ONNX model after import, before quantization.
//
// What it is. A plain, copyable value: nodes in topological order, constant
// tensors (initializers) by name, graph inputs with fixed shapes, and output
// names. It keeps ONNX semantics and ONNX's NCHW layout on purpose: passes
// and the float executor can be checked against ONNX's own test data, and
// lowering (quantize/) converts to the runtime's NHWC layout for the .qrt
// file (schema/qrt.fbs).
//
// What the importer normalizes (so later stages see one form per op):
// - Every constant is a float Tensor (doubles/ints are converted; integers
//   are exact up to 2^24, checked; |v| >= 2^31 - 1 becomes +-inf, the
//   "to the end" of Slice ends; Tensor::is_integer remembers the type).
// - Dynamic dimensions of graph inputs become 1 (batch size is fixed).
// - An absent optional input is kept as an empty string in Node::inputs.
// - Softmax of opset < 13 ("flatten to 2-D at axis") carries the int
//   attribute `qrt_legacy_2d` = 1; infer_shapes() drops it when axis is the
//   last dimension (the two semantics then agree).
// - fold_constants() turns Clip's min/max inputs (opset >= 11) into float
//   attributes `min`/`max`, so after the passes a Clip has one input.
//
// Errors are host-side exceptions: qrt::ConvertError, whose message names the
// place (node name and op type, tensor name, file) and is what the CLI prints.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace qrt {

// The one error type of the converter; what() is a complete user message.
class ConvertError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace graph {

using Shape = std::vector<int64_t>;

// Number of elements of a shape (1 for a scalar, []); throws ConvertError
// (naming the shape) when the product overflows int64.
int64_t num_elements(const Shape& shape);
// The most elements one tensor of the graph may have (its float copy is
// 8 GiB); larger shapes come from hostile or broken models (pads of 2^40)
// and are refused naming the node or initializer, instead of overflowing or
// ending in std::bad_alloc.
constexpr int64_t kMaxTensorElements = (int64_t{1} << 31) - 1;
// The product of a shape's dims without overflow: false (and *out unset)
// when a dim is negative or the product is over `limit`.
bool num_elements_within(const Shape& shape, int64_t limit, int64_t* out);
// "[1, 3, 224, 224]"
std::string shape_to_string(const Shape& shape);

// A dense fp32 tensor in row-major (C) order; for constants and for the
// float executor's activations.
struct Tensor {
  Shape shape;
  std::vector<float> data;  // size == num_elements(shape)
  // The ONNX tensor holds integers (int64/int32/.../bool): shape math.
  // fold_constants() keeps such values exact: integers, |v| <= 2^24, or
  // +-inf for "unbounded" (INT64_MAX-style Slice ends, see import).
  bool is_integer = false;

  Tensor() = default;
  Tensor(Shape s, std::vector<float> d) : shape(std::move(s)), data(std::move(d)) {}
  explicit Tensor(Shape s) : shape(std::move(s)), data(num_elements(shape), 0.0f) {}
  int64_t size() const { return static_cast<int64_t>(data.size()); }
};

// Activation fused into a Conv/Gemm/MatMul/Add by fuse_activations():
// applied to that node's output before anything reads it.
enum class FusedActivation { kNone, kRelu, kRelu6 };
const char* fused_activation_name(FusedActivation a);

struct Attribute {
  enum class Kind { kInt, kFloat, kString, kInts, kFloats, kTensor };
  Kind kind = Kind::kInt;
  int64_t i = 0;
  float f = 0.0f;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  Tensor t;
};

struct Node {
  std::string name;     // ONNX node name; the importer invents one if empty
  std::string op_type;  // ONNX op type, e.g. "Conv"
  std::vector<std::string> inputs;   // "" = absent optional input
  std::vector<std::string> outputs;
  std::map<std::string, Attribute> attributes;
  FusedActivation fused_activation = FusedActivation::kNone;

  bool has_attr(const std::string& key) const;
  // Typed getters. Without a default, a missing attribute throws
  // ConvertError naming the node; a wrong kind always throws.
  int64_t get_int(const std::string& key) const;
  int64_t get_int(const std::string& key, int64_t dflt) const;
  float get_float(const std::string& key) const;
  float get_float(const std::string& key, float dflt) const;
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& dflt) const;
  std::vector<int64_t> get_ints(const std::string& key) const;
  std::vector<int64_t> get_ints(const std::string& key, const std::vector<int64_t>& dflt) const;
  std::vector<float> get_floats(const std::string& key) const;
  const Tensor& get_tensor(const std::string& key) const;

  void set_int(const std::string& key, int64_t v);
  void set_float(const std::string& key, float v);
  void set_ints(const std::string& key, std::vector<int64_t> v);
  void set_string(const std::string& key, std::string v);

  // Input i, or "" if there are fewer inputs (absent optional input).
  const std::string& input(size_t i) const;
  // "node 'conv1' (Conv)": how every error message names a node.
  std::string describe() const;
};

// Quantization the model fixes itself (QDQ models: QuantizeLinear /
// DequantizeLinear pairs, import/qdq.h). Lowering uses these instead of
// calibrating or quantizing; the float graph holds the dequantized values.

// An activation's Q -> DQ pair, kept by tensor name (the Q input and the
// DQ output both name it, so it survives the passes' renames).
struct FixedActivation {
  float scale = 0.0f;
  bool is_unsigned = false;  // uint8 (U8) or int8 (S8)
  int bits = 8;              // 8, or 4..7 from a Clip on the integers between Q and DQ
  int32_t zero_point = 0;    // != 0: asymmetric (lowering refuses it or widens it)
  std::string origin;        // "node 'q1' (QuantizeLinear)", for messages
};

// A constant stored as integers: DequantizeLinear(int8/int32 constant), or
// QuantizeLinear(float constant) -> DequantizeLinear folded. The
// initializer of the same name holds float(code) * scale (fp32).
struct FixedConstant {
  std::vector<int64_t> codes;  // the integers minus the zero point (0), row-major
  std::vector<float> scales;   // 1 (per tensor) or shape[axis] values
  int64_t axis = 0;            // the scales' axis (scales.size() > 1)
  // int8: the smallest 4..8 whose symmetric range holds the codes (a code
  // -128 counts as 8; lowering stores it as -127 and warns), or the range
  // of a Clip between Q and DQ; int32: 32.
  int bits = 8;
  std::string origin;
};

struct ValueInfo {
  std::string name;
  Shape shape;  // dynamic dims already replaced by 1
};

struct Graph {
  std::string name;
  int64_t opset = 0;  // default-domain opset version of the model
  std::vector<Node> nodes;                     // topological order
  std::map<std::string, Tensor> initializers;  // constants by name
  std::vector<ValueInfo> inputs;               // runtime inputs (no initializers)
  std::vector<std::string> outputs;            // graph output names
  // Shape of every tensor (inputs, initializers, node outputs); filled by
  // the importer for inputs/initializers and completed by infer_shapes().
  std::map<std::string, Shape> shapes;
  // QDQ models only (empty otherwise): see FixedActivation / FixedConstant.
  std::map<std::string, FixedActivation> fixed_activations;
  std::map<std::string, FixedConstant> fixed_constants;
  bool has_fixed_quantization() const { return !fixed_activations.empty() || !fixed_constants.empty(); }

  bool is_initializer(const std::string& tensor) const;
  bool is_graph_input(const std::string& tensor) const;
  bool is_graph_output(const std::string& tensor) const;
  // The node producing `tensor`, or nullptr (graph input, initializer).
  const Node* producer(const std::string& tensor) const;
  Node* producer(const std::string& tensor);
  // Index in `nodes` of the producer, or -1.
  int producer_index(const std::string& tensor) const;
  // All nodes reading `tensor` (a node reading it twice appears once).
  std::vector<const Node*> consumers(const std::string& tensor) const;
  // Number of uses: node inputs plus one if it is a graph output.
  int use_count(const std::string& tensor) const;
  // Shape after infer_shapes(); throws ConvertError naming the tensor if unknown.
  const Shape& shape(const std::string& tensor) const;
  // The initializer `tensor`, or throws ConvertError naming it and `user`.
  const Tensor& initializer(const std::string& tensor, const Node& user) const;
  // Replaces every use of `from` (node inputs, graph outputs) by `to`.
  void rename_uses(const std::string& from, const std::string& to);
  // Throws ConvertError if a node reads a tensor nothing defines, or nodes
  // are not in topological order.
  void validate() const;
};

}  // namespace graph
}  // namespace qrt
