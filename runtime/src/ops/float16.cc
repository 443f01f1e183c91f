// fp16 float-adds: the tensor choice and the f16 run functions (float16.h).
#include "float16.h"

#include <algorithm>

#include "../error.h"
#include "../thread_pool.h"
#include "add.h"
#include "conv2d.h"
#include "convert_common.h"

namespace qrt {
namespace rt {
namespace {

constexpr size_t kBandBytes = 16384;  // fp32 band scratch per thread (target)

// ---- CONV_2D: bands of output rows ------------------------------------------

// Every band start row reads inside the input (the kernels' band view,
// as conv2d_packed.cc's thread bands).
bool BandsOk(const qrt_conv2d_params& c) {
  const long last_first =
      (long)((c.output_height - 1) * c.stride_height) - (long)c.pad_top;
  return last_first < (long)c.input_height;
}

// Output rows [oy0, oy1) of image n as a convolution of its own.
qrt_conv2d_params BandParams(const qrt_conv2d_params& c, size_t n, size_t oy0,
                             size_t oy1, size_t* input_offset,
                             size_t* output_offset) {
  qrt_conv2d_params b = c;
  b.batch = 1;
  b.output_height = oy1 - oy0;
  const long first = (long)(oy0 * c.stride_height) - (long)c.pad_top;
  size_t row0 = 0;
  if (first > 0) {
    row0 = (size_t)first;
    b.pad_top = 0;
    b.input_height = c.input_height - row0;
  } else {
    b.pad_top = (size_t)(-first);
  }
  *input_offset = (n * c.input_height + row0) * c.input_width * c.input_channels;
  *output_offset = (n * c.output_height + oy0) * c.output_width * c.output_channels;
  return b;
}

// Conv2DParams::f32_band: the kernel of the F32 session's run function
// (conv2d.cc, conv2d_packed.cc) on one band.
void BandGemm(const Conv2DParams& p, const qrt_conv2d_params& b, const int8_t* x,
              const int8_t* /*w*/, const int32_t* /*bias*/, int8_t* im2col,
              float* y) {
  qrt_conv2d_s8_gemm(&p.gemm.kernel->ukernel, &b, x, p.gemm.packed.data,
                     &p.epilogue, p.gemm.int16_chunk, im2col, y);
}

void BandDwconv(const Conv2DParams& p, const qrt_conv2d_params& b,
                const int8_t* x, const int8_t* /*w*/, const int32_t* /*bias*/,
                int8_t* /*im2col*/, float* y) {
  p.dwconv.kernel->fn(&b, x, p.dwconv.packed.data, &p.epilogue, y);
}

void BandDwconvKxK(const Conv2DParams& p, const qrt_conv2d_params& b,
                   const int8_t* x, const int8_t* /*w*/, const int32_t* /*bias*/,
                   int8_t* /*im2col*/, float* y) {
  p.dwconvk.kernel->fn(&b, x, p.dwconvk.packed.data, &p.epilogue,
                       p.dwconvk.int16_chunk, y);
}

void BandRef(const Conv2DParams& p, const qrt_conv2d_params& b, const int8_t* x,
             const int8_t* w, const int32_t* bias, int8_t* /*im2col*/, float* y) {
  qrt_conv2d_s8_f32__ref(&b, x, w, bias, &p.dequant, y);
}

struct ConvF16Job {
  const OpPlan* op;
  const Conv2DParams* p;
  const RunContext* ctx;
  size_t bands;  // per image
};

void ConvF16Task(const void* arg, size_t task, size_t thread) {
  const ConvF16Job& j = *static_cast<const ConvF16Job*>(arg);
  const Conv2DParams& p = *j.p;
  const RunContext& ctx = *j.ctx;
  const qrt_conv2d_params& c = p.conv;
  const size_t n = task / j.bands, band = task % j.bands;
  const size_t oy0 = band * p.f16_rows;
  const size_t oy1 = std::min(oy0 + p.f16_rows, c.output_height);
  size_t in_off = 0, out_off = 0;
  const qrt_conv2d_params b = BandParams(c, n, oy0, oy1, &in_off, &out_off);
  uint8_t* slice = static_cast<uint8_t*>(ctx.ThreadScratch(*j.op, thread));
  int8_t* im2col = reinterpret_cast<int8_t*>(slice);
  float* buf = reinterpret_cast<float*>(
      slice + ThreadScratchStride(j.op->run[kStorageF32].thread_scratch_bytes));
  const int8_t* x = static_cast<const int8_t*>(ctx.tensor_data[p.input]) + in_off;
  const int8_t* w = static_cast<const int8_t*>(ctx.tensor_data[p.weights]);
  const int32_t* bias =
      p.bias < 0 ? nullptr : static_cast<const int32_t*>(ctx.tensor_data[p.bias]);
  p.f32_band(p, b, x, w, bias, im2col, buf);
  p.to_f16((oy1 - oy0) * c.output_width * c.output_channels, buf,
           static_cast<uint16_t*>(ctx.tensor_data[p.output]) + out_off);
}

void RunConv2DF16(const OpPlan& op, const RunContext& ctx) {
  const Conv2DParams& p = op.Params<Conv2DParams>();
  ConvF16Job job;
  job.op = &op;
  job.p = &p;
  job.ctx = &ctx;
  job.bands = (p.conv.output_height + p.f16_rows - 1) / p.f16_rows;
  const size_t tasks = p.conv.batch * job.bands;
  if (ctx.num_threads <= 1) {
    for (size_t t = 0; t < tasks; ++t) ConvF16Task(&job, t, 0);
  } else {
    ctx.pool->Parallelize(tasks, ConvF16Task, &job);
  }
}

// ---- DEQUANTIZE, QUANTIZE, ADD --------------------------------------------

void RunDequantizeF16(const OpPlan& op, const RunContext& ctx) {
  const ConvertParams& p = op.Params<ConvertParams>();
  p.dequantize_f16(p.n, static_cast<const int8_t*>(ctx.tensor_data[p.input]),
                   p.scale, p.zero_point,
                   static_cast<uint16_t*>(ctx.tensor_data[p.output]));
}

void RunQuantizeF16(const OpPlan& op, const RunContext& ctx) {
  const ConvertParams& p = op.Params<ConvertParams>();
  p.quantize_f16(p.n, static_cast<const uint16_t*>(ctx.tensor_data[p.input]),
                 p.scale, p.zero_point, p.lo, p.hi,
                 static_cast<int8_t*>(ctx.tensor_data[p.output]));
}

void RunAddF16(const OpPlan& op, const RunContext& ctx) {
  const AddParams& p = op.Params<AddParams>();
  p.add_f16(p.n, static_cast<const uint16_t*>(ctx.tensor_data[p.a]),
            static_cast<const uint16_t*>(ctx.tensor_data[p.b]), p.lo, p.hi,
            static_cast<uint16_t*>(ctx.tensor_data[p.output]));
}

// fp16 inputs, fp32 output: the fp16 sum in scratch, widened exactly.
void RunAddF16ToF32(const OpPlan& op, const RunContext& ctx) {
  const AddParams& p = op.Params<AddParams>();
  uint16_t* s = static_cast<uint16_t*>(ctx.scratch);
  p.add_f16(p.n, static_cast<const uint16_t*>(ctx.tensor_data[p.a]),
            static_cast<const uint16_t*>(ctx.tensor_data[p.b]), p.lo, p.hi, s);
  p.widen(p.n, s, static_cast<float*>(ctx.tensor_data[p.output]));
}

bool IsFloatAdd(const Model& m, const OpPlan& op) {
  return op.type == schema::OpType::ADD && op.outputs.size() == 1 &&
         m.tensors[(size_t)op.outputs[0]].dtype == schema::DType::F32;
}

bool CanProduce(const Model& m, const OpPlan& op) {
  switch (op.type) {
    case schema::OpType::CONV_2D: {
      const Conv2DParams& p = op.Params<Conv2DParams>();
      return p.float_output && BandsOk(p.conv);
    }
    case schema::OpType::DEQUANTIZE:
      return true;
    case schema::OpType::ADD:
      return IsFloatAdd(m, op);
    default:
      return false;
  }
}

bool CanConsume(const Model& m, const OpPlan& op) {
  return op.type == schema::OpType::QUANTIZE || IsFloatAdd(m, op);
}

}  // namespace

qrt_status PrepareFloat16(Model& m, qrt_error* error) {
  const size_t nt = m.tensors.size();
  std::vector<int> producer(nt, -1);
  std::vector<bool> ok(nt, true), io(nt, false);
  for (int i : m.inputs) io[(size_t)i] = true;
  for (int i : m.outputs) io[(size_t)i] = true;
  for (const OpPlan& op : m.ops) {
    for (int i : op.outputs) {
      producer[(size_t)i] = op.index;
      if (!CanProduce(m, op)) ok[(size_t)i] = false;
    }
    for (int i : op.inputs) {
      if (i >= 0 && !CanConsume(m, op)) ok[(size_t)i] = false;
    }
  }
  for (size_t i = 0; i < nt; ++i) {
    const TensorDesc& t = m.tensors[i];
    if (t.is_constant || io[i] || producer[i] < 0 || t.dtype != schema::DType::F32) {
      ok[i] = false;
    }
  }
  // An ADD's inputs are both fp16 or both fp32; its output is fp16 only if
  // its inputs are. Only removes, so it ends.
  for (bool changed = true; changed;) {
    changed = false;
    for (const OpPlan& op : m.ops) {
      if (!IsFloatAdd(m, op)) continue;
      const size_t a = (size_t)op.inputs[0], b = (size_t)op.inputs[1];
      const size_t y = (size_t)op.outputs[0];
      if (ok[a] != ok[b]) {
        ok[a] = ok[b] = false;
        changed = true;
      }
      if (ok[y] && !ok[a]) {
        ok[y] = false;
        changed = true;
      }
    }
  }
  m.f16 = ok;
  m.num_f16 = (size_t)std::count(ok.begin(), ok.end(), true);
  if (m.num_f16 == 0) return QRT_OK;

  const qrt_f16_op_kernels* k = nullptr;
  char message[256];
  if (qrt_select_f16_op_kernels(&k, message, sizeof message)) {
    return SetError(error, QRT_ERROR_INVALID_ARGUMENT, "fp16 kernels: %s", message);
  }
  for (OpPlan& op : m.ops) {
    switch (op.type) {
      case schema::OpType::CONV_2D: {
        if (!ok[(size_t)op.outputs[0]]) break;
        Conv2DParams& p = *static_cast<Conv2DParams*>(op.params.get());
        const qrt_conv2d_params& c = p.conv;
        const size_t row_bytes = c.output_width * c.output_channels * sizeof(float);
        p.f16_rows = std::max<size_t>(1, std::min(c.output_height, kBandBytes / row_bytes));
        p.to_f16 = k->convert_f32_f16.fn;
        p.f32_band = p.gemm.kernel != nullptr      ? BandGemm
                     : p.dwconv.kernel != nullptr  ? BandDwconv
                     : p.dwconvk.kernel != nullptr ? BandDwconvKxK
                                                   : BandRef;
        // The F32 kernel's name and scratch, plus an fp32 band per thread.
        const OpRun& f32 = op.run[kStorageF32];
        op.run[kStorageF16] = {RunConv2DF16, f32.kernel_name, f32.scratch_bytes,
                               ThreadScratchStride(f32.thread_scratch_bytes) +
                                   p.f16_rows * row_bytes};
        break;
      }
      case schema::OpType::DEQUANTIZE:
        if (!ok[(size_t)op.outputs[0]]) break;
        static_cast<ConvertParams*>(op.params.get())->dequantize_f16 =
            k->dequantize_s8_f16.fn;
        op.run[kStorageF16] = {RunDequantizeF16, k->dequantize_s8_f16.name, 0, 0};
        break;
      case schema::OpType::QUANTIZE:
        if (!ok[(size_t)op.inputs[0]]) break;
        static_cast<ConvertParams*>(op.params.get())->quantize_f16 =
            k->quantize_f16_s8.fn;
        op.run[kStorageF16] = {RunQuantizeF16, k->quantize_f16_s8.name, 0, 0};
        break;
      case schema::OpType::ADD: {
        if (!IsFloatAdd(m, op) || !ok[(size_t)op.inputs[0]]) break;
        AddParams& p = *static_cast<AddParams*>(op.params.get());
        p.add_f16 = k->add_f16.fn;
        p.widen = k->convert_f16_f32.fn;
        if (ok[(size_t)op.outputs[0]]) {
          op.run[kStorageF16] = {RunAddF16, k->add_f16.name, 0, 0};
        } else {  // the fp16 sum in scratch, then widened
          op.run[kStorageF16] = {RunAddF16ToF32, k->add_f16.name,
                                 p.n * sizeof(uint16_t), 0};
        }
        break;
      }
      default:
        break;
    }
  }
  return QRT_OK;
}

}  // namespace rt
}  // namespace qrt
