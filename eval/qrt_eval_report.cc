#include "qrt_eval_report.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace qrt::eval {
namespace {

nlohmann::ordered_json finite_or_null(double v) {
  if (std::isfinite(v)) return v;
  return nullptr;
}

std::string shape_string(const std::vector<int32_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

// Markdown table cells must not contain '|'.
std::string cell(std::string s) {
  for (char& c : s)
    if (c == '|') c = '/';
  return s;
}

}  // namespace

double percent(size_t a, size_t b) { return b ? 100.0 * double(a) / double(b) : 0.0; }

std::string format_db(double db) {
  if (std::isnan(db)) return "-";
  if (std::isinf(db)) return db > 0 ? "inf" : "-inf";
  return fmt("%.2f", db);
}

nlohmann::ordered_json eval_json(const EvalSummary& s, const std::vector<LayerRow>* rows, size_t worst_n) {
  nlohmann::ordered_json j;
  j["images"] = s.images;
  j["labelled"] = s.labelled;
  j["float_top1"] = percent(s.float_top1, s.labelled);
  j["float_top5"] = percent(s.float_top5, s.labelled);
  j["int8_top1"] = percent(s.int8_top1, s.labelled);
  j["int8_top5"] = percent(s.int8_top5, s.labelled);
  j["float_top1_correct"] = s.float_top1;
  j["int8_top1_correct"] = s.int8_top1;
  j["agreement"] = percent(s.agree, s.images);
  j["latency_ms_median"] = s.latency_ms_median;
  j["latency_ms_p90"] = s.latency_ms_p90;
  if (!rows) return j;
  j["data"] = s.data;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const LayerRow& r : *rows) {
    nlohmann::ordered_json l;
    l["name"] = r.name;
    l["float_name"] = r.float_name;
    l["tensor_index"] = r.tensor_index;
    l["node"] = r.node;
    l["op"] = r.op;
    l["dtype"] = r.dtype;
    l["shape"] = r.shape;
    l["scale"] = r.scale;
    l["zero_point"] = r.zero_point;
    l["sqnr_db"] = finite_or_null(r.stats.sqnr_db());
    l["cosine"] = r.stats.cosine();
    l["max_abs_err"] = r.stats.max_abs_err;
    l["inputs"] = r.inputs;
    l["input_sqnr_db"] = finite_or_null(r.input_sqnr_db);
    l["drop_db"] = finite_or_null(r.drop_db());
    layers.push_back(std::move(l));
  }
  j["layers"] = std::move(layers);
  nlohmann::ordered_json low = nlohmann::ordered_json::array(), drops = nlohmann::ordered_json::array();
  for (size_t i : lowest_sqnr(*rows, worst_n)) low.push_back((*rows)[i].name);
  for (size_t i : largest_drops(*rows, worst_n)) drops.push_back((*rows)[i].name);
  j["lowest_sqnr"] = std::move(low);
  j["largest_drops"] = std::move(drops);
  return j;
}

std::string layer_report_markdown(const EvalSummary& s, const std::vector<LayerRow>& rows, size_t worst_n) {
  std::ostringstream o;
  o << "# qrt-eval per-layer report\n\n";
  o << "- float model: `" << s.onnx_path << "`\n- int8 model: `" << s.qrt_path << "`\n";
  o << "- data: " << s.data << ", " << s.images << " images (" << s.labelled << " labelled)\n";
  o << "- float top-1 " << fmt("%.2f", percent(s.float_top1, s.labelled)) << "%, top-5 "
    << fmt("%.2f", percent(s.float_top5, s.labelled)) << "%\n";
  o << "- int8 top-1 " << fmt("%.2f", percent(s.int8_top1, s.labelled)) << "%, top-5 "
    << fmt("%.2f", percent(s.int8_top5, s.labelled)) << "%\n";
  o << "- float/int8 top-1 agreement " << fmt("%.2f", percent(s.agree, s.images)) << "%\n\n";
  o << "SQNR = 10 log10(sum x^2 / sum (x - x_q)^2) and cosine similarity, summed over all images; "
       "drop = SQNR of the op's input minus SQNR of its output (docs/evaluation.md).\n\n";

  o << "## Lowest SQNR\n\n| # | tensor | op | SQNR dB | cosine |\n|---|---|---|---|---|\n";
  size_t k = 0;
  for (size_t i : lowest_sqnr(rows, worst_n)) {
    const LayerRow& r = rows[i];
    o << "| " << ++k << " | `" << cell(r.name) << "` | " << r.op << " | " << format_db(r.stats.sqnr_db()) << " | "
      << fmt("%.5f", r.stats.cosine()) << " |\n";
  }
  o << "\n## Largest SQNR drop (the layer itself adds the noise)\n\n"
       "| # | tensor | op | input SQNR dB | SQNR dB | drop dB |\n|---|---|---|---|---|---|\n";
  k = 0;
  for (size_t i : largest_drops(rows, worst_n)) {
    const LayerRow& r = rows[i];
    o << "| " << ++k << " | `" << cell(r.name) << "` | " << r.op << " | " << format_db(r.input_sqnr_db) << " | "
      << format_db(r.stats.sqnr_db()) << " | " << format_db(r.drop_db()) << " |\n";
  }
  o << "\n## All compared tensors (runtime order)\n\n"
       "| tensor | node | op | dtype | shape (NHWC) | scale | SQNR dB | cosine | max abs err | drop dB |\n"
       "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const LayerRow& r : rows) {
    o << "| `" << cell(r.name) << "` | " << cell(r.node) << " | " << r.op << " | " << r.dtype << " | "
      << shape_string(r.shape) << " | " << (r.quantized() ? fmt("%.6g", r.scale) : std::string("-")) << " | "
      << format_db(r.stats.sqnr_db()) << " | " << fmt("%.5f", r.stats.cosine()) << " | "
      << fmt("%.4g", r.stats.max_abs_err) << " | "
      << (std::isfinite(r.drop_db()) ? format_db(r.drop_db()) : std::string("-")) << " |\n";
  }
  return o.str();
}

}  // namespace qrt::eval
