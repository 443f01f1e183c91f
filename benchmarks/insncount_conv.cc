// qrt_kernels_insncount conv: one convolution layer through one
// implementation, REPS times, for counting guest instructions under qemu
// (docs/performance.md, "Depthwise KxK and grouped convolution"):
//   conv IMPL H W C OC K STRIDE GROUPS [REPS (1) [INT16_CHUNK]]
// padding K / 2 on every side, batch 1, NHWC int8, OHWI weights, int8
// output. IMPL:
//   a depthwise KxK row (qrt_dwconv_s8_*: groups == C == OC),
//   a GEMM row (qrt_gemm_s8_*: qrt_conv2d_s8_gemm, one GEMM per group),
//   auto     the kernel the runtime picks for an INT32 layer on this CPU,
//   ref      qrt_conv2d_s8__ref,
//   xnnpack  XNNPACK's xnn_create_convolution2d_nhwc_qc8 (built with it).
// Whole call = count(REPS 2) - count(REPS 1): setup and packing cancel.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "qrt/kernels/accumulation.h"
#include "qrt/kernels/dispatch.h"
#include "qrt/kernels/ref.h"
#if defined(QRT_BENCH_HAVE_XNNPACK)
#include <xnnpack.h>
#endif

int run_conv(int argc, char** argv) {
  if (argc < 10) {
    std::fprintf(stderr, "usage: %s conv IMPL H W C OC K STRIDE GROUPS [REPS [CHUNK]]\n",
                 argv[0]);
    return 2;
  }
  const std::string impl = argv[2];
  size_t v[7];
  for (int i = 0; i < 7; i++) v[i] = std::strtoul(argv[3 + i], nullptr, 10);
  const size_t reps = argc > 10 ? std::strtoul(argv[10], nullptr, 10) : 1;
  qrt_conv2d_params p{};
  p.batch = 1; p.input_height = v[0]; p.input_width = v[1];
  p.input_channels = v[2]; p.output_channels = v[3];
  p.kernel_height = p.kernel_width = v[4];
  p.stride_height = p.stride_width = v[5];
  p.dilation_height = p.dilation_width = 1;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = v[4] / 2;
  p.groups = v[6];
  if (p.groups == 0 || p.input_channels % p.groups || p.output_channels % p.groups) {
    std::fprintf(stderr, "channels must be multiples of groups\n");
    return 2;
  }
  p.output_height = qrt_conv_output_size(p.input_height, v[4], v[5], 1, v[4] / 2, v[4] / 2);
  p.output_width = qrt_conv_output_size(p.input_width, v[4], v[5], 1, v[4] / 2, v[4] / 2);
  p.input_zero_point = 3;
  const size_t gic = p.input_channels / p.groups, taps = v[4] * v[4];
  const size_t k = taps * gic, oc = p.output_channels;
  std::vector<int8_t> x(p.input_height * p.input_width * p.input_channels);
  for (size_t i = 0; i < x.size(); i++) x[i] = int8_t(int(i * 37 % 251) - 125);
  std::vector<int8_t> w(oc * k);  // 4-bit magnitudes: any chunk up to 36 is valid
  for (size_t i = 0; i < w.size(); i++) w[i] = int8_t(int(i * 11 % 15) - 7);
  std::vector<int32_t> bias(oc);
  for (size_t i = 0; i < oc; i++) bias[i] = int32_t(i * 97 % 2001) - 1000;
  std::vector<float> scale(oc, 0.0007f);
  const size_t chunk = argc > 11 ? std::strtoul(argv[11], nullptr, 10)
                                 : qrt_int16_chunk(w.data(), oc, k, -128, 127);
  std::vector<int8_t> y(p.output_height * p.output_width * oc);
  const qrt_gemm_s8_epilogue e = qrt_gemm_s8_epilogue_s8(-2, -128, 127);
  const size_t macs = p.output_height * p.output_width * oc * k;
  std::string name = impl;

  if (impl == "ref") {
    const qrt_requant_s8_params rq{scale.data(), -2, -128, 127};
    for (size_t r = 0; r < reps; r++)
      qrt_conv2d_s8__ref(&p, x.data(), w.data(), bias.data(), &rq, y.data());
  } else if (impl == "xnnpack") {
#if defined(QRT_BENCH_HAVE_XNNPACK)
    if (xnn_initialize(nullptr) != xnn_status_success) return 1;
    xnn_operator_t op = nullptr;
    if (xnn_create_convolution2d_nhwc_qc8(
            p.pad_top, p.pad_right, p.pad_bottom, p.pad_left, p.kernel_height, p.kernel_width,
            p.stride_height, p.stride_width, 1, 1, p.groups, gic, oc / p.groups,
            p.input_channels, oc, int8_t(p.input_zero_point), 1.0f, scale.data(), w.data(),
            bias.data(), -2, 1.0f, -128, 127, 0, &op) != xnn_status_success ||
        xnn_setup_convolution2d_nhwc_qc8(op, 1, p.input_height, p.input_width, x.data(),
                                         y.data(), nullptr) != xnn_status_success) {
      std::fprintf(stderr, "xnnpack: cannot create the convolution\n");
      return 1;
    }
    for (size_t r = 0; r < reps; r++) xnn_run_operator(op, nullptr);
    xnn_delete_operator(op);
#else
    std::fprintf(stderr, "built without XNNPACK\n");
    return 4;
#endif
  } else {
    const bool depthwise = p.groups == p.input_channels && p.groups == oc && p.groups > 1;
    const qrt_dwconv_s8_kernel* dk = nullptr;
    const qrt_gemm_s8_kernel* gk = nullptr;
    char err[128];
    if (impl == "auto") {
      if (depthwise) {
        if (qrt_select_dwconv_s8_for_layer(QRT_ACCUMULATOR_INT32, v[4], 0, &dk, err, sizeof err))
          return 1;
      } else if (qrt_select_gemm_s8_for_layer(QRT_ACCUMULATOR_INT32, oc / p.groups, k, nullptr,
                                              &gk, err, sizeof err)) {
        return 1;
      }
    } else {
      const qrt_dwconv_s8_kernel* drows;
      for (size_t i = 0, n = qrt_dwconv_s8_kernels(&drows); i < n; i++)
        if (impl == drows[i].name) dk = &drows[i];
      const qrt_gemm_s8_kernel* grows;
      for (size_t i = 0, n = qrt_gemm_s8_kernels(&grows); i < n; i++)
        if (impl == grows[i].name) gk = &grows[i];
    }
    if (dk != nullptr && depthwise) {
      name = dk->name;
      std::vector<uint8_t> packed(qrt_dwconv_s8_packed_size(oc, v[4], v[4]));
      qrt_dwconv_s8_pack_weights(oc, v[4], v[4], w.data(), bias.data(), scale.data(),
                                 p.input_zero_point, packed.data());
      for (size_t r = 0; r < reps; r++) dk->fn(&p, x.data(), packed.data(), &e, chunk, y.data());
    } else if (gk != nullptr) {
      name = gk->name;
      const qrt_gemm_s8_ukernel& uk = gk->ukernel;
      std::vector<uint8_t> packed(qrt_conv2d_s8_gemm_packed_size(&uk, p.groups, oc, k));
      qrt_conv2d_s8_gemm_pack_weights(&uk, p.groups, oc, k, w.data(), bias.data(), scale.data(),
                                      p.input_zero_point, packed.data());
      std::vector<int8_t> scratch(qrt_conv2d_s8_gemm_scratch_size(&p, &uk) + 1);
      for (size_t r = 0; r < reps; r++)
        qrt_conv2d_s8_gemm(&uk, &p, x.data(), packed.data(), &e, chunk, scratch.data(),
                           y.data());
    } else {
      std::fprintf(stderr, "unknown or unsuitable implementation '%s'\n", impl.c_str());
      return 1;
    }
  }
  unsigned sum = 0;
  for (int8_t b : y) sum = sum * 31 + (uint8_t)b;
  std::printf("%s H=%zu W=%zu C=%zu OC=%zu K=%zu stride=%zu groups=%zu reps=%zu MACs=%zu "
              "output_hash=%08x\n",
              name.c_str(), v[0], v[1], v[2], v[3], v[4], v[5], v[6], reps, macs, sum);
  return 0;
}
