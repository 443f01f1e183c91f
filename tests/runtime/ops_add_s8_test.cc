// ADD with int8 inputs and output (the converter's --quantize-adds
// ablation): S8/U8 mixes, requantization to the output scale, fused RELU,
// and what still fails at load.
#include "test_util.h"

using namespace qrt_test;

TEST_CASE("int8 ADD: S8 + U8 -> S8, requantized to the output scale", "[runtime][add]") {
  ModelBuilder b;
  // sa = 0.5, sb = 0.25 (U8, stored q - 128), sy = 1: y = round(0.5 qa + 0.25 qb).
  int a = b.Activation("a", DType::S8, {1, 6}, 0.5f);
  int c = b.Activation("c", DType::U8, {1, 6}, 0.25f);
  int y = b.Activation("y", DType::S8, {1, 6}, 1.0f);
  b.Add("res_add", a, c, y).Inputs({a, c}).Outputs({y});
  Runner r(b.Build(), true);
  r.SetInput(0, Dequant({3, 1, 3, 5, -100, 127}, 0.5f, 0));
  r.SetInput(1, Dequant({2, 0, 0, 0, 0, 255}, 0.25f, 0));
  r.Run();
  // 1.5 + 0.5 = 2; 0.5 -> 0 and 2.5 -> 2 (ties to even); 1.5 -> 2; -50; 63.5 + 63.75 -> 127 (saturated).
  CHECK(r.Raw<int8_t>(c) == std::vector<int8_t>{-126, -128, -128, -128, -128, 127});
  CHECK(r.Raw<int8_t>(y) == std::vector<int8_t>{2, 0, 2, 2, -50, 127});
  CHECK(r.Output(0) == std::vector<float>{2, 0, 2, 2, -50, 127});
}

TEST_CASE("int8 ADD with a fused RELU into a U8 output", "[runtime][add]") {
  ModelBuilder b;
  int a = b.Activation("a", DType::S8, {1, 4}, 1.0f);
  int c = b.Activation("c", DType::S8, {1, 4}, 1.0f);
  int y = b.Activation("y", DType::U8, {1, 4}, 0.5f);  // y = 2 * (a + c), >= 0
  b.Add("res_add", a, c, y, Activation::RELU).Inputs({a, c}).Outputs({y});
  Runner r(b.Build(), true);
  r.SetInput(0, {-10, 3, 100, 1});
  r.SetInput(1, {4, 4, 100, -1});
  r.Run();
  // -12 -> 0 (RELU), 14, 400 -> 255 (saturated), 0; stored q - 128.
  CHECK(r.Raw<int8_t>(y) == std::vector<int8_t>{-128, 14 - 128, 127, -128});
  CHECK(r.Output(0) == std::vector<float>{0.0f, 7.0f, 127.5f, 0.0f});
}

TEST_CASE("ADD mixing float and int8 still fails at load naming the operator", "[runtime][add][errors]") {
  ModelBuilder b;
  int a = b.FloatActivation("a", {1, 4});
  int c = b.Activation("c", DType::S8, {1, 4}, 0.1f);
  int y = b.Activation("y", DType::S8, {1, 4}, 0.1f);
  b.Add("res_add", a, c, y).Inputs({a, c}).Outputs({y});
  std::string msg;
  CHECK(TryLoad(b.Build(), &msg) == QRT_ERROR_UNSUPPORTED);
  CHECK(msg == "operator 0 'res_add' (ADD): unsupported dtype combination: inputs (F32,S8) -> output S8");
}
