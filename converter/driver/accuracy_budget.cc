#include "driver/accuracy_budget.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <thread>

#include "calib/calibration.h"
#include "graph/float_executor.h"
#include "qrt/qrt.h"
#include "quantize/weight_methods.h"

namespace qrt::convert {

namespace {

std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

size_t argmax(const float* v, size_t n) { return size_t(std::max_element(v, v + n) - v); }

double ratio(double error, double signal) {
  if (error == 0) return 0;
  return signal > 0 ? error / signal : std::numeric_limits<double>::infinity();
}

graph::Node& node_named(graph::Graph& g, const std::string& name) {
  for (graph::Node& n : g.nodes)
    if (n.name == name) return n;
  throw ConvertError("no node '" + name + "'");
}

// Sample i of the dataset as the model's NCHW float input.
std::vector<float> load_input(const graph::Graph& graph, const data::Dataset& dataset,
                              const data::PreprocessConfig& preprocess, size_t i) {
  const graph::Shape& s = graph.inputs[0].shape;
  return data::sample_to_input(dataset.load(i, preprocess.decode_channels()), preprocess, int(s[1]), int(s[2]),
                               int(s[3]));
}

// A copy of the graph in which every linear layer has a bias of [out]
// values that the float executor adds as they are (Conv: input 2, zeros if
// it had none; Gemm: C broadcast and scaled by beta, beta set to 1), so
// that a layer can be given lowering's bias-corrected bias. MatMul has no
// bias input and keeps none.
graph::Graph with_full_biases(const graph::Graph& graph, const std::vector<std::string>& layers) {
  graph::Graph g = graph;
  for (const std::string& name : layers) {
    graph::Node& n = node_named(g, name);
    if (n.op_type == "MatMul") continue;
    const graph::Tensor& w = g.initializer(n.input(1), n);
    const bool gemm = n.op_type == "Gemm";
    const int64_t out = !gemm ? w.shape[0] : n.get_int("transB", 0) != 0 ? w.shape[0] : w.shape[1];
    graph::Tensor b({out});
    if (!n.input(2).empty()) {
      const graph::Tensor& old = g.initializer(n.input(2), n);
      const float beta = gemm ? n.get_float("beta", 1.0f) : 1.0f;
      for (int64_t o = 0; o < out; ++o) b.data[size_t(o)] = beta * old.data[old.size() == 1 ? 0 : size_t(o)];
    }
    const std::string bias_name = name + "/budget_bias";
    g.initializers[bias_name] = std::move(b);
    g.shapes[bias_name] = {out};
    n.inputs.resize(3);
    n.inputs[2] = bias_name;
    if (gemm) n.set_float("beta", 1.0f);
  }
  return g;
}

// One layer quantized as lowering quantizes it, back in the graph's
// layout: weights (and the bias with bias correction's shift).
struct QuantizedLayer {
  std::vector<float> weights;  // dequantized, the graph's layout
  std::vector<float> bias;     // empty: unchanged
  double weight_error = 0;
};

QuantizedLayer quantize_like_lowering(const graph::Graph& g, const graph::Node& n,
                                      const quantize::LowerOptions& options,
                                      const std::map<std::string, calib::LayerStats>& stats) {
  const graph::Tensor& W = g.initializer(n.input(1), n);
  const bool conv = n.op_type == "Conv", gemm = n.op_type == "Gemm";
  const bool trans_b = gemm && n.get_int("transB", 0) != 0;
  const float alpha = gemm ? n.get_float("alpha", 1.0f) : 1.0f;
  int64_t out = 0, k = 0, groups = 1, ipg = 0, kh = 0, kw = 0;
  std::vector<float> w;  // lowering's layout: OHWI, or [out][in] with alpha
  if (conv) {
    out = W.shape[0];
    ipg = W.shape[1];
    kh = W.shape[2];
    kw = W.shape[3];
    k = ipg * kh * kw;
    groups = n.get_int("group", 1);
    w = quantize::oihw_to_ohwi(W.data, out, ipg, kh, kw);
  } else {
    out = trans_b ? W.shape[0] : W.shape[1];
    k = trans_b ? W.shape[1] : W.shape[0];
    w.resize(size_t(out * k));
    for (int64_t o = 0; o < out; ++o)
      for (int64_t c = 0; c < k; ++c)
        w[size_t(o * k + c)] = alpha * (trans_b ? W.data[size_t(o * k + c)] : W.data[size_t(c * out + o)]);
  }
  // The bias with bias correction's shift (MatMul has none here: with_full_biases).
  QuantizedLayer r;
  const bool corrected = options.bias_correction && n.op_type != "MatMul";
  if (corrected) r.bias = g.initializer(n.input(2), n).data;  // with_full_biases gave every other layer one
  const quantize::QuantizedWeights q = quantize::quantize_layer(
      options, n, w, out, groups, quantize::layer_stats_for(options, &stats, n), corrected ? &r.bias : nullptr);
  std::vector<float> deq(w.size());
  double err = 0, sig = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    deq[i] = float(q.values[i]) * q.scales[q.scales.size() == 1 ? 0 : i / size_t(k)];
    err += (double(deq[i]) - w[i]) * (double(deq[i]) - w[i]);
    sig += double(w[i]) * w[i];
  }
  r.weight_error = ratio(err, sig);
  r.weights.resize(W.data.size());
  if (conv) {  // OHWI -> OIHW
    for (int64_t o = 0; o < out; ++o)
      for (int64_t c = 0; c < ipg; ++c)
        for (int64_t y = 0; y < kh; ++y)
          for (int64_t x = 0; x < kw; ++x)
            r.weights[size_t(((o * ipg + c) * kh + y) * kw + x)] = deq[size_t(((o * kh + y) * kw + x) * ipg + c)];
  } else {
    for (int64_t o = 0; o < out; ++o)
      for (int64_t c = 0; c < k; ++c)
        r.weights[size_t(trans_b ? o * k + c : c * out + o)] = deq[size_t(o * k + c)] / alpha;
  }
  return r;
}

// Runs .qrt bytes on the calibration samples and counts the samples whose
// top-1 equals the float model's; the float top-1 comes from the first call.
class AgreementMeter {
 public:
  AgreementMeter(const graph::Graph& graph, const data::Dataset& dataset, const data::PreprocessConfig& preprocess,
                 size_t num_images)
      : graph_(graph), dataset_(dataset), preprocess_(preprocess) {
    n_ = dataset.size();
    if (num_images > 0) n_ = std::min(n_, num_images);
    if (n_ == 0) throw ConvertError("--accuracy-budget: " + dataset.describe() + " has no samples");
  }

