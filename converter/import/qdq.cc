// QuantizeLinear / DequantizeLinear -> fixed quantization. See qdq.h.
#include "import/qdq.h"

#include <cmath>
#include <climits>
#include <map>
#include <memory>
#include <set>

#include "import/proto_tensor.h"

namespace qrt::import {
namespace {

const int kUint8 = onnx::TensorProto_DataType_UINT8;
const int kInt8 = onnx::TensorProto_DataType_INT8;
const int kInt32 = onnx::TensorProto_DataType_INT32;

std::string describe(const onnx::NodeProto& n, int index) {
  const std::string name = n.name().empty() ? n.op_type() + "_" + std::to_string(index) : n.name();
  return "node '" + name + "' (" + n.op_type() + ")";
}

// A Q or DQ node's scale, zero point and integer type.
struct QParams {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;  // same size as scales
  int dtype = kUint8;                // of the integers
  int64_t axis = 1;                  // ONNX default; used when scales.size() > 1
};

bool same_params(const QParams& a, const QParams& b) {
  return a.scales == b.scales && a.zero_points == b.zero_points && a.dtype == b.dtype &&
         (a.scales.size() == 1 || a.axis == b.axis);
}

class Resolver {
 public:
  Resolver(onnx::GraphProto& gp, graph::Graph& g, const std::string& origin) : gp_(gp), g_(g), origin_(origin) {}

  void run() {
    bool any = false;
    for (const auto& n : gp_.node()) any = any || n.op_type() == "QuantizeLinear" || n.op_type() == "DequantizeLinear";
    if (!any) return;
    check_arity();
    index();
    consumed_.assign(size_t(gp_.node_size()), false);
    for (int i = 0; i < gp_.node_size(); ++i) {
      if (consumed_[size_t(i)]) continue;
      const onnx::NodeProto& n = gp_.node(i);
      if (!n.domain().empty() && n.domain() != "ai.onnx") continue;  // the importer names it
      if (n.op_type() == "QuantizeLinear") quantize(i);
      else if (n.op_type() == "DequantizeLinear") dequantize_constant(i);
      else if (n.op_type() == "Relu" && relu_made_.count(n.input(0))) make_identity(i);
      else if (n.op_type() == "Identity" && relu_made_.count(n.input(0))) relu_made_.insert(n.output(0));
    }
    finish();
  }

 private:
  std::string where(int i) const { return origin_ + ": " + describe(gp_.node(i), i); }

  // The nodes this pass reads by input / output index, checked before it
  // reads any (the importer's own checks come later, on the graph this pass
  // leaves): Q/DQ take 2..3 inputs, the others it follows 1 (Clip 1..3), and
  // all give 1 output, with the first input named.
  void check_arity() const {
    static const std::map<std::string, std::pair<int, int>> kInputs = {
        {"QuantizeLinear", {2, 3}}, {"DequantizeLinear", {2, 3}}, {"Relu", {1, 1}}, {"Identity", {1, 1}},
        {"Cast", {1, 1}},           {"Clip", {1, 3}},             {"ConstantOfShape", {1, 1}}};
    for (int i = 0; i < gp_.node_size(); ++i) {
      const onnx::NodeProto& n = gp_.node(i);
      if (!n.domain().empty() && n.domain() != "ai.onnx") continue;
      const auto it = kInputs.find(n.op_type());
      if (it == kInputs.end()) continue;
      const auto [lo, hi] = it->second;
      if (n.input_size() < lo || n.input_size() > hi || n.input(0).empty())
        throw ConvertError(where(i) + ": expects " + std::to_string(lo) + ".." + std::to_string(hi) +
                           " inputs (the first named), has " + std::to_string(n.input_size()));
      if (n.output_size() != 1 || n.output(0).empty())
        throw ConvertError(where(i) + ": expects 1 named output, has " + std::to_string(n.output_size()));
    }
  }

  void index() {
    for (const auto& t : gp_.initializer()) consts_[t.name()] = &t;
    for (int i = 0; i < gp_.node_size(); ++i) {
      const onnx::NodeProto& n = gp_.node(i);
      for (const std::string& in : n.input())
        if (!in.empty()) readers_[in].push_back(i);
      for (const std::string& out : n.output()) producer_[out] = i;
      if (n.op_type() == "Constant" && n.output_size() == 1)
        for (const auto& a : n.attribute())
          if (a.name() == "value" && a.type() == onnx::AttributeProto_AttributeType_TENSOR)
            consts_[n.output(0)] = &a.t();
    }
    for (const auto& o : gp_.output()) graph_outputs_.insert(o.name());
  }

