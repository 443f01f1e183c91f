// RESHAPE: the output tensor's shape is the new shape; the bytes are copied
// unchanged (same dtype and quantization on both sides). An optional second
// input (ONNX's shape tensor) is ignored: the output shape is in the file.
#include <string.h>

#include "op.h"

namespace qrt {
namespace rt {
namespace {

struct ReshapeParams : OpParams {
  int input = 0, output = 0;
  size_t bytes = 0;
};

void RunReshape(const OpPlan& op, const RunContext& ctx) {
  const ReshapeParams& p = op.Params<ReshapeParams>();
  if (ctx.tensor_data[p.output] != ctx.tensor_data[p.input]) {
    memcpy(ctx.tensor_data[p.output], ctx.tensor_data[p.input], p.bytes);
  }
}

}  // namespace

bool PrepareReshape(PrepareContext& ctx) {
  if (!ctx.ExpectCounts(1, 2, 1)) return false;
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& y = ctx.Out(0);
  if (x.dtype != y.dtype) return ctx.FailDtypes();
  if (x.num_elements != y.num_elements) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "input %s has shape %s (%zu elements) but output %s has "
                    "shape %s (%zu elements)", ctx.InText(0).text,
                    ShapeText(x).text, x.num_elements, ctx.OutText(0).text,
                    ShapeText(y).text, y.num_elements);
  }
  if (x.quantized() && (x.num_scales != 1 || y.num_scales != 1 ||
                        x.scale() != y.scale() || x.zero_point != y.zero_point)) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "input %s and output %s must have the same per-tensor "
                    "quantization", ctx.InText(0).text, ctx.OutText(0).text);
  }
  auto p = std::unique_ptr<ReshapeParams>(new ReshapeParams());
  p->input = ctx.op().inputs[0];
  p->output = ctx.op().outputs[0];
  p->bytes = y.bytes;
  ctx.run().fn = RunReshape;
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
