// Depthwise KxK kernels (qrt/kernels/dwconv.h: qrt_dwconv_s8_*), every row
// this CPU runs, against the naive conv formula (ConvTester) and against
// qrt_conv2d_s8__ref / qrt_conv2d_s8_f32__ref over an edge sweep: exact
// equality. acc16 rows get the weights' own int16_chunk (max|x| = 128) and
// run only where qrt_dwconv_s8_kernel_exact says they may (chunk >= KW); a
// chunk larger than the weights allow must wrap (the bound is needed).
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "conv_tester.h"
#include "qrt/kernels/accumulation.h"
#include "qrt/kernels/dispatch.h"
#include "qrt/kernels/dwconv.h"

using qrt_test::ConvTester;

namespace {

std::vector<qrt_dwconv_s8_kernel> runnable_dwconv_kxk_rows() {
  const qrt_dwconv_s8_kernel* rows;
  const size_t count = qrt_dwconv_s8_kernels(&rows);
  std::vector<qrt_dwconv_s8_kernel> out;
  for (size_t i = 0; i < count; i++) {
    if (qrt_isa_supported(rows[i].isa)) out.push_back(rows[i]);
    else WARN("skipping " << rows[i].name << ": CPU lacks " << qrt_isa_name(rows[i].isa));
  }
  return out;
}

const qrt_dwconv_s8_kernel* g_row = nullptr;
size_t g_ran = 0;  // calls that reached the kernel

size_t taps(const qrt_conv2d_params* p) { return p->kernel_height * p->kernel_width; }

template <typename Out>
void dw(const qrt_conv2d_params* p, const int8_t* x, const int8_t* w, const int32_t* bias,
        const float* scales, const qrt_gemm_s8_epilogue& e, Out* y) {
  REQUIRE(p->groups == p->input_channels);
  REQUIRE(p->groups == p->output_channels);
  const size_t chunk = qrt_int16_chunk(w, p->input_channels, taps(p), -128, 127);
  REQUIRE(qrt_dwconv_s8_kernel_exact(g_row, p->kernel_width, chunk));
  std::vector<uint8_t> packed(
      qrt_dwconv_s8_packed_size(p->input_channels, p->kernel_height, p->kernel_width));
  qrt_dwconv_s8_pack_weights(p->input_channels, p->kernel_height, p->kernel_width, w, bias,
                             scales, p->input_zero_point, packed.data());
  g_row->fn(p, x, packed.data(), &e, chunk, y);
  g_ran++;
}

void dw_s8(const qrt_conv2d_params* p, const int8_t* x, const int8_t* w, const int32_t* bias,
           const qrt_requant_s8_params* rq, int8_t* y) {
  dw(p, x, w, bias, rq->multipliers,
     qrt_gemm_s8_epilogue_s8(rq->output_zero_point, rq->output_min, rq->output_max), y);
}

void dw_f32(const qrt_conv2d_params* p, const int8_t* x, const int8_t* w, const int32_t* bias,
            const qrt_dequant_f32_params* dq, float* y) {
  dw(p, x, w, bias, dq->scales, qrt_gemm_s8_epilogue_f32(dq->output_min, dq->output_max), y);
}

// Weight bits whose int16_chunk lets the acc16 rows run (4: chunk >= 36,
// whole 5x5 / 7x7 windows in one block; 5: >= 17, 3 rows of 5 / 2 of 7; 6:
// >= 8, one row per block), 8 for acc32 rows.
std::vector<int> bits_for(const qrt_dwconv_s8_kernel& row) {
  if (row.accumulator == QRT_ACCUMULATOR_INT16) return {4, 5, 6};
  return {8};
}

}  // namespace