  // A constant tensor: an initializer, a Constant node, or one computed from
  // constants by Identity, Cast or ConstantOfShape (PyTorch's export feeds
  // Q/DQ scales and zero points through such nodes).
  // Chains longer than kMaxConstantChain (or a cycle, which ONNX forbids)
  // are refused, so a hostile graph cannot exhaust the stack.
  static constexpr int kMaxConstantChain = 64;
  const onnx::TensorProto* constant(const std::string& name, int depth = 0) {
    auto it = consts_.find(name);
    if (it != consts_.end()) return it->second;
    auto p = producer_.find(name);
    if (p == producer_.end()) return nullptr;
    const onnx::NodeProto& n = gp_.node(p->second);
    if (n.input_size() < 1 || n.output_size() != 1) return nullptr;
    if (n.op_type() != "Identity" && n.op_type() != "Cast" && n.op_type() != "ConstantOfShape") return nullptr;
    if (depth >= kMaxConstantChain)
      throw ConvertError(where(p->second) + ": more than " + std::to_string(kMaxConstantChain) +
                         " Identity/Cast/ConstantOfShape nodes in a row compute '" + name + "' (or a cycle)");
    const onnx::TensorProto* in = constant(n.input(0), depth + 1);
    if (in == nullptr) return nullptr;
    const std::string w = where(p->second);
    onnx::TensorProto t;
    if (n.op_type() == "Identity") {
      t = *in;
    } else if (n.op_type() == "Cast") {
      int to = 0;
      for (const auto& a : n.attribute())
        if (a.name() == "to") to = int(a.i());
      t = cast(*in, to, w);
    } else if (n.op_type() == "ConstantOfShape") {
      const std::vector<int64_t> shape = integer_values(*in, w + " shape");
      onnx::TensorProto value;
      value.set_data_type(onnx::TensorProto_DataType_FLOAT);
      value.add_float_data(0.0f);
      for (const auto& a : n.attribute())
        if (a.name() == "value" && a.type() == onnx::AttributeProto_AttributeType_TENSOR) value = a.t();
      int64_t count = 1;
      for (int64_t d : shape) {
        if (d < 0 || d > (int64_t{1} << 24)) throw ConvertError(w + ": shape value " + std::to_string(d));
        count *= d;
      }
      if (count > (int64_t{1} << 24)) throw ConvertError(w + ": more than 2^24 values");
      const bool is_float = value.data_type() == onnx::TensorProto_DataType_FLOAT;
      const float fv = is_float ? tensor_from_proto(value, w + " value").data.at(0) : 0.0f;
      const int64_t iv = is_float ? 0 : integer_values(value, w + " value").at(0);
      t = cast(is_float ? float_proto("", shape, std::vector<float>(size_t(count), fv))
                        : int_proto(shape, std::vector<int64_t>(size_t(count), iv)),
               value.data_type(), w);
    } else {
      return nullptr;
    }
    t.set_name(name);
    computed_.push_back(std::make_unique<onnx::TensorProto>(std::move(t)));
    consts_[name] = computed_.back().get();
    return consts_[name];
  }

  static onnx::TensorProto int_proto(const std::vector<int64_t>& shape, const std::vector<int64_t>& v) {
    onnx::TensorProto t;
    t.set_data_type(onnx::TensorProto_DataType_INT64);
    for (int64_t d : shape) t.add_dims(d);
    for (int64_t x : v) t.add_int64_data(x);
    return t;
  }

