// qrt-eval with several --qrt models in one pass (accuracy tables): the
// per-model counters, the check that the models can share one input, the
// per-image CSV and the JSON of a multi-model run.
//
// Why: on a small machine decoding the images and running the float
// executor cost more than the int8 runs, and an ablation table compares
// several conversions of one ONNX model on the same images. With N models
// qrt-eval decodes and preprocesses each image once, runs the float model
// once (or not at all with --no-float) and then every .qrt.
//
// "Identical to the first": model m's output is compared bit for bit
// (memcmp of the float32 logits) with model 0's on the same image; that is
// how docs/accuracy.md checks that planned INT16 accumulation gives exactly
// the INT32 outputs. The per-image CSV stores a 64-bit FNV-1a hash of each
// model's output bytes, so runs made separately can be compared the same way.
// Header-only: qrt-eval and tests/eval include it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/preprocess.h"
#include "qrt_eval_report.h"

namespace qrt::eval {

// Index of the largest score; ties go to the lower index.
inline int top1_index(const std::vector<float>& v) {
  int best = 0;
  for (int i = 1; i < int(v.size()); ++i)
    if (v[size_t(i)] > v[size_t(best)]) best = i;
  return v.empty() ? -1 : best;
}

// True when `label` is among the k best scores (ties broken by the lower
// class index, as qrt-eval always did).
inline bool label_in_top_k(const std::vector<float>& scores, int label, int k) {
  int better = 0;
  for (int i = 0; i < int(scores.size()); ++i)
    if (scores[size_t(i)] > scores[size_t(label)] || (scores[size_t(i)] == scores[size_t(label)] && i < label))
      ++better;
  return better < k;
}

// FNV-1a 64 over the bytes of the values (bit-exact: -0.0 and 0.0 differ).
inline uint64_t output_hash(const std::vector<float>& v) {
  uint64_t h = 1469598103934665603ull;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(v.data());
  for (size_t i = 0; i < v.size() * sizeof(float); ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

// Counts for one model over the evaluated images.
struct ModelTally {
  size_t top1 = 0, top5 = 0;     // correct (labelled images only)
  size_t agree = 0;              // same top-1 as the float model (when it ran)
  size_t identical_outputs = 0;  // output bit-identical to model 0's
  size_t same_top1 = 0;          // same top-1 as model 0

  // `out`: this model's output; `first`: model 0's on the same image;
  // `label` < 0: unlabelled; `float_top1` < 0: the float model did not run.
  void add(const std::vector<float>& out, const std::vector<float>& first, int label, int float_top1) {
    const int t = top1_index(out);
    if (label >= 0) {
      top1 += label_in_top_k(out, label, 1);
      top5 += label_in_top_k(out, label, 5);
    }
    if (float_top1 >= 0) agree += t == float_top1;
    identical_outputs +=
        out.size() == first.size() && std::memcmp(out.data(), first.data(), out.size() * sizeof(float)) == 0;
    same_top1 += t == top1_index(first);
  }
};

// Every model of one run must take the same input the same way: same
// preprocessing metadata, same input and output sizes. Throws naming both files.
inline void check_same_setup(const std::string& path, const std::string& first_path,
                             const qrt::data::PreprocessConfig& a, const qrt::data::PreprocessConfig& b,
                             size_t in_a, size_t in_b, size_t out_a, size_t out_b) {
  const bool same_pp = a.resize_short == b.resize_short && a.crop_height == b.crop_height &&
                       a.crop_width == b.crop_width && a.mean == b.mean && a.std == b.std &&
                       a.channel_order == b.channel_order;
  if (!same_pp)
    throw std::runtime_error(path + ": preprocessing differs from " + first_path +
                             "'s; evaluate them in separate runs");
  if (in_a != in_b || out_a != out_b)
    throw std::runtime_error(path + ": input/output sizes differ from " + first_path + "'s");
}

// --per-image: CSV, one line per image, in the dataset's order:
//   index,label,float_top1,q0_top1,q0_hash,q1_top1,q1_hash,...,source
// label -1: unlabelled; float_top1 -1: --no-float; hash: output_hash in
// 16 hex digits. A header line names the columns, a '#' line the models.
class PerImageWriter {
 public:
  PerImageWriter(const std::string& path, const std::vector<std::string>& models) : path_(path) {
    f_ = std::fopen(path.c_str(), "w");
    if (!f_) throw std::runtime_error(path + ": cannot write");
    std::fprintf(f_, "# models:");
    for (size_t m = 0; m < models.size(); ++m) std::fprintf(f_, " q%zu=%s", m, models[m].c_str());
    std::fprintf(f_, "\nindex,label,float_top1");
    for (size_t m = 0; m < models.size(); ++m) std::fprintf(f_, ",q%zu_top1,q%zu_hash", m, m);
    std::fprintf(f_, ",source\n");
  }
  ~PerImageWriter() {
    if (f_) std::fclose(f_);
  }
  PerImageWriter(const PerImageWriter&) = delete;
  PerImageWriter& operator=(const PerImageWriter&) = delete;

  void write(size_t index, const std::string& source, int label, int float_top1,
             const std::vector<std::vector<float>>& outs) {
    std::fprintf(f_, "%zu,%d,%d", index, label, float_top1);
    for (const auto& o : outs)
      std::fprintf(f_, ",%d,%016llx", top1_index(o), static_cast<unsigned long long>(output_hash(o)));
    std::string s = source;  // quoted CSV field
    for (size_t p = 0; (p = s.find('"', p)) != std::string::npos; p += 2) s.insert(p, "\"");
    if (std::fprintf(f_, ",\"%s\"\n", s.c_str()) < 0) throw std::runtime_error(path_ + ": write failed");
  }

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
};

// JSON of a run with several models or without the float model:
//   {"images", "labelled", "float_top1", "float_top5", "float_top1_correct",
//    "models": [{"qrt", "int8_top1", "int8_top5", "int8_top1_correct",
//                "agreement", "outputs_identical_to_first",
//                "top1_same_as_first", "latency_ms_median", "latency_ms_p90"}]}
// Float numbers and agreement are null with --no-float.
inline nlohmann::ordered_json multi_eval_json(const std::vector<EvalSummary>& sums,
                                              const std::vector<ModelTally>& tallies, bool no_float) {
  nlohmann::ordered_json j;
  const EvalSummary& s0 = sums.at(0);
  auto fl = [&](nlohmann::ordered_json v) { return no_float ? nlohmann::ordered_json() : v; };
  j["images"] = s0.images;
  j["labelled"] = s0.labelled;
  j["data"] = s0.data;
  j["onnx"] = s0.onnx_path;
  j["float_top1"] = fl(percent(s0.float_top1, s0.labelled));
  j["float_top5"] = fl(percent(s0.float_top5, s0.labelled));
  j["float_top1_correct"] = fl(s0.float_top1);
  nlohmann::ordered_json models = nlohmann::ordered_json::array();
  for (size_t m = 0; m < sums.size(); ++m) {
    const EvalSummary& s = sums[m];
    nlohmann::ordered_json o;
    o["qrt"] = s.qrt_path;
    o["int8_top1"] = percent(s.int8_top1, s.labelled);
    o["int8_top5"] = percent(s.int8_top5, s.labelled);
    o["int8_top1_correct"] = s.int8_top1;
    o["agreement"] = fl(percent(s.agree, s.images));
    o["outputs_identical_to_first"] = tallies.at(m).identical_outputs;
    o["top1_same_as_first"] = tallies.at(m).same_top1;
    o["latency_ms_median"] = s.latency_ms_median;
    o["latency_ms_p90"] = s.latency_ms_p90;
    models.push_back(o);
  }
  j["models"] = models;
  return j;
}

}  // namespace qrt::eval
