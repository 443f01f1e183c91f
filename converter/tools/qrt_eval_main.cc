// qrt-eval: accuracy of a .qrt model against its ONNX float original, and
// the int8 runtime's latency (docs/converter.md).
//
//   qrt-eval --onnx M.onnx --qrt M.qrt --fashion-mnist-images X --fashion-mnist-labels Y [--limit N] [--json F]
//   qrt-eval --onnx M.onnx --qrt M.qrt --images DIR [--limit N] [--json F]
//   qrt-eval --onnx M.onnx --qrt M.qrt --cifar10 test_jpg.tar.gz [--report-md F] [--json F]
//
// Preprocessing comes from the .qrt metadata (what calibration used), so the
// float and int8 models see the same inputs. Latency is measured around
// qrt_session_run only (not input quantization or output copies).
// --report-md / --per-layer compare every int8 tensor with the float
// model's (qrt_eval_layers.h); the runtime then keeps all tensors.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "backend/calibration.h"
#include "backend/dataset.h"
#include "backend/preprocess.h"
#include "frontend/float_executor.h"
#include "frontend/onnx_import.h"
#include "qrt/qrt.h"
#include "qrt_eval_jpeg.h"
#include "qrt_eval_layers.h"
#include "qrt_eval_report.h"

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
  qrt_model* model = nullptr;
  qrt_session* session = nullptr;
  ~QrtModel() {
    qrt_session_destroy(session);
    qrt_model_destroy(model);
  }
};

