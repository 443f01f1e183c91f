// Convolution through the GEMM driver (im2col / in-place 1x1) and the
// depthwise 3x3 kernels, for every runnable kernel row, against the naive
// conv formula with ConvTester: exact equality, s8 and f32 epilogues. The
// acc16 depthwise rows run wherever the weights' int16_chunk (max|x| = 128)
// is >= their min_int16_chunk (9), including weights at exactly the bound.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "conv_tester.h"
#include "kernel_rows.h"
#include "qrt/kernels/accumulation.h"
#include "qrt/kernels/dwconv.h"
#include "qrt/kernels/gemm.h"

using qrt_test::ConvTester;

namespace {

// ConvTester takes plain function pointers: the kernel under test goes here.
const qrt_gemm_s8_kernel* g_gemm = nullptr;
const qrt_dwconv3x3_s8_kernel* g_dwconv = nullptr;

template <typename Out>
void gemm_conv(const qrt_conv2d_params* p, const int8_t* x, const int8_t* w,
               const int32_t* bias, const float* scales,
               const qrt_gemm_s8_epilogue& e, Out* y) {
  const qrt_gemm_s8_ukernel& uk = g_gemm->ukernel;
  const size_t k = p->kernel_height * p->kernel_width * p->input_channels;
  std::vector<uint8_t> packed(qrt_gemm_s8_packed_size(&uk, p->output_channels, k));
  qrt_gemm_s8_pack_weights(&uk, p->output_channels, k, w, bias, scales,
                           p->input_zero_point, packed.data());
  std::vector<int8_t> scratch(qrt_conv2d_s8_gemm_scratch_size(p, &uk));
  const size_t chunk = qrt_int16_chunk(w, p->output_channels, k, -128, 127);
  qrt_conv2d_s8_gemm(&uk, p, x, packed.data(), &e, chunk, scratch.data(), y);
}

void gemm_conv_s8(const qrt_conv2d_params* p, const int8_t* x, const int8_t* w,
                  const int32_t* bias, const qrt_requant_s8_params* rq, int8_t* y) {
  gemm_conv(p, x, w, bias, rq->multipliers,
            qrt_gemm_s8_epilogue_s8(rq->output_zero_point, rq->output_min, rq->output_max), y);
}

void gemm_conv_f32(const qrt_conv2d_params* p, const int8_t* x, const int8_t* w,
                   const int32_t* bias, const qrt_dequant_f32_params* dq, float* y) {
  gemm_conv(p, x, w, bias, dq->scales, qrt_gemm_s8_epilogue_f32(dq->output_min, dq->output_max), y);
}

template <typename Out>
void dwconv(const qrt_conv2d_params* p, const int8_t* x, const int8_t* w,
            const int32_t* bias, const float* scales, const qrt_gemm_s8_epilogue& e,
            Out* y) {
  REQUIRE(p->groups == p->input_channels);
  REQUIRE(p->kernel_height == 3);
  REQUIRE(p->kernel_width == 3);
  // The row must be valid for these weights (an acc16 row needs chunk >= 9).
  REQUIRE(qrt_test::dwconv_row_exact(*g_dwconv,
                                     qrt_int16_chunk(w, p->input_channels, 9, -128, 127)));
  std::vector<uint8_t> packed(qrt_dwconv3x3_s8_packed_size(p->input_channels));
  qrt_dwconv3x3_s8_pack_weights(p->input_channels, w, bias, scales, p->input_zero_point,
                                packed.data());
  g_dwconv->fn(p, x, packed.data(), &e, y);
}

void dwconv_s8(const qrt_conv2d_params* p, const int8_t* x, const int8_t* w,
               const int32_t* bias, const qrt_requant_s8_params* rq, int8_t* y) {
  dwconv(p, x, w, bias, rq->multipliers,
         qrt_gemm_s8_epilogue_s8(rq->output_zero_point, rq->output_min, rq->output_max), y);
}

void dwconv_f32(const qrt_conv2d_params* p, const int8_t* x, const int8_t* w,
                const int32_t* bias, const qrt_dequant_f32_params* dq, float* y) {
  dwconv(p, x, w, bias, dq->scales, qrt_gemm_s8_epilogue_f32(dq->output_min, dq->output_max), y);
}

}  // namespace

