// Conv layer benchmarks: each shape (MobileNetV2 and ResNet50 layers at 224,
// MnasNet / EfficientNet 5x5 depthwise, ShuffleNetV1 / RegNetX grouped)
// through every runnable qrt GEMM / depthwise (3x3, KxK) kernel row, the reference
// kernel, and XNNPACK's qc8 convolution, all on the same data. The "OPS"
// counter is 2 * MACs per second. Elementwise / pooling ops (ops/...):
// every runnable op table (qrt_select_op_kernels), "ELEMS" = output
// elements per second. --benchmark_filter picks shapes/kernels.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "qrt/kernels/dispatch.h"
#include "qrt/kernels/dwconv.h"
#include "qrt/kernels/gemm.h"
#include "qrt/kernels/ref.h"
#ifdef QRT_BENCH_HAVE_XNNPACK
#include <xnnpack.h>
#endif

namespace {

struct Shape {
  const char* name;
  size_t h, w, ic, oc, k, stride, pad;
  bool depthwise;
  size_t groups = 1;  // grouped (not depthwise) layers
};

// Input size, channels, kernel, stride, padding of real layers.
const Shape kShapes[] = {
    {"mbv2_conv0_3x3s2", 224, 224, 3, 32, 3, 2, 1, false},
    {"mbv2_expand_56x56_24x144", 56, 56, 24, 144, 1, 1, 0, false},
    {"mbv2_project_28x28_192x32", 28, 28, 192, 32, 1, 1, 0, false},
    {"mbv2_project_7x7_960x320", 7, 7, 960, 320, 1, 1, 0, false},
    {"mbv2_dw_112x112x96_s2", 112, 112, 96, 96, 3, 2, 1, true},
    {"mbv2_dw_56x56x144_s1", 56, 56, 144, 144, 3, 1, 1, true},
    {"mbv2_dw_14x14x576_s1", 14, 14, 576, 576, 3, 1, 1, true},
    {"resnet50_1x1_56x56_64x256", 56, 56, 64, 256, 1, 1, 0, false},
    {"resnet50_3x3_56x56_64x64", 56, 56, 64, 64, 3, 1, 1, false},
    {"resnet50_3x3_14x14_256x256", 14, 14, 256, 256, 3, 1, 1, false},
    {"resnet50_1x1_7x7_2048x512", 7, 7, 2048, 512, 1, 1, 0, false},
    {"mnasnet_dw5x5_28x28x120_s1", 28, 28, 120, 120, 5, 1, 2, true},
    {"effnetb0_dw5x5_56x56x144_s2", 56, 56, 144, 144, 5, 2, 2, true},
    {"effnetb0_dw5x5_14x14x672_s1", 14, 14, 672, 672, 5, 1, 2, true},
    {"shufflenetv1_g3_1x1_28x28_240x60", 28, 28, 240, 60, 1, 1, 0, false, 3},
    {"regnetx400mf_g4_3x3_28x28_64", 28, 28, 64, 64, 3, 1, 1, false, 4},
    {"regnetx400mf_g10_3x3_14x14_160", 14, 14, 160, 160, 3, 1, 1, false, 10},
};

struct Layer {
  qrt_conv2d_params p{};
  std::vector<int8_t> x, w, y;
  std::vector<int32_t> bias;
  std::vector<float> m;
  size_t macs = 0;

