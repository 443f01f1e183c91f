// The dispatch table and QRT_KERNEL_PATH: rows are consistent with their
// names, selection honours the accumulator and the CPU, a forced path picks
// that ISA's kernels or fails with a message naming the variable.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "gemm_tester.h"
#include "qrt/kernels/dispatch.h"
#include "qrt/kernels/neon.h"

namespace {

// Sets QRT_KERNEL_PATH for one scope, then removes it.
struct ScopedPath {
  explicit ScopedPath(const char* v) { setenv("QRT_KERNEL_PATH", v, 1); }
  ~ScopedPath() { unsetenv("QRT_KERNEL_PATH"); }
};

std::string suffix(qrt_isa isa) {
  switch (isa) {
    case QRT_ISA_REF: return "__portable";
    case QRT_ISA_NEON: return "__neon";
    case QRT_ISA_NEONDOT: return "__neondot";
    case QRT_ISA_I8MM: return "__neoni8mm";
  }
  return "?";
}

}  // namespace

TEST_CASE("dispatch rows match their names", "[dispatch]") {
  const qrt_gemm_s8_kernel* rows;
  const size_t count = qrt_gemm_s8_kernels(&rows);
  REQUIRE(count == (QRT_KERNELS_HAVE_NEON ? 11u : 2u));
  for (size_t i = 0; i < count; i++) {
    const std::string name = rows[i].name;
    INFO(name);
    CHECK(name.size() > suffix(rows[i].isa).size());
    CHECK(name.substr(name.size() - suffix(rows[i].isa).size()) == suffix(rows[i].isa));
    const std::string tile = "_" + std::to_string(rows[i].ukernel.mr) + "x" +
                             std::to_string(rows[i].ukernel.nr) + "c" +
                             std::to_string(rows[i].ukernel.kr) + "__";
    CHECK(name.find(tile) != std::string::npos);
    CHECK(name.find(rows[i].accumulator == QRT_ACCUMULATOR_INT16 ? "_acc16_" : "_acc32_") !=
          std::string::npos);
  }
  CHECK(qrt_isa_supported(QRT_ISA_REF) == 1);
  CHECK(qrt_isa_supported(QRT_ISA_NEON) == QRT_KERNELS_HAVE_NEON);
}

TEST_CASE("dispatch default selection", "[dispatch]") {
  unsetenv("QRT_KERNEL_PATH");
  char error[256] = "";
  const qrt_gemm_s8_kernel* k32 = nullptr;
  const qrt_gemm_s8_kernel* k16 = nullptr;
  REQUIRE(qrt_select_gemm_s8(QRT_ACCUMULATOR_INT32, &k32, error, sizeof error) == 0);
  REQUIRE(qrt_select_gemm_s8(QRT_ACCUMULATOR_INT16, &k16, error, sizeof error) == 0);
  CHECK(k32->accumulator == QRT_ACCUMULATOR_INT32);
  // Preference: SDOT ahead of SMMLA (docs/performance.md: fewer
  // instructions and, in llvm-mca's Cortex-A710 / Neoverse-N2 models, fewer
  // cycles per MAC), then plain NEON, then portable.
  qrt_isa best = QRT_ISA_REF;
  if (qrt_isa_supported(QRT_ISA_NEON)) best = QRT_ISA_NEON;
  if (qrt_isa_supported(QRT_ISA_NEONDOT)) best = QRT_ISA_NEONDOT;
  CHECK(k32->isa == best);
  // INT16 layers: the acc16 NEON kernel on a plain NEON CPU, else the best.
  CHECK(k16->isa == best);
  if (best == QRT_ISA_NEON || best == QRT_ISA_REF)
    CHECK(k16->accumulator == QRT_ACCUMULATOR_INT16);
  WARN("selected " << k32->name << " (INT32), " << k16->name << " (INT16)");
  const qrt_dwconv3x3_s8_kernel* dw = nullptr;
  REQUIRE(qrt_select_dwconv3x3_s8(&dw, error, sizeof error) == 0);
  CHECK(dw->isa == (QRT_KERNELS_HAVE_NEON ? QRT_ISA_NEON : QRT_ISA_REF));
  CHECK(dw->accumulator == QRT_ACCUMULATOR_INT32);
}