TEST_CASE("dwconv_s8 KxK: 5x5, 7x7, 3x3, 3x5, strides, pads, channel tails",
          "[conv][dwconv][kxk]") {
  for (const auto& row : runnable_dwconv_kxk_rows()) {
    g_row = &row;
    INFO(row.name);
    for (int bits : bits_for(row))
      for (size_t k : {5, 7, 3})
        for (size_t channels : {1, 7, 8, 9, 16, 17, 24, 40})
          for (size_t stride : {1, 2}) {
            INFO("bits " << bits << " kernel " << k << " channels " << channels << " stride "
                         << stride);
            ConvTester().input_size(11, 10).kernel_size(k, k).stride(stride).padding(k / 2)
                .groups(channels).group_input_channels(1).group_output_channels(1)
                .input_zero_point(-17).weight_bits(bits).test_s8(dw_s8);
            ConvTester().batch(2).input_size(9, 12).kernel_size(k, k).stride(stride)
                .padding(0, k / 2, k - 1, 1).groups(channels).group_input_channels(1)
                .group_output_channels(1).input_zero_point(127).output_zero_point(-3)
                .qmin(-50).qmax(100).weight_bits(bits).test_s8(dw_s8);
            ConvTester().input_size(8, 8).kernel_size(k, k).stride(stride).padding(k / 2)
                .groups(channels).group_input_channels(1).group_output_channels(1)
                .input_zero_point(-128).activation(QRT_ACTIVATION_RELU6).weight_bits(bits)
                .test_f32(dw_f32);
          }
    const int bits = row.accumulator == QRT_ACCUMULATOR_INT16 ? 5 : 8;  // chunk >= 17
    // Non-square, even, 1x1 and a 9x9 kernel (the generic loops), dilation.
    ConvTester().input_size(9, 11).kernel_size(3, 5).padding(1, 2, 1, 2).groups(20)
        .group_input_channels(1).group_output_channels(1).weight_bits(bits).test_s8(dw_s8);
    ConvTester().input_size(7, 8).kernel_size(4, 4).padding(2, 1, 1, 2).groups(13)
        .group_input_channels(1).group_output_channels(1).weight_bits(bits).test_s8(dw_s8);
    ConvTester().input_size(5, 6).kernel_size(1, 1).groups(24).group_input_channels(1)
        .group_output_channels(1).input_zero_point(9).weight_bits(bits).test_s8(dw_s8);
    ConvTester().input_size(12, 12).kernel_size(9, 9).stride(2).padding(4).groups(18)
        .group_input_channels(1).group_output_channels(1).weight_bits(bits).test_s8(dw_s8);
    // A wide non-square kernel (17 taps per row: the generic row loop).
    ConvTester().input_size(6, 20).kernel_size(3, 17).padding(1, 8, 1, 8).groups(18)
        .group_input_channels(1).group_output_channels(1).input_zero_point(-5)
        .weight_bits(bits).test_s8(dw_s8);
    ConvTester().input_size(12, 13).kernel_size(5, 5).dilation(2).padding(4).groups(25)
        .group_input_channels(1).group_output_channels(1).input_zero_point(3)
        .weight_bits(bits).test_s8(dw_s8);
  }
  CHECK(g_ran > 0);
}

TEST_CASE("dwconv_s8 KxK: edge sweep against qrt_conv2d_s8__ref", "[conv][dwconv][kxk]") {
  // Tiny images (smaller than the kernel), every top/left/bottom/right pad
  // in 0..K-1, strides 1 and 2, dilation 1 and 2, channels 1..40, zero
  // points and clamps cycled, int8 and f32 outputs, every runnable row with
  // weights of 5 bits (acc16 exact) and 8 bits (acc32 rows only).
  qrt_test::Rng rng(77);
  const int32_t zxs[] = {0, -128, 127, -17, 5};
  const int32_t zys[] = {0, -128, 127, 3};
  const int8_t clamps[][2] = {{-128, 127}, {-50, 100}, {0, 127}, {-128, -128}};
  const auto rows = runnable_dwconv_kxk_rows();
  size_t iter = 0, compared = 0;
  for (size_t k : {5, 7, 3})
    for (size_t ch : {1, 3, 8, 9, 15, 16, 23, 24, 40})
      for (size_t iw = 1; iw <= 9; iw += (k == 7 ? 1 : 2))
        for (size_t stride = 1; stride <= 2; stride++, iter++) {
          qrt_conv2d_params p{};
          p.batch = 1 + iter % 7 / 6;
          p.input_height = 1 + iter % 5;
          p.input_width = iw;
          p.input_channels = p.output_channels = p.groups = ch;
          p.kernel_height = p.kernel_width = k;
          p.stride_height = p.stride_width = stride;
          const size_t dil = iter % 9 == 4 ? 2 : 1;
          p.dilation_height = p.dilation_width = dil;
          const size_t span = (k - 1) * dil;
          p.pad_top = iter % k; p.pad_left = iter / 3 % k;
          p.pad_bottom = iter / 7 % k; p.pad_right = (iter / 2 + 1) % k;
          if (p.input_height + p.pad_top + p.pad_bottom < span + 1) p.pad_bottom = span;
          if (p.input_width + p.pad_left + p.pad_right < span + 1) p.pad_right = span;
          p.output_height = qrt_conv_output_size(p.input_height, k, stride, dil, p.pad_top,
                                                 p.pad_bottom);
          p.output_width = qrt_conv_output_size(iw, k, stride, dil, p.pad_left, p.pad_right);
          p.input_zero_point = zxs[iter % 5];
          const size_t in = p.batch * p.input_height * iw * ch;
          const size_t out = p.batch * p.output_height * p.output_width * ch;
          std::vector<int8_t> x = rng.int8s(in);
          std::vector<int32_t> bias(ch);
          for (auto& b : bias) b = rng.uniform_int(-5000, 5000);
          std::vector<float> m(ch);
          for (auto& v : m) v = rng.uniform_float(0.5f, 2.0f) / 600.0f;
          for (int bits : {5, 8}) {
            const int qw = (1 << (bits - 1)) - 1;
            std::vector<int8_t> w = rng.int8s(ch * k * k, -qw, qw);
            const size_t chunk = qrt_int16_chunk(w.data(), ch, k * k, -128, 127);
            const int32_t zy = zys[iter % 4];
            const int8_t lo = clamps[iter % 4][0], hi = clamps[iter % 4][1];
            const qrt_requant_s8_params rq{m.data(), zy, lo, hi};
            std::vector<int8_t> expected(out);
            qrt_conv2d_s8__ref(&p, x.data(), w.data(), bias.data(), &rq, expected.data());
            const qrt_dequant_f32_params dq{m.data(), -3.0f, 2.5f};
            std::vector<float> expected_f(out);
            qrt_conv2d_s8_f32__ref(&p, x.data(), w.data(), bias.data(), &dq, expected_f.data());
            std::vector<uint8_t> packed(qrt_dwconv_s8_packed_size(ch, k, k));
            qrt_dwconv_s8_pack_weights(ch, k, k, w.data(), bias.data(), m.data(),
                                       p.input_zero_point, packed.data());
            for (const auto& row : rows) {
              if (!qrt_dwconv_s8_kernel_exact(&row, k, chunk)) continue;
              INFO(row.name << " k " << k << " ch " << ch << " in " << p.input_height << "x"
                            << iw << " stride " << stride << " dil " << dil << " pads "
                            << p.pad_top << p.pad_left << p.pad_bottom << p.pad_right
                            << " zx " << p.input_zero_point << " bits " << bits);
              std::vector<int8_t> y(out + 16, 0x5A);
              const qrt_gemm_s8_epilogue e = qrt_gemm_s8_epilogue_s8(zy, lo, hi);
              row.fn(&p, x.data(), packed.data(), &e, chunk, y.data());
              REQUIRE(std::memcmp(y.data(), expected.data(), out) == 0);
              for (size_t i = out; i < y.size(); i++) REQUIRE(y[i] == 0x5A);  // no overrun
              std::vector<float> yf(out, -77.0f);
              const qrt_gemm_s8_epilogue ef = qrt_gemm_s8_epilogue_f32(-3.0f, 2.5f);
              row.fn(&p, x.data(), packed.data(), &ef, chunk, yf.data());
              REQUIRE(std::memcmp(yf.data(), expected_f.data(), out * sizeof(float)) == 0);
              compared++;
            }
          }
        }
  CHECK(compared > 1000);
}

