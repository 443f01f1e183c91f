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

#include <errno.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
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

// What is wrong, then the usage line; exit status 2.
int BadUsage(const char* argv0, const std::string& what) {
  fprintf(stderr, "qrt-bench: error: %s\n", what.c_str());
  return Usage(argv0);
}

// A whole number lo..hi written in plain decimal digits (no sign for lo >=
// 0), or "" and *out set; else what is wrong, naming the flag and the range.
std::string ParseWhole(const char* flag, const char* text, long lo, long hi, int* out) {
  const std::string range = std::string("give ") + std::to_string(lo) + " to " + std::to_string(hi);
  const std::string t = text;
  const size_t digits = t.find_first_not_of("0123456789", t[0] == '-' && lo < 0 ? 1 : 0);
  if (t.empty() || digits != std::string::npos || t == "-")
    return std::string(flag) + ": '" + t + "' is not a whole number; " + range;
  errno = 0;
  const long v = strtol(text, nullptr, 10);
  if (errno == ERANGE || v < lo || v > hi) return std::string(flag) + ": '" + t + "' is out of range; " + range;
  *out = (int)v;
  return "";
}

bool OneOf(const char* text, std::initializer_list<const char*> words) {
  for (const char* w : words)
    if (!strcmp(text, w)) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return BadUsage(argv[0], "no model given (the first argument is the .qrt file)");
  if (argv[1][0] == '-' && !strcmp(argv[1], "--help")) return Usage(argv[0]), 0;
  if (argv[1][0] == '-')
    return BadUsage(argv[0], std::string("the first argument must be the .qrt model, not '") + argv[1] + "'");
  const char* model_path = argv[1];
  int iterations = 50, warmup = 5, threads = 1;
  bool iterations_given = false;
  const char* path = nullptr;
  const char* float_adds = "auto";
  const char* baseline = nullptr;
  qrt_bench::BaselineConfig bc;
  for (int i = 2; i < argc; ++i) {
    const char* flag = argv[i];
    static const char* const kFlags[] = {"--iterations", "--warmup", "--threads", "--path", "--float-adds",
                                         "--baseline",   "--side",   "--only-op", "--max-output-diff"};
    bool known = false;
    for (const char* f : kFlags) known = known || !strcmp(flag, f);
    if (!known) return BadUsage(argv[0], std::string("unknown option '") + flag + "'");
    if (i + 1 >= argc) return BadUsage(argv[0], std::string(flag) + " needs a value");
    const char* value = argv[++i];
    std::string why;
    if (!strcmp(flag, "--iterations")) {
      why = ParseWhole(flag, value, 0, 100000000, &iterations);
      iterations_given = true;
    } else if (!strcmp(flag, "--warmup")) {
      why = ParseWhole(flag, value, 0, 100000000, &warmup);
    } else if (!strcmp(flag, "--threads")) {
      why = ParseWhole(flag, value, 1, 256, &threads);
    } else if (!strcmp(flag, "--path")) {
      path = value;
      if (!OneOf(value, {"ref", "neon", "neondot", "i8mm"}))
        why = std::string("--path: '") + value + "' is not one of: ref, neon, neondot, i8mm";
    } else if (!strcmp(flag, "--float-adds")) {
      float_adds = value;
      if (!OneOf(value, {"auto", "f32", "f16"}))
        why = std::string("--float-adds: '") + value + "' is not one of: auto, f32, f16";
    } else if (!strcmp(flag, "--baseline")) {
      baseline = value;
      if (strcmp(value, "xnnpack") != 0) why = std::string("--baseline: '") + value + "' is not xnnpack";
    } else if (!strcmp(flag, "--side")) {
      bc.side = value;
      if (!OneOf(value, {"both", "qrt", "xnnpack"}))
        why = std::string("--side: '") + value + "' is not one of: both, qrt, xnnpack";
    } else if (!strcmp(flag, "--only-op")) {
      why = ParseWhole(flag, value, 0, 1000000, &bc.only_op);
    } else {  // --max-output-diff
      char* end = nullptr;
      const double d = strtod(value, &end);
      if (*value == '\0' || *end != '\0' || !(d >= 0) || std::isinf(d))
        why = std::string("--max-output-diff: '") + value + "' is not a finite number >= 0";
      bc.max_output_diff = d;
    }
    if (!why.empty()) return BadUsage(argv[0], why);
  }
  if (!baseline) {
    const char* needs_baseline[] = {"--side", "--only-op", "--max-output-diff"};
    for (int i = 2; i < argc; ++i)
      for (const char* f : needs_baseline)
        if (!strcmp(argv[i], f)) return BadUsage(argv[0], std::string(f) + " needs --baseline xnnpack");
    if (iterations_given && iterations < 1) return BadUsage(argv[0], "--iterations: '0' is out of range; give 1 to 100000000");
  }
  qrt_float_adds adds = QRT_FLOAT_ADDS_AUTO;
  if (!strcmp(float_adds, "f32")) adds = QRT_FLOAT_ADDS_F32;
  else if (!strcmp(float_adds, "f16")) adds = QRT_FLOAT_ADDS_F16;
  if (path != nullptr) setenv("QRT_KERNEL_PATH", path, 1);
  if (baseline != nullptr) {
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
    fprintf(stderr, "qrt-bench: error: %s: %s\n", model_path, err.message);
    return 1;
  }
  qrt_session_options o;
  qrt_session_options_init(&o);
  o.num_threads = threads;
  o.profile = 1;
  o.float_adds = adds;
  qrt_session* session = nullptr;
  if (qrt_session_create(model, &o, &session, &err) != QRT_OK) {
    fprintf(stderr, "qrt-bench: error: %s: cannot create a session: %s\n", model_path, err.message);
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
    if (qrt_session_run(session) != QRT_OK) {
      fprintf(stderr, "qrt-bench: error: %s: run failed: %s\n", model_path, qrt_session_last_error(session));
      qrt_session_destroy(session);
      qrt_model_destroy(model);
      return 1;
    }
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
