// CONV_2D and FULLY_CONNECTED through the runtime: outputs equal a direct
// call of the reference kernel (or a hand-computed value) exactly, for S8
// and U8 activations, requantizing and dequantizing epilogues, and packed
// 4/6-bit weights.
#include <math.h>

#include "qrt/kernels/ref.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

// The requantization constants a conv needs, computed independently of
// the runtime from the formulas in docs/integer-semantics.md.
std::vector<float> Multipliers(float sx, const std::vector<float>& sw, float sy) {
  std::vector<float> m;
  for (float s : sw) m.push_back((sx * s) / sy);
  return m;
}

}  // namespace

TEST_CASE("conv2d U8 -> U8, hand-computed", "[runtime][conv]") {
  // x U8 q=200 zp=100 sx=0.5; w=3 sw=0.25; no bias; y U8 sy=1 zp=30.
  // acc = 3 * (200 - 100) = 300; m = 0.5 * 0.25 / 1 = 0.125; v = 37.5;
  // round half to even -> 38; y = 38 + 30 = 68, dequantized 38.0.
  ModelBuilder b;
  int x = b.Activation("x", DType::U8, {1, 1, 1, 1}, 0.5f, 100);
  int w = b.WeightsS8("w", {1, 1, 1, 1}, {3}, {0.25f});
  int y = b.Activation("y", DType::U8, {1, 1, 1, 1}, 1.0f, 30);
  b.Conv2D("conv", x, w, -1, y, ConvOpts()).Inputs({x}).Outputs({y});
  Runner r(b.Build());
  r.SetInput(0, Dequant({200}, 0.5f, 100));
  r.Run();
  CHECK(r.Raw<int8_t>(y) == std::vector<int8_t>{68 - 128});
  CHECK(r.Output(0) == std::vector<float>{38.0f});
}

TEST_CASE("conv2d S8 and U8 match qrt_conv2d_s8__ref", "[runtime][conv]") {
  const bool u8 = GENERATE(false, true);
  const int groups = GENERATE(1, 4);  // 4 = depthwise
  const auto act = GENERATE(Activation::NONE, Activation::RELU, Activation::RELU6);
  const DType dt = u8 ? DType::U8 : DType::S8;
  const int zx = u8 ? 117 : 0, zy = u8 ? 20 : 0;
  const int lo = u8 ? 0 : -127, hi = u8 ? 255 : 127;
  const float sx = 0.05f, sy = 0.09f;
  const int C = 4, O = 4, H = 5, W = 6, K = 3;
  const std::vector<float> sw = {0.01f, 0.02f, 0.015f, 0.03f};
  const std::vector<int8_t> wv = RandomS8((size_t)O * K * K * (C / groups), -127, 127, 7);
  std::vector<int32_t> bias = {100, -2000, 37, 0};
  std::vector<float> sb;
  for (float s : sw) sb.push_back(sx * s);

  ModelBuilder b;
  int x = b.Activation("x", dt, {1, H, W, C}, sx, zx);
  int w = b.WeightsS8("w", {O, K, K, C / groups}, wv, sw);
  int bi = b.BiasS32("b", bias, sb);
  ConvOpts o;
  o.stride = 2;
  o.pad = 1;
  o.groups = groups;
  o.activation = act;
  const int OH = 3, OW = 3;
  int y = b.Activation("y", dt, {1, OH, OW, O}, sy, zy);
  b.Conv2D("conv", x, w, bi, y, o).Inputs({x}).Outputs({y});
  Runner r(b.Build());
  const std::vector<int> q = RandomInts((size_t)H * W * C, lo, hi, 3);
  r.SetInput(0, Dequant(q, sx, zx));
  r.Run();

  // Direct kernel call on the int8 storage form.
  std::vector<int8_t> xs;
  for (int v : q) xs.push_back((int8_t)(v - (u8 ? 128 : 0)));
  qrt_conv2d_params p = {};
  p.batch = 1; p.input_height = H; p.input_width = W; p.input_channels = C;
  p.output_height = OH; p.output_width = OW; p.output_channels = O;
  p.kernel_height = K; p.kernel_width = K; p.stride_height = 2; p.stride_width = 2;
  p.dilation_height = 1; p.dilation_width = 1;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
  p.groups = (size_t)groups;
  p.input_zero_point = zx - (u8 ? 128 : 0);
  const std::vector<float> m = Multipliers(sx, sw, sy);
  qrt_requant_s8_params rq = {};
  rq.multipliers = m.data();
  rq.output_zero_point = zy - (u8 ? 128 : 0);
  int omin = lo - (u8 ? 128 : 0), omax = hi - (u8 ? 128 : 0);
  if (act != Activation::NONE) omin = std::max(omin, rq.output_zero_point);
  if (act == Activation::RELU6) {
    omax = std::min(omax, rq.output_zero_point + (int)lrintf(6.0f / sy));
  }
  rq.output_min = (int8_t)omin;
  rq.output_max = (int8_t)omax;
  std::vector<int8_t> want((size_t)OH * OW * O);
  qrt_conv2d_s8__ref(&p, xs.data(), wv.data(), bias.data(), &rq, want.data());
  INFO("u8 " << u8 << " groups " << groups << " act " << (int)act);
  CHECK(r.Raw<int8_t>(y) == want);
  // The output is not trivially clamped everywhere.
  CHECK(std::count(want.begin(), want.end(), want[0]) < (long)want.size());
}

