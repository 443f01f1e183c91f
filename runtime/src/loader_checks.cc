#include "loader_checks.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

namespace qrt {
namespace rt {
namespace {

const char* OpTypeName(schema::OpType t) {
  return (size_t)t <= (size_t)schema::OpType::MAX ? schema::EnumNameOpType(t) : "?";
}

// The int32 accumulator bound for output channel c:
//   |bias[c]| + (128 + |zx|) * sum_k |w[c, k]|  <=  2^31 - 1
// with zx the input's storage zero point. Every partial sum a kernel forms
// stays within it: the reference adds w * (x - zx), |x - zx| <= 128 + |zx|;
// the packed GEMM and depthwise kernels start from bias - zx * sum_k w[c, k]
// and add w * x (|x| <= 128), the depthwise ones also zx * (a kernel row's
// sum) for rows outside the input; INT16 lanes widen exact partial sums
// (the int16_chunk bound) into the int32 accumulator.
qrt_status CheckAccumulator(const Model& m, const OpPlan& op, qrt_error* error) {
  const TensorDesc& x = m.tensors[(size_t)op.inputs[0]];
  const TensorDesc& w = m.tensors[(size_t)op.inputs[1]];
  const int bi = op.inputs.size() > 2 ? op.inputs[2] : -1;
  const TensorDesc* b = bi >= 0 ? &m.tensors[(size_t)bi] : nullptr;
  const size_t out_channels = (size_t)w.shape[0];
  const size_t k = w.num_elements / out_channels;
  const int8_t* wv = static_cast<const int8_t*>(w.data);
  const int32_t* bias = b != nullptr ? static_cast<const int32_t*>(b->data) : nullptr;
  const int64_t reach = 128 + llabs((long long)x.storage_zero_point);
  for (size_t c = 0; c < out_channels; ++c) {
    int64_t sum = 0;
    for (size_t j = 0; j < k; ++j) sum += abs((int)wv[c * k + j]);
    const int64_t bound = (bias != nullptr ? llabs((long long)bias[c]) : 0) + reach * sum;
    if (bound <= INT32_MAX) continue;
    const TensorText wt(op.inputs[1], w);
    if (bias != nullptr) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "operator %d '%s' (%s): bias %s channel %zu = %d: |bias| + (128 + "
                      "|input zero point %d|) * sum|w| (%lld, weight %s) = %lld exceeds "
                      "the int32 accumulator (2^31 - 1)",
                      op.index, op.name, OpTypeName(op.type), TensorText(bi, *b).text, c,
                      (int)bias[c], (int)x.storage_zero_point, (long long)sum, wt.text,
                      (long long)bound);
    }
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "operator %d '%s' (%s): weight %s channel %zu: (128 + |input zero "
                    "point %d|) * sum|w| (%lld) = %lld exceeds the int32 accumulator "
                    "(2^31 - 1)", op.index, op.name, OpTypeName(op.type), wt.text, c,
                    (int)x.storage_zero_point, (long long)sum, (long long)bound);
  }
  return QRT_OK;
}

// sx * sw[c] (F32 output) or sx * sw[c] / sy: each scale is a positive
// normal float, but the product or quotient can still be 0 or inf, and an
// inf factor turns a zero sum into NaN.
qrt_status CheckFactors(const Model& m, const OpPlan& op, qrt_error* error) {
  const TensorDesc& x = m.tensors[(size_t)op.inputs[0]];
  const TensorDesc& w = m.tensors[(size_t)op.inputs[1]];
  const TensorDesc& y = m.tensors[(size_t)op.outputs[0]];
  const size_t out_channels = (size_t)w.shape[0];
  for (size_t c = 0; c < out_channels; ++c) {
    const float sw = w.scales[w.num_scales == 1 ? 0 : c];
    const float f = y.quantized() ? (x.scale() * sw) / y.scale() : x.scale() * sw;
    if (f > 0.0f && isfinite(f)) continue;
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "operator %d '%s' (%s): channel %zu: input scale %g * weight %s scale "
                    "%g%s = %g is not a positive finite float",
                    op.index, op.name, OpTypeName(op.type), c, (double)x.scale(),
                    TensorText(op.inputs[1], w).text, (double)sw,
                    y.quantized() ? " / output scale" : "", (double)f);
  }
  return QRT_OK;
}

}  // namespace

qrt_status CheckLinearRanges(const Model& m, qrt_error* error) {
  for (const OpPlan& op : m.ops) {
    if (op.type != schema::OpType::CONV_2D &&
        op.type != schema::OpType::FULLY_CONNECTED) {
      continue;
    }
    qrt_status s = CheckAccumulator(m, op, error);
    if (s == QRT_OK) s = CheckFactors(m, op, error);
    if (s != QRT_OK) return s;
  }
  return QRT_OK;
}

qrt_status CheckPreprocess(const Model& m, qrt_error* error) {
  const schema::Metadata* md = m.fb->metadata();
  const schema::Preprocess* p = md ? md->preprocess() : nullptr;
  if (p == nullptr) return QRT_OK;
  const struct {
    const char* field;
    int32_t value;
  } sizes[] = {{"resize_short", p->resize_short()},
               {"crop_height", p->crop_height()},
               {"crop_width", p->crop_width()}};
  for (const auto& s : sizes) {
    if (s.value < 0 || s.value > kMaxPreprocessSize) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "metadata.preprocess.%s = %d, expected 0 (none) to %d", s.field,
                      (int)s.value, (int)kMaxPreprocessSize);
    }
  }
  if ((p->crop_height() == 0) != (p->crop_width() == 0)) {
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "metadata.preprocess: crop %dx%d, both or neither must be set",
                    (int)p->crop_height(), (int)p->crop_width());
  }
  if (p->resize_short() > 0 &&
      (p->crop_height() > p->resize_short() || p->crop_width() > p->resize_short())) {
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "metadata.preprocess: crop %dx%d is larger than resize_short %d",
                    (int)p->crop_height(), (int)p->crop_width(), (int)p->resize_short());
  }
  const struct {
    const char* field;
    const flatbuffers::Vector<float>* v;
  } vectors[] = {{"mean", p->mean()}, {"std", p->std()}};
  for (const auto& f : vectors) {
    if (f.v == nullptr) continue;
    const bool is_std = f.v == p->std();
    for (flatbuffers::uoffset_t c = 0; c < f.v->size(); ++c) {
      const float v = f.v->Get(c);
      if (!isfinite(v) || (is_std && !(v > 0.0f && isnormal(v)))) {
        return SetError(error, QRT_ERROR_INVALID_MODEL,
                        "metadata.preprocess.%s[%u] = %g, must be %s", f.field, c, (double)v,
                        is_std ? "a positive normal finite float" : "finite");
      }
    }
  }
  // Empty: not given (an app then uses GRAY for 1 channel, else RGB).
  if (p->channel_order() != nullptr && p->channel_order()->size() != 0) {
    const char* order = p->channel_order()->c_str();
    if (strcmp(order, "RGB") != 0 && strcmp(order, "BGR") != 0 &&
        strcmp(order, "GRAY") != 0) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "metadata.preprocess.channel_order = \"%.32s\", expected \"RGB\", "
                      "\"BGR\", \"GRAY\" or none", order);
    }
  }
  return QRT_OK;
}

}  // namespace rt
}  // namespace qrt