TEST_CASE("conv2d_s8 via GEMM: 1x1, KxK, strides, padding, dilation", "[conv][gemm]") {
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    g_gemm = &row;
    INFO(row.name);
    // 1x1 in place (input rows are the A rows).
    ConvTester().input_size(5, 7).kernel_size(1, 1).padding(0).group_input_channels(13)
        .group_output_channels(19).input_zero_point(-9).test_s8(gemm_conv_s8);
    // 1x1 stride 2: im2col.
    ConvTester().input_size(6, 5).kernel_size(1, 1).stride(2).padding(0)
        .group_input_channels(8).group_output_channels(8).test_s8(gemm_conv_s8);
    for (size_t stride : {1, 2})
      ConvTester().batch(2).input_size(7, 6).kernel_size(3, 3).stride(stride).padding(1)
          .group_input_channels(3).group_output_channels(17).input_zero_point(25)
          .test_s8(gemm_conv_s8);
    ConvTester().input_size(9, 8).kernel_size(5, 3).padding(2, 1, 0, 3).dilation(2, 1)
        .group_input_channels(4).group_output_channels(9).input_zero_point(-128)
        .output_zero_point(5).qmin(-100).qmax(90).test_s8(gemm_conv_s8);
    ConvTester().input_size(4, 4).kernel_size(3, 3).padding(1).group_input_channels(70)
        .group_output_channels(5).test_s8(gemm_conv_s8);
    // im2col's inline copies (driver.c copy_bytes / fill_bytes): every
    // length class of a kernel row (KW * IC) and of one tap (IC), padded.
    ConvTester().input_size(11, 10).kernel_size(7, 7).stride(2).padding(3)
        .group_input_channels(3).group_output_channels(16).input_zero_point(-7)
        .test_s8(gemm_conv_s8);
    for (size_t ic : {1, 2, 5, 7, 16, 17, 33})
      ConvTester().input_size(6, 7).kernel_size(3, 3).stride(2).padding(1)
          .group_input_channels(ic).group_output_channels(9).input_zero_point(11)
          .test_s8(gemm_conv_s8);
    ConvTester().input_size(5, 5).kernel_size(3, 3).padding(1).group_input_channels(6)
        .group_output_channels(10).weight_bits(6).test_s8(gemm_conv_s8);
    ConvTester().input_size(5, 5).kernel_size(3, 3).padding(1).group_input_channels(6)
        .group_output_channels(10).input_zero_point(3).activation(QRT_ACTIVATION_RELU6)
        .test_f32(gemm_conv_f32);
  }
}

TEST_CASE("dwconv3x3_s8: stride 1 and 2, padding, channel tails", "[conv][dwconv]") {
  for (const auto& row : qrt_test::runnable_dwconv_rows()) {
    g_dwconv = &row;
    INFO(row.name);
    // acc16 rows: 5-bit weights (9 * 15 * 128 = 17280: chunk 9).
    const int bits = row.accumulator == QRT_ACCUMULATOR_INT16 ? 5 : 8;
    for (size_t channels : {1, 7, 8, 9, 15, 16, 17, 24, 33, 48})
      for (size_t stride : {1, 2}) {
        INFO("channels " << channels << " stride " << stride);
        ConvTester().input_size(7, 6).kernel_size(3, 3).stride(stride).padding(1)
            .groups(channels).group_input_channels(1).group_output_channels(1)
            .input_zero_point(-17).weight_bits(bits).test_s8(dwconv_s8);
        ConvTester().batch(2).input_size(5, 9).kernel_size(3, 3).stride(stride)
            .padding(0, 1, 2, 0).groups(channels).group_input_channels(1)
            .group_output_channels(1).input_zero_point(127).output_zero_point(-3)
            .qmin(-50).qmax(100).weight_bits(bits).test_s8(dwconv_s8);
        ConvTester().input_size(6, 6).kernel_size(3, 3).stride(stride).padding(1)
            .groups(channels).group_input_channels(1).group_output_channels(1)
            .input_zero_point(-128).activation(QRT_ACTIVATION_RELU).weight_bits(bits)
            .test_f32(dwconv_f32);
      }
    // Dilation works too (the taps are addressed generically).
    ConvTester().input_size(8, 8).kernel_size(3, 3).dilation(2).padding(2).groups(12)
        .group_input_channels(1).group_output_channels(1).weight_bits(bits)
        .test_s8(dwconv_s8);
  }
}

