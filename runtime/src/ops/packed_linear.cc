// Kernel choice and weight packing for CONV_2D / FULLY_CONNECTED
// (packed_linear.h).
#include "packed_linear.h"

#include "qrt/kernels/accumulation.h"

namespace qrt {
namespace rt {

bool PackedBuffer::Allocate(PrepareContext& ctx, size_t n) {
  const size_t rounded = (n + 63) & ~(size_t)63;
  data = aligned_alloc(64, rounded ? rounded : 64);
  if (data == nullptr) {
    return ctx.Fail(QRT_ERROR_OUT_OF_MEMORY,
                    "no memory for %zu bytes of packed weights", n);
  }
  bytes = n;
  return true;
}

bool UseReferenceKernels(PrepareContext& ctx, bool* reference) {
  int forced = 0;
  qrt_isa isa = QRT_ISA_REF;
  char message[256];
  if (qrt_kernel_path_from_env(&forced, &isa, message, sizeof(message)) != 0) {
    return ctx.Fail(QRT_ERROR_INVALID_ARGUMENT, "%s", message);
  }
  *reference = forced && isa == QRT_ISA_REF;
  return true;
}

qrt_gemm_s8_epilogue MakeGemmEpilogue(const LinearEpilogue& e) {
  if (e.float_output) {
    return qrt_gemm_s8_epilogue_f32(e.dequant.output_min, e.dequant.output_max);
  }
  return qrt_gemm_s8_epilogue_s8(e.requant.output_zero_point,
                                 e.requant.output_min, e.requant.output_max);
}

bool VerifyAccumulator(PrepareContext& ctx, schema::Accumulator accumulator,
                       int file_chunk) {
  if (accumulator == schema::Accumulator::INT32) return true;
  if (accumulator != schema::Accumulator::INT16 || file_chunk < 1) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "accumulator %d with int16_chunk %d is invalid",
                    (int)accumulator, file_chunk);
  }
  // Weights [channels][k] for conv (OHWI, k = KH*KW*IC/groups) and FC.
  const TensorDesc& x = ctx.In(0);
  const TensorDesc& w = ctx.In(1);
  const size_t channels = (size_t)w.shape[0];
  const size_t k = channels ? w.num_elements / channels : 0;
  const size_t bound = qrt_int16_chunk(static_cast<const int8_t*>(w.data),
                                       channels, k, x.storage_min,
                                       x.storage_max);
  if ((size_t)file_chunk > bound) {
    return ctx.Fail(QRT_ERROR_INVALID_MODEL,
                    "int16_chunk %d exceeds %zu, the most products weight %s "
                    "and input %s allow before an int16 sum can overflow",
                    file_chunk, bound, ctx.InText(1).text, ctx.InText(0).text);
  }
  return true;
}

bool PrepareGemm(PrepareContext& ctx, schema::Accumulator accumulator,
                 int file_chunk, size_t n, size_t k, const LinearEpilogue& e,
                 PackedGemm* out, size_t groups) {
  const int8_t* w = static_cast<const int8_t*>(ctx.In(1).data);
  const int32_t* bias =
      ctx.HasInput(2) ? static_cast<const int32_t*>(ctx.In(2).data) : nullptr;
  qrt_accumulator acc = QRT_ACCUMULATOR_INT32;
  qrt_int16_bounds int16 = {0, 0, 0};
  if (accumulator == schema::Accumulator::INT16) {
    // The file's chunk, verified against the weights at load
    // (VerifyAccumulator), and the run bounds of the same weights and input
    // range (each >= the chunk) for the kernels whose lanes sum runs.
    const TensorDesc& x = ctx.In(0);
    int16 = qrt_int16_layer_bounds(w, n, k, x.storage_min, x.storage_max,
                                   (size_t)file_chunk);
    acc = QRT_ACCUMULATOR_INT16;
  }
  char message[256];
  if (qrt_select_gemm_s8_for_layer(acc, n / groups, k, &int16, &out->kernel, message,
                                   sizeof(message)) != 0) {
    return ctx.Fail(QRT_ERROR_UNSUPPORTED, "%s", message);
  }
  out->int16_chunk = qrt_gemm_s8_kernel_int16_chunk(out->kernel, &int16);
  const qrt_gemm_s8_ukernel& uk = out->kernel->ukernel;
  if (!out->packed.Allocate(ctx, qrt_conv2d_s8_gemm_packed_size(&uk, groups, n, k))) {
    return false;
  }
  qrt_conv2d_s8_gemm_pack_weights(&uk, groups, n, k, w, bias,
                                  e.channel_factors.data(), e.input_zero_point,
                                  out->packed.data);
  SetKernelInfo(ctx.op(), out->kernel->name, out->int16_chunk,
                out->packed.bytes);
  return true;
}

