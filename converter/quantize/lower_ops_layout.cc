// Per-op lowering of the copying ops: QrtChannelShuffle -> CHANNEL_SHUFFLE,
// Slice -> SLICE, Pad (constant) -> PAD. Each keeps its input's
// representation and quantization (placement: as produced), and moves its
// per-axis attributes from ONNX's NCHW axes to the file's NHWC axes.
#include <cmath>
#include <cstdio>

#include "quantize/lower_internal.h"

namespace qrt::quantize {
namespace {

// NHWC position of NCHW axis a of a rank-`rank` tensor (rank 4 only moves).
int64_t nhwc_axis(int64_t a, size_t rank) {
  if (rank != 4) return a;
  static const int64_t to[4] = {0, 3, 1, 2};
  return to[a];
}

// Per-axis values in NCHW order -> NHWC order.
std::vector<int32_t> to_nhwc_order(const std::vector<int64_t>& v) {
  std::vector<int32_t> out(v.size());
  for (size_t a = 0; a < v.size(); ++a) out[size_t(nhwc_axis(int64_t(a), v.size()))] = int32_t(v[a]);
  return out;
}

}  // namespace

void Lowerer::refuse_flattened(const graph::Node& n) {
  if (flatten_origin_.count(n.input(0)))
    throw ConvertError(n.describe() + ": input '" + n.input(0) + "' is an NHWC-flattened tensor");
}

void Lowerer::lower_channel_shuffle(const graph::Node& n) {
  refuse_flattened(n);
  const graph::Shape& xs = g_.shape(n.input(0));
  const int64_t g = n.get_int("group");
  if (xs.size() != 4 || g < 1 || xs[1] % g != 0 || g_.shape(n.outputs[0]) != xs)
    throw ConvertError(n.describe() + ": group " + std::to_string(g) + " of input " + graph::shape_to_string(xs) +
                       ": expected a 4-D [N,C,H,W] input with C a multiple of group, output of the same shape");
  const int32_t x = input(n, 0);
  const int32_t y = define_output(n, n.outputs[0], m_.tensors[size_t(x)].quantized() ? x : -1);
  LOptions opts;
  opts.groups = int(g);
  add_op(schema::OpType::CHANNEL_SHUFFLE, n, {x}, {y}, opts);
}

void Lowerer::lower_slice(const graph::Node& n) {
  refuse_flattened(n);
  const graph::Shape& xs = g_.shape(n.input(0));
  const graph::Shape& ys = g_.shape(n.outputs[0]);
  if (n.inputs.size() != 1)
    throw ConvertError(n.describe() + ": expected one input with starts/ends/axes/steps attributes (the graph "
                       "passes' form); got " + std::to_string(n.inputs.size()) + " inputs");
  const std::vector<int64_t> starts = n.get_ints("starts"), ends = n.get_ints("ends");
  std::vector<int64_t> axes = n.get_ints("axes", {});
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(int64_t(i));
  const std::vector<int64_t> steps = n.get_ints("steps", std::vector<int64_t>(starts.size(), 1));
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    throw ConvertError(n.describe() + ": starts, ends, axes and steps must have one entry per sliced axis");
  std::vector<int64_t> begin(xs.size(), 0);
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t a = axes[i];
    if (a < 0 || a >= int64_t(xs.size()))
      throw ConvertError(n.describe() + ": axis " + std::to_string(a) + " out of range for " +
                         graph::shape_to_string(xs));
    if (steps[i] != 1)
      throw ConvertError(n.describe() + ": step " + std::to_string(steps[i]) + " on axis " + std::to_string(a) +
                         " is not supported (step 1 only)");
    if (starts[i] < 0 || ends[i] > xs[size_t(a)] || ends[i] - starts[i] != ys[size_t(a)])
      throw ConvertError(n.describe() + ": starts/ends " + std::to_string(starts[i]) + ".." +
                         std::to_string(ends[i]) + " on axis " + std::to_string(a) + " do not give output " +
                         graph::shape_to_string(ys) + " of input " + graph::shape_to_string(xs));
    begin[size_t(a)] = starts[i];
  }
  if (xs.size() > 4 || ys.size() != xs.size())
    throw ConvertError(n.describe() + ": only tensors of rank 1..4 are supported");
  const int32_t x = input(n, 0);
  const int32_t y = define_output(n, n.outputs[0], m_.tensors[size_t(x)].quantized() ? x : -1);
  LOptions opts;
  opts.ints = to_nhwc_order(begin);
  add_op(schema::OpType::SLICE, n, {x}, {y}, opts);
}

void Lowerer::lower_pad(const graph::Node& n) {
  refuse_flattened(n);
  const graph::Shape& xs = g_.shape(n.input(0));
  const graph::Shape& ys = g_.shape(n.outputs[0]);
  const std::string mode = n.get_string("mode", "constant");
  if (mode != "constant")
    throw ConvertError(n.describe() + ": mode '" + mode + "' is not supported (constant only)");
  if (n.inputs.size() != 1)
    throw ConvertError(n.describe() + ": expected one input with pads/value attributes (the graph passes' form)");
  const std::vector<int64_t> pads = n.get_ints("pads");
  const size_t r = xs.size();
  if (r < 1 || r > 4 || pads.size() != 2 * r || ys.size() != r)
    throw ConvertError(n.describe() + ": pads must hold 2 values per axis of a rank 1..4 input " +
                       graph::shape_to_string(xs));
  for (size_t a = 0; a < r; ++a)
    if (pads[a] < 0 || pads[r + a] < 0 || xs[a] + pads[a] + pads[r + a] != ys[a])
      throw ConvertError(n.describe() + ": pads on axis " + std::to_string(a) + " do not give output " +
                         graph::shape_to_string(ys) + " (negative pads are not supported)");
  const float value = n.get_float("value", 0.0f);
  const int32_t x = input(n, 0);
  const int32_t y = define_output(n, n.outputs[0], m_.tensors[size_t(x)].quantized() ? x : -1);
  const LTensor& yt = m_.tensors[size_t(y)];
  if (yt.quantized()) {  // the code the runtime will use (QUANTIZE formula); warn when it is not the value
    int32_t lo = 0, hi = 0;
    storage_range(yt, &lo, &hi);
    const float s = yt.scale[0];
    const int32_t zp = (yt.zero_point.empty() ? 0 : yt.zero_point[0]) - (yt.dtype == schema::DType::U8 ? 128 : 0);
    const float v = std::min(std::max(value * (1.0f / s), float(lo - zp)), float(hi - zp));
    const float back = float(int32_t(std::nearbyint(v))) * s;
    if (std::fabs(back - value) > 0.5f * s) {
      char detail[160];
      std::snprintf(detail, sizeof detail, "value %g is outside the tensor's range; padding with %g", double(value),
                    double(back));
      m_.warnings.push_back(n.describe() + ": " + detail);
    }
  }
  std::vector<int64_t> before(pads.begin(), pads.begin() + int64_t(r)), after(pads.begin() + int64_t(r), pads.end());
  LOptions opts;
  opts.ints = to_nhwc_order(before);
  const std::vector<int32_t> a = to_nhwc_order(after);
  opts.ints.insert(opts.ints.end(), a.begin(), a.end());
  opts.value = value;
  add_op(schema::OpType::PAD, n, {x}, {y}, opts);
}

}  // namespace qrt::quantize
