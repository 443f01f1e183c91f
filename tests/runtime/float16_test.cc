// fp16 residual adds (qrt_session_options.float_adds): which tensors become
// fp16, each op's fp16 result against the reference kernels of
// qrt/kernels/fp16.h (read back with keep_all_tensors), identical results on
// every kernel path and thread count, the arena shrinking, option checks.
#include <cmath>
#include <cstdlib>
#include <limits>

#include "qrt/kernels/dispatch.h"
#include "qrt/kernels/fp16.h"
#include "test_util.h"

using namespace qrt_test;
using qrt::schema::OpType;

namespace {

struct Residual {
  std::vector<uint8_t> file;
  int x, xf, c1, c2f, s1, q1, c3f, out;
};

// x -> DEQUANTIZE -> xf ----------------------.
// x -> conv c1 (S8) -> conv c2f (F32 epilogue) -> ADD+RELU s1 -> QUANTIZE q1
//   -> conv c3f (F32) -> ADD(s1, c3f) -> out (model output, F32)
Residual ResidualModel() {
  Residual r;
  ModelBuilder b;
  const float s = 0.05f;
  auto conv = [&](const char* name, int in, int out, uint32_t seed) {
    int w = b.WeightsS8(std::string(name) + ".w", {8, 3, 3, 8},
                        RandomS8(8 * 9 * 8, -127, 127, seed), {0.02f});
    ConvOpts o;
    o.pad = 1;
    b.Conv2D(name, in, w, -1, out, o);
  };
  r.x = b.Activation("x", DType::S8, {1, 8, 8, 8}, s);
  r.xf = b.FloatActivation("xf", {1, 8, 8, 8});
  r.c1 = b.Activation("c1", DType::S8, {1, 8, 8, 8}, s);
  r.c2f = b.FloatActivation("c2f", {1, 8, 8, 8});
  r.s1 = b.FloatActivation("s1", {1, 8, 8, 8});
  r.q1 = b.Activation("q1", DType::S8, {1, 8, 8, 8}, s);
  r.c3f = b.FloatActivation("c3f", {1, 8, 8, 8});
  r.out = b.FloatActivation("out", {1, 8, 8, 8});
  b.Simple(OpType::DEQUANTIZE, "dq", r.x, r.xf);
  conv("c1", r.x, r.c1, 1);
  conv("c2f", r.c1, r.c2f, 2);
  b.Add("add1", r.xf, r.c2f, r.s1, Activation::RELU);
  b.Simple(OpType::QUANTIZE, "q", r.s1, r.q1);
  conv("c3f", r.q1, r.c3f, 3);
  b.Add("add2", r.s1, r.c3f, r.out);
  b.Inputs({r.x}).Outputs({r.out});
  r.file = b.Build();
  return r;
}

std::vector<float> Input(size_t n, uint32_t seed) {
  return Dequant(RandomInts(n, -127, 127, seed), 0.05f, 0);
}

std::vector<uint16_t> Round16(const std::vector<float>& f) {
  std::vector<uint16_t> h(f.size());
  qrt_convert_f32_f16__ref(f.size(), f.data(), h.data());
  return h;
}

std::vector<uint32_t> Bits(const std::vector<float>& f) {
  std::vector<uint32_t> u(f.size());
  memcpy(u.data(), f.data(), f.size() * 4);
  return u;
}

// Output bits of `file` with QRT_KERNEL_PATH=path ("" = unset).
std::vector<uint32_t> RunPath(const std::vector<uint8_t>& file, const char* path,
                              int threads, const std::vector<std::vector<float>>& inputs) {
  if (*path) setenv("QRT_KERNEL_PATH", path, 1);
  Runner r(file, false, threads, QRT_FLOAT_ADDS_F16);
  unsetenv("QRT_KERNEL_PATH");
  for (size_t i = 0; i < inputs.size(); ++i) r.SetInput(i, inputs[i]);
  r.Run();
  return Bits(r.Output(0));
}

std::vector<const char*> Paths() {
  std::vector<const char*> p = {"", "ref"};
  if (qrt_isa_supported(QRT_ISA_NEON)) p.push_back("neon");
  if (qrt_isa_supported(QRT_ISA_NEONDOT)) p.push_back("neondot");
  if (qrt_isa_supported(QRT_ISA_I8MM)) p.push_back("i8mm");
  return p;
}

}  // namespace

