#include "qrt_eval_layers.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace qrt::eval {
namespace {

const char* dtype_name(qrt_dtype d) {
  switch (d) {
    case QRT_DTYPE_F32: return "F32";
    case QRT_DTYPE_S8: return "S8";
    case QRT_DTYPE_U8: return "U8";
    default: return "other";
  }
}

const std::string kQuantized = "/quantized";
const std::string kDequantized = "/dequantized";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool reads_quantized(const std::string& op) { return op == "Conv" || op == "Gemm" || op == "MatMul"; }

}  // namespace

// ---------------------------------------------------------------- metrics

void ErrorStats::add(const float* ref, const float* approx, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const double x = ref[i], q = approx[i], e = x - q;
    sum_ref_sq += x * x;
    sum_q_sq += q * q;
    sum_dot += x * q;
    sum_err_sq += e * e;
    max_abs_err = std::max(max_abs_err, std::fabs(e));
  }
  count += n;
}

double ErrorStats::sqnr_db() const {
  if (sum_err_sq == 0) return std::numeric_limits<double>::infinity();
  if (sum_ref_sq == 0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(sum_ref_sq / sum_err_sq);
}

double ErrorStats::cosine() const {
  if (sum_ref_sq == 0 && sum_q_sq == 0) return 1.0;
  if (sum_ref_sq == 0 || sum_q_sq == 0) return 0.0;
  return sum_dot / (std::sqrt(sum_ref_sq) * std::sqrt(sum_q_sq));
}

// ---------------------------------------------------------------- layout

void to_runtime_layout(const graph::Graph& graph, const std::string& name, const graph::Tensor& value,
                       std::vector<float>* out) {
  const graph::Shape& s = value.shape;
  out->resize(value.data.size());
  if (s.size() == 4) {  // NCHW -> NHWC
    const int64_t N = s[0], C = s[1], HW = s[2] * s[3];
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t p = 0; p < HW; ++p) (*out)[size_t((n * HW + p) * C + c)] = value.data[size_t((n * C + c) * HW + p)];
    return;
  }
  const graph::Node* producer = graph.producer(name);
  if (s.size() == 2 && producer && (producer->op_type == "Flatten" || producer->op_type == "Reshape")) {
    const auto it = graph.shapes.find(producer->input(0));
    if (it != graph.shapes.end() && it->second.size() == 4 && it->second[0] == s[0] &&
        graph::num_elements(it->second) == value.size()) {  // (c,h,w) -> (h,w,c)
      const int64_t N = s[0], C = it->second[1], HW = it->second[2] * it->second[3];
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
          for (int64_t p = 0; p < HW; ++p)
            (*out)[size_t((n * HW + p) * C + c)] = value.data[size_t((n * C + c) * HW + p)];
      return;
    }
  }
  std::memcpy(out->data(), value.data.data(), value.data.size() * sizeof(float));
}

// ---------------------------------------------------------------- comparer

