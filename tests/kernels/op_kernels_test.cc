// Elementwise and pooling kernel tables (qrt_select_op_kernels): every
// table the CPU runs (NEON, the reference) against the reference kernels of
// qrt/kernels/ref.h, bit for bit (memcmp, so -0.0 vs +0.0 and NaN payloads
// count), over sizes around the vector widths and special values: NaN,
// +-inf, -0.0, rounding ties, values far outside the int8 range, zero
// points, RELU / RELU6 bounds. Also the fp16-storage Add where the CPU has
// fp16 arithmetic (qemu max; skipped with a WARN on cortex-a53).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "naive.h"
#include "qrt/kernels/dispatch.h"
#include "qrt/kernels/neon.h"
#include "qrt/kernels/ref.h"

namespace {

std::vector<const qrt_op_kernels*> runnable_tables() {
  const qrt_op_kernels* tables;
  const size_t count = qrt_op_kernel_tables(&tables);
  std::vector<const qrt_op_kernels*> out;
  for (size_t i = 0; i < count; i++) {
    if (qrt_isa_supported(tables[i].isa)) out.push_back(&tables[i]);
  }
  return out;
}

const size_t kSizes[] = {0, 1, 3, 4, 7, 15, 16, 17, 31, 33, 100, 1000};

// Random floats mixed with special values.
std::vector<float> special_floats(qrt_test::Rng& rng, size_t n, float range) {
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {std::nanf(""), inf, -inf, -0.0f, 0.0f, 0.5f, -0.5f, 1.5f,
                            2.5f, -2.5f, 1e30f, -1e30f, 127.5f, -128.5f, 1e-40f};
  std::vector<float> v = rng.floats(n, -range, range);
  for (size_t i = 0; i < n; i++)
    if (rng.uniform_int(0, 3) == 0) v[i] = specials[rng.uniform_int(0, 14)];
  return v;
}

template <typename T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

}  // namespace

TEST_CASE("op tables: names and selection", "[ops][dispatch]") {
  const auto tables = runnable_tables();
  REQUIRE(!tables.empty());
  CHECK(tables.back()->isa == QRT_ISA_REF);
  CHECK(std::string(tables.back()->add_f32.name) == "qrt_add_f32__ref");
  CHECK(tables.size() == (QRT_KERNELS_HAVE_NEON ? 2u : 1u));
  char error[256] = "";
  const qrt_op_kernels* k = nullptr;
  REQUIRE(qrt_select_op_kernels(&k, error, sizeof error) == 0);
  CHECK(k == tables.front());
  if (QRT_KERNELS_HAVE_NEON) {
    CHECK(std::string(k->quantize_f32_s8.name) == "qrt_quantize_f32_s8__neon");
    CHECK(std::string(k->maxpool2d_s8.name) == "qrt_maxpool2d_s8__neon");
    CHECK(std::string(k->global_avgpool_s8.name) == "qrt_global_avgpool_s8__neon");
    CHECK(std::string(k->dequantize_s8_f32.name) == "qrt_dequantize_s8_f32__neon");
  }
  setenv("QRT_KERNEL_PATH", "ref", 1);
  REQUIRE(qrt_select_op_kernels(&k, error, sizeof error) == 0);
  CHECK(k->isa == QRT_ISA_REF);
  setenv("QRT_KERNEL_PATH", "bogus", 1);
  CHECK(qrt_select_op_kernels(&k, error, sizeof error) != 0);
  CHECK(k == nullptr);
  CHECK(std::string(error).find("QRT_KERNEL_PATH=bogus") == 0);
  unsetenv("QRT_KERNEL_PATH");
}

TEST_CASE("quantize f32 -> s8 equals the reference", "[ops][quantize]") {
  qrt_test::Rng rng(11);
  for (const auto* t : runnable_tables()) {
    INFO(t->quantize_f32_s8.name);
    for (size_t n : kSizes) {
      for (int32_t zp : {-128, -3, 0, 17, 127}) {
        const std::vector<float> x = special_floats(rng, n, 300.0f);
        const float inv = rng.uniform_int(0, 1) ? 1.0f : 1.0f / rng.uniform_float(0.01f, 3.0f);
        for (auto range : {std::pair<int, int>{-128, 127}, {zp, 127}, {-100, 50}}) {
          const int8_t lo = int8_t(range.first), hi = int8_t(range.second);
          INFO("n " << n << " zp " << zp << " inv " << inv << " [" << int(lo) << ", " << int(hi) << "]");
          std::vector<int8_t> expected(n + 1, 0x55), got(n + 1, 0x55);
          qrt_quantize_f32_s8__ref(n, x.data(), inv, zp, lo, hi, expected.data());
          t->quantize_f32_s8.fn(n, x.data(), inv, zp, lo, hi, got.data());
          REQUIRE(same_bits(got, expected));  // the byte past n is untouched too
        }
      }
    }
  }
}