TEST_CASE("dwconv3x3_s8: extreme values against the reference", "[conv][dwconv]") {
  // Every x at -128 or 127, every w at +-127: tap pairs reach +-32512 in
  // int16; the result must still equal qrt_conv2d_s8__ref exactly.
  const size_t ch = 35, h = 5, w = 6;
  qrt_conv2d_params p{};
  p.batch = 1; p.input_height = h; p.input_width = w;
  p.input_channels = p.output_channels = p.groups = ch;
  p.kernel_height = p.kernel_width = 3;
  p.stride_height = p.stride_width = 1;
  p.dilation_height = p.dilation_width = 1;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
  p.output_height = h; p.output_width = w;
  qrt_test::Rng rng(3);
  for (int pattern = 0; pattern < 3; pattern++) {
    INFO("pattern " << pattern);
    std::vector<int8_t> x(h * w * ch), wt(ch * 9);
    for (auto& v : x) v = pattern == 0 ? -128 : int8_t(rng.uniform_int(0, 1) ? 127 : -128);
    for (size_t i = 0; i < wt.size(); i++)
      wt[i] = pattern == 0 ? int8_t(i / 9 % 2 ? -127 : 127) : int8_t(rng.uniform_int(0, 1) ? 127 : -127);
    p.input_zero_point = pattern == 2 ? 127 : 0;
    std::vector<int32_t> bias(ch, 7);
    std::vector<float> m(ch);
    for (auto& v : m) v = rng.uniform_float(0.5f, 2.0f) / 2000.0f;
    const qrt_requant_s8_params rq{m.data(), 3, -128, 127};
    std::vector<int8_t> expected(h * w * ch);
    qrt_conv2d_s8__ref(&p, x.data(), wt.data(), bias.data(), &rq, expected.data());
    std::vector<uint8_t> packed(qrt_dwconv3x3_s8_packed_size(ch));
    qrt_dwconv3x3_s8_pack_weights(ch, wt.data(), bias.data(), m.data(), p.input_zero_point,
                                  packed.data());
    const qrt_gemm_s8_epilogue e = qrt_gemm_s8_epilogue_s8(3, -128, 127);
    const size_t chunk = qrt_int16_chunk(wt.data(), ch, 9, -128, 127);
    REQUIRE(chunk == 2);  // +-127 weights: acc32 rows only
    for (const auto& row : qrt_test::runnable_dwconv_rows()) {
      if (!qrt_test::dwconv_row_exact(row, chunk)) continue;
      INFO(row.name);
      std::vector<int8_t> y(expected.size(), 0x5A);
      row.fn(&p, x.data(), packed.data(), &e, y.data());
      CHECK(y == expected);
    }
  }
}