  explicit Layer(const Shape& s) {
    p.batch = 1;
    p.input_height = s.h; p.input_width = s.w; p.input_channels = s.ic;
    p.output_channels = s.oc;
    p.kernel_height = p.kernel_width = s.k;
    p.stride_height = p.stride_width = s.stride;
    p.dilation_height = p.dilation_width = 1;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = s.pad;
    p.groups = s.depthwise ? s.ic : s.groups;
    p.input_zero_point = -5;
    p.output_height = qrt_conv_output_size(s.h, s.k, s.stride, 1, s.pad, s.pad);
    p.output_width = qrt_conv_output_size(s.w, s.k, s.stride, 1, s.pad, s.pad);
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> d(-127, 127);
    x.resize(s.h * s.w * s.ic);
    for (auto& v : x) v = int8_t(d(rng));
    const size_t kin = s.depthwise ? 1 : s.ic / s.groups;
    w.resize(s.oc * s.k * s.k * kin);
    for (auto& v : w) v = int8_t(d(rng) / 4);
    bias.assign(s.oc, 100);
    m.assign(s.oc, 1.0f / 4096.0f);
    y.resize(p.output_height * p.output_width * s.oc);
    macs = p.output_height * p.output_width * s.oc * s.k * s.k * kin;
  }
  qrt_requant_s8_params requant() const { return {m.data(), 0, -128, 127}; }
};

void report(benchmark::State& state, const Layer& l) {
  state.counters["OPS"] = benchmark::Counter(
      2.0 * double(l.macs) * double(state.iterations()), benchmark::Counter::kIsRate);
}

void bench_ref(benchmark::State& state, const Shape& s) {
  Layer l(s);
  const qrt_requant_s8_params rq = l.requant();
  for (auto _ : state)
    qrt_conv2d_s8__ref(&l.p, l.x.data(), l.w.data(), l.bias.data(), &rq, l.y.data());
  report(state, l);
}

void bench_gemm(benchmark::State& state, const Shape& s, const qrt_gemm_s8_kernel* k) {
  Layer l(s);
  const qrt_gemm_s8_ukernel& uk = k->ukernel;
  const size_t kk = s.k * s.k * s.ic / s.groups;
  std::vector<uint8_t> packed(qrt_conv2d_s8_gemm_packed_size(&uk, s.groups, s.oc, kk));
  qrt_conv2d_s8_gemm_pack_weights(&uk, s.groups, s.oc, kk, l.w.data(), l.bias.data(),
                                  l.m.data(), l.p.input_zero_point, packed.data());
  std::vector<int8_t> scratch(qrt_conv2d_s8_gemm_scratch_size(&l.p, &uk));
  const qrt_gemm_s8_epilogue e = qrt_gemm_s8_epilogue_s8(0, -128, 127);
  // Weights are in [-31, 31]: the acc16 chunk for full-range activations.
  const size_t chunk = 32767 / (128 * 31);
  for (auto _ : state)
    qrt_conv2d_s8_gemm(&uk, &l.p, l.x.data(), packed.data(), &e, chunk, scratch.data(),
                       l.y.data());
  report(state, l);
}

void bench_dwconv(benchmark::State& state, const Shape& s, const qrt_dwconv3x3_s8_kernel* k) {
  Layer l(s);
  std::vector<uint8_t> packed(qrt_dwconv3x3_s8_packed_size(s.ic));
  qrt_dwconv3x3_s8_pack_weights(s.ic, l.w.data(), l.bias.data(), l.m.data(),
                                l.p.input_zero_point, packed.data());
  const qrt_gemm_s8_epilogue e = qrt_gemm_s8_epilogue_s8(0, -128, 127);
  for (auto _ : state) k->fn(&l.p, l.x.data(), packed.data(), &e, l.y.data());
  report(state, l);
}

void bench_dwconvk(benchmark::State& state, const Shape& s, const qrt_dwconv_s8_kernel* k) {
  Layer l(s);
  std::vector<uint8_t> packed(qrt_dwconv_s8_packed_size(s.ic, s.k, s.k));
  qrt_dwconv_s8_pack_weights(s.ic, s.k, s.k, l.w.data(), l.bias.data(), l.m.data(),
                             l.p.input_zero_point, packed.data());
  const qrt_gemm_s8_epilogue e = qrt_gemm_s8_epilogue_s8(0, -128, 127);
  // Weights are in [-31, 31]: the acc16 chunk for full-range activations
  // (8: one 5x5 kernel row per int16 block).
  const size_t chunk = 32767 / (128 * 31);
  for (auto _ : state) k->fn(&l.p, l.x.data(), packed.data(), &e, chunk, l.y.data());
  report(state, l);
}

#ifdef QRT_BENCH_HAVE_XNNPACK
void bench_xnnpack(benchmark::State& state, const Shape& s) {
  Layer l(s);
  const qrt_conv2d_params& p = l.p;
  std::vector<int8_t> w = l.w;
  if (s.depthwise) {  // OHWI [C,K,K,1] -> HWGo [K,K,C]
    const size_t taps = s.k * s.k;
    for (size_t o = 0; o < s.oc; o++)
      for (size_t t = 0; t < taps; t++) w[t * s.oc + o] = l.w[o * taps + t];
  }
  xnn_operator_t op = nullptr;
  if (xnn_initialize(nullptr) != xnn_status_success ||
      xnn_create_convolution2d_nhwc_qc8(
          p.pad_top, p.pad_right, p.pad_bottom, p.pad_left, p.kernel_height,
          p.kernel_width, p.stride_height, p.stride_width, 1, 1, p.groups,
          p.input_channels / p.groups, p.output_channels / p.groups, p.input_channels,
          p.output_channels, int8_t(p.input_zero_point), 1.0f, l.m.data(), w.data(),
          l.bias.data(), 0, 1.0f, -128, 127,
          s.depthwise ? XNN_FLAG_DEPTHWISE_CONVOLUTION : 0, &op) != xnn_status_success ||
      xnn_setup_convolution2d_nhwc_qc8(op, 1, p.input_height, p.input_width, l.x.data(),
                                       l.y.data(), nullptr) != xnn_status_success) {
    state.SkipWithError("XNNPACK refused the convolution");
    return;
  }
  for (auto _ : state) xnn_run_operator(op, nullptr);
  xnn_delete_operator(op);
  report(state, l);
}
#endif

// Elementwise / pooling ops of one table on MobileNetV2-sized tensors.
constexpr size_t kElems = 56 * 56 * 144;

void bench_quantize(benchmark::State& state, const qrt_op_kernels* t) {
  std::vector<float> x(kElems);
  std::mt19937 rng(1);
  for (auto& v : x) v = std::uniform_real_distribution<float>(-10.0f, 10.0f)(rng);
  std::vector<int8_t> y(kElems);
  for (auto _ : state) t->quantize_f32_s8.fn(kElems, x.data(), 12.5f, 3, -128, 127, y.data());
  state.counters["ELEMS"] = benchmark::Counter(double(kElems), benchmark::Counter::kIsIterationInvariantRate);
}

void bench_dequantize(benchmark::State& state, const qrt_op_kernels* t) {
  std::vector<int8_t> x(kElems, 7);
  std::vector<float> y(kElems);
  for (auto _ : state) t->dequantize_s8_f32.fn(kElems, x.data(), 0.05f, 3, y.data());
  state.counters["ELEMS"] = benchmark::Counter(double(kElems), benchmark::Counter::kIsIterationInvariantRate);
}

void bench_add(benchmark::State& state, const qrt_op_kernels* t) {
  std::vector<float> a(kElems, 1.5f), b(kElems, -0.25f), y(kElems);
  for (auto _ : state) t->add_f32.fn(kElems, a.data(), b.data(), 0.0f, 6.0f, y.data());
  state.counters["ELEMS"] = benchmark::Counter(double(kElems), benchmark::Counter::kIsIterationInvariantRate);
}

void bench_maxpool(benchmark::State& state, const qrt_op_kernels* t) {
  qrt_pool2d_params p{};
  p.batch = 1; p.input_height = p.input_width = 112; p.channels = 64;
  p.kernel_height = p.kernel_width = 3; p.stride_height = p.stride_width = 2;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
  p.output_height = p.output_width = 56;
  std::vector<int8_t> x(112 * 112 * 64, 5), y(56 * 56 * 64);
  for (auto _ : state) t->maxpool2d_s8.fn(&p, x.data(), -128, 127, y.data());
  state.counters["ELEMS"] = benchmark::Counter(double(y.size()), benchmark::Counter::kIsIterationInvariantRate);
}

void bench_global_avgpool(benchmark::State& state, const qrt_op_kernels* t) {
  const qrt_avgpool_s8_params q{0.05f, 0.04f, -3, 2, -128, 127};
  std::vector<int8_t> x(7 * 7 * 1280, 9), y(1280);
  for (auto _ : state) t->global_avgpool_s8.fn(1, 7, 7, 1280, x.data(), &q, y.data());
  state.counters["ELEMS"] = benchmark::Counter(double(x.size()), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
  const qrt_op_kernels* ops;
  const size_t nops = qrt_op_kernel_tables(&ops);
  for (size_t i = 0; i < nops; i++) {
    if (!qrt_isa_supported(ops[i].isa)) continue;
    const qrt_op_kernels* t = &ops[i];
    benchmark::RegisterBenchmark((std::string("ops/56x56x144/") + t->quantize_f32_s8.name).c_str(), bench_quantize, t);
    benchmark::RegisterBenchmark((std::string("ops/56x56x144/") + t->dequantize_s8_f32.name).c_str(), bench_dequantize, t);
    benchmark::RegisterBenchmark((std::string("ops/56x56x144/") + t->add_f32.name).c_str(), bench_add, t);
    benchmark::RegisterBenchmark((std::string("ops/112x112x64_3x3s2/") + t->maxpool2d_s8.name).c_str(), bench_maxpool, t);
    benchmark::RegisterBenchmark((std::string("ops/7x7x1280/") + t->global_avgpool_s8.name).c_str(), bench_global_avgpool, t);
  }
  const qrt_gemm_s8_kernel* gemm;
  const size_t ngemm = qrt_gemm_s8_kernels(&gemm);
  const qrt_dwconv3x3_s8_kernel* dw;
  const size_t ndw = qrt_dwconv3x3_s8_kernels(&dw);
  const qrt_dwconv_s8_kernel* dk;
  const size_t ndk = qrt_dwconv_s8_kernels(&dk);
  for (const Shape& s : kShapes) {
    const std::string base = s.name;
    benchmark::RegisterBenchmark((base + "/qrt_conv2d_s8__ref").c_str(), bench_ref, s);
    if (s.depthwise && s.k != 3) {
      for (size_t i = 0; i < ndk; i++)
        if (qrt_isa_supported(dk[i].isa))
          benchmark::RegisterBenchmark((base + "/" + dk[i].name).c_str(), bench_dwconvk, s, &dk[i]);
    } else if (s.depthwise) {
      for (size_t i = 0; i < ndw; i++)
        if (qrt_isa_supported(dw[i].isa))
          benchmark::RegisterBenchmark((base + "/" + dw[i].name).c_str(), bench_dwconv, s, &dw[i]);
    } else {
      for (size_t i = 0; i < ngemm; i++)
        if (qrt_isa_supported(gemm[i].isa))
          benchmark::RegisterBenchmark((base + "/" + gemm[i].name).c_str(), bench_gemm, s, &gemm[i]);
    }
#ifdef QRT_BENCH_HAVE_XNNPACK
    benchmark::RegisterBenchmark((base + "/xnn_convolution2d_nhwc_qc8").c_str(), bench_xnnpack, s);
#endif
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
