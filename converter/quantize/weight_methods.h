// How one layer's weights become integers (qrt-convert --weights), and the
// bias correction of their rounding (--bias-correction); docs/calibration.md,
// "Weights".
//
//   minmax  per-output-channel MinMax scale, round to nearest (quant_math.h):
//           the paper's rule; needs nothing but the weights.
//   mse     per-channel scale minimizing the channel's weight MSE over 80
//           clip ratios (gptq.h mse_channel_scales), round to nearest.
//   gptq    mse scales, then error-compensating rounding against the layer's
//           input second moments H (gptq.h): minimizes the layer's output
//           error on the calibration inputs, not each weight's.
//
// Layers with groups (depthwise and grouped convs) are quantized group by
// group: rows [g * out/groups, (g+1) * out/groups) read the group's k inputs,
// with the group's H (calib/layer_stats.h, which orders a conv's k as the
// OHWI weights: kh, kw, input channel).
//
// Bias correction: rounding moves every output channel's expected value by
//     shift[c] = sum_k (q[c,k] * s[c] - w[c,k]) * E[x_k]
// with E[x_k] the layer's im2col input means over the calibration set
// (padding counted as 0, as the conv computes it). Subtracting it from the
// float bias before the bias is quantized makes the quantized layer's mean
// output equal the float layer's on that data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "calib/layer_stats.h"
#include "quantize/quant_math.h"

namespace qrt::quantize {

// "minmax", "mse", "gptq"; anything else throws ConvertError naming the value.
void check_weight_method(const std::string& method);
// True when `method` needs the layers' input second moments (H).
bool weight_method_needs_h(const std::string& method);

// w: [out][k] (k per output channel: KH*KW*IC/groups for a conv), `groups`
// dividing out. stats: the layer's statistics (required for gptq, with H);
// `where` names the layer in errors.
QuantizedWeights quantize_layer_weights(const std::string& method, const float* w, int64_t out, int64_t k,
                                        int64_t groups, int bits, const calib::LayerStats* stats,
                                        const std::string& where);

// The expected output shift above, one per output channel (double).
std::vector<double> rounding_shift(const QuantizedWeights& q, const float* w, int64_t out, int64_t k,
                                   int64_t groups, const calib::LayerStats& stats, const std::string& where);

}  // namespace qrt::quantize