namespace {

// Depthwise weights [ch][9] at exactly the INT16 bound for max|x| = 128: the
// 9 magnitudes of every channel sum to 255 (128 * 255 = 32640 <= 32767 <
// 128 * 256), so qrt_int16_chunk is 9 and a sum of the 9 products reaches
// +-32640 when every x is at -128 / 127 with the weight's sign. Channels
// cycle through all-positive, all-negative and mixed signs, and one in
// three has a tap at 127.
std::vector<int8_t> sharp_dw_weights(qrt_test::Rng& rng, size_t ch) {
  std::vector<int8_t> w(ch * 9);
  for (size_t c = 0; c < ch; c++) {
    int mag[9] = {0};
    int left = 255;
    if (rng.uniform_int(0, 2) == 0) {
      mag[rng.uniform_int(0, 8)] = 127;
      left -= 127;
    }
    while (left > 0) {
      const int j = rng.uniform_int(0, 8);
      if (mag[j] < 127) { mag[j]++; left--; }
    }
    const int signs = rng.uniform_int(0, 3);  // 0: +, 1: -, else mixed
    for (int j = 0; j < 9; j++) {
      const bool neg = signs == 1 || (signs >= 2 && rng.uniform_int(0, 1) == 1);
      w[c * 9 + j] = int8_t(neg ? -mag[j] : mag[j]);
    }
  }
  return w;
}

// Channels 1..40 (16 / 8 blocks and 1-7 tails), widths 1..9, heights 1..4,
// stride 1 and 2, dilation 1 and 2, every top/left/bottom/right pad in
// {0, 1} (and 2 on some), zero points and clamps cycled, int8 and f32
// outputs: every row valid for the weights' int16_chunk must equal the
// reference byte for byte (f32: bit for bit). sharp: weights at exactly
// chunk 9 (sharp_dw_weights) and inputs all at -128, at -128 / 127, or
// random, so the acc16 rows run at the int16 edge; else weights in
// [-127, 127] (acc32 rows only). Returns how many row runs were compared.
size_t dwconv_edge_sweep(bool sharp, uint32_t seed) {
  qrt_test::Rng rng(seed);
  const int32_t zxs[] = {0, -128, 127, -17, 5};
  const int32_t zys[] = {0, -128, 127, 3};
  const int8_t clamps[][2] = {{-128, 127}, {-50, 100}, {0, 127}, {-128, -128}};
  size_t iter = 0, runs = 0;
  const auto rows = qrt_test::runnable_dwconv_rows();
  for (size_t ch = 1; ch <= 40; ch++)
    for (size_t iw = 1; iw <= 9; iw++)
      for (size_t stride = 1; stride <= 2; stride++, iter++) {
        qrt_conv2d_params p{};
        p.batch = 1 + iter % 7 / 6;
        p.input_height = 1 + iter % 4; p.input_width = iw;
        p.input_channels = p.output_channels = p.groups = ch;
        p.kernel_height = p.kernel_width = 3;
        p.stride_height = p.stride_width = stride;
        const size_t dil = iter % 13 == 5 ? 2 : 1;
        p.dilation_height = p.dilation_width = dil;
        const size_t pads = iter % 16, big = iter % 11 == 0 ? 1 : 0;
        p.pad_top = (pads & 1) + big; p.pad_left = (pads >> 1 & 1) + big;
        p.pad_bottom = pads >> 2 & 1; p.pad_right = (pads >> 3 & 1) + big;
        if (p.input_height + p.pad_top + p.pad_bottom < 2 * dil + 1 ||
            p.input_width + p.pad_left + p.pad_right < 2 * dil + 1)
          continue;
        p.output_height =
            qrt_conv_output_size(p.input_height, 3, stride, dil, p.pad_top, p.pad_bottom);
        p.output_width = qrt_conv_output_size(iw, 3, stride, dil, p.pad_left, p.pad_right);
        p.input_zero_point = zxs[iter % 5];
        std::vector<int8_t> x = rng.int8s(p.batch * p.input_height * iw * ch);
        if (sharp && iter % 3 != 2)
          for (auto& v : x) v = iter % 3 == 0 || rng.uniform_int(0, 1) ? -128 : 127;
        const std::vector<int8_t> wt =
            sharp ? sharp_dw_weights(rng, ch) : rng.int8s(ch * 9, -127, 127);
        const size_t chunk = qrt_int16_chunk(wt.data(), ch, 9, -128, 127);
        if (sharp) REQUIRE(chunk == 9);
        std::vector<int32_t> bias(ch);
        for (auto& b : bias) b = rng.uniform_int(-40000, 40000);
        std::vector<float> m(ch);
        for (auto& v : m) v = rng.uniform_float(0.5f, 2.0f) / 3000.0f;
        const size_t outs = p.batch * p.output_height * p.output_width * ch;
        std::vector<uint8_t> packed(qrt_dwconv3x3_s8_packed_size(ch));
        qrt_dwconv3x3_s8_pack_weights(ch, wt.data(), bias.data(), m.data(), p.input_zero_point,
                                      packed.data());
        INFO("channels " << ch << " width " << iw << " height " << p.input_height << " stride "
             << stride << " dilation " << dil << " pads " << p.pad_top << p.pad_left
             << p.pad_bottom << p.pad_right << " zx " << p.input_zero_point << " chunk "
             << chunk);
        if (iter % 3 != 2) {
          const int8_t lo = clamps[iter % 4][0], hi = clamps[iter % 4][1];
          const int32_t zy = zys[iter % 4];
          const qrt_requant_s8_params rq{m.data(), zy, lo, hi};
          std::vector<int8_t> expected(outs);
          qrt_conv2d_s8__ref(&p, x.data(), wt.data(), bias.data(), &rq, expected.data());
          const qrt_gemm_s8_epilogue e = qrt_gemm_s8_epilogue_s8(zy, lo, hi);
          for (const auto& row : rows) {
            if (!qrt_test::dwconv_row_exact(row, chunk)) continue;
            INFO(row.name);
            std::vector<int8_t> y(outs, 0x5A);
            row.fn(&p, x.data(), packed.data(), &e, y.data());
            REQUIRE(y == expected);
            runs++;
          }
        } else {
          const float lo = iter % 2 ? 0.0f : -1e30f, hi = iter % 4 == 1 ? 6.0f : 1e30f;
          const qrt_dequant_f32_params dq{m.data(), lo, hi};
          std::vector<float> expected(outs);
          qrt_conv2d_s8_f32__ref(&p, x.data(), wt.data(), bias.data(), &dq, expected.data());
          const qrt_gemm_s8_epilogue e = qrt_gemm_s8_epilogue_f32(lo, hi);
          for (const auto& row : rows) {
            if (!qrt_test::dwconv_row_exact(row, chunk)) continue;
            INFO(row.name);
            std::vector<float> y(outs, -1234.5f);
            row.fn(&p, x.data(), packed.data(), &e, y.data());
            REQUIRE(std::memcmp(y.data(), expected.data(), outs * sizeof(float)) == 0);
            runs++;
          }
        }
      }
  return runs;
}

// Depthwise 3x3 over h x w x ch: stride 1, padding 1, input zero point zx.
qrt_conv2d_params dw_params(size_t h, size_t w, size_t ch, int32_t zx) {
  qrt_conv2d_params p{};
  p.batch = 1; p.input_height = h; p.input_width = w;
  p.input_channels = p.output_channels = p.groups = ch;
  p.kernel_height = p.kernel_width = 3;
  p.stride_height = p.stride_width = 1;
  p.dilation_height = p.dilation_width = 1;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
  p.output_height = h; p.output_width = w;
  p.input_zero_point = zx;
  return p;
}

}  // namespace

