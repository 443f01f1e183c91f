// Per-layer metrics of qrt-eval (eval/qrt_eval_layers.h): SQNR
// and cosine on hand-computed tensors, layout mapping NCHW -> NHWC and
// flatten order, worst-layer ranking, and the JSON/Markdown writers.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "qrt_eval_layers.h"
#include "qrt_eval_report.h"

using qrt::eval::ErrorStats;
using qrt::eval::LayerRow;

TEST_CASE("ErrorStats: SQNR and cosine by hand", "[eval][metrics]") {
  const float x[4] = {1, 2, 3, 4}, q[4] = {1, 2, 3, 5};
  ErrorStats s;
  s.add(x, q, 4);
  // signal 1+4+9+16 = 30, noise 1, x.q = 1+4+9+20 = 34, |q|^2 = 39.
  CHECK(s.sqnr_db() == Approx(10.0 * std::log10(30.0)).epsilon(1e-12));
  CHECK(s.cosine() == Approx(34.0 / std::sqrt(30.0 * 39.0)).epsilon(1e-12));
  CHECK(s.max_abs_err == 1.0);
  CHECK(s.count == 4);

  SECTION("sums over several images, not a mean of per-image values") {
    const float x2[2] = {10, 0}, q2[2] = {10, 1};
    s.add(x2, q2, 2);
    CHECK(s.sqnr_db() == Approx(10.0 * std::log10(130.0 / 2.0)).epsilon(1e-12));
    CHECK(s.count == 6);
  }
  SECTION("exact: +inf dB, cosine 1") {
    ErrorStats e;
    e.add(x, x, 4);
    CHECK(std::isinf(e.sqnr_db()));
    CHECK(e.sqnr_db() > 0);
    CHECK(e.cosine() == 1.0);
  }
  SECTION("scaled copy: cosine 1, SQNR 0 dB for 2x") {
    const float q2[4] = {2, 4, 6, 8};
    ErrorStats e;
    e.add(x, q2, 4);
    CHECK(e.sqnr_db() == Approx(0.0).margin(1e-12));
    CHECK(e.cosine() == Approx(1.0).epsilon(1e-12));
  }
  SECTION("zeros") {
    const float z[4] = {0, 0, 0, 0};
    ErrorStats both, ref_zero;
    both.add(z, z, 4);
    ref_zero.add(z, x, 4);
    CHECK(both.cosine() == 1.0);
    CHECK(ref_zero.cosine() == 0.0);
    CHECK(std::isinf(ref_zero.sqnr_db()));
    CHECK(ref_zero.sqnr_db() < 0);
  }
}

TEST_CASE("to_runtime_layout: NCHW -> NHWC, flatten (c,h,w) -> (h,w,c)", "[eval][layout]") {
  qrt::graph::Graph g;
  g.inputs.push_back({"x", {1, 2, 2, 3}});
  qrt::graph::Node flat;
  flat.name = "flat";
  flat.op_type = "Flatten";
  flat.inputs = {"x"};
  flat.outputs = {"f"};
  g.nodes.push_back(flat);
  g.shapes["x"] = {1, 2, 2, 3};
  g.shapes["f"] = {1, 12};
  // x[c][h][w] = 100c + 10h + w
  std::vector<float> v;
  for (int c = 0; c < 2; ++c)
    for (int h = 0; h < 2; ++h)
      for (int w = 0; w < 3; ++w) v.push_back(float(100 * c + 10 * h + w));
  std::vector<float> out;
  qrt::eval::to_runtime_layout(g, "x", qrt::graph::Tensor({1, 2, 2, 3}, v), &out);
  const std::vector<float> nhwc = {0, 100, 1, 101, 2, 102, 10, 110, 11, 111, 12, 112};
  CHECK(out == nhwc);
  qrt::eval::to_runtime_layout(g, "f", qrt::graph::Tensor({1, 12}, v), &out);
  CHECK(out == nhwc);  // the runtime flattens NHWC memory
  g.shapes["y"] = {1, 12};
  qrt::eval::to_runtime_layout(g, "y", qrt::graph::Tensor({1, 12}, v), &out);
  CHECK(out == v);  // not produced by a flatten: as is
}

namespace {

LayerRow row(const std::string& name, double noise, double input_sqnr) {
  LayerRow r;
  r.name = r.float_name = name;
  r.op = "Conv";
  r.dtype = "S8";
  r.stats.sum_ref_sq = 1000;
  r.stats.sum_q_sq = 1000;
  r.stats.sum_dot = 1000 - noise / 2;
  r.stats.sum_err_sq = noise;
  r.stats.count = 10;
  r.input_sqnr_db = input_sqnr;
  return r;
}

}  // namespace

TEST_CASE("worst layers: lowest SQNR and largest drop", "[eval][metrics]") {
  const double inf = std::numeric_limits<double>::infinity();
  // SQNRs: a 30 dB, b 20 dB, c 25 dB, d exact, e 10 dB (input exact: no drop).
  std::vector<LayerRow> rows = {row("a", 1, 41), row("b", 10, 30), row("c", 10.0 / std::sqrt(10.0), 20),
                                row("d", 0, 25), row("e", 100, inf)};
  CHECK(rows[2].stats.sqnr_db() == Approx(25.0));
  const auto low = qrt::eval::lowest_sqnr(rows, 3);
  CHECK(low == std::vector<size_t>{4, 1, 2});
  const auto drops = qrt::eval::largest_drops(rows, 10);
  // drops: a 11, b 10, c -5; d is exact (drop -inf), e has no finite drop.
  CHECK(drops == std::vector<size_t>{0, 1, 2});

  qrt::eval::EvalSummary s;
  s.images = 4;
  s.labelled = 4;
  s.float_top1 = 3;
  s.int8_top1 = 2;
  s.agree = 3;
  s.data = "test data";
  const nlohmann::json j = nlohmann::json::parse(qrt::eval::eval_json(s, &rows, 2).dump());
  CHECK(j["float_top1"] == 75.0);
  CHECK(j["int8_top1_correct"] == 2);
  CHECK(j["agreement"] == 75.0);
  REQUIRE(j["layers"].size() == 5);
  CHECK(j["layers"][0]["name"] == "a");
  CHECK(j["layers"][1]["sqnr_db"].get<double>() == Approx(20.0));
  CHECK(j["layers"][3]["sqnr_db"].is_null());  // exact: JSON has no infinity
  CHECK(j["layers"][4]["drop_db"].is_null());
  CHECK(j["lowest_sqnr"] == nlohmann::json({"e", "b"}));
  CHECK(j["largest_drops"] == nlohmann::json({"a", "b"}));
  CHECK_FALSE(qrt::eval::eval_json(s, nullptr, 2).contains("layers"));

  const std::string md = qrt::eval::layer_report_markdown(s, rows, 2);
  CHECK_THAT(md, Catch::Contains("| 1 | `e` | Conv | 10.00 |"));
  CHECK_THAT(md, Catch::Contains("| `d` |"));
  CHECK_THAT(md, Catch::Contains("int8 top-1 50.00%"));
}
