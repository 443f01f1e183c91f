// The converter's quantization arithmetic, in one place.
//
// Weights: symmetric per-output-channel. For channel c with weights W_c and
// `bits` b, qmax = 2^(b-1) - 1 and
//     scale_c = max|W_c| / qmax           (1.0 when the channel is all zero)
//     q = clamp(round(w / scale_c), -qmax, qmax)
// `round` is round-half-to-even in double (std::nearbyint), so the result
// does not depend on fp32 rounding of w / scale.
//
// Per-tensor weights (qrt-convert --per-tensor-weights, for comparison):
// one scale = max|W| / qmax for the whole tensor, same rounding.
//
// Bias: int32 with scale sx * sw[c] (the fp32 product, the same one the
// runtime uses):  q = round(b / (sx * sw[c])), saturated to int32.
//
// Activations (zero point always 0, docs/integer-semantics.md):
//     U8 (known non-negative):  scale = max(hi, 0) / (2^b - 1)
//     S8 (otherwise):           scale = max(|lo|, |hi|) / (2^(b-1) - 1)
// A range that is all zero gets scale 1 / qmax (any scale represents 0), and
// so does a range whose scale would be 0 or denormal (|values| < ~1e-36).
// Weight channels likewise (Lowerer::add_weights): a channel whose scale
// is 0 or denormal is stored as an all-zero channel with scale 1.
//
// Weights below 8 bits are stored bit-packed (schema Buffer.packed_bits):
// one bit stream, element i in stream bits [i*b, i*b + b), stream bit k is
// bit k % 8 of byte k / 8, each element two's complement, LSB first.
#pragma once

#include <cstdint>
#include <vector>

namespace qrt::quantize {

struct QuantizedWeights {
  std::vector<int8_t> values;  // same element order as the input
  std::vector<float> scales;   // one per output channel
};

// `w` holds `channels` consecutive slices of `per_channel` values.
QuantizedWeights quantize_weights_per_channel(const float* w, int channels, int64_t per_channel, int bits);

// Round to nearest with the given per-channel scales (the formula above
// with scale_c given): the one rounding every method that picks its own
// scales uses.
QuantizedWeights quantize_weights_with_scales(const float* w, int channels, int64_t per_channel, int bits,
                                              std::vector<float> scales);

// One scale for all `n` values of `w`.
QuantizedWeights quantize_weights_per_tensor(const float* w, int64_t n, int bits);

// One bias value (see above).
int32_t quantize_bias(float bias, float input_scale, float weight_scale);

// Packs int8 values (each within `bits`, 4..7) as described above.
std::vector<uint8_t> pack_bits(const std::vector<int8_t>& values, int bits);

// Sparse weights (schema Buffer.sparse): a bitmap of ceil(n / 8) bytes,
// bit i (bit i % 8 of byte i / 8) set when values[i] != 0, then the
// non-zero values in order, packed at `bits` (4..7) or one byte each (8).
std::vector<uint8_t> encode_sparse(const std::vector<int8_t>& values, int bits);

// Largest magnitude of S8 values / largest U8 value for `bits`.
int s8_qmax(int bits);
int u8_qmax(int bits);

// Scale of an activation with calibrated range [lo, hi].
float activation_scale(float lo, float hi, bool is_unsigned, int bits);

}  // namespace qrt::quantize