TEST_CASE("dequantizing conv epilogue feeds a float ADD", "[runtime][conv][add]") {
  const float sx = 0.1f;
  const std::vector<float> sw = {0.02f, 0.04f};
  const std::vector<int8_t> wv = RandomS8(2 * 1 * 1 * 3, -127, 127, 11);
  ModelBuilder b;
  int x = b.Activation("x", DType::S8, {1, 2, 2, 3}, sx, 0);
  int w = b.WeightsS8("w", {2, 1, 1, 3}, wv, sw);
  int branch = b.FloatActivation("branch", {1, 2, 2, 2});
  int skip = b.FloatActivation("skip", {1, 2, 2, 2});
  int y = b.FloatActivation("y", {1, 2, 2, 2});
  ConvOpts o;
  o.activation = Activation::RELU;
  b.Conv2D("conv", x, w, -1, branch, o);
  b.Add("add", branch, skip, y, Activation::RELU6);
  b.Inputs({x, skip}).Outputs({y});
  Runner r(b.Build());
  const std::vector<int> q = RandomInts(12, 1, 255, 5);
  std::vector<int> qs;
  for (int v : q) qs.push_back(v - 128);
  r.SetInput(0, Dequant(qs, sx, 0));
  const std::vector<float> s = {-1.5f, 0.25f, 3.0f, 7.0f, -0.5f, 2.5f, 1.0f, 0.0f};
  r.SetInput(1, s);
  r.Run();

  std::vector<int8_t> xs(qs.begin(), qs.end());
  qrt_conv2d_params p = {};
  p.batch = 1; p.input_height = 2; p.input_width = 2; p.input_channels = 3;
  p.output_height = 2; p.output_width = 2; p.output_channels = 2;
  p.kernel_height = p.kernel_width = 1; p.stride_height = p.stride_width = 1;
  p.dilation_height = p.dilation_width = 1; p.groups = 1;
  const std::vector<float> scales = {sx * sw[0], sx * sw[1]};
  qrt_dequant_f32_params dq = {scales.data(), 0.0f, INFINITY};
  std::vector<float> conv(8), want(8);
  qrt_conv2d_s8_f32__ref(&p, xs.data(), wv.data(), nullptr, &dq, conv.data());
  qrt_add_f32__ref(8, conv.data(), s.data(), 0.0f, 6.0f, want.data());
  CHECK(r.Output(0) == want);
}

TEST_CASE("packed 4- and 6-bit weights equal their unpacked form", "[runtime][conv][packed]") {
  const int bits = GENERATE(4, 6);
  const int qw = (1 << (bits - 1)) - 1;
  const std::vector<int8_t> wv = RandomS8(3 * 3 * 3 * 5, -qw, qw, (uint32_t)bits);
  auto build = [&](int packed) {
    ModelBuilder b;
    int x = b.Activation("x", DType::S8, {1, 4, 4, 5}, 0.1f, 0);
    int w = b.WeightsS8("w", {3, 3, 3, 5}, wv, {0.05f, 0.06f, 0.07f}, bits, packed);
    int y = b.Activation("y", DType::S8, {1, 2, 2, 3}, 0.2f, 0);
    b.Conv2D("conv", x, w, -1, y, ConvOpts()).Inputs({x}).Outputs({y});
    return b.Build();
  };
  std::vector<uint8_t> packed = build(bits);
  std::vector<uint8_t> plain = build(0);
  CHECK(packed.size() < plain.size());
  Runner rp(packed), ru(plain);
  qrt_tensor_info wi;
  REQUIRE(rp.session.tensor_info(1, &wi) == QRT_OK);
  std::vector<int8_t> unpacked((const int8_t*)wi.data, (const int8_t*)wi.data + wv.size());
  CHECK(unpacked == wv);  // unpacked at load, two's complement, LE bit order
  const std::vector<int> q = RandomInts(80, 1, 255, 9);
  std::vector<int> qs;
  for (int v : q) qs.push_back(v - 128);
  rp.SetInput(0, Dequant(qs, 0.1f, 0));
  ru.SetInput(0, Dequant(qs, 0.1f, 0));
  rp.Run();
  ru.Run();
  CHECK(rp.Raw<int8_t>(2) == ru.Raw<int8_t>(2));
}

TEST_CASE("fully connected U8 in, S8 out matches the kernel", "[runtime][fc]") {
  const std::vector<int8_t> wv = RandomS8(4 * 6, -127, 127, 21);
  const std::vector<int32_t> bias = {5, -7, 300, -300};
  ModelBuilder b;
  int x = b.Activation("x", DType::U8, {2, 6}, 0.02f, 64);
  int w = b.WeightsS8("w", {4, 6}, wv, {0.01f});  // per-tensor weight scale
  int bi = b.BiasS32("b", bias, {0.02f * 0.01f});
  int y = b.Activation("y", DType::S8, {2, 4}, 0.03f, 0);
  b.FullyConnected("fc", x, w, bi, y).Inputs({x}).Outputs({y});
  Runner r(b.Build());
  const std::vector<int> q = RandomInts(12, 0, 255, 4);
  r.SetInput(0, Dequant(q, 0.02f, 64));
  r.Run();
  std::vector<int8_t> xs;
  for (int v : q) xs.push_back((int8_t)(v - 128));
  qrt_fully_connected_params p = {2, 6, 4, 64 - 128};
  const std::vector<float> m(4, (0.02f * 0.01f) / 0.03f);
  qrt_requant_s8_params rq = {m.data(), 0, -127, 127};
  std::vector<int8_t> want(8);
  qrt_fully_connected_s8__ref(&p, xs.data(), wv.data(), bias.data(), &rq, want.data());
  CHECK(r.Raw<int8_t>(y) == want);
}