namespace {

// A depthwise layer's accumulator and int16 chunk: the file's chunk,
// verified against the weights at load (VerifyAccumulator); 0 for INT32.
qrt_accumulator DwconvAccumulator(schema::Accumulator accumulator,
                                  int file_chunk, size_t* chunk) {
  if (accumulator != schema::Accumulator::INT16) {
    *chunk = 0;
    return QRT_ACCUMULATOR_INT32;
  }
  *chunk = (size_t)file_chunk;
  return QRT_ACCUMULATOR_INT16;
}

}  // namespace

bool PrepareDwconv3x3(PrepareContext& ctx, schema::Accumulator accumulator,
                      int file_chunk, size_t channels, const LinearEpilogue& e,
                      PackedDwconv* out) {
  size_t chunk = 0;
  const qrt_accumulator acc = DwconvAccumulator(accumulator, file_chunk, &chunk);
  char message[256];
  if (qrt_select_dwconv3x3_s8_for_layer(acc, chunk, &out->kernel, message,
                                        sizeof(message)) != 0) {
    return ctx.Fail(QRT_ERROR_UNSUPPORTED, "%s", message);
  }
  if (!out->packed.Allocate(ctx, qrt_dwconv3x3_s8_packed_size(channels))) {
    return false;
  }
  qrt_dwconv3x3_s8_pack_weights(
      channels, static_cast<const int8_t*>(ctx.In(1).data),
      ctx.HasInput(2) ? static_cast<const int32_t*>(ctx.In(2).data) : nullptr,
      e.channel_factors.data(), e.input_zero_point, out->packed.data);
  SetKernelInfo(ctx.op(), out->kernel->name,
                out->kernel->accumulator == QRT_ACCUMULATOR_INT16 ? chunk : 0,
                out->packed.bytes);
  return true;
}

bool PrepareDwconvKxK(PrepareContext& ctx, schema::Accumulator accumulator,
                      int file_chunk, const qrt_conv2d_params& conv,
                      const LinearEpilogue& e, PackedDwconvKxK* out) {
  size_t chunk = 0;
  const qrt_accumulator acc = DwconvAccumulator(accumulator, file_chunk, &chunk);
  char message[256];
  if (qrt_select_dwconv_s8_for_layer(acc, conv.kernel_width, chunk, &out->kernel,
                                     message, sizeof(message)) != 0) {
    return ctx.Fail(QRT_ERROR_UNSUPPORTED, "%s", message);
  }
  out->int16_chunk = out->kernel->accumulator == QRT_ACCUMULATOR_INT16 ? chunk : 0;
  const size_t channels = conv.output_channels;
  if (!out->packed.Allocate(ctx, qrt_dwconv_s8_packed_size(channels, conv.kernel_height,
                                                           conv.kernel_width))) {
    return false;
  }
  qrt_dwconv_s8_pack_weights(
      channels, conv.kernel_height, conv.kernel_width,
      static_cast<const int8_t*>(ctx.In(1).data),
      ctx.HasInput(2) ? static_cast<const int32_t*>(ctx.In(2).data) : nullptr,
      e.channel_factors.data(), e.input_zero_point, out->packed.data);
  SetKernelInfo(ctx.op(), out->kernel->name, out->int16_chunk, out->packed.bytes);
  return true;
}

void SetKernelInfo(OpPlan& op, const char* name, size_t int16_chunk,
                   size_t packed_bytes) {
  op.run[kStorageF32].kernel_name = name;
  op.int16_chunk = int16_chunk;
  op.packed_bytes = packed_bytes;
}

}  // namespace rt
}  // namespace qrt