TEST_CASE("dwconv3x3_s8: edge sweep against qrt_conv2d_s8__ref", "[conv][dwconv]") {
  CHECK(dwconv_edge_sweep(false, 29) > 0);
}

TEST_CASE("dwconv3x3_s8 acc16: edge sweep with int16_chunk exactly 9", "[conv][dwconv][acc16]") {
  size_t acc16_rows = 0;
  for (const auto& row : qrt_test::runnable_dwconv_rows())
    if (row.accumulator == QRT_ACCUMULATOR_INT16) acc16_rows++;
  REQUIRE(acc16_rows >= 1);  // the portable one at least
  CHECK(dwconv_edge_sweep(true, 31) > 0);
}

TEST_CASE("dwconv3x3_s8 acc16: sums at +-32640 exact, one more wraps", "[conv][dwconv][acc16]") {
  // f32 output with scale 1 and bias 0 gives the int32 sum itself. 33
  // channels (2 blocks + a 1-channel tail; 16 + 8 + 1 with 25): weights of
  // channel c all of one sign, magnitudes summing to 255 (chunk 9), every x
  // at -128 (zero point 0, so the int16 lanes hold the sums themselves): the
  // interior outputs are -+32640, the int16 extreme the bound allows. With 9
  // weights of 29 (sum 261, chunk 8) the interior sums (-+33408) leave
  // int16: an acc16 kernel then wraps (to +-32128), which is why dispatch
  // never gives it such a layer.
  for (size_t ch : {25, 33}) {
    INFO("channels " << ch);
    const size_t h = 4, w = 5;
    const qrt_conv2d_params p = dw_params(h, w, ch, 0);
    const std::vector<int8_t> x(h * w * ch, -128);
    const std::vector<int32_t> bias(ch, 0);
    const std::vector<float> ones(ch, 1.0f);
    const qrt_dequant_f32_params dq{ones.data(), -1e30f, 1e30f};
    const qrt_gemm_s8_epilogue e = qrt_gemm_s8_epilogue_f32(-1e30f, 1e30f);
    for (int wrap = 0; wrap < 2; wrap++) {
      INFO((wrap ? "weights 9 x 29 (chunk 8)" : "weights summing to 255 (chunk 9)"));
      std::vector<int8_t> wt(ch * 9);
      for (size_t c = 0; c < ch; c++) {
        const int8_t sign = c % 2 ? -1 : 1;
        for (size_t j = 0; j < 9; j++)
          wt[c * 9 + j] = int8_t(sign * (wrap ? 29 : j == c % 9 ? 127 : 16));  // 127 + 8 * 16
      }
      const size_t chunk = qrt_int16_chunk(wt.data(), ch, 9, -128, 127);
      REQUIRE(chunk == (wrap ? 8u : 9u));
      std::vector<float> expected(h * w * ch);
      qrt_conv2d_s8_f32__ref(&p, x.data(), wt.data(), bias.data(), &dq, expected.data());
      const float interior = expected[(1 * w + 1) * ch];
      CHECK(interior == (wrap ? -33408.0f : -32640.0f));
      std::vector<uint8_t> packed(qrt_dwconv3x3_s8_packed_size(ch));
      qrt_dwconv3x3_s8_pack_weights(ch, wt.data(), bias.data(), ones.data(), 0,
                                    packed.data());
      for (const auto& row : qrt_test::runnable_dwconv_rows()) {
        INFO(row.name);
        std::vector<float> y(expected.size(), -1234.5f);
        row.fn(&p, x.data(), packed.data(), &e, y.data());
        if (qrt_test::dwconv_row_exact(row, chunk)) {
          CHECK(std::memcmp(y.data(), expected.data(), y.size() * sizeof(float)) == 0);
        } else {
          // acc16 on a chunk-8 layer: every interior output wraps in int16.
          CHECK(y[(1 * w + 1) * ch] == 32128.0f);
          CHECK(y[(1 * w + 1) * ch + 1] == -32128.0f);
          for (size_t oy = 1; oy + 1 < h; oy++)
            for (size_t ox = 1; ox + 1 < w; ox++)
              for (size_t c = 0; c < ch; c++) {
                const size_t i = (oy * w + ox) * ch + c;
                CHECK(y[i] == expected[i] + (c % 2 ? -65536.0f : 65536.0f));
              }
        }
      }
    }
  }
}

