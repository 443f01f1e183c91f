#include "copy_common.h"

namespace qrt {
namespace rt {

bool ExpectSameRepresentation(PrepareContext& ctx, bool* quantized) {
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& y = ctx.Out(0);
  if (x.dtype != y.dtype || (x.dtype != schema::DType::F32 && !x.quantized())) {
    return ctx.FailDtypes();
  }
  *quantized = x.quantized();
  if (*quantized && (x.num_scales != 1 || y.num_scales != 1 || x.scale() != y.scale() ||
                     x.zero_point != y.zero_point || x.bits != y.bits)) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "input %s and output %s must have the same per-tensor "
                    "quantization (the op copies codes)",
                    ctx.InText(0).text, ctx.OutText(0).text);
  }
  return true;
}

bool Shape4(PrepareContext& ctx, const TensorDesc& t, int index, size_t shape4[4]) {
  if (t.rank < 1 || t.rank > 4) {
    return ctx.Fail(QRT_ERROR_UNSUPPORTED, "%s has shape %s: rank 1..4 only",
                    TensorText(index, t).text, ShapeText(t).text);
  }
  for (int k = 0; k < 4; ++k) shape4[k] = 1;
  for (int k = 0; k < t.rank; ++k) shape4[4 - t.rank + k] = (size_t)t.shape[k];
  return true;
}

}  // namespace rt
}  // namespace qrt
