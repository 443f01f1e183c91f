// Error-compensating weight quantization (GPTQ, Frantar et al. 2022, from
// the OBQ family), the core math only: nothing here knows about graphs,
// calibration or the converter's options.
//
// What it minimizes. A linear layer computes y = W x. With X the layer's
// calibration inputs (one row per sample) and H = sum over samples of x x^T
// = X^T X, the output error of quantized weights W_q, channel by channel, is
//     || (W_c - W_q,c) X^T ||^2  =  (W_c - W_q,c) H (W_c - W_q,c)^T.
// Round-to-nearest (quant_math.h) minimizes each weight's own error and
// ignores H. GPTQ quantizes the k inputs of every channel one at a time (in
// order of decreasing h[i][i], "act order": the inputs with the most energy
// first, while the most inputs remain to absorb their error; index order
// with act_order = false), and after each one moves the weights not yet quantized so that
// they cancel, to first order in H, the error just made (the OBS update):
// with U the upper Cholesky factor of H^-1 (H^-1 = U^T U),
//     q_j    = clamp(round(w_j / s_c), -qmax, qmax)
//     e_j    = (w_j - q_j s_c) / U[j][j]
//     w_l   -= e_j U[j][l]          for every l > j.
// Weights that are exactly 0 (pruned: issue 11's masks) stay exactly 0:
// the updates never make them non-zero codes, and they push no error on.
// A greedy method: not the optimum of the integer problem, but on correlated
// inputs its output error is well below round-to-nearest's with the same
// scales (gptq_test's synthetic layers, ||(W - W_q) X^T||_F at 4 and 6 bits:
// 0.72-0.81x with weakly correlated inputs, 0.36-0.61x with input variances
// spread over a few decades), and with a diagonal H (uncorrelated inputs) U
// is diagonal, nothing moves, and the result is round-to-nearest exactly.
//
// The steps, all in double:
//   1. Dead inputs (h[i][i] == 0, an input that was zero on every sample):
//      their weights are set to 0 (they cannot affect the output) and
//      h[i][i] to 1, so H stays invertible.
//   2. Scales, one per channel, from the live weights: MinMax as in
//      quant_math.h, or (clip_search) mse_channel_scales below. GPTQ keeps
//      them fixed.
//   3. Damping: H' = H + damp * mean(diag H) * I.
//   4. U: H' = R R^T with R upper triangular (a Cholesky factorization taken
//      from the last index to the first), then U = R^-1. U is upper with a
//      positive diagonal and U^T U = R^-T R^-1 = H'^-1, so it is the upper
//      Cholesky factor of H'^-1 without forming H'^-1 (k^3/2 multiply-adds
//      instead of the k^3 of inverting and factoring again, and no explicit
//      inverse to lose precision in).
//   5. The columns in blocks of `block` (the lazy batch updates): inside a
//      block the update above is applied to the block's later columns at
//      once; the columns after the block get the block's accumulated errors
//      in one pass, E_block U[block rows][later columns].
//
// Cost, k inputs and C channels: time k^3/3 (step 4's factorization) +
// k^3/6 (its triangular inverse) + C k^2/2 (step 5) multiply-adds, plus
// 80 C k roundings for the clip search; memory one k x k double matrix
// (the working copy of H, then U, in place) and C k doubles of weights.
// k = 5000 needs 200 MB. Measured (x86-64, SSE2, one core, Release): k = 1152,
// C = 256 in 0.2 s; k = 4608, C = 512 in 8-9 s (factorization and inverse
// about 4 s each). An H whose factor has entries so small that products
// underflow (below ~1e-154) runs into subnormal arithmetic, several times
// slower on x86. Single thread, no randomness, fixed loop order:
// the same inputs give the same bytes on the same build (a compiler that
// contracts a*b+c into FMA, as GCC does on aarch64, may differ from x86-64
// in the last bits of U and hence, rarely, in a rounded value).
//
// The failure path. With H positive semi-definite the damping makes H'
// positive definite and the factorization succeeds. If a pivot is still not
// positive (an H that is not PSD, or one so ill-conditioned that rounding
// breaks it), damping is retried at 10x, 100x and 1000x `damp`; if all fail
// the result is round-to-nearest with the step-2 scales and dead inputs
// zeroed, and GptqReport::fell_back_to_rtn says so. Errors in the arguments
// (bits outside 4..8, damp <= 0, block < 1, a non-finite weight or h entry)
// throw qrt::ConvertError.
#pragma once

#include <cstdint>
#include <vector>

#include "quantize/quant_math.h"

namespace qrt::quantize {

struct GptqOptions {
  double damp = 0.01;       // H's diagonal += damp * mean(diag H); > 0
  int block = 128;          // columns per lazy-update block; >= 1 (any value gives the same method, rounding aside)
  bool clip_search = true;  // scales from mse_channel_scales (true) or MinMax (false)
  bool act_order = true;    // inputs in order of decreasing h[i][i] (false: index order)
};

// What happened inside one call, for the converter's log.
struct GptqReport {
  int64_t dead_inputs = 0;        // inputs with h[i][i] == 0, weights set to 0
  double damp = 0.0;              // the relative damping that was used (options.damp * 10^retries)
  int damp_retries = 0;           // 0..3 retries at 10x the previous damping
  bool fell_back_to_rtn = false;  // every damping failed: round-to-nearest result
};

// `w`: `channels` rows of `k` floats, row c = output channel c, column i =
// input i in the order `h` uses. `h`: k x k doubles, row-major, symmetric
// positive semi-definite (sum of x x^T over calibration inputs; any positive
// multiple gives the same result). Only h's upper triangle (i <= j) is read.
// Returns values in [-qmax, qmax], qmax = 2^(bits-1) - 1, in w's element
// order, and one scale > 0 per channel. `report` may be null.
QuantizedWeights quantize_weights_gptq(const float* w, int channels, int64_t k, const double* h, int bits,
                                       const GptqOptions& options = {}, GptqReport* report = nullptr);

// Per channel, the scale that minimizes the channel's squared rounding error
//     sum_i (w_i - s * clamp(round(w_i / s), -qmax, qmax))^2
// over the clip ratios r = 1.00, 0.99, ..., 0.21 (80 values) with
// s = r * max|w| / qmax; ties keep the larger ratio, so the result is the
// MinMax scale of quantize_weights_per_channel, bit for bit, whenever
// clipping does not help. All-zero channels get 1. Deterministic, 80 k
// roundings per channel.
std::vector<float> mse_channel_scales(const float* w, int channels, int64_t k, int bits);

}  // namespace qrt::quantize
