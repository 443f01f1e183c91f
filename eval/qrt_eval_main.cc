// qrt-eval: accuracy of a .qrt model against its ONNX float original, and
// the int8 runtime's latency (docs/converter.md).
//
//   qrt-eval --onnx M.onnx --qrt M.qrt --fashion-mnist-images X --fashion-mnist-labels Y [--limit N] [--json F]
//   qrt-eval --onnx M.onnx --qrt M.qrt --images DIR [--limit N] [--json F]
//   qrt-eval --onnx M.onnx --qrt M.qrt --cifar10 test_jpg.tar.gz [--report-md F] [--json F]
//   qrt-eval --onnx M.onnx --qrt A.qrt --qrt B.qrt ... DATA [--no-float] [--stride K] [--per-image F.csv] [--json F]
//
// Preprocessing comes from the .qrt metadata (what calibration used), so the
// float and int8 models see the same inputs. Latency is measured around
// qrt_session_run only (not input quantization or output copies).
// --report-md / --per-layer compare every int8 tensor with the float
// model's (qrt_eval_layers.h); the runtime then keeps all tensors.
// Several --qrt models (same ONNX, same preprocessing) share one pass over
// the data: each image is decoded once and the float model runs once
// (qrt_eval_multi.h has the per-model bookkeeping and the per-image CSV).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <new>
#include <numeric>
#include <string>
#include <vector>

#include "calib/calibration.h"
#include "data/cifar10.h"
#include "data/idx.h"
#include "data/image_dir.h"
#include "data/preprocess.h"
#include "driver/cli_checks.h"
#include "graph/float_executor.h"
#include "import/onnx_import.h"
#include "qrt/qrt.h"
#include "qrt_eval_layers.h"
#include "qrt_eval_multi.h"
#include "qrt_eval_report.h"
#include "study/plain_int16.h"