  size_t samples() const { return n_; }

  size_t agreeing(const std::vector<uint8_t>& bytes, bool show_progress, const std::string& label) {
    qrt_error err{};
    qrt_model* model = nullptr;
    if (qrt_model_load_memory(bytes.data(), bytes.size(), &model, &err) != QRT_OK)
      throw ConvertError(std::string("--accuracy-budget: the runtime rejects the model: ") + err.message);
    std::unique_ptr<qrt_model, void (*)(qrt_model*)> model_owner(model, qrt_model_destroy);
    qrt_session_options so;
    qrt_session_options_init(&so);
    so.num_threads = int32_t(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
    so.float_adds = QRT_FLOAT_ADDS_F32;  // the same numbers on every host
    qrt_session* session = nullptr;
    if (qrt_session_create(model, &so, &session, &err) != QRT_OK)
      throw ConvertError(std::string("--accuracy-budget: cannot create a session: ") + err.message);
    std::unique_ptr<qrt_session, void (*)(qrt_session*)> session_owner(session, qrt_session_destroy);
    qrt_tensor_info out{};
    qrt_tensor_info_init(&out);
    qrt_model_output_info(model, 0, &out);
    std::vector<float> logits(out.num_elements), scratch;

    const bool first = float_top1_.empty();
    graph::FloatExecutor exec(graph_);
    calib::Progress progress(label, n_, show_progress);
    size_t agree = 0;
    for (size_t i = 0; i < n_; ++i) {
      const std::vector<float>& x = input(i, first ? &exec : nullptr, &scratch);
      if (qrt_session_set_input_f32(session, 0, x.data(), x.size()) != QRT_OK ||
          qrt_session_run(session) != QRT_OK ||
          qrt_session_get_output_f32(session, 0, logits.data(), logits.size()) != QRT_OK)
        throw ConvertError(std::string("--accuracy-budget: running the quantized model: ") +
                           qrt_session_last_error(session));
      agree += argmax(logits.data(), logits.size()) == float_top1_[i];
      progress.update(i + 1);
    }
    progress.finish();
    return agree;
  }

 private:
  // Sample i as the runtime's NHWC input: cached, or loaded (on the first
  // pass also run through the float model, and cached while it fits).
  const std::vector<float>& input(size_t i, const graph::FloatExecutor* exec, std::vector<float>* scratch) {
    if (i < cache_.size()) return cache_[i];
    std::vector<float> nchw = load_input(graph_, dataset_, preprocess_, i);
    const graph::Shape& s = graph_.inputs[0].shape;
    const size_t c = size_t(s[1]), hw = size_t(s[2] * s[3]);
    scratch->resize(nchw.size());
    for (size_t k = 0; k < c; ++k)
      for (size_t p = 0; p < hw; ++p) (*scratch)[p * c + k] = nchw[k * hw + p];
    if (exec == nullptr) return *scratch;
    std::map<std::string, graph::Tensor> inputs;
    inputs[graph_.inputs[0].name] = graph::Tensor(s, std::move(nchw));
    const std::vector<float> y = exec->run(inputs).at(graph_.outputs[0]).data;
    float_top1_.push_back(argmax(y.data(), y.size()));
    if ((cache_.size() + 1) * scratch->size() * sizeof(float) > kBudgetInputCacheBytes) return *scratch;
    cache_.push_back(*scratch);
    return cache_.back();
  }

  const graph::Graph& graph_;
  const data::Dataset& dataset_;
  const data::PreprocessConfig& preprocess_;
  size_t n_ = 0;
  std::vector<size_t> float_top1_;
  std::vector<std::vector<float>> cache_;  // NHWC inputs of samples [0, cache_.size())
};

}  // namespace

double parse_accuracy_budget(const std::string& text) {
  const bool percent = !text.empty() && text.back() == '%';
  const std::string number = percent ? text.substr(0, text.size() - 1) : text;
  char* end = nullptr;
  errno = 0;
  const double v = number.empty() ? std::nan("") : std::strtod(number.c_str(), &end);
  if (number.empty() || errno != 0 || end != number.c_str() + number.size() || !std::isfinite(v) || v < 0)
    throw ConvertError("--accuracy-budget: '" + text + "' is not a fraction in [0, 1] (0.99) or a percentage (99%)");
  if (percent) {
    if (v > 100) throw ConvertError("--accuracy-budget: '" + text + "' is over 100%");
    return v / 100;
  }
  if (v > 1)
    throw ConvertError("--accuracy-budget: '" + text + "' is over 1 (a fraction; did you mean " + text + "%?)");
  return v;
}

void check_classifier_output(const graph::Graph& graph) {
  if (graph.outputs.size() != 1)
    throw ConvertError("--accuracy-budget needs a classifier (one output, top-1 by argmax); the model has " +
                       std::to_string(graph.outputs.size()) + " outputs");
  const graph::Shape& shape = graph.shape(graph.outputs[0]);
  int wide = 0;
  for (int64_t d : shape) wide += d > 1;
  if (wide != 1)
    throw ConvertError("--accuracy-budget needs a classifier (one output of class scores, e.g. [1, C]); output '" +
                       graph.outputs[0] + "' has shape " + graph::shape_to_string(shape));
}

std::vector<LayerSensitivity> rank_layers_by_logit_error(const graph::Graph& graph, const data::Dataset& dataset,
                                                         const data::PreprocessConfig& preprocess, size_t samples,
                                                         const quantize::LowerOptions& options,
                                                         const std::map<std::string, calib::LayerStats>& stats,
                                                         bool show_progress) {
  std::vector<std::string> layers;
  for (const std::string& name : calib::linear_layer_nodes(graph))
    if (options.weight_bits_for(name) < 8) layers.push_back(name);
  if (layers.empty()) return {};
  graph::Graph g = with_full_biases(graph, layers);
  // The logits: the input of a final Softmax, else the output itself.
  std::string logits = g.outputs[0];
  if (const graph::Node* p = g.producer(logits); p != nullptr && p->op_type == "Softmax") logits = p->input(0);
  std::vector<std::map<std::string, graph::Tensor>> inputs(std::min(samples, dataset.size()));
  for (size_t i = 0; i < inputs.size(); ++i)
    inputs[i][g.inputs[0].name] = graph::Tensor(g.inputs[0].shape, load_input(g, dataset, preprocess, i));
  auto run_all = [&]() {
    graph::FloatExecutor exec(g);
    std::vector<std::vector<float>> z(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i)
      exec.run(inputs[i], [&](const std::string& name, const graph::Tensor& t) {
        if (name == logits) z[i] = t.data;
      });
    return z;
  };
  const std::vector<std::vector<float>> z0 = run_all();
  std::vector<LayerSensitivity> ranking;
  calib::Progress progress("accuracy budget: ranking layers", layers.size(), show_progress);
  for (const std::string& name : layers) {
    graph::Node& n = node_named(g, name);
    QuantizedLayer q = quantize_like_lowering(g, n, options, stats);
    std::vector<float>& w = g.initializers.at(n.input(1)).data;
    std::swap(w, q.weights);
    if (!q.bias.empty()) std::swap(g.initializers.at(n.input(2)).data, q.bias);
    const std::vector<std::vector<float>> z = run_all();
    std::swap(w, q.weights);
    if (!q.bias.empty()) std::swap(g.initializers.at(n.input(2)).data, q.bias);
    double err = 0, sig = 0;
    for (size_t i = 0; i < z.size(); ++i)
      for (size_t j = 0; j < z[i].size(); ++j) {
        err += (double(z[i][j]) - z0[i][j]) * (double(z[i][j]) - z0[i][j]);
        sig += double(z0[i][j]) * z0[i][j];
      }
    ranking.push_back(LayerSensitivity{name, options.weight_bits_for(name), ratio(err, sig), q.weight_error});
    progress.update(ranking.size());
  }
  progress.finish();
  std::stable_sort(ranking.begin(), ranking.end(), [](const LayerSensitivity& a, const LayerSensitivity& b) {
    return a.logit_error > b.logit_error;
  });
  return ranking;
}

std::map<std::string, int> choose_layer_weight_bits(double budget, const graph::Graph& graph,
                                                    const data::Dataset& dataset,
                                                    const data::PreprocessConfig& preprocess, size_t num_images,
                                                    const quantize::LowerOptions& options,
                                                    const std::map<std::string, calib::LayerStats>& stats,
                                                    const ModelBuilder& build, bool show_progress,
                                                    BudgetReport* report) {
  if (!(budget >= 0 && budget <= 1)) throw ConvertError("--accuracy-budget must be in [0, 1]");
  check_classifier_output(graph);
  BudgetReport r;
  r.budget = budget;
  AgreementMeter meter(graph, dataset, preprocess, num_images);
  r.samples = meter.samples();
  r.ranking_samples = std::min(r.samples, kBudgetRankingSamples);
  r.ranking = rank_layers_by_logit_error(graph, dataset, preprocess, r.ranking_samples, options, stats,
                                         show_progress);
  const size_t n = r.ranking.size();
  const std::string head = "accuracy budget " + fixed(budget, 4) + ": ";

  auto bits_for = [&](size_t k) {
    std::map<std::string, int> bits = options.layer_weight_bits;
    for (size_t i = 0; i < k; ++i) bits[r.ranking[i].node] = 8;
    return bits;
  };
  auto meets = [&](size_t k) {  // one evaluation pass
    const std::string what = std::to_string(k) + " of " + std::to_string(n) + " layers at 8 bits";
    const size_t agree =
        meter.agreeing(build(bits_for(k)), show_progress && r.steps.empty(), head + "float and " + what);
    r.steps.push_back(BudgetStep{k, agree, double(agree) / double(r.samples)});
    if (show_progress)
      std::fprintf(stderr, "%s%s: agreement %s (%zu/%zu)\n", head.c_str(), what.c_str(),
                   fixed(r.steps.back().agreement, 4).c_str(), agree, r.samples);
    return r.steps.back().agreement >= budget;
  };

  // Prefixes 0, 1, 2, 4, ... n until one meets the budget, then bisection
  // between the last that missed (lo) and the first that met it (hi).
  size_t hi = 0;
  if (budget > 0 && !meets(0)) {
    size_t lo = 0;
    for (size_t k = 1;; k = std::min(2 * k, n)) {
      if (lo == n) {
        std::string steps;
        for (const BudgetStep& s : r.steps)
          steps += (steps.empty() ? "" : ", ") + std::to_string(s.eight_bit_layers) + ": " + fixed(s.agreement, 4);
        throw ConvertError("--accuracy-budget " + fixed(budget, 4) + " not met: top-1 agreement with the float model "
                           "on the " + std::to_string(r.samples) + " calibration samples reaches " +
                           fixed(r.steps.back().agreement, 4) + " with every conv/FC layer at 8-bit weights "
                           "(agreement by layers at 8 bits: " + steps + "); give a lower budget");
      }
      if (meets(k)) {
        hi = k;
        break;
      }
      lo = k;
    }
    while (hi - lo > 1) {
      const size_t mid = lo + (hi - lo) / 2;
      (meets(mid) ? hi : lo) = mid;
    }
  }
  r.chosen = hi;
  for (const BudgetStep& s : r.steps)
    if (s.eight_bit_layers == hi) r.agreement = s.agreement;
  std::map<std::string, int> bits = bits_for(hi);
  if (report) *report = std::move(r);
  return bits;
}

std::string format_layer_weight_bits(const std::map<std::string, int>& bits) {
  std::string s;
  for (const auto& [node, b] : bits) s += (s.empty() ? "" : ",") + node + "=" + std::to_string(b);
  return s;
}

}  // namespace qrt::convert
