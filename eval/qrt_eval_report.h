// qrt-eval's outputs: the summary numbers and the per-layer table, as JSON
// (--json) and as a Markdown report (--report-md).
//
// JSON keeps the keys qrt-eval always wrote (images, labelled, float_top1,
// ..., latency_ms_p90) and, when the per-layer comparison ran, adds
// "layers" (one object per compared runtime tensor, in runtime order),
// "lowest_sqnr" and "largest_drops" (tensor names, worst first). JSON has
// no infinity: an exact tensor's sqnr_db is null (and so is an undefined
// drop). The Markdown report has the summary, the two worst-layer lists
// and the full table.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "qrt_eval_layers.h"

namespace qrt::eval {

struct EvalSummary {
  std::string onnx_path, qrt_path, data;  // data: Dataset::describe()
  size_t images = 0, labelled = 0;
  size_t float_top1 = 0, float_top5 = 0, int8_top1 = 0, int8_top5 = 0, agree = 0;  // counts
  double latency_ms_median = 0, latency_ms_p90 = 0;
};

// 100 * a / b, 0 when b == 0.
double percent(size_t a, size_t b);

// `rows` may be null (no per-layer comparison); worst_n bounds the lists.
nlohmann::ordered_json eval_json(const EvalSummary& s, const std::vector<LayerRow>* rows, size_t worst_n);

std::string layer_report_markdown(const EvalSummary& s, const std::vector<LayerRow>& rows, size_t worst_n);

// "23.41", "inf" / "-inf": how the report prints a dB value.
std::string format_db(double db);

}  // namespace qrt::eval
