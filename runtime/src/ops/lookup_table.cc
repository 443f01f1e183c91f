// LOOKUP_TABLE: y = table[x + 128], int8 in, int8 out (any unary
// elementwise function of one quantized activation: HardSwish, Sigmoid,
// Tanh, ...). Input 1 is the table: a constant of 256 values with the
// output's dtype and quantization, so the loader has already checked (and,
// for U8, shifted) every entry into the output's storage range. The
// converter computes the table (docs/integer-semantics.md, "Lookup
// table"); here nothing is computed. Kernel: qrt_lookup_table_s8__neon on
// aarch64 (QRT_KERNEL_PATH=ref: __ref), else qrt_lookup_table_s8__ref.
#include "op.h"
#include "qrt/kernels/neon.h"

namespace qrt {
namespace rt {
namespace {

using LookupFn = void (*)(size_t, const int8_t*, const int8_t*, int8_t*);

struct LookupTableParams : OpParams {
  int input = 0, output = 0;
  size_t n = 0;
  const int8_t* table = nullptr;
  LookupFn fn = nullptr;
};

void RunLookupTable(const OpPlan& op, const RunContext& ctx) {
  const LookupTableParams& p = op.Params<LookupTableParams>();
  p.fn(p.n, static_cast<const int8_t*>(ctx.tensor_data[p.input]), p.table,
       static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

}  // namespace

bool PrepareLookupTable(PrepareContext& ctx) {
  if (!ctx.ExpectCounts(2, 2, 1)) return false;
  if (!ctx.ExpectActivation(0, "input") || !ctx.ExpectConstant(1, "table")) return false;
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& t = ctx.In(1);
  const TensorDesc& y = ctx.Out(0);
  if (!x.quantized() || !y.quantized() || !t.quantized()) return ctx.FailDtypes();
  if (x.num_scales != 1 || y.num_scales != 1) {
    return ctx.Fail(QRT_ERROR_UNSUPPORTED, "input %s and output %s must be per-tensor",
                    ctx.InText(0).text, ctx.OutText(0).text);
  }
  if (t.num_elements != 256 || t.dtype != y.dtype || t.num_scales != 1 ||
      t.scale() != y.scale() || t.zero_point != y.zero_point || t.bits != y.bits) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "table %s (shape %s, %s) must hold 256 values with the "
                    "dtype, scale, zero point and bits of output %s (%s)",
                    ctx.InText(1).text, ShapeText(t).text,
                    schema::EnumNameDType(t.dtype), ctx.OutText(0).text,
                    schema::EnumNameDType(y.dtype));
  }
  if (!ctx.ExpectSameShape(x, ctx.op().inputs[0], y, ctx.op().outputs[0])) return false;
  const qrt_op_kernels* k = nullptr;
  if (!SelectOpKernels(ctx, &k)) return false;
  auto p = std::unique_ptr<LookupTableParams>(new LookupTableParams());
  p->input = ctx.op().inputs[0];
  p->output = ctx.op().outputs[0];
  p->n = y.num_elements;
  p->table = static_cast<const int8_t*>(t.data);
  p->fn = qrt_lookup_table_s8__ref;
  ctx.run().kernel_name = "qrt_lookup_table_s8__ref";
#if QRT_KERNELS_HAVE_NEON
  if (k->isa != QRT_ISA_REF) {
    p->fn = qrt_lookup_table_s8__neon;
    ctx.run().kernel_name = "qrt_lookup_table_s8__neon";
  }
#else
  (void)k;
#endif
  ctx.run().fn = RunLookupTable;
  ctx.op().params = std::move(p);
  return true;
}

}  // namespace rt
}  // namespace qrt
