// Grouped convolution through the GEMM driver (qrt_conv2d_s8_gemm with
// groups > 1: one packed block per group, qrt_conv2d_s8_gemm_pack_weights),
// for every runnable GEMM row, against the naive grouped conv formula
// (ConvTester) and qrt_conv2d_s8__ref: exact equality, s8 and f32
// epilogues. Shapes: ShuffleNet-style grouped 1x1 (in place and strided),
// RegNet / ResNeXt-style grouped 3x3, depthwise with a channel multiplier
// (1 input channel per group), group widths that are not multiples of the
// tiles, batch > 1 and padding on every side.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "conv_tester.h"
#include "kernel_rows.h"
#include "qrt/kernels/accumulation.h"
#include "qrt/kernels/gemm.h"

using qrt_test::ConvTester;

namespace {

const qrt_gemm_s8_kernel* g_gemm = nullptr;
size_t g_ran = 0;

template <typename Out>
void grouped(const qrt_conv2d_params* p, const int8_t* x, const int8_t* w, const int32_t* bias,
             const float* scales, const qrt_gemm_s8_epilogue& e, Out* y) {
  const qrt_gemm_s8_ukernel& uk = g_gemm->ukernel;
  const size_t n = p->output_channels, groups = p->groups;
  const size_t k = p->kernel_height * p->kernel_width * (p->input_channels / groups);
  std::vector<uint8_t> packed(qrt_conv2d_s8_gemm_packed_size(&uk, groups, n, k));
  qrt_conv2d_s8_gemm_pack_weights(&uk, groups, n, k, w, bias, scales, p->input_zero_point,
                                  packed.data());
  // Scratch exactly as large as the driver asks (ASan / guard bytes).
  const size_t scratch_size = qrt_conv2d_s8_gemm_scratch_size(p, &uk);
  std::vector<int8_t> scratch(scratch_size + 64, 0x33);
  // The bound of the kernel's int16_stride, as the runtime passes it.
  const qrt_int16_bounds b = qrt_int16_layer_bounds(
      w, n, k, -128, 127, qrt_int16_chunk(w, n, k, -128, 127));
  const size_t chunk = qrt_gemm_s8_kernel_int16_chunk(g_gemm, &b);
  qrt_conv2d_s8_gemm(&uk, p, x, packed.data(), &e, chunk, scratch.data(), y);
  for (size_t i = scratch_size; i < scratch.size(); i++) REQUIRE(scratch[i] == 0x33);
  g_ran++;
}

void grouped_s8(const qrt_conv2d_params* p, const int8_t* x, const int8_t* w,
                const int32_t* bias, const qrt_requant_s8_params* rq, int8_t* y) {
  grouped(p, x, w, bias, rq->multipliers,
          qrt_gemm_s8_epilogue_s8(rq->output_zero_point, rq->output_min, rq->output_max), y);
}

void grouped_f32(const qrt_conv2d_params* p, const int8_t* x, const int8_t* w,
                 const int32_t* bias, const qrt_dequant_f32_params* dq, float* y) {
  grouped(p, x, w, bias, dq->scales, qrt_gemm_s8_epilogue_f32(dq->output_min, dq->output_max),
          y);
}

}  // namespace

TEST_CASE("grouped conv via GEMM: 1x1, 3x3, channel multiplier", "[conv][gemm][grouped]") {
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    g_gemm = &row;
    INFO(row.name);
    const int bits = row.accumulator == QRT_ACCUMULATOR_INT16 ? 6 : 8;
    // ShuffleNetV1-style grouped 1x1, in place (stride 1, no padding).
    for (size_t groups : {2, 3, 4, 8})
      ConvTester().input_size(5, 7).kernel_size(1, 1).groups(groups).group_input_channels(12)
          .group_output_channels(20).input_zero_point(-9).weight_bits(bits)
          .test_s8(grouped_s8);
    ConvTester().batch(2).input_size(3, 3).kernel_size(1, 1).groups(3).group_input_channels(5)
        .group_output_channels(7).input_zero_point(11).weight_bits(bits).test_s8(grouped_s8);
    // Grouped 1x1 stride 2 (im2col of one tap).
    ConvTester().input_size(6, 5).kernel_size(1, 1).stride(2).groups(4)
        .group_input_channels(8).group_output_channels(8).weight_bits(bits).test_s8(grouped_s8);
    // RegNet / ResNeXt grouped 3x3, group widths 8, 16, 24 and odd ones.
    for (size_t width : {1, 3, 8, 16, 17, 24})
      for (size_t stride : {1, 2}) {
        INFO("group width " << width << " stride " << stride);
        ConvTester().input_size(7, 6).kernel_size(3, 3).stride(stride).padding(1).groups(3)
            .group_input_channels(width).group_output_channels(width).input_zero_point(25)
            .weight_bits(bits).test_s8(grouped_s8);
      }
    ConvTester().batch(2).input_size(9, 8).kernel_size(5, 3).padding(2, 1, 0, 3).dilation(2, 1)
        .groups(2).group_input_channels(4).group_output_channels(9).input_zero_point(-128)
        .output_zero_point(5).qmin(-100).qmax(90).weight_bits(bits).test_s8(grouped_s8);
    // Depthwise with a channel multiplier (1 input channel per group).
    for (size_t mult : {2, 3, 4})
      ConvTester().input_size(6, 7).kernel_size(3, 3).stride(2).padding(1).groups(10)
          .group_input_channels(1).group_output_channels(mult).input_zero_point(-3)
          .weight_bits(bits).test_s8(grouped_s8);
    ConvTester().input_size(5, 5).kernel_size(3, 3).padding(1).groups(4).group_input_channels(6)
        .group_output_channels(10).input_zero_point(3).activation(QRT_ACTIVATION_RELU6)
        .weight_bits(bits).test_f32(grouped_f32);
    ConvTester().input_size(4, 4).kernel_size(1, 1).groups(2).group_input_channels(6)
        .group_output_channels(10).activation(QRT_ACTIVATION_RELU).weight_bits(bits)
        .test_f32(grouped_f32);
  }
  CHECK(g_ran > 0);
}

TEST_CASE("grouped conv via GEMM: groups == 1 layout is the plain GEMM's", "[conv][gemm][grouped]") {
  // qrt_conv2d_s8_gemm_pack_weights with one group writes exactly
  // qrt_gemm_s8_pack_weights' bytes (the runtime packs every conv with it).
  qrt_test::Rng rng(5);
  const size_t n = 19, k = 27;
  std::vector<int8_t> w = rng.int8s(n * k);
  std::vector<int32_t> bias(n, 3);
  std::vector<float> s(n, 0.25f);
  for (const auto& row : qrt_test::runnable_gemm_rows()) {
    INFO(row.name);
    const size_t size = qrt_gemm_s8_packed_size(&row.ukernel, n, k);
    REQUIRE(qrt_conv2d_s8_gemm_packed_size(&row.ukernel, 1, n, k) == size);
    std::vector<uint8_t> a(size), b(size);
    qrt_gemm_s8_pack_weights(&row.ukernel, n, k, w.data(), bias.data(), s.data(), 7, a.data());
    qrt_conv2d_s8_gemm_pack_weights(&row.ukernel, 1, n, k, w.data(), bias.data(), s.data(), 7,
                                    b.data());
    CHECK(a == b);
  }
}