TEST_CASE("float adds F16: residual tensors are fp16, each op follows the reference", "[runtime][fp16]") {
  const Residual m = ResidualModel();
  const std::vector<float> x = Input(8 * 8 * 8, 5);
  Runner r32(m.file, true, 1, QRT_FLOAT_ADDS_F32);
  Runner r16(m.file, true, 1, QRT_FLOAT_ADDS_F16);
  size_t n16 = 7;
  CHECK(r32.session.float_adds(&n16) == QRT_FLOAT_ADDS_F32);
  CHECK(n16 == 0);
  CHECK(r16.session.float_adds(&n16) == QRT_FLOAT_ADDS_F16);
  CHECK(n16 == 4);  // xf, c2f, s1, c3f; the model output stays F32
  for (int t : {m.xf, m.c2f, m.s1, m.c3f, m.out}) {
    qrt_tensor_info info;
    REQUIRE(r16.session.tensor_info((size_t)t, &info) == QRT_OK);
    CHECK(info.dtype == (t == m.out ? QRT_DTYPE_F32 : QRT_DTYPE_F16));
    CHECK(info.storage_bytes == (t == m.out ? 4u : 2u) * 512u);
  }
  r32.SetInput(0, x);
  r16.SetInput(0, x);
  r32.Run();
  r16.Run();
  const size_t n = 512;
  const float inf = std::numeric_limits<float>::infinity();
  // DEQUANTIZE: round16((q - zp) * s).
  const std::vector<int8_t> xq = r16.Raw<int8_t>(m.x);
  std::vector<uint16_t> want(n);
  qrt_dequantize_s8_f16__ref(n, xq.data(), 0.05f, 0, want.data());
  CHECK(r16.Raw<uint16_t>(m.xf) == want);
  // The dequantizing conv: the fp32 epilogue, rounded.
  CHECK(r16.Raw<int8_t>(m.c1) == r32.Raw<int8_t>(m.c1));
  CHECK(r16.Raw<uint16_t>(m.c2f) == Round16(r32.Raw<float>(m.c2f)));
  // ADD + RELU in fp16.
  const std::vector<uint16_t> xf = r16.Raw<uint16_t>(m.xf), c2f = r16.Raw<uint16_t>(m.c2f);
  qrt_add_f16__ref(n, xf.data(), c2f.data(), 0.0f, inf, want.data());
  CHECK(r16.Raw<uint16_t>(m.s1) == want);
  // QUANTIZE from fp16.
  const std::vector<uint16_t> s1 = r16.Raw<uint16_t>(m.s1);
  std::vector<int8_t> q(n);
  qrt_quantize_f16_s8__ref(n, s1.data(), 1.0f / 0.05f, 0, -127, 127, q.data());
  CHECK(r16.Raw<int8_t>(m.q1) == q);
  // The last ADD: fp16 sum, widened into the F32 model output.
  const std::vector<uint16_t> c3f = r16.Raw<uint16_t>(m.c3f);
  qrt_add_f16__ref(n, s1.data(), c3f.data(), -inf, inf, want.data());
  std::vector<float> out(n);
  qrt_convert_f16_f32__ref(n, want.data(), out.data());
  CHECK(Bits(r16.Output(0)) == Bits(out));
  // And it is close to the F32 session's: an fp16 rounding of s1 may move
  // a q1 value by one step (0.05), which c3f spreads (|w| <= 127 * 0.02).
  const std::vector<float> y32 = r32.Output(0);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    CHECK(std::fabs(out[i] - y32[i]) <= 0.5f);
    sum += std::fabs(out[i] - y32[i]);
  }
  CHECK(sum / n < 0.02);
}

