// fp16 storage kernels (qrt/kernels/fp16.h): the portable fp32 <-> fp16
// converters against every fp16 value, hand-picked ties, overflow and
// subnormal edges, and (where the compiler has a half type: GCC on x86-64 and
// aarch64) the compiler's own conversion on millions of fp32 bit patterns;
// then every fp16 kernel table the CPU runs (neonfp16, neon, ref) against
// the reference kernels, bit for bit, over sizes around the vector widths
// and special values. The neonfp16 table is skipped with a WARN on CPUs
// without fp16 arithmetic (qemu cortex-a53).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "qrt/kernels/dispatch.h"
#include "qrt/kernels/fp16.h"

// The compiler's half type as an oracle: _Float16 (g++ 12 on x86-64:
// libgcc's soft conversion), __fp16 (g++ 12 on aarch64, which has no C++
// _Float16: FCVT). Both convert fp32 -> fp16 with IEEE round to nearest even.
#if defined(__aarch64__)
typedef __fp16 test_half;
#define QRT_TEST_HAVE_HALF 1
#elif defined(__FLT16_MAX__) && defined(__x86_64__)
typedef _Float16 test_half;
#define QRT_TEST_HAVE_HALF 1
#endif

namespace {

uint32_t bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}
float from_bits(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}
bool is_nan16(uint16_t h) { return (h & 0x7c00u) == 0x7c00u && (h & 0x3ffu); }

const size_t kSizes[] = {0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1000, 4099};

// fp16 patterns: specials (+-0, subnormals, max, inf, NaN), then random.
std::vector<uint16_t> halves(std::mt19937& rng, size_t n) {
  const uint16_t specials[] = {0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x0400,
                               0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x3c00, 0xbc00,
                               0x7e00, 0x7a00, 0x4000, 0x3555, 0x0200, 0x83ff};
  std::vector<uint16_t> v(n);
  for (size_t i = 0; i < n; i++) {
    v[i] = i < sizeof specials / 2 && (rng() & 1) ? specials[i] : (uint16_t)rng();
  }
  return v;
}

// fp32 values that stress round16: ties, overflow, subnormals.
std::vector<float> floats(std::mt19937& rng, size_t n) {
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {0.0f, -0.0f, 65504.0f, 65519.99f, 65520.0f, -65520.0f,
                            1e9f, inf, -inf, std::nanf(""), 2.98023224e-8f /*2^-25*/,
                            2.9802326e-8f, 6.1035156e-5f, 1.0f + 0x1p-11f,
                            1.0f + 0x1p-11f + 0x1p-23f, 1.0f + 3 * 0x1p-11f, 1e-45f};
  std::vector<float> v(n);
  std::uniform_real_distribution<float> d(-70000.0f, 70000.0f);
  for (size_t i = 0; i < n; i++) {
    const uint32_t r = rng();
    if (i < sizeof specials / 4 && (r & 1)) v[i] = specials[i];
    else if (r % 3 == 0) v[i] = from_bits(rng());
    else if (r % 3 == 1) v[i] = d(rng);
    else v[i] = d(rng) * 1e-9f;
  }
  return v;
}