TEST_CASE("dispatch depthwise: acc16 only for INT16 layers with int16_chunk >= 9", "[dispatch]") {
  unsetenv("QRT_KERNEL_PATH");
  char error[256] = "";
  auto pick = [&](qrt_accumulator acc, size_t chunk) {
    const qrt_dwconv3x3_s8_kernel* k = nullptr;
    REQUIRE(qrt_select_dwconv3x3_s8_for_layer(acc, chunk, &k, error, sizeof error) == 0);
    REQUIRE(k != nullptr);
    return std::string(k->name);
  };
  const std::string isa = QRT_KERNELS_HAVE_NEON ? "__neon" : "__portable";
  const std::string acc16 = "qrt_dwconv3x3_s8_acc16_ukernel_c16" + isa;
  const std::string acc32 = "qrt_dwconv3x3_s8_acc32_ukernel_c16" + isa;
  // 6-bit MobileNet depthwise layers: chunk 9 = K, all 9 taps in int16.
  CHECK(pick(QRT_ACCUMULATOR_INT16, 9) == acc16);
  CHECK(pick(QRT_ACCUMULATOR_INT16, 127) == acc16);
  // A chunk-8 layer (e.g. 9 weights of 29 at |x| = 128: 8 * 29 * 128 =
  // 29696, 9 * 29 * 128 = 33408) would wrap in int16: acc32.
  CHECK(pick(QRT_ACCUMULATOR_INT16, 8) == acc32);
  CHECK(pick(QRT_ACCUMULATOR_INT16, 1) == acc32);
  CHECK(pick(QRT_ACCUMULATOR_INT16, 0) == acc32);
  // INT32 layers never get an acc16 row, whatever chunk is passed.
  CHECK(pick(QRT_ACCUMULATOR_INT32, 9) == acc32);
  CHECK(pick(QRT_ACCUMULATOR_INT32, 0) == acc32);
  // Forced paths: the best rows at or below the ISA, same rule.
  for (qrt_isa forced : {QRT_ISA_REF, QRT_ISA_NEON, QRT_ISA_NEONDOT, QRT_ISA_I8MM}) {
    if (!qrt_isa_supported(forced)) continue;
    ScopedPath path(qrt_isa_name(forced));
    INFO("QRT_KERNEL_PATH=" << qrt_isa_name(forced));
    const std::string s = forced == QRT_ISA_REF ? "__portable" : "__neon";
    CHECK(pick(QRT_ACCUMULATOR_INT16, 9) == "qrt_dwconv3x3_s8_acc16_ukernel_c16" + s);
    CHECK(pick(QRT_ACCUMULATOR_INT16, 8) == "qrt_dwconv3x3_s8_acc32_ukernel_c16" + s);
    CHECK(pick(QRT_ACCUMULATOR_INT32, 9) == "qrt_dwconv3x3_s8_acc32_ukernel_c16" + s);
  }
  // Every acc16 row has its bound; the table has one acc16 row per ISA.
  const qrt_dwconv3x3_s8_kernel* rows;
  const size_t count = qrt_dwconv3x3_s8_kernels(&rows);
  REQUIRE(count == (QRT_KERNELS_HAVE_NEON ? 4u : 2u));
  for (size_t i = 0; i < count; i++) {
    INFO(rows[i].name);
    CHECK(rows[i].min_int16_chunk == (rows[i].accumulator == QRT_ACCUMULATOR_INT16 ? 9u : 0u));
  }
}