  // Cast of a constant to float, int8, uint8, int32 or int64 (ONNX's Cast:
  // float to integer truncates toward zero; out-of-range is an error here).
  static onnx::TensorProto cast(const onnx::TensorProto& in, int to, const std::string& w) {
    const bool from_float = in.data_type() == onnx::TensorProto_DataType_FLOAT ||
                            in.data_type() == onnx::TensorProto_DataType_DOUBLE;
    const std::vector<int64_t> shape(in.dims().begin(), in.dims().end());
    if (to == onnx::TensorProto_DataType_FLOAT) {
      if (from_float) return float_proto("", shape, tensor_from_proto(in, w).data);
      std::vector<float> f;
      for (int64_t x : integer_values(in, w)) f.push_back(float(x));
      return float_proto("", shape, f);
    }
    std::vector<int64_t> v;
    if (from_float) {
      for (float x : tensor_from_proto(in, w).data) v.push_back(int64_t(std::trunc(x)));
    } else {
      v = integer_values(in, w);
    }
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    if (to == kInt8) lo = -128, hi = 127;
    else if (to == kUint8) lo = 0, hi = 255;
    else if (to == kInt32) lo = INT32_MIN, hi = INT32_MAX;
    else if (to != onnx::TensorProto_DataType_INT64)
      throw ConvertError(w + ": Cast of a constant to type " + std::to_string(to) + " is not supported");
    onnx::TensorProto t;
    t.set_data_type(to);
    for (int64_t d : shape) t.add_dims(d);
    for (int64_t x : v) {
      if (x < lo || x > hi) throw ConvertError(w + ": Cast of " + std::to_string(x) + " out of range");
      if (to == onnx::TensorProto_DataType_INT64) t.add_int64_data(x);
      else t.add_int32_data(int32_t(x));
    }
    return t;
  }

  // Reads input 1 (scale) and 2 (zero point) of Q/DQ node i; `rank`: the
  // rank of the quantized tensor when known (-1: not known, axis unchecked).
  QParams params(int i, int64_t rank) {
    const onnx::NodeProto& n = gp_.node(i);
    const std::string w = where(i);
    QParams p;
    const onnx::TensorProto* s = n.input_size() > 1 ? constant(n.input(1)) : nullptr;
    if (s == nullptr)
      throw ConvertError(w + ": the scale must be a constant (an initializer or a Constant node)");
    if (s->data_type() != onnx::TensorProto_DataType_FLOAT)
      throw ConvertError(w + ": scale '" + n.input(1) + "' must be float32");
    p.scales = tensor_from_proto(*s, w + " scale").data;
    if (p.scales.empty()) throw ConvertError(w + ": scale '" + n.input(1) + "' is empty");
    for (float v : p.scales)
      if (!std::isfinite(v) || !(v > 0.0f))
        throw ConvertError(w + ": scale '" + n.input(1) + "' has the value " + std::to_string(v) +
                           "; scales must be finite and > 0");
    if (n.input_size() > 2 && !n.input(2).empty()) {
      const onnx::TensorProto* z = constant(n.input(2));
      if (z == nullptr) throw ConvertError(w + ": the zero point must be a constant");
      p.dtype = z->data_type();
      p.zero_points = integer_values(*z, w + " zero point");
      if (p.zero_points.size() != p.scales.size())
        throw ConvertError(w + ": " + std::to_string(p.zero_points.size()) + " zero points for " +
                           std::to_string(p.scales.size()) + " scales");
    } else {
      p.zero_points.assign(p.scales.size(), 0);
      p.dtype = kUint8;  // ONNX: no zero point means uint8
      for (const auto& a : n.attribute())
        if (a.name() == "output_dtype" && a.i() != 0) p.dtype = int(a.i());
    }
    if (n.op_type() == "DequantizeLinear" && p.dtype == kInt32) {
      // int32: biases; allowed for constants only (checked by the caller)
    } else if (p.dtype != kInt8 && p.dtype != kUint8) {
      throw ConvertError(w + ": integer type " +
                         onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(p.dtype)) +
                         " is not supported (int8 and uint8; int32 for biases)");
    }
    for (const auto& a : n.attribute())
      if (a.name() == "axis") p.axis = a.i();
      else if (a.name() == "block_size" && a.i() != 0)
        throw ConvertError(w + ": blocked quantization (block_size) is not supported");
    if (p.scales.size() > 1 && rank >= 0) {
      if (p.axis < 0) p.axis += rank;
      if (p.axis < 0 || p.axis >= rank)
        throw ConvertError(w + ": axis " + std::to_string(p.axis) + " out of range for rank " + std::to_string(rank));
    }
    return p;
  }