TEST_CASE("dwconv_s8 KxK acc16: exact at the int16 bound, wraps past it",
          "[conv][dwconv][kxk][acc16]") {
  // 5x5, every weight 31 (6-bit full range), every x = -128: each product
  // is -3968, so 8 fit an int16 lane (-31744) and 9 do not (-35712):
  // int16_chunk = 8, one kernel row (5 products) per block. Passing chunk
  // 10 (two rows, 10 products, -39680) must wrap on the acc16 rows.
  const size_t ch = 24, k = 5, h = 7, w = 7;
  qrt_conv2d_params p{};
  p.batch = 1; p.input_height = h; p.input_width = w;
  p.input_channels = p.output_channels = p.groups = ch;
  p.kernel_height = p.kernel_width = k;
  p.stride_height = p.stride_width = 1;
  p.dilation_height = p.dilation_width = 1;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 2;
  p.output_height = h; p.output_width = w;
  p.input_zero_point = 0;
  std::vector<int8_t> x(h * w * ch, -128), wt(ch * k * k, 31);
  for (size_t c = 1; c < ch; c += 2)
    for (size_t t = 0; t < k * k; t++) wt[c * k * k + t] = -31;  // +32256 sums too
  const size_t chunk = qrt_int16_chunk(wt.data(), ch, k * k, -128, 127);
  REQUIRE(chunk == 8);
  std::vector<int32_t> bias(ch, 0);
  std::vector<float> ones(ch, 1.0f);
  const qrt_dequant_f32_params dq{ones.data(), -1e9f, 1e9f};
  std::vector<float> expected(h * w * ch);
  qrt_conv2d_s8_f32__ref(&p, x.data(), wt.data(), bias.data(), &dq, expected.data());
  REQUIRE(expected[(3 * w + 3) * ch] == -128.0f * 31 * 25);  // full window
  std::vector<uint8_t> packed(qrt_dwconv_s8_packed_size(ch, k, k));
  qrt_dwconv_s8_pack_weights(ch, k, k, wt.data(), bias.data(), ones.data(), 0, packed.data());
  const qrt_gemm_s8_epilogue e = qrt_gemm_s8_epilogue_f32(-1e9f, 1e9f);
  size_t acc16_rows = 0;
  for (const auto& row : runnable_dwconv_kxk_rows()) {
    INFO(row.name);
    std::vector<float> y(expected.size());
    row.fn(&p, x.data(), packed.data(), &e, chunk, y.data());
    CHECK(y == expected);
    if (row.accumulator != QRT_ACCUMULATOR_INT16) continue;
    acc16_rows++;
    row.fn(&p, x.data(), packed.data(), &e, 10, y.data());
    CHECK(y[(3 * w + 3) * ch] != expected[(3 * w + 3) * ch]);  // wrapped
  }
  CHECK(acc16_rows > 0);
}