int run(int argc, char** argv) {
  CLI::App app{"qrt-eval: float vs int8 accuracy and int8 latency"};
  std::string onnx_path, qrt_path, fm_images, fm_labels, images_dir, cifar10, json_path, report_md;
  std::string jpeg_decoder = qrt::eval::libjpeg_available() ? "libjpeg" : "stb";
  size_t limit = 0, worst_n = 5;
  bool quiet = false, per_layer = false, emulate_plain_int16 = false;
  app.add_option("--onnx", onnx_path, "the ONNX model (float reference)")->required();
  app.add_option("--qrt", qrt_path, "the converted .qrt model")->required();
  auto* fmi = app.add_option("--fashion-mnist-images", fm_images, "Fashion-MNIST IDX images (.gz)");
  auto* fml = app.add_option("--fashion-mnist-labels", fm_labels, "Fashion-MNIST IDX labels (.gz)");
  auto* dir = app.add_option("--images", images_dir, "image folder with labels.txt");
  auto* c10 = app.add_option("--cifar10", cifar10, "CIFAR-10 archive (tar.gz of <split>/<class>/*.jpg)");
  fmi->needs(fml);
  fml->needs(fmi);
  dir->excludes(fmi);
  c10->excludes(fmi)->excludes(dir);
  app.add_option("--limit", limit, "evaluate only the first N samples (0: all)");
  app.add_option("--json", json_path, "also write the results as JSON");
  app.add_option("--report-md", report_md, "write the per-layer report (Markdown); implies --per-layer");
  app.add_flag("--per-layer", per_layer, "compare every int8 tensor with the float model (SQNR, cosine)");
  app.add_option("--worst", worst_n, "how many layers the worst-layer lists show")->capture_default_str();
  app.add_option("--jpeg-decoder", jpeg_decoder, "JPEG decoder for --cifar10 archives: libjpeg (as PIL) or stb")
      ->capture_default_str()
      ->check(CLI::IsMember({"libjpeg", "stb"}));
  app.add_flag("--emulate-plain-int16", emulate_plain_int16,
               "accuracy study: INT16 layers accumulate the whole dot product in one saturating int16 "
               "(docs/accumulation.md); slower, not a production mode");
  app.add_flag("-q,--quiet", quiet, "no progress");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (fm_images.empty() && images_dir.empty() && cifar10.empty()) {
    std::fprintf(stderr,
                 "qrt-eval: error: give --fashion-mnist-images/--fashion-mnist-labels, --images or --cifar10\n");
    return 2;
  }
  if (!report_md.empty()) per_layer = true;
  if (jpeg_decoder == "libjpeg" && !qrt::eval::install_libjpeg_decoder()) {
    std::fprintf(stderr, "qrt-eval: error: --jpeg-decoder libjpeg: built without libjpeg\n");
    return 2;
  }

  // Int8 model and its preprocessing.
  QrtModel q;
  qrt_error err{};
  if (qrt_model_load_file(qrt_path.c_str(), &q.model, &err) != QRT_OK)
    throw ConvertError(qrt_path + ": " + err.message);
  qrt_session_options options;
  qrt_session_options_init(&options);
  options.keep_all_tensors = per_layer ? 1 : 0;
  options.emulate_plain_int16 = emulate_plain_int16 ? 1 : 0;
  if (emulate_plain_int16 && !quiet)
    std::fprintf(stderr, "qrt-eval: plain saturating INT16 emulation on (INT16 layers only)\n");
  if (qrt_session_create(q.model, &options, &q.session, &err) != QRT_OK)
    throw ConvertError(qrt_path + ": cannot create a session: " + err.message);
  qrt_preprocess pp{};
  qrt_model_preprocess(q.model, &pp);
  qrt::backend::PreprocessConfig cfg;
  if (pp.has_preprocess) {
    cfg.resize_short = pp.resize_short;
    cfg.crop_height = pp.crop_height;
    cfg.crop_width = pp.crop_width;
    cfg.mean.assign(pp.mean, pp.mean + pp.num_mean);
    cfg.std.assign(pp.std, pp.std + pp.num_std);
    if (pp.channel_order) cfg.channel_order = pp.channel_order;
  }
  qrt_tensor_info in_info{}, out_info{};
  qrt_model_input_info(q.model, 0, &in_info);
  qrt_model_output_info(q.model, 0, &out_info);

  // Float model.
  const qrt::frontend::Graph graph = qrt::frontend::load_onnx_model(onnx_path);
  if (graph.inputs.size() != 1 || graph.inputs[0].shape.size() != 4)
    throw ConvertError(onnx_path + ": the model needs exactly one 4-D NCHW input");
  const qrt::frontend::ValueInfo& gin = graph.inputs[0];
  const int c = int(gin.shape[1]), h = int(gin.shape[2]), w = int(gin.shape[3]);
  if (in_info.num_elements != size_t(c) * h * w)
    throw ConvertError(qrt_path + ": input '" + in_info.name + "' does not match " + onnx_path + " input '" +
                       gin.name + "'");
  cfg.finalize(c);
  qrt::frontend::FloatExecutor exec(graph);

  std::unique_ptr<qrt::backend::Dataset> data;
  if (!fm_images.empty()) data = std::make_unique<qrt::backend::FashionMnistDataset>(fm_images, fm_labels);
  else if (!cifar10.empty()) data = std::make_unique<qrt::backend::Cifar10Dataset>(cifar10);
  else data = std::make_unique<qrt::backend::ImageDirDataset>(images_dir);
  std::unique_ptr<qrt::eval::LayerComparer> layers;
  if (per_layer) layers = std::make_unique<qrt::eval::LayerComparer>(graph, q.session);
  size_t n = data->size();
  if (limit > 0) n = std::min(n, limit);

  size_t f1 = 0, f5 = 0, q1 = 0, q5 = 0, agree = 0, labelled = 0;
  std::vector<double> latency_ms;
  std::vector<float> nhwc(in_info.num_elements), qout(out_info.num_elements);
  qrt::backend::Progress progress("evaluating", n, !quiet);
  for (size_t i = 0; i < n; ++i) {
    const qrt::backend::Sample s = data->load(i, cfg.decode_channels());
    std::vector<float> x = qrt::backend::sample_to_input(s, cfg, c, h, w);
    for (int k = 0; k < c; ++k)  // NCHW -> NHWC
      for (int p = 0; p < h * w; ++p) nhwc[size_t(p) * c + k] = x[size_t(k) * h * w + p];
    if (qrt_session_set_input_f32(q.session, 0, nhwc.data(), nhwc.size()) != QRT_OK)
      throw ConvertError(qrt_path + ": set input: " + qrt_session_last_error(q.session));
    const auto t0 = std::chrono::steady_clock::now();
    const qrt_status st = qrt_session_run(q.session);
    const auto t1 = std::chrono::steady_clock::now();
    if (st != QRT_OK) throw ConvertError(qrt_path + ": run on " + s.source + ": " + qrt_session_last_error(q.session));
    latency_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    if (qrt_session_get_output_f32(q.session, 0, qout.data(), qout.size()) != QRT_OK)
      throw ConvertError(qrt_path + ": get output: " + qrt_session_last_error(q.session));

    // The float model after the int8 one, so the per-layer observer can
    // compare each float tensor with the runtime's as it is produced.
    std::map<std::string, qrt::frontend::Tensor> inputs;
    inputs[gin.name] = qrt::frontend::Tensor(gin.shape, x);
    const auto outs = exec.run(inputs, layers ? layers->observer() : qrt::frontend::TensorObserver{});
    if (layers) layers->finish_image();
    const std::vector<float>& flog = outs.at(graph.outputs[0]).data;
    if (flog.size() != qout.size()) throw ConvertError("the float and int8 outputs differ in size");

    agree += argmax(flog) == argmax(qout);
    if (s.label >= 0) {
      if (s.label >= int(flog.size())) throw ConvertError(s.source + ": label " + std::to_string(s.label) + " out of range");
      ++labelled;
      f1 += in_top_k(flog, s.label, 1);
      f5 += in_top_k(flog, s.label, 5);
      q1 += in_top_k(qout, s.label, 1);
      q5 += in_top_k(qout, s.label, 5);
    }
    progress.update(i + 1);
  }
  progress.finish();

  qrt::eval::EvalSummary sum;
  sum.onnx_path = onnx_path;
  sum.qrt_path = qrt_path;
  sum.data = data->describe() + (cifar10.empty() ? "" : ", JPEG decoder " + jpeg_decoder);
  sum.images = n;
  sum.labelled = labelled;
  sum.float_top1 = f1;
  sum.float_top5 = f5;
  sum.int8_top1 = q1;
  sum.int8_top5 = q5;
  sum.agree = agree;
  sum.latency_ms_median = percentile(latency_ms, 50);
  sum.latency_ms_p90 = percentile(latency_ms, 90);
  using qrt::eval::percent;
  std::printf("images: %zu (%zu labelled)\n", n, labelled);
  std::printf("float top-1: %.2f%%  top-5: %.2f%%\n", percent(f1, labelled), percent(f5, labelled));
  std::printf("int8  top-1: %.2f%%  top-5: %.2f%%\n", percent(q1, labelled), percent(q5, labelled));
  std::printf("float/int8 top-1 agreement: %.2f%%\n", percent(agree, n));
  std::printf("int8 latency per image (qrt_session_run%s): median %.3f ms, p90 %.3f ms\n",
              per_layer ? ", all tensors kept" : "", sum.latency_ms_median, sum.latency_ms_p90);
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
    out << qrt::eval::eval_json(sum, layers ? &rows : nullptr, worst_n).dump(2) << "\n";
    if (!out) throw ConvertError(json_path + ": cannot write");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qrt-eval: error: %s\n", e.what());
    return 1;
  }
}