  // The node reading `tensor` at position 0 that is a DequantizeLinear, for
  // Q -> DQ and Q -> Clip -> DQ; fills `clip` (-1 if none) and the bits.
  struct Pair {
    std::vector<int> dqs;
    std::vector<int> clips;  // Clip and no-op Cast nodes between Q and DQ
    bool clipped = false;    // a Clip set the bit range
    int bits = 8;
  };

  int clip_bits(int c, int dtype) {
    const onnx::NodeProto& n = gp_.node(c);
    const std::string w = where(c);
    double lo = dtype == kUint8 ? 0 : -128, hi = dtype == kUint8 ? 255 : 127;
    for (int k = 1; k < n.input_size() && k < 3; ++k) {
      if (n.input(k).empty()) continue;
      const onnx::TensorProto* t = constant(n.input(k));
      if (t == nullptr) throw ConvertError(w + ": Clip bounds between QuantizeLinear and DequantizeLinear must be constants");
      const std::vector<int64_t> v = integer_values(*t, w + " bound");
      if (v.size() != 1) throw ConvertError(w + ": Clip bound must be a scalar");
      (k == 1 ? lo : hi) = double(v[0]);
    }
    for (const auto& a : n.attribute())
      if (a.name() == "min") lo = a.f();
      else if (a.name() == "max") hi = a.f();
    for (int b = 4; b <= 8; ++b) {
      if (dtype == kUint8 && lo == 0 && hi == double((1 << b) - 1)) return b;
      if (dtype == kInt8 && hi == double((1 << (b - 1)) - 1) && (lo == -hi || lo == -hi - 1)) return b;
    }
    throw ConvertError(w + ": Clip [" + std::to_string(lo) + ", " + std::to_string(hi) +
                       "] between QuantizeLinear and DequantizeLinear is not a 4..8-bit range ([0, 2^b - 1] "
                       "for uint8, [-(2^(b-1) - 1), 2^(b-1) - 1] for int8)");
  }

  // The readers of node r (a Clip or Cast between Q node q and its DQs),
  // which must all be DequantizeLinear, into p->dqs.
  void add_dqs_after(int r, int q, const std::string& what, Pair* p) {
    const std::string& y = gp_.node(r).output(0);
    if (graph_outputs_.count(y)) throw ConvertError(where(r) + ": its integers are a graph output");
    auto it = readers_.find(y);
    if (it == readers_.end()) throw ConvertError(where(r) + ": nothing reads its output");
    for (int d : it->second) {
      if (gp_.node(d).op_type() != "DequantizeLinear")
        throw ConvertError(where(d) + ": reads the integers of " + describe(gp_.node(q), q) + " through " + what +
                           "; only a DequantizeLinear may (QDQ format)");
      p->dqs.push_back(d);
    }
  }

  // The DQ readers of Q node q's output (directly or through one Clip / Cast).
  Pair pair_of(int q, const QParams& qp) {
    Pair p;
    const std::string& y = gp_.node(q).output(0);
    if (graph_outputs_.count(y))
      throw ConvertError(where(q) + ": its integers are a graph output; qrt's outputs are float (end the graph "
                                    "with a DequantizeLinear)");
    auto it = readers_.find(y);
    if (it == readers_.end() || it->second.empty())
      throw ConvertError(where(q) + ": nothing reads its output");
    int clip_bits_seen = 0;
    for (int r : it->second) {
      const onnx::NodeProto& rn = gp_.node(r);
      if (rn.op_type() == "DequantizeLinear" && rn.input(0) == y) {
        p.dqs.push_back(r);
        continue;
      }
      if (rn.op_type() == "Cast" && rn.input(0) == y && cast_to(rn) == qp.dtype) {
        // PyTorch's export: Q -> Cast(to the Q's own type) -> DQ, a no-op.
        p.clips.push_back(r);
        add_dqs_after(r, q, "a Cast", &p);
        continue;
      }
      if (rn.op_type() == "Clip" && rn.input(0) == y) {
        const int b = clip_bits(r, qp.dtype);
        if (clip_bits_seen && b != clip_bits_seen)
          throw ConvertError(where(r) + ": two Clips of one QuantizeLinear give different bit widths");
        clip_bits_seen = b;
        p.clipped = true;
        p.clips.push_back(r);
        add_dqs_after(r, q, "a Clip", &p);
        continue;
      }
      throw ConvertError(where(r) + ": reads the integers of " + describe(gp_.node(q), q) +
                         "; qrt imports the QDQ format (QuantizeLinear -> [Clip] -> DequantizeLinear), not "
                         "integer operators such as QLinearConv or ConvInteger");
    }
    if (clip_bits_seen) p.bits = clip_bits_seen;
    for (int d : p.dqs) {
      const QParams dp = params(d, -1);
      if (!same_params(dp, qp))
        throw ConvertError(where(d) + ": its scale / zero point differ from " + describe(gp_.node(q), q) +
                           "'s; a QuantizeLinear -> DequantizeLinear pair must use the same ones");
    }
    return p;
  }