TEST_CASE("quantize rounds ties to even like the reference", "[ops][quantize]") {
  // x * 1 = k + 0.5 exactly: -2.5 -> -2, -1.5 -> -2, 0.5 -> 0, 1.5 -> 2, 2.5 -> 2.
  const std::vector<float> x = {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.5f, 126.5f,
                                -127.5f, 0.49999997f, -0.0f, 1e9f, -1e9f, std::nanf(""),
                                -2.5f, 2.5f, 5.5f};
  const std::vector<int8_t> want = {-2, -2, 0, 0, 2, 2, 4, 126, -128, 0, 0, 127, -128, -128,
                                    -2, 2, 6};
  for (const auto* t : runnable_tables()) {
    INFO(t->quantize_f32_s8.name);
    std::vector<int8_t> got(x.size());
    t->quantize_f32_s8.fn(x.size(), x.data(), 1.0f, 0, -128, 127, got.data());
    CHECK(got == want);
  }
}

TEST_CASE("dequantize s8 -> f32 equals the reference", "[ops][quantize]") {
  qrt_test::Rng rng(12);
  for (const auto* t : runnable_tables()) {
    INFO(t->dequantize_s8_f32.name);
    for (size_t n : kSizes)
      for (int32_t zp : {-128, -1, 0, 5, 127}) {
        const std::vector<int8_t> q = rng.int8s(n);
        const float scale = rng.uniform_float(1e-4f, 10.0f);
        INFO("n " << n << " zp " << zp << " scale " << scale);
        std::vector<float> expected(n + 1, -7.0f), got(n + 1, -7.0f);
        qrt_dequantize_s8_f32__ref(n, q.data(), scale, zp, expected.data());
        t->dequantize_s8_f32.fn(n, q.data(), scale, zp, got.data());
        REQUIRE(same_bits(got, expected));
      }
  }
}

TEST_CASE("add f32 with activation equals the reference bit for bit", "[ops][add]") {
  qrt_test::Rng rng(13);
  for (const auto* t : runnable_tables()) {
    INFO(t->add_f32.name);
    for (qrt_activation act : {QRT_ACTIVATION_NONE, QRT_ACTIVATION_RELU, QRT_ACTIVATION_RELU6}) {
      float lo, hi;
      qrt_activation_range_f32(act, &lo, &hi);
      for (size_t n : kSizes) {
        INFO("n " << n << " activation " << int(act));
        const std::vector<float> a = special_floats(rng, n, 10.0f);
        std::vector<float> b = special_floats(rng, n, 10.0f);
        // -0.0 + -0.0 = -0.0, which RELU keeps (the reference's clamp).
        if (n > 2) { const_cast<float&>(a[1]) = -0.0f; b[1] = -0.0f; }
        std::vector<float> expected(n + 1, 42.0f), got(n + 1, 42.0f);
        qrt_add_f32__ref(n, a.data(), b.data(), lo, hi, expected.data());
        t->add_f32.fn(n, a.data(), b.data(), lo, hi, got.data());
        REQUIRE(same_bits(got, expected));
      }
    }
  }
}

TEST_CASE("maxpool2d s8 equals the reference", "[ops][pool]") {
  qrt_test::Rng rng(14);
  for (const auto* t : runnable_tables()) {
    INFO(t->maxpool2d_s8.name);
    for (int trial = 0; trial < 60; trial++) {
      qrt_pool2d_params p{};
      p.batch = size_t(rng.uniform_int(1, 2));
      p.input_height = size_t(rng.uniform_int(1, 9));
      p.input_width = size_t(rng.uniform_int(1, 9));
      p.channels = size_t(std::vector<int>{1, 3, 8, 15, 16, 17, 32, 40}[trial % 8]);
      p.kernel_height = size_t(rng.uniform_int(1, 3));
      p.kernel_width = size_t(rng.uniform_int(1, 3));
      p.stride_height = size_t(rng.uniform_int(1, 2));
      p.stride_width = size_t(rng.uniform_int(1, 2));
      p.pad_top = size_t(rng.uniform_int(0, int(p.kernel_height) - 1));
      p.pad_bottom = size_t(rng.uniform_int(0, int(p.kernel_height) - 1));
      p.pad_left = size_t(rng.uniform_int(0, int(p.kernel_width) - 1));
      p.pad_right = size_t(rng.uniform_int(0, int(p.kernel_width) - 1));
      p.output_height = qrt_conv_output_size(p.input_height, p.kernel_height, p.stride_height, 1,
                                             p.pad_top, p.pad_bottom);
      p.output_width = qrt_conv_output_size(p.input_width, p.kernel_width, p.stride_width, 1,
                                            p.pad_left, p.pad_right);
      const std::vector<int8_t> x =
          rng.int8s(p.batch * p.input_height * p.input_width * p.channels);
      // Full range, RELU-like (lo above most inputs), a narrow [lo, hi].
      const int8_t lo = int8_t(std::vector<int>{-128, 20, -5}[trial % 3]);
      const int8_t hi = int8_t(std::vector<int>{127, 127, 60}[trial % 3]);
      INFO("trial " << trial << " " << p.input_height << "x" << p.input_width << "x" << p.channels
                    << " k " << p.kernel_height << "x" << p.kernel_width);
      const size_t out = p.batch * p.output_height * p.output_width * p.channels;
      std::vector<int8_t> expected(out + 1, 0x33), got(out + 1, 0x33);
      qrt_maxpool2d_s8__ref(&p, x.data(), lo, hi, expected.data());
      t->maxpool2d_s8.fn(&p, x.data(), lo, hi, got.data());
      REQUIRE(same_bits(got, expected));
    }
  }
}