TEST_CASE("float adds F16: every kernel path and thread count gives the same bits", "[runtime][fp16]") {
  const Residual m = ResidualModel();
  const std::vector<std::vector<float>> in = {Input(8 * 8 * 8, 9)};
  const std::vector<uint32_t> ref = RunPath(m.file, "ref", 1, in);
  for (const char* p : Paths()) {
    for (int threads : {1, 3}) {
      INFO("QRT_KERNEL_PATH=" << p << ", " << threads << " threads");
      CHECK(RunPath(m.file, p, threads, in) == ref);
    }
  }
}

TEST_CASE("float adds F16: a conv in many row bands equals round16 of the fp32 conv", "[runtime][fp16]") {
  // 32 output rows of 32 x 64 fp32 values (8 KiB each): bands of 2 rows.
  ModelBuilder b;
  const int x = b.Activation("x", DType::S8, {1, 64, 64, 8}, 0.05f);
  const int y = b.Activation("y", DType::S8, {1, 32, 32, 64}, 0.05f);
  const int yf = b.FloatActivation("yf", {1, 32, 32, 64});
  const int cf = b.FloatActivation("cf", {1, 32, 32, 64});
  const int sum = b.FloatActivation("sum", {1, 32, 32, 64});
  const int w = b.WeightsS8("w", {64, 3, 3, 8}, RandomS8(64 * 9 * 8, -127, 127, 4), {0.01f});
  ConvOpts o;
  o.stride = 2;
  o.pads[0] = 0, o.pads[1] = 1, o.pads[2] = 1, o.pads[3] = 0;
  b.Conv2D("conv", x, w, -1, cf, o);
  b.Simple(OpType::DEQUANTIZE, "dq", y, yf);
  b.Add("add", cf, yf, sum, Activation::RELU);
  b.Inputs({x, y}).Outputs({sum});
  const std::vector<uint8_t> file = b.Build();
  const std::vector<std::vector<float>> in = {Input(64 * 64 * 8, 1), Input(32 * 32 * 64, 2)};
  Runner r32(file, true, 1, QRT_FLOAT_ADDS_F32);
  r32.SetInput(0, in[0]);
  r32.SetInput(1, in[1]);
  r32.Run();
  const std::vector<uint16_t> want = Round16(r32.Raw<float>(cf));
  std::vector<uint32_t> first;
  for (const char* p : Paths()) {
    for (int threads : {1, 3}) {
      INFO("QRT_KERNEL_PATH=" << p << ", " << threads << " threads");
      if (*p) setenv("QRT_KERNEL_PATH", p, 1);
      Runner r16(file, true, threads, QRT_FLOAT_ADDS_F16);
      unsetenv("QRT_KERNEL_PATH");
      r16.SetInput(0, in[0]);
      r16.SetInput(1, in[1]);
      r16.Run();
      CHECK(r16.Raw<uint16_t>(cf) == want);
      const std::vector<uint32_t> out = Bits(r16.Output(0));
      if (first.empty()) first = out;
      CHECK(out == first);
    }
  }
}

