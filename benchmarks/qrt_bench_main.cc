// qrt-bench: whole-model latency of a .qrt on this machine.
//
//   qrt-bench model.qrt [--iterations N] [--warmup N] [--threads T]
//                       [--path ref|neon|neondot|i8mm] [--float-adds auto|f32|f16]
//   qrt-bench model.qrt --baseline xnnpack [--threads T] [--iterations N] [--warmup N]
//                       [--side both|qrt|xnnpack] [--only-op I] [--max-output-diff D]
//
// --baseline xnnpack: the same network built with XNNPACK, run on the same
// input; outputs compared, total and per-layer medians of both
// (benchmarks/xnnpack_baseline.cc, docs/benchmarks.md).
//
// Loads the model (QRT_KERNEL_PATH set from --path before loading, since
// kernels are chosen at load), feeds a fixed pseudo-random input, runs
// `warmup` untimed and `iterations` timed inferences (qrt_session_run only)
// and prints the median / p90 latency, the arena size, and per operator the
// kernel it runs and its share of the time (profiled runs). Times under
// qemu mean nothing; count instructions there (docs/performance.md).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <algorithm>
#include <string>
#include <vector>

#include "qrt/qrt.h"
#include "xnnpack_baseline.h"

namespace {

double NowMs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

int Usage(const char* argv0) {
  fprintf(stderr,
          "usage: %s model.qrt [--iterations N] [--warmup N] [--threads T] "
          "[--path ref|neon|neondot|i8mm] [--float-adds auto|f32|f16]\n"
          "       %s model.qrt --baseline xnnpack [--threads T] [--iterations N] [--warmup N]\n"
          "                 [--path P] [--float-adds F] [--side both|qrt|xnnpack] [--only-op I]\n"
          "                 [--max-output-diff D]\n", argv0, argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage(argv[0]);
  const char* model_path = argv[1];
  int iterations = 50, warmup = 5, threads = 1;
  const char* path = nullptr;
  const char* float_adds = "auto";
  const char* baseline = nullptr;
  qrt_bench::BaselineConfig bc;
  for (int i = 2; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (!strcmp(argv[i], "--iterations") && has_value) iterations = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--warmup") && has_value) warmup = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--threads") && has_value) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--path") && has_value) path = argv[++i];
    else if (!strcmp(argv[i], "--float-adds") && has_value) float_adds = argv[++i];
    else if (!strcmp(argv[i], "--baseline") && has_value) baseline = argv[++i];
    else if (!strcmp(argv[i], "--side") && has_value) bc.side = argv[++i];
    else if (!strcmp(argv[i], "--only-op") && has_value) bc.only_op = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--max-output-diff") && has_value) bc.max_output_diff = atof(argv[++i]);
    else return Usage(argv[0]);
  }
  if (iterations < (baseline ? 0 : 1) || warmup < 0 || threads < 1) return Usage(argv[0]);
  qrt_float_adds adds;
  if (!strcmp(float_adds, "auto")) adds = QRT_FLOAT_ADDS_AUTO;
  else if (!strcmp(float_adds, "f32")) adds = QRT_FLOAT_ADDS_F32;
  else if (!strcmp(float_adds, "f16")) adds = QRT_FLOAT_ADDS_F16;
  else return Usage(argv[0]);
  if (path != nullptr) setenv("QRT_KERNEL_PATH", path, 1);
  if (baseline != nullptr) {
    if (strcmp(baseline, "xnnpack") != 0) return Usage(argv[0]);
    if (strcmp(bc.side, "both") && strcmp(bc.side, "qrt") && strcmp(bc.side, "xnnpack"))
      return Usage(argv[0]);
    bc.model_path = model_path;
    bc.iterations = iterations;
    bc.warmup = warmup;
    bc.threads = threads;
    bc.float_adds = adds;
    return qrt_bench::RunXnnpackBaseline(bc);
  }

  qrt_error err;
  qrt_model* model = nullptr;
  if (qrt_model_load_file(model_path, &model, &err) != QRT_OK) {
    fprintf(stderr, "qrt-bench: %s\n", err.message);
    return 1;
  }
  qrt_session_options o;
  qrt_session_options_init(&o);
  o.num_threads = threads;
  o.profile = 1;
  o.float_adds = adds;
  qrt_session* session = nullptr;
  if (qrt_session_create(model, &o, &session, &err) != QRT_OK) {
    fprintf(stderr, "qrt-bench: %s\n", err.message);
    qrt_model_destroy(model);
    return 1;
  }
  qrt_tensor_info in;
  qrt_tensor_info_init(&in);
  qrt_model_input_info(model, 0, &in);
  const std::vector<float> x = qrt_bench::BenchInput(in.num_elements);
  qrt_session_set_input_f32(session, 0, x.data(), x.size());

  const size_t num_ops = qrt_model_num_operators(model);
  std::vector<double> op_ms(num_ops, 0.0), run_ms;
  for (int i = 0; i < warmup + iterations; ++i) {
    qrt_session_set_input_f32(session, 0, x.data(), x.size());
    const double t0 = NowMs();
    qrt_session_run(session);
    const double t1 = NowMs();
    if (i < warmup) continue;
    run_ms.push_back(t1 - t0);
    for (size_t k = 0; k < num_ops; ++k) {
      qrt_op_info info;
      qrt_op_info_init(&info);
      qrt_session_op_info(session, k, &info);
      op_ms[k] += (double)info.last_run_ns * 1e-6;
    }
  }
  std::sort(run_ms.begin(), run_ms.end());
  const double median = run_ms[run_ms.size() / 2];
  const double p90 = run_ms[std::min(run_ms.size() - 1, run_ms.size() * 9 / 10)];
  double total = 0;
  for (double v : op_ms) total += v;

  printf("model %s\n", model_path);
  printf("path %s, threads %d, iterations %d (warmup %d)\n",
         path ? path : "(default)", threads, iterations, warmup);
  printf("latency median %.3f ms, p90 %.3f ms\n", median, p90);
  printf("arena %zu bytes\n", qrt_session_arena_size(session));
  size_t f16_tensors = 0;
  const bool f16 = qrt_session_float_adds(session, &f16_tensors) == QRT_FLOAT_ADDS_F16;
  printf("float adds %s (%zu fp16 tensors)\n", f16 ? "f16" : "f32", f16_tensors);
  printf("%4s %-20s %-28s %-46s %7s %6s\n", "op", "type", "name", "kernel",
         "chunk", "time%");
  for (size_t k = 0; k < num_ops; ++k) {
    qrt_op_info info;
    qrt_op_info_init(&info);
    qrt_session_op_info(session, k, &info);
    printf("%4zu %-20s %-28.28s %-46s %7zu %5.1f%%\n", k, info.type, info.name,
           info.kernel, info.int16_chunk,
           total > 0 ? 100.0 * op_ms[k] / total : 0.0);
  }
  qrt_session_destroy(session);
  qrt_model_destroy(model);
  return 0;
}