TEST_CASE("global avgpool s8 equals the reference", "[ops][pool]") {
  qrt_test::Rng rng(15);
  for (const auto* t : runnable_tables()) {
    INFO(t->global_avgpool_s8.name);
    // 300 pixels > 256: the int16 lanes are widened mid-way; 17x17 = 289.
    for (auto hw : {std::pair<size_t, size_t>{1, 1}, {2, 3}, {7, 7}, {16, 16}, {17, 17}, {20, 15}}) {
      for (size_t c : {1, 8, 15, 16, 17, 48, 50}) {
        qrt_avgpool_s8_params q{};
        q.input_scale = rng.uniform_float(0.01f, 0.1f);
        q.output_scale = rng.uniform_float(0.005f, 0.1f);
        q.input_zero_point = rng.uniform_int(-128, 127);
        q.output_zero_point = rng.uniform_int(-20, 20);
        q.output_min = int8_t(c % 2 ? -128 : q.output_zero_point);  // RELU on even c
        q.output_max = 127;
        const size_t batch = 2, n = batch * hw.first * hw.second * c;
        // Extremes half of the time: every input -128 or 127 (the int16 bound).
        std::vector<int8_t> x = rng.int8s(n);
        if (c % 3 == 0)
          for (auto& v : x) v = int8_t(rng.uniform_int(0, 1) ? 127 : -128);
        INFO(hw.first << "x" << hw.second << "x" << c << " zx " << q.input_zero_point);
        std::vector<int8_t> expected(batch * c + 1, 0x11), got(batch * c + 1, 0x11);
        qrt_global_avgpool_s8__ref(batch, hw.first, hw.second, c, x.data(), &q, expected.data());
        t->global_avgpool_s8.fn(batch, hw.first, hw.second, c, x.data(), &q, got.data());
        REQUIRE(same_bits(got, expected));
      }
    }
  }
}

TEST_CASE("global avgpool s8: all 127 or all -128 over 256+ pixels", "[ops][pool]") {
  // The int16 partial sums reach +32512 / -32768 after 256 pixels: one more
  // pixel per block would wrap. Scales 1: the average is the input itself.
  qrt_avgpool_s8_params q{1.0f, 1.0f, 0, 0, -128, 127};
  for (const auto* t : runnable_tables()) {
    INFO(t->global_avgpool_s8.name);
    for (int8_t v : {int8_t(127), int8_t(-128)})
      for (size_t hw : {256, 257, 600}) {
        const std::vector<int8_t> x(hw * 16, v);
        std::vector<int8_t> got(16);
        t->global_avgpool_s8.fn(1, hw, 1, 16, x.data(), &q, got.data());
        CHECK(got == std::vector<int8_t>(16, v));
      }
  }
}

#if QRT_KERNELS_HAVE_NEON
TEST_CASE("add f16 storage (fp16 arithmetic) equals round16(fp32 sum), clamped", "[ops][add][fp16]") {
  if (!qrt_cpu_has_fp16_arith()) {
    WARN("skipping qrt_add_f16__neonfp16: CPU lacks fp16 arithmetic");
    return;
  }
  qrt_test::Rng rng(16);
  auto to_half = [](float f) { __fp16 h = static_cast<__fp16>(f); uint16_t b; std::memcpy(&b, &h, 2); return b; };
  auto to_float = [](uint16_t b) { __fp16 h; std::memcpy(&h, &b, 2); return static_cast<float>(h); };
  for (qrt_activation act : {QRT_ACTIVATION_NONE, QRT_ACTIVATION_RELU, QRT_ACTIVATION_RELU6}) {
    float lo, hi;
    qrt_activation_range_f32(act, &lo, &hi);
    for (size_t n : kSizes) {
      std::vector<uint16_t> a(n), b(n);
      for (size_t i = 0; i < n; i++) {
        // Random bit patterns cover subnormals, infinities, NaNs, ties.
        a[i] = uint16_t(rng.uniform_int(0, 0xFFFF));
        b[i] = i % 2 ? uint16_t(rng.uniform_int(0, 0xFFFF)) : to_half(rng.uniform_float(-8, 8));
      }
      std::vector<uint16_t> got(n + 1, 0xABCD), want(n + 1, 0xABCD);
      for (size_t i = 0; i < n; i++) {
        const float s = to_float(to_half(to_float(a[i]) + to_float(b[i])));
        float v = s;
        if (!(v >= to_float(to_half(lo)))) v = to_float(to_half(lo));
        if (v > to_float(to_half(hi))) v = to_float(to_half(hi));
        want[i] = to_half(v);  // v is s or a bound, all exact in fp16 (-0.0 too)
      }
      qrt_add_f16__neonfp16(n, a.data(), b.data(), lo, hi, got.data());
      INFO("n " << n << " activation " << int(act));
      REQUIRE(same_bits(got, want));
    }
  }
}
#endif
