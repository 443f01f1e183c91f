// qrt-bench --baseline xnnpack: the same integer network built with XNNPACK
// (from the weights and scales in the .qrt, read with the FlatBuffers
// reader), run on the same input as qrt, outputs compared, total and
// per-layer median times of both printed. docs/benchmarks.md.
#ifndef QRT_BENCHMARKS_XNNPACK_BASELINE_H_
#define QRT_BENCHMARKS_XNNPACK_BASELINE_H_

#include <vector>

#include "qrt/qrt.h"

namespace qrt_bench {

struct BaselineConfig {
  const char* model_path = nullptr;
  int iterations = 50;
  int warmup = 5;
  int threads = 1;
  qrt_float_adds float_adds = QRT_FLOAT_ADDS_AUTO;
  // Which runtime the timed loop (or --only-op) runs: "both", "qrt",
  // "xnnpack". Both are always set up and checked, so for instruction
  // counting the setup is the same whatever the side.
  const char* side = "both";
  // >= 0: after setup and the checks, run only this qrt operator (and the
  // XNNPACK operators it maps to) `iterations` times, print nothing timed.
  int only_op = -1;
  // < 0: no bound. Else exit 1 when the largest output difference (output
  // units) exceeds it.
  double max_output_diff = -1.0;
};

// The fixed pseudo-random input qrt-bench feeds (values in [-1, 1)).
std::vector<float> BenchInput(size_t n);

// Runs the comparison; returns the process exit code (0 ok, 1 error or
// check failed, 3 model not mappable to XNNPACK, 4 built without XNNPACK).
int RunXnnpackBaseline(const BaselineConfig& config);

}  // namespace qrt_bench

#endif  // QRT_BENCHMARKS_XNNPACK_BASELINE_H_