TEST_CASE("fully_connected via qrt_gemm_s8 equals the reference", "[fc][gemm]") {
  qrt_test::Rng rng(11);
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    INFO(row.name);
    for (size_t ic : {1, 10, 64, 1001}) {
      const size_t batch = 3, oc = 13;
      const qrt_fully_connected_params p{batch, ic, oc, -37};
      const std::vector<int8_t> x = rng.int8s(batch * ic), w = rng.int8s(oc * ic, -127, 127);
      std::vector<int32_t> bias(oc);
      for (auto& b : bias) b = rng.uniform_int(-5000, 5000);
      std::vector<float> m(oc);
      for (auto& v : m) v = rng.uniform_float(0.5f, 2.0f) / (float(ic) * 300.0f);
      const qrt_requant_s8_params rq{m.data(), -4, -120, 110};
      std::vector<int8_t> expected(batch * oc), y(batch * oc);
      qrt_fully_connected_s8__ref(&p, x.data(), w.data(), bias.data(), &rq, expected.data());
      const qrt_gemm_s8_ukernel& uk = row.ukernel;
      std::vector<uint8_t> packed(qrt_gemm_s8_packed_size(&uk, oc, ic));
      qrt_gemm_s8_pack_weights(&uk, oc, ic, w.data(), bias.data(), m.data(),
                               p.input_zero_point, packed.data());
      const size_t chunk = qrt_int16_chunk(w.data(), oc, ic, -128, 127);
      const qrt_gemm_s8_epilogue e = qrt_gemm_s8_epilogue_s8(-4, -120, 110);
      qrt_gemm_s8(&uk, batch, oc, ic, x.data(), ic, packed.data(), y.data(), oc, &e, chunk);
      CHECK(y == expected);
      // Dequantizing epilogue, RELU.
      const qrt_dequant_f32_params dq{m.data(), 0.0f, INFINITY};
      std::vector<float> expected_f(batch * oc), yf(batch * oc);
      qrt_fully_connected_s8_f32__ref(&p, x.data(), w.data(), bias.data(), &dq, expected_f.data());
      const qrt_gemm_s8_epilogue ef = qrt_gemm_s8_epilogue_f32(0.0f, INFINITY);
      qrt_gemm_s8(&uk, batch, oc, ic, x.data(), ic, packed.data(), yf.data(), oc, &ef, chunk);
      CHECK(yf == expected_f);
    }
  }
}