namespace {

using qrt::ConvertError;

// Rank of the true label: true when it is among the k best scores (ties
// broken by the lower class index, as a stable sort would).
bool in_top_k(const std::vector<float>& scores, int label, int k) {
  int better = 0;
  for (int i = 0; i < int(scores.size()); ++i)
    if (scores[size_t(i)] > scores[size_t(label)] || (scores[size_t(i)] == scores[size_t(label)] && i < label))
      ++better;
  return better < k;
}

int argmax(const std::vector<float>& v) { return int(std::max_element(v.begin(), v.end()) - v.begin()); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t i = size_t(std::ceil(p / 100.0 * double(v.size()))) - (p > 0 ? 1 : 0);
  return v[std::min(i, v.size() - 1)];
}

struct QrtModel {
  std::string path;
  qrt_model* model = nullptr;
  qrt_session* session = nullptr;
  qrt::eval::ModelTally tally;
  std::vector<double> latency_ms;
  ~QrtModel() {
    qrt_session_destroy(session);
    qrt_model_destroy(model);
  }
};

std::vector<qrt::eval::ModelTally> models_tallies(const std::vector<std::unique_ptr<QrtModel>>& models) {
  std::vector<qrt::eval::ModelTally> t;
  for (const auto& q : models) t.push_back(q->tally);
  return t;
}

int run(int argc, char** argv) {
  CLI::App app{"qrt-eval: float vs int8 accuracy and int8 latency"};
  app.failure_message(qrt::cli::failure_message("qrt-eval"));
  using qrt::cli::one_of;
  using qrt::cli::whole;
  constexpr uint64_t kMaxCount = 1000000000000ull, kMaxLimit = uint64_t(1) << 48;
  std::string onnx_path, fm_images, fm_labels, images_dir, cifar10, json_path, report_md;
  size_t limit = 0, worst_n = 5, stride = 1;
  std::vector<std::string> qrt_paths;
  std::string per_image_path;
  bool quiet = false, per_layer = false, emulate_plain_int16 = false, no_float = false;
  app.add_option("--onnx", onnx_path, "the ONNX model (float reference)")->required();
  app.add_option("--qrt", qrt_paths, "the converted .qrt model; repeat it to evaluate several in one pass")
      ->required();
  app.add_flag("--no-float", no_float, "do not run the float model (no float top-1, no agreement)");
  app.add_option("--per-image", per_image_path,
                 "write one CSV line per image: label, float and int8 top-1, a hash of each int8 output");
  auto* fmi = app.add_option("--fashion-mnist-images", fm_images, "Fashion-MNIST IDX images (.gz)");
  auto* fml = app.add_option("--fashion-mnist-labels", fm_labels, "Fashion-MNIST IDX labels (.gz)");
  auto* dir = app.add_option("--images", images_dir, "image folder with labels.txt");
  auto* c10 = app.add_option("--cifar10", cifar10, "CIFAR-10 archive (tar.gz of <split>/<class>/*.jpg)");
  fmi->needs(fml);
  fml->needs(fmi);
  dir->excludes(fmi);
  c10->excludes(fmi)->excludes(dir);
  auto* limit_flag = app.add_option("--limit", limit, "evaluate only the first N samples (0: all)")
                         ->check(whole(0, kMaxCount, " (0: every sample)"));
  app.add_option("--stride", stride, "evaluate every K-th sample (0, K, 2K, ...; --limit counts these)")
      ->check(whole(1, kMaxCount));
  qrt::data::ReadLimits limits;
  app.add_option("--max-image-pixels", limits.max_image_pixels,
                 "refuse images (read from their headers, before decoding) and resized images with more pixels "
                 "than this")
      ->capture_default_str()
      ->check(whole(1, kMaxLimit));
  app.add_option("--max-tensor-elements", limits.max_tensor_elements,
                 "refuse IDX files with more elements than this")
      ->capture_default_str()
      ->check(whole(1, kMaxLimit));
  app.add_option("--json", json_path, "also write the results as JSON");
  app.add_option("--report-md", report_md, "write the per-layer report (Markdown); implies --per-layer");
  app.add_flag("--per-layer", per_layer, "compare every int8 tensor with the float model (SQNR, cosine)");
  app.add_option("--worst", worst_n, "how many layers the worst-layer lists show")
      ->capture_default_str()
      ->check(whole(0, 100000));
  app.add_flag("--emulate-plain-int16", emulate_plain_int16,
               "accuracy study: INT16 layers accumulate the whole dot product in one saturating int16 "
               "(docs/accumulation.md); slower, not a production mode");
  std::string float_adds = "auto";
  app.add_option("--float-adds", float_adds,
                 "storage of the float residual path: auto (fp16 where the CPU has fp16 arithmetic, as the "
                 "runtime's default), f32 or f16 (docs/runtime.md)")
      ->capture_default_str()
      ->check(one_of({"auto", "f32", "f16"}));
  app.add_flag("-q,--quiet", quiet, "no progress");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (const std::string why = qrt::cli::empty_value_problem(app); !why.empty()) {
    std::fprintf(stderr, "qrt-eval: error: %s\n", why.c_str());
    return 2;
  }
  if (fm_images.empty() && images_dir.empty() && cifar10.empty()) {
    std::fprintf(stderr,
                 "qrt-eval: error: give --fashion-mnist-images/--fashion-mnist-labels, --images or --cifar10\n");
    return 2;
  }
  if (!report_md.empty()) per_layer = true;
  if (per_layer && (qrt_paths.size() > 1 || no_float)) {
    std::fprintf(stderr, "qrt-eval: error: --per-layer/--report-md need one --qrt and the float model\n");
    return 2;
  }
  // Output files are checked before the run, not after it.
  const struct { const char* flag; const std::string& path; } outputs[] = {
      {"--json", json_path}, {"--report-md", report_md}, {"--per-image", per_image_path}};
  for (const auto& out : outputs)
    if (!out.path.empty())
      if (const std::string why = qrt::cli::output_path_problem(out.path); !why.empty()) {
        std::fprintf(stderr, "qrt-eval: error: %s: %s\n", out.flag, why.c_str());
        return 2;
      }

  // Int8 models and their preprocessing (every model must agree with the first).
  qrt_session_options options;
  qrt_session_options_init(&options);
  options.keep_all_tensors = per_layer ? 1 : 0;
  options.float_adds = float_adds == "f16"   ? QRT_FLOAT_ADDS_F16
                       : float_adds == "f32" ? QRT_FLOAT_ADDS_F32
                                             : QRT_FLOAT_ADDS_AUTO;
  if (emulate_plain_int16 && !quiet)
    std::fprintf(stderr, "qrt-eval: plain saturating INT16 emulation on (INT16 layers only)\n");
  std::vector<std::unique_ptr<QrtModel>> models;
  qrt::data::PreprocessConfig cfg;
  qrt_tensor_info in_info{}, out_info{};
  for (const std::string& path : qrt_paths) {
    auto q = std::make_unique<QrtModel>();
    q->path = path;
    qrt_error err{};
    if (qrt_model_load_file(path.c_str(), &q->model, &err) != QRT_OK) throw ConvertError(path + ": " + err.message);
    if (emulate_plain_int16 && qrt_study_emulate_plain_int16(q->model, nullptr) != QRT_OK)
      throw ConvertError(path + ": cannot emulate plain INT16");
    if (qrt_session_create(q->model, &options, &q->session, &err) != QRT_OK)
      throw ConvertError(path + ": cannot create a session: " + err.message);
    qrt_preprocess pp{};
    qrt_preprocess_init(&pp);
    qrt_model_preprocess(q->model, &pp);
    qrt::data::PreprocessConfig c;
    c.origin = path + ": stored preprocessing";  // errors name the model's field, not a flag
    c.max_image_pixels = limits.max_image_pixels;
    if (pp.has_preprocess) {
      c.resize_short = pp.resize_short;
      c.crop_height = pp.crop_height;
      c.crop_width = pp.crop_width;
      c.mean.assign(pp.mean, pp.mean + pp.num_mean);
      c.std.assign(pp.std, pp.std + pp.num_std);
      if (pp.channel_order) c.channel_order = pp.channel_order;
    }
    qrt_tensor_info qi{}, qo{};
    qrt_tensor_info_init(&qi);
    qrt_tensor_info_init(&qo);
    qrt_model_input_info(q->model, 0, &qi);
    qrt_model_output_info(q->model, 0, &qo);
    if (models.empty()) {
      cfg = c;
      in_info = qi;
      out_info = qo;
    } else {
      qrt::eval::check_same_setup(path, qrt_paths[0], c, cfg, qi.num_elements, in_info.num_elements,
                                  qo.num_elements, out_info.num_elements);
    }
    models.push_back(std::move(q));
  }
  const std::string& qrt_path = qrt_paths[0];

  // Float model.
  const qrt::graph::Graph graph = qrt::import::load_onnx_model(onnx_path);
  if (graph.inputs.size() != 1 || graph.inputs[0].shape.size() != 4)
    throw ConvertError(onnx_path + ": the model needs exactly one 4-D NCHW input");
  const qrt::graph::ValueInfo& gin = graph.inputs[0];
  const int c = int(gin.shape[1]), h = int(gin.shape[2]), w = int(gin.shape[3]);
  if (in_info.num_elements != size_t(c) * h * w)
    throw ConvertError(qrt_path + ": input '" + in_info.name + "' does not match " + onnx_path + " input '" +
                       gin.name + "'");
  cfg.finalize(c);
  qrt::graph::FloatExecutor exec(graph);

  std::unique_ptr<qrt::data::Dataset> data;
  if (!fm_images.empty()) data = std::make_unique<qrt::data::FashionMnistDataset>(fm_images, fm_labels, limits);
  else if (!cifar10.empty()) data = std::make_unique<qrt::data::Cifar10Dataset>(cifar10, limits);
  else data = std::make_unique<qrt::data::ImageDirDataset>(images_dir, limits);
  std::unique_ptr<qrt::eval::LayerComparer> layers;
  if (per_layer) layers = std::make_unique<qrt::eval::LayerComparer>(graph, models[0]->session);
  size_t n = data->size() / stride + (data->size() % stride != 0);
  if (limit_flag->count() > 0 && limit > n)
    std::fprintf(stderr, "qrt-eval: warning: evaluating %zu samples, fewer than the %zu asked for (--limit %zu): %s%s\n",
                 n, limit, limit, data->describe().c_str(),
                 stride > 1 ? (" every " + std::to_string(stride) + "th sample").c_str() : " has no more");
  if (limit > 0) n = std::min(n, limit);

  size_t f1 = 0, f5 = 0, labelled = 0;
  std::vector<float> nhwc(in_info.num_elements);
  std::vector<std::vector<float>> qouts(models.size(), std::vector<float>(out_info.num_elements));
  std::unique_ptr<qrt::eval::PerImageWriter> per_image;
  if (!per_image_path.empty()) per_image = std::make_unique<qrt::eval::PerImageWriter>(per_image_path, qrt_paths);
  qrt::calib::Progress progress("evaluating", n, !quiet);
  for (size_t i = 0; i < n; ++i) {
    const qrt::data::Sample s = data->load(i * stride, cfg.decode_channels());
    std::vector<float> x = qrt::data::sample_to_input(s, cfg, c, h, w);
    for (int k = 0; k < c; ++k)  // NCHW -> NHWC
      for (int p = 0; p < h * w; ++p) nhwc[size_t(p) * c + k] = x[size_t(k) * h * w + p];
    for (size_t m = 0; m < models.size(); ++m) {
      QrtModel& q = *models[m];
      if (qrt_session_set_input_f32(q.session, 0, nhwc.data(), nhwc.size()) != QRT_OK)
        throw ConvertError(q.path + ": set input: " + qrt_session_last_error(q.session));
      const auto t0 = std::chrono::steady_clock::now();
      const qrt_status st = qrt_session_run(q.session);
      const auto t1 = std::chrono::steady_clock::now();
      if (st != QRT_OK) throw ConvertError(q.path + ": run on " + s.source + ": " + qrt_session_last_error(q.session));
      q.latency_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      if (qrt_session_get_output_f32(q.session, 0, qouts[m].data(), qouts[m].size()) != QRT_OK)
        throw ConvertError(q.path + ": get output: " + qrt_session_last_error(q.session));
    }

    // The float model after the int8 one, so the per-layer observer can
    // compare each float tensor with the runtime's as it is produced.
    std::vector<float> flog;
    if (!no_float) {
      std::map<std::string, qrt::graph::Tensor> inputs;
      inputs[gin.name] = qrt::graph::Tensor(gin.shape, x);
      auto outs = exec.run(inputs, layers ? layers->observer() : qrt::graph::TensorObserver{});
      if (layers) layers->finish_image();
      flog = std::move(outs.at(graph.outputs[0]).data);
      if (flog.size() != out_info.num_elements)
        throw ConvertError(onnx_path + " output '" + graph.outputs[0] + "' has " + std::to_string(flog.size()) +
                           " elements, " + qrt_path + " output '" + out_info.name + "' " +
                           std::to_string(out_info.num_elements) + ": not the same model");
    }
    if (s.label >= int(out_info.num_elements))
      throw ConvertError(s.source + ": label " + std::to_string(s.label) + " out of range: the model has " +
                         std::to_string(out_info.num_elements) + " outputs (classes 0 to " +
                         std::to_string(out_info.num_elements - 1) + ")");
    if (s.label >= 0) {
      ++labelled;
      if (!no_float) {
        f1 += in_top_k(flog, s.label, 1);
        f5 += in_top_k(flog, s.label, 5);
      }
    }
    const int ftop = no_float ? -1 : argmax(flog);
    for (size_t m = 0; m < models.size(); ++m)
      models[m]->tally.add(qouts[m], qouts[0], s.label, ftop);
    if (per_image) per_image->write(i * stride, s.source, s.label, ftop, qouts);
    progress.update(i + 1);
  }
  progress.finish();
  if (labelled == 0 && n > 0)
    std::fprintf(stderr,
                 "qrt-eval: warning: none of the %zu samples has a label (%s), so top-1/top-5 are not measured%s\n", n,
                 data->describe().c_str(), no_float ? "" : "; the float/int8 agreement is");

  std::vector<qrt::eval::EvalSummary> sums;
  for (const auto& q : models) {
    qrt::eval::EvalSummary sum;
    sum.onnx_path = onnx_path;
    sum.qrt_path = q->path;
    sum.data = data->describe() + (stride > 1 ? ", every " + std::to_string(stride) + "th sample" : "");
    sum.images = n;
    sum.labelled = labelled;
    sum.float_top1 = f1;
    sum.float_top5 = f5;
    sum.int8_top1 = q->tally.top1;
    sum.int8_top5 = q->tally.top5;
    sum.agree = q->tally.agree;
    sum.latency_ms_median = percentile(q->latency_ms, 50);
    sum.latency_ms_p90 = percentile(q->latency_ms, 90);
    sums.push_back(sum);
  }
  const qrt::eval::EvalSummary& sum = sums[0];
  using qrt::eval::percent;
  std::printf("images: %zu (%zu labelled)\n", n, labelled);
  if (no_float) std::printf("float model: not run (--no-float)\n");
  else std::printf("float top-1: %.2f%%  top-5: %.2f%%\n", percent(f1, labelled), percent(f5, labelled));
  for (size_t m = 0; m < models.size(); ++m) {
    const qrt::eval::EvalSummary& sm = sums[m];
    if (models.size() > 1) std::printf("[%zu] %s\n", m, sm.qrt_path.c_str());
    std::printf("int8  top-1: %.2f%%  top-5: %.2f%%\n", percent(sm.int8_top1, labelled), percent(sm.int8_top5, labelled));
    if (!no_float) std::printf("float/int8 top-1 agreement: %.2f%%\n", percent(sm.agree, n));
    if (m > 0)
      std::printf("outputs bit-identical to [0] on %zu of %zu images, same top-1 on %zu\n",
                  models[m]->tally.identical_outputs, n, models[m]->tally.same_top1);
    std::printf("int8 latency per image (qrt_session_run%s): median %.3f ms, p90 %.3f ms\n",
                per_layer ? ", all tensors kept" : "", sm.latency_ms_median, sm.latency_ms_p90);
  }
  std::vector<qrt::eval::LayerRow> rows;
  if (layers) {
    rows = layers->rows();
    std::printf("per-layer: %zu tensors compared; lowest SQNR:", rows.size());
    for (size_t i : qrt::eval::lowest_sqnr(rows, worst_n))
      std::printf(" %s (%s dB)", rows[i].name.c_str(), qrt::eval::format_db(rows[i].stats.sqnr_db()).c_str());
    std::printf("\nper-layer: largest SQNR drops:");
    for (size_t i : qrt::eval::largest_drops(rows, worst_n))
      std::printf(" %s (drop %s dB)", rows[i].name.c_str(), qrt::eval::format_db(rows[i].drop_db()).c_str());
    std::printf("\n");
  }
  if (!report_md.empty()) {
    std::ofstream out(report_md);
    out << qrt::eval::layer_report_markdown(sum, rows, worst_n);
    if (!out) throw ConvertError(report_md + ": cannot write");
  }
  if (!json_path.empty()) {
    std::ofstream out(json_path);
    if (models.size() == 1 && !no_float)
      out << qrt::eval::eval_json(sum, layers ? &rows : nullptr, worst_n).dump(2) << "\n";
    else
      out << qrt::eval::multi_eval_json(sums, models_tallies(models), no_float).dump(2) << "\n";
    if (!out) throw ConvertError(json_path + ": cannot write");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr,
                 "qrt-eval: error: out of memory (std::bad_alloc): the float model's activations, --per-layer's "
                 "kept tensors or an image do not fit; try without --per-layer or a lower --max-image-pixels\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qrt-eval: error: %s\n", e.what());
    return 1;
  }
}