  static int cast_to(const onnx::NodeProto& n) {
    for (const auto& a : n.attribute())
      if (a.name() == "to") return int(a.i());
    return 0;
  }

  static int int8_bits(const std::vector<int64_t>& codes) {
    int64_t m = 0;
    for (int64_t c : codes) m = std::max(m, c < 0 ? -c : c);
    for (int b = 4; b <= 8; ++b)
      if (m <= (int64_t{1} << (b - 1)) - 1) return b;
    return 8;  // -128 (stored as -127 by lowering)
  }

  // Stores a fixed constant under `name`: the codes (zero point removed)
  // and the float initializer float(code) * scale.
  void add_constant(const std::string& name, const std::vector<int64_t>& shape, std::vector<int64_t> codes,
                    const QParams& p, int bits, const std::string& w) {
    for (int64_t z : p.zero_points)
      if (z != 0)
        throw ConvertError(w + ": constant '" + name + "' has zero point " + std::to_string(z) +
                           (p.dtype == kUint8 ? " (uint8 weights)" : "") +
                           "; qrt's weights and biases are symmetric: int8 or int32 with zero point 0 "
                           "(ONNX Runtime: weight_type=QuantType.QInt8)");
    if (p.dtype == kUint8)
      throw ConvertError(w + ": constant '" + name + "' is uint8; qrt's weights are int8 with zero point 0");
    graph::FixedConstant c;
    c.scales = p.scales;
    c.axis = p.axis;
    c.bits = p.dtype == kInt32 ? 32 : bits;
    c.origin = w;
    int64_t inner = 1, axis_len = 1;
    if (p.scales.size() > 1) {
      if (p.axis < 0 || p.axis >= int64_t(shape.size()) || shape[size_t(p.axis)] != int64_t(p.scales.size()))
        throw ConvertError(w + ": " + std::to_string(p.scales.size()) + " scales along axis " +
                           std::to_string(p.axis) + " do not fit '" + name + "' of shape " +
                           graph::shape_to_string(shape));
      axis_len = shape[size_t(p.axis)];
      for (size_t d = size_t(p.axis) + 1; d < shape.size(); ++d) inner *= shape[d];
    }
    std::vector<float> values(codes.size());
    for (size_t k = 0; k < codes.size(); ++k) {
      const float s = p.scales.size() == 1 ? p.scales[0] : p.scales[size_t((int64_t(k) / inner) % axis_len)];
      values[k] = float(codes[k]) * s;
    }
    c.codes = std::move(codes);
    if (g_.fixed_constants.count(name) || consts_.count(name))
      throw ConvertError(w + ": output '" + name + "' is already defined");
    g_.fixed_constants[name] = std::move(c);
    new_inits_.push_back(float_proto(name, shape, values));
  }

  // DequantizeLinear(integer constant): a fixed weight or bias.
  void dequantize_constant(int i) {
    const onnx::NodeProto& n = gp_.node(i);
    const onnx::TensorProto* x = constant(n.input(0));
    if (x == nullptr)
      throw ConvertError(where(i) + ": reads '" + n.input(0) +
                         "', which is neither a constant nor the output of a QuantizeLinear; qrt imports "
                         "DequantizeLinear of constants (weights, biases) and QuantizeLinear -> "
                         "DequantizeLinear pairs");
    const std::vector<int64_t> shape(x->dims().begin(), x->dims().end());
    QParams p = params(i, int64_t(shape.size()));
    if (x->data_type() != p.dtype)
      throw ConvertError(where(i) + ": constant '" + n.input(0) + "' and its zero point have different types");
    std::vector<int64_t> codes = integer_values(*x, where(i) + " input '" + n.input(0) + "'");
    const int bits = p.dtype == kInt8 ? int8_bits(codes) : 32;
    add_constant(n.output(0), shape, std::move(codes), p, bits, where(i));
    consumed_[size_t(i)] = true;
  }