TEST_CASE("float adds F16: depthwise 5x5 and grouped convs run their packed kernels in bands",
          "[runtime][fp16]") {
  // An fp16-output conv computes each row band with the F32 session's kernel
  // (float16.cc): the KxK depthwise kernel, the GEMM per group.
  const bool depthwise = GENERATE(true, false);
  ModelBuilder b;
  const int x = b.Activation("x", DType::S8, {1, 20, 20, 32}, 0.05f);
  const int y = b.Activation("y", DType::S8, {1, 20, 20, 32}, 0.05f);
  const int yf = b.FloatActivation("yf", {1, 20, 20, 32});
  const int cf = b.FloatActivation("cf", {1, 20, 20, 32});
  const int sum = b.FloatActivation("sum", {1, 20, 20, 32});
  const int k = depthwise ? 5 : 3, cin = depthwise ? 1 : 8;
  const int w = b.WeightsS8("w", {32, k, k, cin}, RandomS8((size_t)32 * k * k * cin, -127, 127, 6),
                            {0.01f});
  ConvOpts o;
  o.groups = depthwise ? 32 : 4;
  for (int& p : o.pads) p = k / 2;
  b.Conv2D("conv", x, w, -1, cf, o);
  b.Simple(OpType::DEQUANTIZE, "dq", y, yf);
  b.Add("add", cf, yf, sum, Activation::RELU);
  b.Inputs({x, y}).Outputs({sum});
  const std::vector<uint8_t> file = b.Build();
  const std::vector<std::vector<float>> in = {Input(20 * 20 * 32, 3), Input(20 * 20 * 32, 4)};
  Runner r32(file, true, 1, QRT_FLOAT_ADDS_F32);
  r32.SetInput(0, in[0]);
  r32.SetInput(1, in[1]);
  r32.Run();
  const std::vector<uint16_t> want = Round16(r32.Raw<float>(cf));
  for (const char* p : Paths()) {
    for (int threads : {1, 3}) {
      INFO("QRT_KERNEL_PATH=" << p << ", " << threads << " threads, depthwise " << depthwise);
      if (*p) setenv("QRT_KERNEL_PATH", p, 1);
      Runner r16(file, true, threads, QRT_FLOAT_ADDS_F16);
      unsetenv("QRT_KERNEL_PATH");
      r16.SetInput(0, in[0]);
      r16.SetInput(1, in[1]);
      r16.Run();
      CHECK(r16.Raw<uint16_t>(cf) == want);
      qrt_op_info info;
      REQUIRE(r16.session.op_info(0, &info) == QRT_OK);
      const std::string kernel = info.kernel;
      if (std::string(p) == "ref") {
        CHECK(kernel == "qrt_conv2d_s8_f32__ref");
      } else {
        CHECK(kernel.find(depthwise ? "qrt_dwconv_s8_" : "qrt_gemm_s8_") == 0);
      }
    }
  }
}

TEST_CASE("float adds F16: the arena shrinks; AUTO and bad values", "[runtime][fp16]") {
  const Residual m = ResidualModel();
  qrt::Model model;
  REQUIRE(model.LoadMemory(m.file.data(), m.file.size()) == QRT_OK);
  qrt_session_options o;
  qrt_session_options_init(&o);
  CHECK(o.float_adds == QRT_FLOAT_ADDS_AUTO);
  size_t b32 = 0, b16 = 0, bauto = 0;
  o.float_adds = QRT_FLOAT_ADDS_F32;
  REQUIRE(model.arena_size(&o, &b32) == QRT_OK);
  o.float_adds = QRT_FLOAT_ADDS_F16;
  REQUIRE(model.arena_size(&o, &b16) == QRT_OK);
  o.float_adds = QRT_FLOAT_ADDS_AUTO;
  REQUIRE(model.arena_size(&o, &bauto) == QRT_OK);
  INFO("arena F32 " << b32 << ", F16 " << b16);
  CHECK(b16 < b32);
  CHECK(bauto == (qrt_cpu_has_fp16_arith() ? b16 : b32));
  Runner a(m.file);  // defaults: AUTO
  CHECK(a.session.float_adds() ==
        (qrt_cpu_has_fp16_arith() ? QRT_FLOAT_ADDS_F16 : QRT_FLOAT_ADDS_F32));
  o.float_adds = 3;
  qrt_error err;
  qrt::Session s;
  CHECK(s.Create(model, &o, &err) == QRT_ERROR_INVALID_ARGUMENT);
  CHECK(std::string(err.message).find("float_adds is 3") != std::string::npos);
}
