#include "quantize/quant_math.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "graph/graph.h"

namespace qrt::quantize {

int s8_qmax(int bits) { return (1 << (bits - 1)) - 1; }
int u8_qmax(int bits) { return (1 << bits) - 1; }

QuantizedWeights quantize_weights_with_scales(const float* w, int channels, int64_t per_channel, int bits,
                                              std::vector<float> scales) {
  if (bits < 4 || bits > 8) throw ConvertError("weight bits must be 4..8, got " + std::to_string(bits));
  const int qmax = s8_qmax(bits);
  QuantizedWeights out;
  out.values.resize(size_t(channels) * size_t(per_channel));
  out.scales = std::move(scales);
  for (int c = 0; c < channels; ++c) {
    const float* wc = w + int64_t(c) * per_channel;
    const float scale = out.scales[size_t(c)];
    for (int64_t i = 0; i < per_channel; ++i) {
      double q = std::nearbyint(double(wc[i]) / double(scale));
      q = std::min(std::max(q, double(-qmax)), double(qmax));
      out.values[size_t(c * per_channel + i)] = static_cast<int8_t>(q);
    }
  }
  return out;
}

QuantizedWeights quantize_weights_per_channel(const float* w, int channels, int64_t per_channel, int bits) {
  if (bits < 4 || bits > 8) throw ConvertError("weight bits must be 4..8, got " + std::to_string(bits));
  const int qmax = s8_qmax(bits);
  std::vector<float> scales(static_cast<size_t>(channels));
  for (int c = 0; c < channels; ++c) {
    const float* wc = w + int64_t(c) * per_channel;
    float amax = 0.0f;
    for (int64_t i = 0; i < per_channel; ++i) amax = std::max(amax, std::fabs(wc[i]));
    scales[size_t(c)] = amax > 0.0f ? amax / float(qmax) : 1.0f;
  }
  return quantize_weights_with_scales(w, channels, per_channel, bits, std::move(scales));
}

QuantizedWeights quantize_weights_per_tensor(const float* w, int64_t n, int bits) {
  // One "channel" holding every value: the same formula and rounding.
  return quantize_weights_per_channel(w, 1, n, bits);
}

int32_t quantize_bias(float bias, float input_scale, float weight_scale) {
  const float bias_scale = input_scale * weight_scale;  // fp32 product, as the runtime computes it
  double q = std::nearbyint(double(bias) / double(bias_scale));
  const double lim = double(std::numeric_limits<int32_t>::max());
  q = std::min(std::max(q, -lim), lim);
  return static_cast<int32_t>(q);
}

std::vector<uint8_t> pack_bits(const std::vector<int8_t>& values, int bits) {
  if (bits < 1 || bits > 8) throw ConvertError("pack_bits: bits must be 1..8, got " + std::to_string(bits));
  std::vector<uint8_t> out((values.size() * size_t(bits) + 7) / 8, 0);
  size_t bit = 0;
  for (int8_t v : values) {
    const uint32_t u = uint32_t(uint8_t(v)) & ((1u << bits) - 1u);
    for (int k = 0; k < bits; ++k, ++bit)
      if (u & (1u << k)) out[bit / 8] = uint8_t(out[bit / 8] | (1u << (bit % 8)));
  }
  return out;
}

std::vector<uint8_t> encode_sparse(const std::vector<int8_t>& values, int bits) {
  std::vector<uint8_t> out((values.size() + 7) / 8, 0);
  std::vector<int8_t> nonzero;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] == 0) continue;
    out[i / 8] = uint8_t(out[i / 8] | (1u << (i % 8)));
    nonzero.push_back(values[i]);
  }
  if (bits < 8) {
    const std::vector<uint8_t> packed = pack_bits(nonzero, bits);
    out.insert(out.end(), packed.begin(), packed.end());
  } else {
    for (int8_t v : nonzero) out.push_back(uint8_t(v));
  }
  return out;
}

float activation_scale(float lo, float hi, bool is_unsigned, int bits) {
  if (bits < 4 || bits > 8) throw ConvertError("activation bits must be 4..8, got " + std::to_string(bits));
  // A range so small that its scale would be 0 or denormal (activations
  // decaying to ~1e-38) is treated as all zero: the runtime refuses scales
  // that are not normal floats.
  const float qmax = float(is_unsigned ? u8_qmax(bits) : s8_qmax(bits));
  const float m = is_unsigned ? std::max(hi, 0.0f) : std::max(std::fabs(lo), std::fabs(hi));
  const float s = m / qmax;
  return m > 0.0f && (std::isnormal(s) || !std::isfinite(s)) ? s : 1.0f / qmax;
}

}  // namespace qrt::quantize