TEST_CASE("dispatch depthwise KxK: acc16 only for INT16 layers with int16_chunk >= KW",
          "[dispatch]") {
  unsetenv("QRT_KERNEL_PATH");
  char error[256] = "";
  auto pick = [&](qrt_accumulator acc, size_t kw, size_t chunk) {
    const qrt_dwconv_s8_kernel* k = nullptr;
    REQUIRE(qrt_select_dwconv_s8_for_layer(acc, kw, chunk, &k, error, sizeof error) == 0);
    REQUIRE(k != nullptr);
    return std::string(k->name);
  };
  const std::string isa = QRT_KERNELS_HAVE_NEON ? "__neon" : "__portable";
  const std::string acc16 = "qrt_dwconv_s8_acc16_ukernel_c16" + isa;
  const std::string acc32 = "qrt_dwconv_s8_acc32_ukernel_c16" + isa;
  // A 5x5 layer of 6-bit weights at full range has chunk >= 8: one kernel
  // row per int16 block at least.
  CHECK(pick(QRT_ACCUMULATOR_INT16, 5, 8) == acc16);
  CHECK(pick(QRT_ACCUMULATOR_INT16, 5, 5) == acc16);
  CHECK(pick(QRT_ACCUMULATOR_INT16, 5, 4) == acc32);
  CHECK(pick(QRT_ACCUMULATOR_INT16, 7, 7) == acc16);
  CHECK(pick(QRT_ACCUMULATOR_INT16, 7, 6) == acc32);
  CHECK(pick(QRT_ACCUMULATOR_INT16, 7, 0) == acc32);
  CHECK(pick(QRT_ACCUMULATOR_INT32, 5, 127) == acc32);
  for (qrt_isa forced : {QRT_ISA_REF, QRT_ISA_NEON, QRT_ISA_NEONDOT, QRT_ISA_I8MM}) {
    if (!qrt_isa_supported(forced)) continue;
    ScopedPath path(qrt_isa_name(forced));
    INFO("QRT_KERNEL_PATH=" << qrt_isa_name(forced));
    const std::string s = forced == QRT_ISA_REF ? "__portable" : "__neon";
    CHECK(pick(QRT_ACCUMULATOR_INT16, 5, 25) == "qrt_dwconv_s8_acc16_ukernel_c16" + s);
    CHECK(pick(QRT_ACCUMULATOR_INT16, 5, 4) == "qrt_dwconv_s8_acc32_ukernel_c16" + s);
    CHECK(pick(QRT_ACCUMULATOR_INT32, 7, 49) == "qrt_dwconv_s8_acc32_ukernel_c16" + s);
  }
  {
    ScopedPath path("avx9000");
    const qrt_dwconv_s8_kernel* k = nullptr;
    CHECK(qrt_select_dwconv_s8_for_layer(QRT_ACCUMULATOR_INT32, 5, 0, &k, error,
                                         sizeof error) != 0);
    CHECK(k == nullptr);
    CHECK(std::string(error) ==
          "QRT_KERNEL_PATH=avx9000: unknown path (expected ref, neon, neondot or i8mm)");
  }
}

TEST_CASE("QRT_KERNEL_PATH forces each available path, runs it exactly", "[dispatch]") {
  for (qrt_isa isa : {QRT_ISA_REF, QRT_ISA_NEON, QRT_ISA_NEONDOT, QRT_ISA_I8MM}) {
    ScopedPath path(qrt_isa_name(isa));
    INFO("QRT_KERNEL_PATH=" << qrt_isa_name(isa));
    char error[256] = "";
    const qrt_gemm_s8_kernel* k = nullptr;
    const int status = qrt_select_gemm_s8(QRT_ACCUMULATOR_INT32, &k, error, sizeof error);
    if (!qrt_isa_supported(isa)) {
      CHECK(status != 0);
      CHECK(k == nullptr);
      CHECK(std::string(error) == std::string("QRT_KERNEL_PATH=") + qrt_isa_name(isa) + ": " +
                                      qrt_isa_name(isa) +
                                      " kernels are not available on this build or CPU");
      continue;
    }
    REQUIRE(status == 0);
    CHECK(k->isa == isa);
    qrt_test::GemmTester().m(5).n(11).k(77).input_zero_point(4).test(k->ukernel);
    const qrt_gemm_s8_kernel* k16 = nullptr;
    REQUIRE(qrt_select_gemm_s8(QRT_ACCUMULATOR_INT16, &k16, error, sizeof error) == 0);
    CHECK(k16->isa == isa);
    qrt_test::GemmTester().m(5).n(11).k(77).weight_bits(5).test(k16->ukernel);
    const qrt_dwconv3x3_s8_kernel* dw = nullptr;
    REQUIRE(qrt_select_dwconv3x3_s8(&dw, error, sizeof error) == 0);
    CHECK(dw->isa <= isa);
    CHECK(dw->accumulator == QRT_ACCUMULATOR_INT32);
    REQUIRE(qrt_select_dwconv3x3_s8_for_layer(QRT_ACCUMULATOR_INT16, 9, &dw, error,
                                              sizeof error) == 0);
    CHECK(dw->isa <= isa);
    CHECK(dw->accumulator == QRT_ACCUMULATOR_INT16);
  }
}

