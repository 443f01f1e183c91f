// Test helpers over the dispatch table: every compiled kernel row, with a
// WARN-and-skip for rows whose ISA this CPU lacks (e.g. SDOT/SMMLA under
// qemu -cpu cortex-a53), so one binary covers every path it can run.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "qrt/kernels/dispatch.h"

namespace qrt_test {

// The GEMM rows this CPU can run; warns once per skipped row.
inline std::vector<qrt_gemm_s8_kernel> runnable_gemm_rows() {
  const qrt_gemm_s8_kernel* rows;
  const size_t count = qrt_gemm_s8_kernels(&rows);
  std::vector<qrt_gemm_s8_kernel> out;
  for (size_t i = 0; i < count; i++) {
    if (qrt_isa_supported(rows[i].isa)) {
      out.push_back(rows[i]);
    } else {
      WARN("skipping " << rows[i].name << ": CPU lacks " << qrt_isa_name(rows[i].isa));
    }
  }
  return out;
}

inline std::vector<qrt_dwconv3x3_s8_kernel> runnable_dwconv_rows() {
  const qrt_dwconv3x3_s8_kernel* rows;
  const size_t count = qrt_dwconv3x3_s8_kernels(&rows);
  std::vector<qrt_dwconv3x3_s8_kernel> out;
  for (size_t i = 0; i < count; i++) {
    if (qrt_isa_supported(rows[i].isa)) out.push_back(rows[i]);
    else WARN("skipping " << rows[i].name << ": CPU lacks " << qrt_isa_name(rows[i].isa));
  }
  return out;
}

// True when depthwise row `row` is exact for a layer whose int16_chunk is
// `chunk` (acc32 rows always; acc16 rows only from their min_int16_chunk).
inline bool dwconv_row_exact(const qrt_dwconv3x3_s8_kernel& row, size_t chunk) {
  return row.accumulator == QRT_ACCUMULATOR_INT32 || chunk >= row.min_int16_chunk;
}

}  // namespace qrt_test