  void quantize(int q) {
    const onnx::NodeProto& n = gp_.node(q);
    const onnx::TensorProto* x = constant(n.input(0));
    const std::vector<int64_t> shape = x ? std::vector<int64_t>(x->dims().begin(), x->dims().end())
                                         : std::vector<int64_t>();
    const QParams qp = params(q, x ? int64_t(shape.size()) : -1);
    const Pair pair = pair_of(q, qp);
    consumed_[size_t(q)] = true;
    for (int c : pair.clips) consumed_[size_t(c)] = true;
    if (x != nullptr) {
      fold_fake_quantized(q, *x, shape, qp, pair);
      return;
    }
    if (qp.scales.size() != 1)
      throw ConvertError(where(q) + ": per-axis scales on the activation '" + n.input(0) +
                         "'; qrt's activations have one scale per tensor");
    graph::FixedActivation a;
    a.scale = qp.scales[0];
    a.is_unsigned = qp.dtype == kUint8;
    a.bits = pair.bits;
    a.zero_point = int32_t(qp.zero_points[0]);
    a.origin = describe(n, q);
    const std::string& x_name = n.input(0);
    auto old = g_.fixed_activations.find(x_name);
    if (old != g_.fixed_activations.end() &&
        (old->second.scale != a.scale || old->second.is_unsigned != a.is_unsigned || old->second.bits != a.bits ||
         old->second.zero_point != a.zero_point))
      throw ConvertError(where(q) + ": '" + x_name + "' is quantized twice with different parameters (also by " +
                         old->second.origin + "); qrt stores one quantization per tensor");
    g_.fixed_activations[x_name] = a;
    // A uint8 pair with zero point 0 clamps at 0: materialize it as a Relu
    // when the producer can fuse one (see qdq.h).
    auto p = producer_.find(x_name);
    const std::string producer_op = p == producer_.end() ? "" : gp_.node(p->second).op_type();
    const bool relu = a.is_unsigned && a.zero_point == 0 && !relu_made_.count(x_name) &&
                      (producer_op == "Conv" || producer_op == "Gemm" || producer_op == "MatMul" ||
                       producer_op == "Add");
    std::string first;
    for (int d : pair.dqs) {
      const std::string y = gp_.node(d).output(0);
      g_.fixed_activations[y] = a;
      onnx::NodeProto* dn = gp_.mutable_node(d);
      const bool make_relu = relu && first.empty();
      dn->set_op_type(make_relu ? "Relu" : "Identity");
      dn->clear_input();
      dn->add_input(first.empty() ? x_name : first);
      dn->clear_attribute();
      dn->clear_domain();
      if (relu) relu_made_.insert(y);
      if (first.empty()) first = y;
    }
  }

  // QuantizeLinear(float constant) -> [Clip] -> DequantizeLinear: the
  // codes ONNX computes, then a fixed constant per DQ.
  void fold_fake_quantized(int q, const onnx::TensorProto& x, const std::vector<int64_t>& shape, const QParams& qp,
                           const Pair& pair) {
    const std::string w = where(q);
    if (qp.dtype != kInt8)
      throw ConvertError(w + ": quantizes the constant '" + gp_.node(q).input(0) +
                         "' to uint8; qrt's weights are int8 with zero point 0");
    for (int64_t z : qp.zero_points)
      if (z != 0)
        throw ConvertError(w + ": quantizes the constant '" + gp_.node(q).input(0) + "' with zero point " +
                           std::to_string(z) + "; qrt's weights are symmetric (zero point 0)");
    const std::vector<float> v = tensor_from_proto(x, w + " input").data;
    const int64_t lo = qp.dtype == kUint8 ? 0 : -128, hi = qp.dtype == kUint8 ? 255 : 127;
    int64_t clo = lo, chi = hi;
    if (pair.clipped) {
      chi = qp.dtype == kUint8 ? (int64_t{1} << pair.bits) - 1 : (int64_t{1} << (pair.bits - 1)) - 1;
      clo = qp.dtype == kUint8 ? 0 : -chi;
    }
    int64_t inner = 1, axis_len = 1;
    if (qp.scales.size() > 1) {
      if (shape[size_t(qp.axis)] != int64_t(qp.scales.size()))
        throw ConvertError(w + ": " + std::to_string(qp.scales.size()) + " scales do not fit axis " +
                           std::to_string(qp.axis) + " of " + graph::shape_to_string(shape));
      axis_len = shape[size_t(qp.axis)];
      for (size_t d = size_t(qp.axis) + 1; d < shape.size(); ++d) inner *= shape[d];
    }
    std::vector<int64_t> codes(v.size());
    for (size_t k = 0; k < v.size(); ++k) {
      const size_t c = qp.scales.size() == 1 ? 0 : size_t((int64_t(k) / inner) % axis_len);
      const float r = std::nearbyint(v[k] / qp.scales[c]);  // fp32 division, half to even (ONNX)
      int64_t code = std::isfinite(r) ? int64_t(std::max(-1e9f, std::min(1e9f, r))) + qp.zero_points[c] : 0;
      code = std::max(lo, std::min(hi, code));
      code = std::max(clo, std::min(chi, code));
      codes[k] = code - qp.zero_points[c];
    }
    const int bits = pair.clipped ? pair.bits : int8_bits(codes);
    for (int d : pair.dqs) {
      add_constant(gp_.node(d).output(0), shape, codes, qp, bits, w);
      consumed_[size_t(d)] = true;
    }
  }

