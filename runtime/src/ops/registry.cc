// The op registry (schema OpType -> Prepare) and PrepareContext helpers.
#include <stdio.h>

#include "op.h"
#include "qrt/kernels/requantize.h"

namespace qrt {
namespace rt {

namespace {

using schema::OpType;

// One row per schema OpType; Prepare lives in ops/<op>.cc.
const OpRegistration kRegistry[] = {
    {OpType::CONV_2D, PrepareConv2D},
    {OpType::FULLY_CONNECTED, PrepareFullyConnected},
    {OpType::ADD, PrepareAdd},
    {OpType::QUANTIZE, PrepareQuantize},
    {OpType::DEQUANTIZE, PrepareDequantize},
    {OpType::MAX_POOL_2D, PrepareMaxPool2D},
    {OpType::AVERAGE_POOL_2D, PrepareAveragePool2D},
    {OpType::GLOBAL_AVERAGE_POOL, PrepareGlobalAveragePool},
    {OpType::RESHAPE, PrepareReshape},
    {OpType::CONCAT, PrepareConcat},
    {OpType::SOFTMAX, PrepareSoftmax},
    {OpType::LOOKUP_TABLE, PrepareLookupTable},
    {OpType::MUL, PrepareMul},
    {OpType::CHANNEL_SHUFFLE, PrepareChannelShuffle},
    {OpType::SLICE, PrepareSlice},
    {OpType::PAD, PreparePad},
    {OpType::LRN, PrepareLrn},
    {OpType::PRELU, PreparePrelu},
};

}  // namespace

bool SelectOpKernels(PrepareContext& ctx, const qrt_op_kernels** kernels) {
  char message[256];
  if (qrt_select_op_kernels(kernels, message, sizeof(message)) != 0) {
    return ctx.Fail(QRT_ERROR_INVALID_ARGUMENT, "%s", message);
  }
  return true;
}

const OpRegistration* FindOp(schema::OpType type) {
  for (const OpRegistration& row : kRegistry) {
    if (row.type == type) return &row;
  }
  return nullptr;
}

bool PrepareContext::Fail(qrt_status status, const char* fmt, ...) {
  char detail[QRT_ERROR_MESSAGE_SIZE];
  va_list args;
  va_start(args, fmt);
  vsnprintf(detail, sizeof(detail), fmt, args);
  va_end(args);
  SetError(error_, status, "operator %d '%s' (%s): %s", op_.index, op_.name,
           schema::EnumNameOpType(op_.type), detail);
  return false;
}

bool PrepareContext::ExpectCounts(size_t min_inputs, size_t max_inputs,
                                  size_t outputs) {
  const size_t n = op_.inputs.size();
  if (n < min_inputs || n > max_inputs) {
    if (min_inputs == max_inputs) {
      return Fail(QRT_ERROR_INVALID_MODEL, "has %zu inputs, expected %zu", n,
                  min_inputs);
    }
    return Fail(QRT_ERROR_INVALID_MODEL, "has %zu inputs, expected %zu to %zu",
                n, min_inputs, max_inputs);
  }
  if (op_.outputs.size() != outputs) {
    return Fail(QRT_ERROR_INVALID_MODEL, "has %zu outputs, expected %zu",
                op_.outputs.size(), outputs);
  }
  for (size_t i = 0; i < min_inputs; ++i) {
    if (op_.inputs[i] < 0) {
      return Fail(QRT_ERROR_INVALID_MODEL, "required input %zu is absent (-1)",
                  i);
    }
  }
  return true;
}

bool PrepareContext::ExpectActivation(size_t slot, const char* role) {
  if (In(slot).is_constant) {
    return Fail(QRT_ERROR_UNSUPPORTED,
                "%s %s is a constant; only activations are supported there",
                role, InText(slot).text);
  }
  return true;
}

bool PrepareContext::ExpectConstant(size_t slot, const char* role) {
  if (!In(slot).is_constant) {
    return Fail(QRT_ERROR_UNSUPPORTED,
                "%s %s has no buffer; it must be a constant", role,
                InText(slot).text);
  }
  return true;
}

bool PrepareContext::ExpectRank(const TensorDesc& t, int index,
                                const char* role, int rank) {
  if (t.rank != rank) {
    return Fail(QRT_ERROR_INVALID_MODEL, "%s %s has shape %s, expected rank %d",
                role, TensorText(index, t).text, ShapeText(t).text, rank);
  }
  return true;
}

bool PrepareContext::ExpectSameShape(const TensorDesc& a, int ia,
                                     const TensorDesc& b, int ib) {
  if (!a.same_shape(b)) {
    return Fail(QRT_ERROR_INVALID_MODEL, "%s has shape %s but %s has shape %s",
                TensorText(ia, a).text, ShapeText(a).text,
                TensorText(ib, b).text, ShapeText(b).text);
  }
  return true;
}

bool PrepareContext::FailDtypes() {
  char text[256];
  size_t used = 0;
  text[0] = '\0';
  for (size_t i = 0; i < op_.inputs.size() && used < sizeof(text); ++i) {
    const char* name = op_.inputs[i] < 0 ? "-" : schema::EnumNameDType(In(i).dtype);
    int n = snprintf(text + used, sizeof(text) - used, "%s%s", i ? "," : "", name);
    if (n < 0) break;
    used += (size_t)n;
  }
  const char* out = op_.outputs.empty() ? "-" : schema::EnumNameDType(Out(0).dtype);
  return Fail(QRT_ERROR_UNSUPPORTED,
              "unsupported dtype combination: inputs (%s) -> output %s", text,
              out);
}

void ActivationRangeF32(schema::Activation act, float* lo, float* hi) {
  qrt_activation_range_f32((qrt_activation)act, lo, hi);
}

void ActivationRangeS8(const TensorDesc& out, schema::Activation act,
                       int8_t* lo, int8_t* hi) {
  int32_t l = out.storage_min, h = out.storage_max;
  const int32_t zy = out.storage_zero_point;
  if (act == schema::Activation::RELU || act == schema::Activation::RELU6) {
    if (zy > l) l = zy;
  }
  if (act == schema::Activation::RELU6) {
    const float six = 6.0f / out.scale();
    if (six < 1024.0f) {  // beyond that RELU6 cannot narrow an int8 range
      const int32_t top = zy + qrt_round_half_even_f32(six);
      if (top < h) h = top;
    }
  }
  if (h < l) h = l;
  *lo = (int8_t)l;
  *hi = (int8_t)h;
}

bool ExpectActivationEnum(PrepareContext& ctx, schema::Activation act) {
  if (act != schema::Activation::NONE && act != schema::Activation::RELU &&
      act != schema::Activation::RELU6) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL, "fused activation %d is unknown",
                    (int)act);
  }
  return true;
}

}  // namespace rt
}  // namespace qrt
