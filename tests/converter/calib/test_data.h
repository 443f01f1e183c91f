// Deterministic test data for the calibration tests: std::mt19937 is fully
// specified by the standard (its distributions are not), so values are
// derived from its raw output by hand and are the same on every platform.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace qrt::calib::test {

// Uniform in [0, 1) with 24 random bits (exact in float).
inline float uniform01(std::mt19937& g) { return float(g() >> 8) * (1.0f / 16777216.0f); }

// n Laplace-like values with scale b (signed, heavy tails), or their
// ReLU when relu is true.
inline std::vector<float> laplace(size_t n, float b, uint32_t seed, bool relu = false) {
  std::mt19937 g(seed);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    const float u = uniform01(g);
    const float mag = -b * std::log(1.0f - u);
    const float x = (g() & 1u) ? mag : -mag;
    v[i] = relu ? (x > 0.0f ? x : 0.0f) : x;
  }
  return v;
}

}  // namespace qrt::calib::test