LayerComparer::LayerComparer(const graph::Graph& graph, const qrt_session* session)
    : graph_(graph), session_(session) {
  const size_t n = qrt_session_num_tensors(session);
  for (size_t i = 0; i < n; ++i) {
    qrt_tensor_info info{};
    qrt_tensor_info_init(&info);
    if (qrt_session_tensor_info(session, i, &info) != QRT_OK || info.is_constant) continue;
    const std::string name = info.name ? info.name : "";
    if (ends_with(name, kDequantized)) continue;  // same values as its int8 source
    const bool is_q = ends_with(name, kQuantized);
    const std::string float_name = is_q ? name.substr(0, name.size() - kQuantized.size()) : name;
    const graph::Node* producer = graph.producer(float_name);
    if (!producer && !graph.is_graph_input(float_name)) continue;  // no float counterpart
    if (!is_q && !producer && info.dtype == QRT_DTYPE_F32) continue;  // a float model input: exact
    if (info.dtype != QRT_DTYPE_F32 && info.dtype != QRT_DTYPE_S8 && info.dtype != QRT_DTYPE_U8)
      throw ConvertError("runtime tensor " + std::to_string(i) + " '" + name + "': dtype " +
                         std::to_string(int(info.dtype)) + " cannot be compared");
    if (!info.data)
      throw ConvertError("runtime tensor " + std::to_string(i) + " '" + name +
                         "' is not kept: create the session with keep_all_tensors");
    const int64_t float_count = graph::num_elements(graph.shape(float_name));
    if (float_count != int64_t(info.num_elements))
      throw ConvertError("runtime tensor " + std::to_string(i) + " '" + name + "' has " +
                         std::to_string(info.num_elements) + " elements but float tensor '" + float_name + "' " +
                         graph::shape_to_string(graph.shape(float_name)) + " has " + std::to_string(float_count));
    LayerRow r;
    r.name = name;
    r.float_name = float_name;
    r.tensor_index = i;
    r.dtype = dtype_name(info.dtype);
    r.shape.assign(info.shape, info.shape + info.rank);
    if (info.dtype != QRT_DTYPE_F32) {
      if (info.num_scales != 1)
        throw ConvertError("runtime tensor " + std::to_string(i) + " '" + name + "': " +
                           std::to_string(info.num_scales) + " scales, expected one (per-tensor activation)");
      r.scale = info.scale;
      r.zero_point = info.zero_point;
    }
    if (is_q) {
      r.op = "QUANTIZE";
    } else {
      r.node = producer->name;
      r.op = producer->op_type;
      if (producer->fused_activation != graph::FusedActivation::kNone)
        r.op += std::string("+") + graph::fused_activation_name(producer->fused_activation);
    }
    rows_by_float_[float_name].push_back(rows_.size());
    rows_.push_back(std::move(r));
  }
  // What each op read (by runtime name), for the drop.
  std::map<std::string, size_t> by_name;
  for (size_t i = 0; i < rows_.size(); ++i) by_name[rows_[i].name] = i;
  for (LayerRow& r : rows_) {
    if (r.op == "QUANTIZE") {
      if (by_name.count(r.float_name)) r.inputs.push_back(r.float_name);
      continue;
    }
    const graph::Node* p = graph.producer(r.float_name);
    for (const std::string& in : p->inputs) {
      if (in.empty() || graph.is_initializer(in)) continue;
      if (reads_quantized(p->op_type) && by_name.count(in + kQuantized)) r.inputs.push_back(in + kQuantized);
      else if (by_name.count(in)) r.inputs.push_back(in);
    }
  }
}

graph::TensorObserver LayerComparer::observer() {
  return [this](const std::string& name, const graph::Tensor& value) { compare(name, value); };
}

void LayerComparer::compare(const std::string& float_name, const graph::Tensor& value) {
  const auto it = rows_by_float_.find(float_name);
  if (it == rows_by_float_.end()) return;
  to_runtime_layout(graph_, float_name, value, &ref_);
  for (size_t row : it->second) {
    LayerRow& r = rows_[row];
    qrt_tensor_info info{};
    qrt_tensor_info_init(&info);
    if (qrt_session_tensor_info(session_, r.tensor_index, &info) != QRT_OK || !info.data)
      throw ConvertError("runtime tensor '" + r.name + "' is not readable after the run");
    deq_.resize(info.num_elements);
    if (info.dtype == QRT_DTYPE_F32) {
      std::memcpy(deq_.data(), info.data, info.num_elements * sizeof(float));
    } else {
      const int8_t* q = static_cast<const int8_t*>(info.data);
      for (size_t k = 0; k < info.num_elements; ++k)
        deq_[k] = info.scale * float(int32_t(q[k]) - info.storage_zero_point);
    }
    r.stats.add(ref_.data(), deq_.data(), ref_.size());
  }
}

std::vector<LayerRow> LayerComparer::rows() const {
  std::vector<LayerRow> out = rows_;
  std::map<std::string, double> sqnr;
  for (const LayerRow& r : out) sqnr[r.name] = r.stats.sqnr_db();
  for (LayerRow& r : out) {
    r.input_sqnr_db = std::numeric_limits<double>::infinity();
    for (const std::string& in : r.inputs) r.input_sqnr_db = std::min(r.input_sqnr_db, sqnr.at(in));
  }
  return out;
}

// ---------------------------------------------------------------- ranking

std::vector<size_t> lowest_sqnr(const std::vector<LayerRow>& rows, size_t n) {
  std::vector<size_t> idx(rows.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::stable_sort(idx.begin(), idx.end(),
                   [&](size_t a, size_t b) { return rows[a].stats.sqnr_db() < rows[b].stats.sqnr_db(); });
  if (idx.size() > n) idx.resize(n);
  return idx;
}

std::vector<size_t> largest_drops(const std::vector<LayerRow>& rows, size_t n) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < rows.size(); ++i)
    if (std::isfinite(rows[i].drop_db())) idx.push_back(i);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return rows[a].drop_db() > rows[b].drop_db(); });
  if (idx.size() > n) idx.resize(n);
  return idx;
}

}  // namespace qrt::eval