  // A Relu of a Relu's output: an Identity.
  void make_identity(int i) {
    onnx::NodeProto* n = gp_.mutable_node(i);
    n->set_op_type("Identity");
    n->clear_attribute();
    relu_made_.insert(n->output(0));
  }

  // Drops the consumed nodes, adds the new initializers and drops the
  // integer constants nothing reads any more (also from the graph inputs,
  // where IR < 4 models list initializers).
  void finish() {
    google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
    for (int i = 0; i < gp_.node_size(); ++i)
      if (!consumed_[size_t(i)]) *kept.Add() = gp_.node(i);
    gp_.mutable_node()->Swap(&kept);
    for (onnx::TensorProto& t : new_inits_) *gp_.add_initializer() = std::move(t);
    // Nodes nothing reads any more (the Identity / Cast / ConstantOfShape
    // chains that computed scales and zero points), back to front.
    std::set<std::string> used;
    for (const auto& o : gp_.output()) used.insert(o.name());
    std::vector<bool> live(size_t(gp_.node_size()), false);
    for (int i = gp_.node_size() - 1; i >= 0; --i) {
      const onnx::NodeProto& n = gp_.node(i);
      for (const std::string& o : n.output()) live[size_t(i)] = live[size_t(i)] || used.count(o) > 0;
      if (live[size_t(i)])
        for (const std::string& in : n.input()) used.insert(in);
    }
    google::protobuf::RepeatedPtrField<onnx::NodeProto> alive;
    for (int i = 0; i < gp_.node_size(); ++i)
      if (live[size_t(i)]) *alive.Add() = gp_.node(i);
    gp_.mutable_node()->Swap(&alive);
    google::protobuf::RepeatedPtrField<onnx::TensorProto> inits;
    std::set<std::string> dropped;
    for (const auto& t : gp_.initializer()) {
      if (used.count(t.name())) *inits.Add() = t;
      else dropped.insert(t.name());
    }
    gp_.mutable_initializer()->Swap(&inits);
    google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> inputs;
    for (const auto& vi : gp_.input())
      if (!dropped.count(vi.name())) *inputs.Add() = vi;
    gp_.mutable_input()->Swap(&inputs);
  }

  onnx::GraphProto& gp_;
  graph::Graph& g_;
  const std::string& origin_;
  std::map<std::string, const onnx::TensorProto*> consts_;
  std::map<std::string, std::vector<int>> readers_;
  std::map<std::string, int> producer_;
  std::set<std::string> graph_outputs_;
  std::vector<bool> consumed_;
  std::set<std::string> relu_made_;  // outputs that are a Relu's (made here or an Identity of one)
  std::vector<onnx::TensorProto> new_inits_;
  std::vector<std::unique_ptr<onnx::TensorProto>> computed_;  // constants computed by constant()
};

}  // namespace

void resolve_qdq(onnx::GraphProto& gp, graph::Graph& g, const std::string& origin) {
  Resolver(gp, g, origin).run();
}

}  // namespace qrt::import