TEST_CASE("QRT_KERNEL_PATH unknown value is an error naming it", "[dispatch]") {
  ScopedPath path("avx9000");
  char error[256] = "";
  const qrt_gemm_s8_kernel* k = nullptr;
  CHECK(qrt_select_gemm_s8(QRT_ACCUMULATOR_INT32, &k, error, sizeof error) != 0);
  CHECK(k == nullptr);
  CHECK(std::string(error) ==
        "QRT_KERNEL_PATH=avx9000: unknown path (expected ref, neon, neondot or i8mm)");
  const qrt_dwconv3x3_s8_kernel* dw = nullptr;
  CHECK(qrt_select_dwconv3x3_s8(&dw, error, sizeof error) != 0);
  CHECK(dw == nullptr);
  CHECK(qrt_select_dwconv3x3_s8_for_layer(QRT_ACCUMULATOR_INT16, 9, &dw, error,
                                          sizeof error) != 0);
  CHECK(dw == nullptr);
}

TEST_CASE("dispatch per layer: K and int16_chunk break-even points", "[dispatch]") {
  unsetenv("QRT_KERNEL_PATH");
  char error[256] = "";
  // run1, run8: the layer's run bounds (qrt_int16_window of strides 1 and 8;
  // >= chunk; 0 here means = chunk).
  auto pick = [&](qrt_accumulator acc, size_t k, size_t chunk, size_t n = 144,
                  size_t run1 = 0, size_t run8 = 0) {
    const qrt_int16_bounds b = {chunk, run1 ? run1 : chunk, run8 ? run8 : chunk};
    const qrt_gemm_s8_kernel* kernel = nullptr;
    REQUIRE(qrt_select_gemm_s8_for_layer(acc, n, k, &b, &kernel, error, sizeof error) == 0);
    REQUIRE(kernel != nullptr);
    CHECK(k >= kernel->min_k);
    CHECK(n >= kernel->min_n);
    if (kernel->accumulator == QRT_ACCUMULATOR_INT16)
      CHECK(qrt_gemm_s8_kernel_int16_chunk(kernel, &b) >= kernel->min_int16_chunk);
    return std::string(kernel->name);
  };
  // Large layers: the same row as qrt_select_gemm_s8.
  const qrt_gemm_s8_kernel* big = nullptr;
  REQUIRE(qrt_select_gemm_s8(QRT_ACCUMULATOR_INT16, &big, error, sizeof error) == 0);
  CHECK(pick(QRT_ACCUMULATOR_INT16, size_t(-1), size_t(-1), size_t(-1)) == big->name);
  if (qrt_isa_supported(QRT_ISA_NEONDOT)) {
    // SDOT: 4x16c4 at every N and K (no break-even points; SMMLA none
    // either).
    CHECK(pick(QRT_ACCUMULATOR_INT32, 24, 0) == pick(QRT_ACCUMULATOR_INT32, 576, 0));
    for (size_t n : {1, 8, 9, 24, 144})
      for (size_t k : {1, 16, 576})
        CHECK(pick(QRT_ACCUMULATOR_INT32, k, 0, n) == "qrt_gemm_s8_acc32_ukernel_4x16c4__neondot");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 16, 8, 24) == "qrt_gemm_s8_acc32_ukernel_4x16c4__neondot");
  } else if (qrt_isa_supported(QRT_ISA_NEON)) {
    CHECK(pick(QRT_ACCUMULATOR_INT32, 24, 0) == "qrt_gemm_s8_acc32_ukernel_4x16c1__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT32, 63, 0) == "qrt_gemm_s8_acc32_ukernel_4x16c1__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT32, 64, 0) == "qrt_gemm_s8_acc32_ukernel_4x4c16__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT32, 27, 0, 8) == "qrt_gemm_s8_acc32_ukernel_4x8c2__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT32, 27, 0, 9) == "qrt_gemm_s8_acc32_ukernel_4x16c1__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 72, 8) == "qrt_gemm_s8_acc16_ukernel_4x16c1__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 72, 7) == "qrt_gemm_s8_acc32_ukernel_4x4c16__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 96, 8) == "qrt_gemm_s8_acc16_ukernel_4x16c1__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 111, 8) == "qrt_gemm_s8_acc16_ukernel_4x16c1__neon");
    // From K = 112 the cost model compares 4x4c16 and 4x16c1 (dispatch.c).
    // Whole calls, M = 196 on cortex-a53: N = 144, K = 576, chunk = windows =
    // 8: 4x16c1 3,340,622 vs 4x4c16 3,493,649; windows 16: 3,054,854 vs
    // 3,190,241; N = 24 (4x16c1 computes 32 channels), K = 960, windows 16:
    // 1,119,452 vs 861,173.
    CHECK(pick(QRT_ACCUMULATOR_INT16, 112, 8) == "qrt_gemm_s8_acc16_ukernel_4x16c1__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 576, 8) == "qrt_gemm_s8_acc16_ukernel_4x16c1__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 576, 8, 144, 16, 16) == "qrt_gemm_s8_acc16_ukernel_4x16c1__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 960, 8, 24, 16, 16) == "qrt_gemm_s8_acc16_ukernel_4x4c16__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 960, 8, 24, 16, 8) == "qrt_gemm_s8_acc16_ukernel_4x4c16__neon");
    // The stride-8 bound alone moves 4x4c16 (K = 576, N = 144, run1 8: 4x16c1
    // at 8 against 4x4c16 at 64 -> 4 steps per widening).
    CHECK(pick(QRT_ACCUMULATOR_INT16, 576, 8, 144, 8, 64) == "qrt_gemm_s8_acc16_ukernel_4x4c16__neon");
    // A window below 8 leaves 4x16c1 (its min_int16_chunk); the chunk rules 4x4c16.
    CHECK(pick(QRT_ACCUMULATOR_INT16, 96, 6, 144, 7) == "qrt_gemm_s8_acc32_ukernel_4x4c16__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 24, 8, 8) == "qrt_gemm_s8_acc32_ukernel_4x8c2__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 24, 32, 8) == "qrt_gemm_s8_acc16_ukernel_4x8c2__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 24, 24, 8) == "qrt_gemm_s8_acc16_ukernel_4x8c2__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 24, 23, 8) == "qrt_gemm_s8_acc32_ukernel_4x8c2__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 576, 127) == "qrt_gemm_s8_acc16_ukernel_4x16c1__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 576, 127, 24) == "qrt_gemm_s8_acc16_ukernel_4x4c16__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 576, 6) == "qrt_gemm_s8_acc16_ukernel_4x4c16__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 576, 5) == "qrt_gemm_s8_acc32_ukernel_4x4c16__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 24, 127) == "qrt_gemm_s8_acc16_ukernel_4x16c1__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 24, 8) == "qrt_gemm_s8_acc16_ukernel_4x16c1__neon");
    CHECK(pick(QRT_ACCUMULATOR_INT16, 24, 7) == "qrt_gemm_s8_acc32_ukernel_4x16c1__neon");
  } else {
    CHECK(pick(QRT_ACCUMULATOR_INT16, 24, 1) == "qrt_gemm_s8_acc16_ukernel_4x8c2__portable");
    CHECK(pick(QRT_ACCUMULATOR_INT32, 576, 0) == "qrt_gemm_s8_acc32_ukernel_4x8c2__portable");
  }
  // A forced path always has a row for any layer (its last rows have no
  // break-even points).
  for (qrt_isa isa : {QRT_ISA_REF, QRT_ISA_NEON, QRT_ISA_NEONDOT, QRT_ISA_I8MM}) {
    if (!qrt_isa_supported(isa)) continue;
    ScopedPath path(qrt_isa_name(isa));
    for (size_t k : {1, 24, 576})
      for (size_t chunk : {1, 8, 127}) {
        INFO("QRT_KERNEL_PATH=" << qrt_isa_name(isa) << " k " << k << " chunk " << chunk);
        const qrt_gemm_s8_kernel* kernel = nullptr;
        const qrt_int16_bounds b = {chunk, chunk, chunk};
        REQUIRE(qrt_select_gemm_s8_for_layer(QRT_ACCUMULATOR_INT16, 8, k, &b, &kernel, error,
                                             sizeof error) == 0);
        CHECK(kernel->isa == isa);
      }
  }
}
