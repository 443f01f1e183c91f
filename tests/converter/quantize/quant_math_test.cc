// Weight, bias and activation quantization arithmetic (converter/quantize/quant_math.h).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "quantize/quant_math.h"
#include "graph/graph.h"

using namespace qrt::quantize;

TEST_CASE("per-channel weight scales and round-half-to-even", "[quant]") {
  // Channel maxima 127, 0 and 254 give scales 1, 1 (all zero) and 2, so the
  // quotients below are exact and the ties are real ties.
  const std::vector<float> w = {127, -63.5f, 2.5f, -0.4f,   // scale 1
                                0, 0, 0, 0,                 // all zero: scale 1
                                254, 1, -3, 0.99f};         // scale 2
  const QuantizedWeights q = quantize_weights_per_channel(w.data(), 3, 4, 8);
  REQUIRE(q.scales == std::vector<float>{1.0f, 1.0f, 2.0f});
  REQUIRE(q.values == std::vector<int8_t>{127, -64, 2, 0, 0, 0, 0, 0, 127, 0, -2, 0});
}

TEST_CASE("weight bits 4..8: symmetric range, max hits qmax", "[quant]") {
  const int bits = GENERATE(4, 5, 6, 7, 8);
  const int qmax = (1 << (bits - 1)) - 1;
  std::vector<float> w(5 * 37);
  unsigned seed = 7;
  for (float& v : w) v = float(rand_r(&seed) % 2001 - 1000) / 300.0f;
  const QuantizedWeights q = quantize_weights_per_channel(w.data(), 5, 37, bits);
  for (int c = 0; c < 5; ++c) {
    float amax = 0;
    int qabs_max = 0;
    for (int i = 0; i < 37; ++i) {
      amax = std::max(amax, std::fabs(w[size_t(c * 37 + i)]));
      const int v = q.values[size_t(c * 37 + i)];
      REQUIRE(v >= -qmax);
      REQUIRE(v <= qmax);
      qabs_max = std::max(qabs_max, std::abs(v));
      // Dequantized error is at most half a step.
      REQUIRE(std::fabs(float(v) * q.scales[size_t(c)] - w[size_t(c * 37 + i)]) <= 0.5001f * q.scales[size_t(c)]);
    }
    REQUIRE(q.scales[size_t(c)] == amax / float(qmax));
    REQUIRE(qabs_max == qmax);
  }
  const std::vector<float> small = {7, -3.5f, 1.2f, -7};
  REQUIRE(quantize_weights_per_channel(small.data(), 1, 4, 4).values == std::vector<int8_t>{7, -4, 1, -7});
}

TEST_CASE("weight and activation bits outside 4..8 are rejected", "[quant]") {
  const float w[2] = {1, 2};
  REQUIRE_THROWS_AS(quantize_weights_per_channel(w, 1, 2, 3), qrt::ConvertError);
  REQUIRE_THROWS_AS(quantize_weights_per_channel(w, 1, 2, 9), qrt::ConvertError);
  REQUIRE_THROWS_AS(activation_scale(0, 1, true, 9), qrt::ConvertError);
}

TEST_CASE("bias: round(b / (sx * sw)), ties to even, saturating", "[quant]") {
  REQUIRE(quantize_bias(1.5f, 0.5f, 1.0f) == 3);
  REQUIRE(quantize_bias(0.75f, 0.5f, 1.0f) == 2);    // 1.5 -> 2
  REQUIRE(quantize_bias(1.25f, 0.5f, 1.0f) == 2);    // 2.5 -> 2
  REQUIRE(quantize_bias(-1.25f, 0.5f, 1.0f) == -2);  // -2.5 -> -2
  REQUIRE(quantize_bias(-1.3f, 0.25f, 2.0f) == -3);  // -2.6
  REQUIRE(quantize_bias(1e9f, 1e-3f, 1e-3f) == std::numeric_limits<int32_t>::max());
  REQUIRE(quantize_bias(-1e9f, 1e-3f, 1e-3f) == -std::numeric_limits<int32_t>::max());
}

TEST_CASE("activation scales: U8 uses [0, max], S8 the larger magnitude", "[quant]") {
  REQUIRE(activation_scale(-1.0f, 2.55f, true, 8) == 2.55f / 255.0f);
  REQUIRE(activation_scale(-2.54f, 1.0f, false, 8) == 2.54f / 127.0f);
  REQUIRE(activation_scale(-0.5f, 3.0f, false, 8) == 3.0f / 127.0f);
  REQUIRE(activation_scale(0.0f, 3.0f, false, 4) == 3.0f / 7.0f);
  REQUIRE(activation_scale(0.0f, 3.0f, true, 4) == 3.0f / 15.0f);
  REQUIRE(activation_scale(0.0f, 0.0f, false, 8) == 1.0f / 127.0f);
  REQUIRE(activation_scale(-1.0f, 0.0f, true, 8) == 1.0f / 255.0f);
}

TEST_CASE("bit packing: little-endian bit stream of two's complement values", "[quant]") {
  // The schema's example: 4 bits, -1 then 2 -> 0x2F.
  REQUIRE(pack_bits({-1, 2}, 4) == std::vector<uint8_t>{0x2F});
  // 5 bits: 3 | -2 << 5 | 15 << 10 | -16 << 15 (each masked to 5 bits)
  // = 0x83FC3 -> bytes C3 3F 08.
  REQUIRE(pack_bits({3, -2, 15, -16}, 5) == std::vector<uint8_t>{0xC3, 0x3F, 0x08});
  const std::vector<int8_t> v = {-63, 0, 63, -1, 1, 7, -8};
  const std::vector<uint8_t> p = pack_bits(v, 7);
  REQUIRE(p.size() == 7);  // 49 bits
  for (size_t i = 0; i < v.size(); ++i) {  // read each element back
    int x = 0;
    for (int k = 0; k < 7; ++k) x |= ((p[(i * 7 + size_t(k)) / 8] >> ((i * 7 + size_t(k)) % 8)) & 1) << k;
    if (x & 0x40) x -= 0x80;
    REQUIRE(x == v[i]);
  }
}
