// Iterative calibration: the paper's Algorithm 1 (qrt-convert --iterative),
// as a float simulation of the quantized network.
//
// One-pass calibration measures every activation on the float network. But
// at run time a layer sees the *quantized* outputs of the layers before it
// (clipped at their thresholds, rounded to their grids) computed with
// quantized weights, so its distribution -- and its best threshold -- can
// differ. Algorithm 1, in its natural reading (docs/method.md): calibrate
// layer by layer on already-quantized inputs and repeat until the
// thresholds stop moving. Here:
//
//   iteration 1   the one-pass calibration: float weights, float
//                 activations (its thresholds are exactly the one-pass ones);
//   iteration i   the float executor runs a simulation graph with every
//                 conv/FC weight fake-quantized (per channel or per tensor,
//                 weight_bits, quant_math.h's formula), and every activation
//                 the model stores in int8 quantized-dequantized with its
//                 iteration-(i-1) threshold (S8 or U8 and bits as lowering
//                 chose, the runtime's Quantize formula). Each tensor's
//                 histogram is taken BEFORE its own fake-quantization but
//                 AFTER every upstream one (FloatExecutor's transform hook).
//                 New thresholds come from the same method (KL + tolerance
//                 by default, inputs MinMax, zeros out of the KL histogram).
//   stop          when every threshold moved by less than `epsilon`
//                 relative to the previous iteration, or after
//                 max_iterations (iterations run, counting the first).
//
// A tensor stored F32 but read as int8 by some consumer (a graph input, a
// conv output that also feeds a float Add) is quantized only for those
// readers: the simulation graph reads it through an Identity node named
// "<tensor>/quantized" (the QUANTIZE op lowering inserts), and only that
// copy is fake-quantized. Not simulated: bias rounding to int32 and the
// requantization's exact fp32 arithmetic (both far below one output step).
//
// Each threshold depends only on thresholds upstream of it, so on a network
// of depth d the thresholds are fixed after at most d + 1 iterations (the
// last change is then exactly 0); deterministic like one-pass calibration.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "calib/calibration.h"
#include "quantize/lower.h"

namespace qrt::convert {

struct IterativeSettings {
  int max_iterations = 10;  // >= 1; 1 = one-pass calibration
  double epsilon = 1e-3;    // relative threshold change that counts as converged
};

// What one iteration measured.
struct IterationRecord {
  // Largest |t_i - t_(i-1)| / t_(i-1) over all int8 activations (0 for
  // iteration 1), and the tensor where it happened ("" for iteration 1).
  double max_relative_change = 0.0;
  std::string worst_tensor;
  std::map<std::string, float> thresholds;  // every int8 activation's threshold
};

struct IterativeResult {
  // The last iteration's calibration, ready for lower_graph (its thresholds
  // are the ones stored in the model).
  std::unique_ptr<calib::ActivationCalibration> calibration;
  calib::CalibrationStats stats;
  std::vector<IterationRecord> iterations;  // one per iteration run
  bool converged = false;                   // false: stopped at max_iterations
};

// Runs the iterations on min(num_images, dataset.size()) samples (the same
// samples each time). `minmax_tensors` as ActivationCalibration::
// use_minmax_for. `log`: one line per iteration on stderr. Throws
// ConvertError.
IterativeResult run_iterative_calibration(const graph::Graph& graph, const data::Dataset& dataset,
                                          const data::PreprocessConfig& preprocess, size_t num_images,
                                          const calib::CalibrationSettings& settings,
                                          const std::vector<std::string>& minmax_tensors,
                                          const quantize::LowerOptions& lower, const IterativeSettings& iterative,
                                          bool show_progress, bool log);

// The simulation pieces, exposed for tests.
//
// A copy of `graph` whose Conv/Gemm/MatMul weights are fake-quantized
// (round trip through quant_math.h's per-channel / per-tensor weights) and
// whose int8 readers of the F32-stored tensors in `quantized_inputs` read
// "<tensor>/quantized" (an Identity node right after the producer).
graph::Graph make_simulation_graph(const graph::Graph& graph, const quantize::LowerOptions& lower,
                                      const std::vector<std::string>& quantized_inputs);

// x -> (float)q * scale with q the runtime's Quantize of x (round half to
// even of x * (1/scale), clamped to the storage range) for an activation
// of threshold t (U8: [0, t], S8: [-t, t]) and `bits`.
void fake_quantize_activation(std::vector<float>& values, float threshold, bool is_unsigned, int bits);

}  // namespace qrt::convert