std::vector<const qrt_f16_op_kernels*> tables_to_test() {
  const qrt_f16_op_kernels* t;
  const size_t n = qrt_f16_op_kernel_tables(&t);
  std::vector<const qrt_f16_op_kernels*> out;
  for (size_t i = 0; i < n; i++) {
    if (qrt_f16_op_kernels_supported(&t[i])) {
      out.push_back(&t[i]);
    } else {
      WARN("skipping fp16 table " << t[i].name
                                  << ": CPU lacks " << (t[i].needs_fp16_arith ? "fp16 arithmetic" : "the ISA"));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("fp16: every fp16 value round-trips through fp32", "[fp16]") {
  for (uint32_t h = 0; h < 0x10000u; h++) {
    const float f = qrt_f16_to_f32((uint16_t)h);
    const uint16_t back = qrt_f32_to_f16(f);
    if (is_nan16((uint16_t)h)) {
      REQUIRE(std::isnan(f));
      REQUIRE(back == (uint16_t)(h | 0x200u));  // quieted, payload kept
    } else {
      REQUIRE(back == h);
    }
  }
  // Exact values of a few.
  REQUIRE(qrt_f16_to_f32(0x3c00) == 1.0f);
  REQUIRE(qrt_f16_to_f32(0x7bff) == 65504.0f);
  REQUIRE(qrt_f16_to_f32(0x0001) == 0x1p-24f);
  REQUIRE(qrt_f16_to_f32(0x0400) == 0x1p-14f);
  REQUIRE(bits(qrt_f16_to_f32(0x8000)) == 0x80000000u);
}

TEST_CASE("fp16: fp32 -> fp16 rounds to nearest even", "[fp16]") {
  // Every midpoint between two adjacent positive finite halves goes to the
  // even one; one fp32 ulp either side goes to the nearer one.
  for (uint32_t h = 0; h < 0x7bffu; h++) {
    const float lo = qrt_f16_to_f32((uint16_t)h), hi = qrt_f16_to_f32((uint16_t)(h + 1));
    const float mid = lo + (hi - lo) * 0.5f;  // exact in fp32
    REQUIRE((double)mid == ((double)lo + (double)hi) / 2);
    const uint16_t even = (h & 1u) ? (uint16_t)(h + 1) : (uint16_t)h;
    REQUIRE(qrt_f32_to_f16(mid) == even);
    REQUIRE(qrt_f32_to_f16(-mid) == (uint16_t)(even | 0x8000u));
    REQUIRE(qrt_f32_to_f16(std::nextafter(mid, 0.0f)) == h);
    REQUIRE(qrt_f32_to_f16(std::nextafter(mid, 1e9f)) == h + 1);
  }
  // Overflow: 65520 (the midpoint of 65504 and 2^16) and above to inf.
  REQUIRE(qrt_f32_to_f16(65519.996f) == 0x7bff);
  REQUIRE(qrt_f32_to_f16(65520.0f) == 0x7c00);
  REQUIRE(qrt_f32_to_f16(-1e30f) == 0xfc00);
  REQUIRE(qrt_f32_to_f16(std::numeric_limits<float>::infinity()) == 0x7c00);
  // Below the smallest subnormal: 2^-25 is a tie -> 0 (even), above -> 1.
  REQUIRE(qrt_f32_to_f16(0x1p-25f) == 0x0000);
  REQUIRE(qrt_f32_to_f16(std::nextafter(0x1p-25f, 1.0f)) == 0x0001);
  REQUIRE(qrt_f32_to_f16(-0x1p-26f) == 0x8000);
  REQUIRE(qrt_f32_to_f16(1e-45f) == 0x0000);
  REQUIRE(qrt_f32_to_f16(3 * 0x1p-25f) == 0x0002);  // 1.5 ulp: tie -> even 2
  REQUIRE(qrt_f32_to_f16(std::nanf("")) == 0x7e00);
}

#if defined(QRT_TEST_HAVE_HALF)
TEST_CASE("fp16: fp32 -> fp16 equals the compiler's half conversion", "[fp16]") {
  // The compiler's half type (x86-64: libgcc's soft conversion; aarch64: FCVT) is an
  // independent oracle for every non-NaN input.
  std::mt19937 rng(7);
  size_t bad = 0, checked = 0;
  uint32_t first_bad = 0;
  auto check = [&](uint32_t u) {
    const float f = from_bits(u);
    if (std::isnan(f)) return;
    const test_half h = (test_half)f;
    uint16_t want;
    memcpy(&want, &h, 2);
    checked++;
    if (qrt_f32_to_f16(f) != want && bad++ == 0) first_bad = u;
  };
  for (uint32_t i = 0; i < 1000000u; i++) check(rng());
  // Dense around every exponent that matters (subnormal .. overflow).
  for (uint32_t e = 90; e <= 145; e++) {
    for (uint32_t m = 0; m < 0x800000u; m += 0x1fffu) {
      check(e << 23 | m);
      check(0x80000000u | e << 23 | m);
    }
  }
  INFO("first mismatch: fp32 bits 0x" << std::hex << first_bad);
  REQUIRE(bad == 0);
  REQUIRE(checked > 1000000u);
}
#endif

TEST_CASE("fp16: reference kernels follow the written formulas", "[fp16]") {
  std::mt19937 rng(1);
  const std::vector<uint16_t> a = halves(rng, 5000), b = halves(rng, 5000);
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<uint16_t> y(a.size());
  for (float lo : {-inf, 0.0f}) {
    for (float hi : {inf, 6.0f}) {
      qrt_add_f16__ref(a.size(), a.data(), b.data(), lo, hi, y.data());
      for (size_t i = 0; i < a.size(); i++) {
        float s = qrt_f16_to_f32(qrt_f32_to_f16(qrt_f16_to_f32(a[i]) + qrt_f16_to_f32(b[i])));
        if (!(s >= lo)) s = lo;
        if (s > hi) s = hi;
        REQUIRE(y[i] == qrt_f32_to_f16(s));
#if defined(QRT_TEST_HAVE_HALF)
        // One native half-precision addition gives the same sum.
        test_half x, z;
        memcpy(&x, &a[i], 2);
        memcpy(&z, &b[i], 2);
        const volatile test_half sum = x + z;
        const test_half sum16 = sum;
        uint16_t sb;
        memcpy(&sb, &sum16, 2);
        if (!is_nan16(sb)) {
          REQUIRE(sb == qrt_f32_to_f16(qrt_f16_to_f32(a[i]) + qrt_f16_to_f32(b[i])));
        }
#endif
      }
    }
  }
  // -0.0 survives a RELU (the fp32 Add's clamp), NaN becomes lo.
  const uint16_t mz = 0x8000, nan = 0x7e00, zero = 0;
  uint16_t out;
  qrt_add_f16__ref(1, &mz, &mz, 0.0f, inf, &out);
  REQUIRE(out == 0x8000);
  qrt_add_f16__ref(1, &nan, &zero, 0.0f, inf, &out);
  REQUIRE(out == 0x0000);
  // Overflow of the sum: 65504 + 16 = 65520 -> inf, then RELU6 clamps.
  const uint16_t big = 0x7bff, sixteen = 0x4c00;
  qrt_add_f16__ref(1, &big, &sixteen, -inf, inf, &out);
  REQUIRE(out == 0x7c00);
  qrt_add_f16__ref(1, &big, &sixteen, 0.0f, 6.0f, &out);
  REQUIRE(out == 0x4600);
  // Quantize widens then quantizes as fp32; dequantize rounds the fp32 value.
  const uint16_t h = 0x3e00;  // 1.5
  int8_t q;
  qrt_quantize_f16_s8__ref(1, &h, 1.0f, 0, -128, 127, &q);
  REQUIRE(q == 2);  // round-half-even of 1.5
  const int8_t s8 = 100;
  qrt_dequantize_s8_f16__ref(1, &s8, 0.1f, -3, &out);
  REQUIRE(out == qrt_f32_to_f16((float)(100 + 3) * 0.1f));
}

TEST_CASE("fp16: every kernel table the CPU runs equals the reference", "[fp16]") {
  std::mt19937 rng(3);
  const float inf = std::numeric_limits<float>::infinity();
  for (const qrt_f16_op_kernels* t : tables_to_test()) {
    INFO("table " << t->name);
    for (size_t n : kSizes) {
      INFO("n = " << n);
      const std::vector<uint16_t> a = halves(rng, n), b = halves(rng, n);
      const std::vector<float> f = floats(rng, n);
      std::vector<int8_t> q(n);
      for (size_t i = 0; i < n; i++) q[i] = (int8_t)rng();
      // +4: a kernel writing past n would show in the guard values.
      std::vector<uint16_t> want(n + 4, 0xabcd), got(n + 4, 0xabcd);
      for (float lo : {-inf, 0.0f}) {
        for (float hi : {inf, 6.0f}) {
          qrt_add_f16__ref(n, a.data(), b.data(), lo, hi, want.data());
          t->add_f16.fn(n, a.data(), b.data(), lo, hi, got.data());
          REQUIRE(want == got);
        }
      }
      qrt_convert_f32_f16__ref(n, f.data(), want.data());
      t->convert_f32_f16.fn(n, f.data(), got.data());
      REQUIRE(want == got);
      for (int32_t zp : {0, -128, 17}) {
        for (float s : {0.0173f, 1.0f, 300.0f}) {
          qrt_dequantize_s8_f16__ref(n, q.data(), s, zp, want.data());
          t->dequantize_s8_f16.fn(n, q.data(), s, zp, got.data());
          REQUIRE(want == got);
          std::vector<int8_t> qw(n + 4, 5), qg(n + 4, 5);
          qrt_quantize_f16_s8__ref(n, a.data(), 1.0f / s, zp, -128, 127, qw.data());
          t->quantize_f16_s8.fn(n, a.data(), 1.0f / s, zp, -128, 127, qg.data());
          REQUIRE(qw == qg);
          qrt_quantize_f16_s8__ref(n, a.data(), 1.0f / s, zp, (int8_t)zp, 100, qw.data());
          t->quantize_f16_s8.fn(n, a.data(), 1.0f / s, zp, (int8_t)zp, 100, qg.data());
          REQUIRE(qw == qg);
        }
      }
      std::vector<float> fw(n + 4, 7.0f), fg(n + 4, 7.0f);
      qrt_convert_f16_f32__ref(n, a.data(), fw.data());
      t->convert_f16_f32.fn(n, a.data(), fg.data());
      REQUIRE(std::memcmp(fw.data(), fg.data(), fw.size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("fp16: table selection follows QRT_KERNEL_PATH", "[fp16]") {
  const qrt_f16_op_kernels* k = nullptr;
  char err[128];
  setenv("QRT_KERNEL_PATH", "ref", 1);
  REQUIRE(qrt_select_f16_op_kernels(&k, err, sizeof err) == 0);
  REQUIRE(std::string(k->name) == "ref");
  unsetenv("QRT_KERNEL_PATH");
  REQUIRE(qrt_select_f16_op_kernels(&k, err, sizeof err) == 0);
  if (qrt_isa_supported(QRT_ISA_NEON)) {
    REQUIRE(std::string(k->name) == (qrt_cpu_has_fp16_arith() ? "neonfp16" : "neon"));
  } else {
    REQUIRE(std::string(k->name) == "ref");
  }
  setenv("QRT_KERNEL_PATH", "avx9", 1);
  REQUIRE(qrt_select_f16_op_kernels(&k, err, sizeof err) != 0);
  unsetenv("QRT_KERNEL_PATH");
}
