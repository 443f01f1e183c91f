// Sessions: the memory plan made real, and the run loop.
//
// qrt_session_create plans (planner.h), takes the arena (the caller's or
// one aligned_alloc), and resolves every tensor to a pointer once:
// constants into the model, activations into the arena. After that,
// set_input / run / get_output only read that table: nothing allocates,
// nothing can fail except argument checks. An F32 model input whose only
// reader is a QUANTIZE is quantized by set_input_f32 straight into that
// op's int8 output (unless keep_all_tensors), so the float copy takes no
// arena and the op is skipped by run. With num_threads > 1 it also
// starts the thread pool (thread_pool.h) that conv / FC ops split work on,
// and plans one scratch slice per thread.
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <new>
#include <vector>

#include "error.h"
#include "model.h"
#include "planner.h"
#include "qrt/kernels/dispatch.h"
#include "qrt/kernels/ref.h"
#include "ops/convert_common.h"
#include "thread_pool.h"

using qrt::rt::kArenaAlignment;
using qrt::rt::kNotPlanned;
using qrt::rt::Model;
using qrt::rt::SetError;
using qrt::rt::TensorDesc;

struct qrt_session {
  const Model* model = nullptr;
  void* owned_arena = nullptr;  // aligned_alloc'ed, or NULL for the caller's
  uint8_t* arena = nullptr;
  size_t arena_bytes = 0;
  std::vector<void*> tensor_data;
  std::vector<void*> scratch;
  std::vector<bool> kept;
  // Per model input: the QUANTIZE op folded into set_input_f32 (no
  // keep_all_tensors, Model::input_quantize), or -1. Per op: true for those
  // QUANTIZE ops, which run skips.
  std::vector<int> folded_quantize;
  std::vector<bool> skip_op;
  qrt::rt::ThreadPool pool;
  bool profile = false;
  // options.float_adds resolved: every op runs its OpPlan::run[storage].
  qrt::rt::FloatStorage storage = qrt::rt::kStorageF32;
  std::vector<uint64_t> op_ns;  // per op, filled by run when profiling
  char last_error[QRT_ERROR_MESSAGE_SIZE] = {};

  ~qrt_session() { free(owned_arena); }

  qrt_status Fail(qrt_status status, const char* fmt, ...) QRT_PRINTF(3, 4) {
    qrt_error e;
    va_list args;
    va_start(args, fmt);
    qrt::rt::SetErrorV(&e, status, fmt, args);
    va_end(args);
    memcpy(last_error, e.message, sizeof(last_error));
    return status;
  }
};

namespace {

constexpr int kMaxThreads = 64;

// Reads a caller's options struct of any (older or newer) size.
qrt_status ReadOptions(const qrt_session_options* in, qrt_session_options* out,
                       qrt_error* error) {
  qrt_session_options_init(out);
  if (in == nullptr) return QRT_OK;
  if (in->struct_size < sizeof(size_t) + sizeof(int32_t)) {
    return SetError(error, QRT_ERROR_INVALID_ARGUMENT,
                    "qrt_session_options.struct_size is %zu; set it to "
                    "sizeof(qrt_session_options) (qrt_session_options_init)",
                    in->struct_size);
  }
  const size_t n = in->struct_size < sizeof(*out) ? in->struct_size : sizeof(*out);
  memcpy(out, in, n);
  out->struct_size = sizeof(*out);
  if (out->num_threads < 0 || out->num_threads > kMaxThreads) {
    return SetError(error, QRT_ERROR_INVALID_ARGUMENT,
                    "num_threads is %d, must be in [0, %d]",
                    (int)out->num_threads, kMaxThreads);
  }
  if (out->num_threads == 0) out->num_threads = 1;
  if (out->reserved0 != 0) {
    return SetError(error, QRT_ERROR_INVALID_ARGUMENT,
                    "qrt_session_options.reserved0 is %d, must be 0",
                    (int)out->reserved0);
  }
  if (out->float_adds < QRT_FLOAT_ADDS_AUTO || out->float_adds > QRT_FLOAT_ADDS_F16) {
    return SetError(error, QRT_ERROR_INVALID_ARGUMENT,
                    "float_adds is %d, must be QRT_FLOAT_ADDS_AUTO (0), _F32 "
                    "(1) or _F16 (2)", (int)out->float_adds);
  }
  return QRT_OK;
}

// AUTO: F16 where the CPU has fp16 arithmetic (FEAT_FP16).
qrt::rt::FloatStorage StorageOf(const qrt_session_options& o) {
  const bool f16 = o.float_adds == QRT_FLOAT_ADDS_F16 ||
                   (o.float_adds == QRT_FLOAT_ADDS_AUTO && qrt_cpu_has_fp16_arith() != 0);
  return f16 ? qrt::rt::kStorageF16 : qrt::rt::kStorageF32;
}

uint64_t NowNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

size_t AlignmentSlack(const void* p) {
  const size_t mis = (size_t)((uintptr_t)p % kArenaAlignment);
  return mis ? kArenaAlignment - mis : 0;
}

}  // namespace

extern "C" void qrt_session_options_init(qrt_session_options* options) {
  if (options == nullptr) return;
  memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
  options->num_threads = 1;
}

extern "C" qrt_status qrt_model_arena_size(const qrt_model* model,
                                           const qrt_session_options* options,
                                           size_t* out_bytes, qrt_error* error) {
  qrt::rt::ClearError(error);
  if (model == nullptr || out_bytes == nullptr) {
    return SetError(error, QRT_ERROR_INVALID_ARGUMENT,
                    "qrt_model_arena_size: model or out_bytes is NULL");
  }
  qrt_session_options o;
  const qrt_status s = ReadOptions(options, &o, error);
  if (s != QRT_OK) return s;
  qrt::rt::MemoryPlan plan;
  qrt::rt::PlanMemory(*model, o.keep_all_tensors != 0, &plan,
                      (size_t)o.num_threads, StorageOf(o));
  *out_bytes = plan.arena_bytes;
  return QRT_OK;
}

extern "C" qrt_status qrt_session_create(const qrt_model* model,
                                         const qrt_session_options* options,
                                         qrt_session** out_session,
                                         qrt_error* error) {
  qrt::rt::ClearError(error);
  if (out_session != nullptr) *out_session = nullptr;
  if (model == nullptr || out_session == nullptr) {
    return SetError(error, QRT_ERROR_INVALID_ARGUMENT,
                    "qrt_session_create: model or out_session is NULL");
  }
  qrt_session_options o;
  qrt_status s = ReadOptions(options, &o, error);
  if (s != QRT_OK) return s;
  qrt::rt::MemoryPlan plan;
  const qrt::rt::FloatStorage storage = StorageOf(o);
  qrt::rt::PlanMemory(*model, o.keep_all_tensors != 0, &plan,
                      (size_t)o.num_threads, storage);

  qrt_session* session = new (std::nothrow) qrt_session();
  if (session == nullptr) {
    return SetError(error, QRT_ERROR_OUT_OF_MEMORY, "no memory for a session");
  }
  session->model = model;
  session->arena_bytes = plan.arena_bytes;
  if (o.arena != nullptr) {
    const size_t slack = AlignmentSlack(o.arena);
    if (o.arena_size < slack || o.arena_size - slack < plan.arena_bytes) {
      delete session;
      return SetError(error, QRT_ERROR_OUT_OF_MEMORY,
                      "the caller's arena of %zu bytes is too small: the plan "
                      "needs %zu bytes%s", o.arena_size, plan.arena_bytes,
                      slack ? " after aligning the pointer to 64 bytes" : "");
    }
    session->arena = static_cast<uint8_t*>(o.arena) + slack;
  } else {
    const size_t bytes = plan.arena_bytes ? plan.arena_bytes : kArenaAlignment;
    session->owned_arena = aligned_alloc(kArenaAlignment, bytes);
    if (session->owned_arena == nullptr) {
      delete session;
      return SetError(error, QRT_ERROR_OUT_OF_MEMORY,
                      "no memory for a %zu-byte arena", bytes);
    }
    session->arena = static_cast<uint8_t*>(session->owned_arena);
  }
  const size_t num_tensors = model->tensors.size();
  session->tensor_data.assign(num_tensors, nullptr);
  for (size_t i = 0; i < num_tensors; ++i) {
    const TensorDesc& t = model->tensors[i];
    if (t.is_constant) {
      session->tensor_data[i] = const_cast<void*>(t.data);
    } else if (plan.tensor_offsets[i] != kNotPlanned) {
      session->tensor_data[i] = session->arena + plan.tensor_offsets[i];
    }
  }
  session->scratch.assign(model->ops.size(), nullptr);
  for (size_t k = 0; k < model->ops.size(); ++k) {
    if (plan.scratch_offsets[k] != kNotPlanned) {
      session->scratch[k] = session->arena + plan.scratch_offsets[k];
    }
  }
  session->kept = plan.kept;
  session->skip_op.assign(model->ops.size(), false);
  session->folded_quantize.assign(model->inputs.size(), -1);
  if (o.keep_all_tensors == 0) {
    for (size_t k = 0; k < model->input_quantize.size(); ++k) {
      const int q = model->input_quantize[k];
      if (q < 0) continue;
      session->folded_quantize[k] = q;
      session->skip_op[(size_t)q] = true;
    }
  }
  session->profile = o.profile != 0;
  session->storage = storage;
  session->op_ns.assign(model->ops.size(), 0);
  if (!session->pool.Start((size_t)o.num_threads)) {
    const size_t started = session->pool.size();
    delete session;
    return SetError(error, QRT_ERROR_OUT_OF_MEMORY,
                    "could only start %zu of %d threads", started,
                    (int)o.num_threads);
  }
  *out_session = session;
  return QRT_OK;
}

extern "C" void qrt_session_destroy(qrt_session* session) { delete session; }

extern "C" const char* qrt_session_last_error(const qrt_session* session) {
  return session ? session->last_error : "session is NULL";
}

extern "C" size_t qrt_session_arena_size(const qrt_session* session) {
  return session ? session->arena_bytes : 0;
}

namespace {

// The checks every set_input_* makes: clears the last error; model input
// `index` exists and `count` (of `unit`) equals its element count.
qrt_status CheckInput(qrt_session* session, const char* fn, size_t index,
                      const void* data, size_t count, const char* unit) {
  session->last_error[0] = '\0';
  const Model& m = *session->model;
  if (index >= m.inputs.size()) {
    return session->Fail(QRT_ERROR_INVALID_ARGUMENT,
                         "%s: index %zu, but the model has %zu inputs", fn,
                         index, m.inputs.size());
  }
  const int ti = m.inputs[index];
  const TensorDesc& t = m.tensors[(size_t)ti];
  if (data == nullptr || count != t.num_elements) {
    return session->Fail(QRT_ERROR_INVALID_ARGUMENT,
                         "%s %zu (%s): got %zu %s%s, the tensor has "
                         "shape %s = %zu elements", fn, index,
                         qrt::rt::TensorText(ti, t).text, count, unit,
                         data ? "" : " at NULL", qrt::rt::ShapeText(t).text,
                         t.num_elements);
  }
  return QRT_OK;
}

}  // namespace

extern "C" qrt_status qrt_session_set_input_f32(qrt_session* session,
                                                size_t index, const float* data,
                                                size_t count) {
  if (session == nullptr) return QRT_ERROR_INVALID_ARGUMENT;
  const qrt_status s = CheckInput(session, "set_input", index, data, count, "floats");
  if (s != QRT_OK) return s;
  const Model& m = *session->model;
  const int ti = m.inputs[index];
  const TensorDesc& t = m.tensors[(size_t)ti];
  const int folded = session->folded_quantize[index];
  if (folded >= 0) {  // straight into the QUANTIZE's output, its kernel
    qrt::rt::QuantizeInto(m.ops[(size_t)folded], data, session->tensor_data.data());
    return QRT_OK;
  }
  void* dst = session->tensor_data[(size_t)ti];
  if (t.dtype == qrt::schema::DType::F32) {
    memcpy(dst, data, count * sizeof(float));
  } else {
    qrt_quantize_f32_s8__ref(count, data, 1.0f / t.scale(), t.storage_zero_point,
                             (int8_t)t.storage_min, (int8_t)t.storage_max,
                             static_cast<int8_t*>(dst));
  }
  return QRT_OK;
}

namespace {

// Most channels qrt_session_set_input_u8 maps (one 256-entry table each).
constexpr size_t kMaxU8Channels = 4;

}  // namespace

extern "C" qrt_status qrt_session_set_input_u8(qrt_session* session,
                                               size_t index,
                                               const uint8_t* pixels,
                                               size_t count) {
  if (session == nullptr) return QRT_ERROR_INVALID_ARGUMENT;
  const qrt_status s = CheckInput(session, "set_input_u8", index, pixels, count, "bytes");
  if (s != QRT_OK) return s;
  const Model& m = *session->model;
  const int ti = m.inputs[index];
  const TensorDesc& t = m.tensors[(size_t)ti];
  qrt_preprocess pre;
  qrt_preprocess_init(&pre);
  qrt_model_preprocess(static_cast<const qrt_model*>(&m), &pre);
  const size_t channels = t.rank > 0 ? (size_t)t.shape[t.rank - 1] : 1;
  if (!pre.has_preprocess || pre.num_mean == 0 || pre.num_std == 0) {
    return session->Fail(QRT_ERROR_INVALID_ARGUMENT,
                         "set_input_u8 %zu (%s): the model stores no mean/std "
                         "(Metadata.preprocess), so pixels have no defined "
                         "float value; use qrt_session_set_input_f32",
                         index, qrt::rt::TensorText(ti, t).text);
  }
  const bool per_channel = pre.num_mean > 1 || pre.num_std > 1;
  if (channels == 0 || channels > kMaxU8Channels ||
      (per_channel && (pre.num_mean != channels || pre.num_std != channels))) {
    return session->Fail(QRT_ERROR_INVALID_ARGUMENT,
                         "set_input_u8 %zu (%s): the input has %zu channels "
                         "(last dimension) and the model stores %zu means and "
                         "%zu stds; set_input_u8 needs 1 to %zu channels with "
                         "one value or one per channel",
                         index, qrt::rt::TensorText(ti, t).text, channels,
                         pre.num_mean, pre.num_std, kMaxU8Channels);
  }
  // The float of pixel value v in channel c, exactly as an app computing
  // floats for set_input_f32 would: (v / 255 - mean[c]) / std[c] in fp32
  // (no multiply, so no fused multiply-add on any compiler).
  auto value = [&](size_t c, int v) {
    const float mean = pre.mean[pre.num_mean > 1 ? c : 0];
    const float stdv = pre.std[pre.num_std > 1 ? c : 0];
    return ((float)v / 255.0f - mean) / stdv;
  };
  const int folded = session->folded_quantize[index];
  if (folded < 0 && t.dtype == qrt::schema::DType::F32) {
    float* dst = static_cast<float*>(session->tensor_data[(size_t)ti]);
    for (size_t i = 0; i < count; ++i) dst[i] = value(i % channels, pixels[i]);
    return QRT_OK;
  }
  // Quantized destination: a table per channel, made with the same kernel
  // and parameters set_input_f32 would use, so the bits are the same.
  int8_t table[kMaxU8Channels][256];
  int8_t* dst;
  if (folded >= 0) {
    const qrt::rt::ConvertParams& p = m.ops[(size_t)folded].Params<qrt::rt::ConvertParams>();
    for (size_t c = 0; c < channels; ++c) {
      float x[256];
      for (int v = 0; v < 256; ++v) x[v] = value(c, v);
      p.quantize(256, x, p.scale, p.zero_point, p.lo, p.hi, table[c]);
    }
    dst = static_cast<int8_t*>(session->tensor_data[(size_t)p.output]);
  } else {
    for (size_t c = 0; c < channels; ++c) {
      float x[256];
      for (int v = 0; v < 256; ++v) x[v] = value(c, v);
      qrt_quantize_f32_s8__ref(256, x, 1.0f / t.scale(), t.storage_zero_point,
                               (int8_t)t.storage_min, (int8_t)t.storage_max, table[c]);
    }
    dst = static_cast<int8_t*>(session->tensor_data[(size_t)ti]);
  }
  for (size_t i = 0; i < count; ++i) dst[i] = table[i % channels][pixels[i]];
  return QRT_OK;
}

extern "C" qrt_status qrt_session_run(qrt_session* session) {
  if (session == nullptr) return QRT_ERROR_INVALID_ARGUMENT;
  session->last_error[0] = '\0';
  const Model& m = *session->model;
  qrt::rt::RunContext ctx;
  ctx.tensor_data = session->tensor_data.data();
  ctx.pool = &session->pool;
  ctx.num_threads = session->pool.size();
  ctx.storage = session->storage;
  for (const qrt::rt::OpPlan& op : m.ops) {
    if (session->skip_op[(size_t)op.index]) continue;  // done by set_input_f32
    ctx.scratch = session->scratch[(size_t)op.index];
    const qrt::rt::RunFn run = op.run[ctx.storage].fn;
    if (session->profile) {
      const uint64_t t0 = NowNs();
      run(op, ctx);
      session->op_ns[(size_t)op.index] = NowNs() - t0;
    } else {
      run(op, ctx);
    }
  }
  return QRT_OK;
}

extern "C" qrt_status qrt_session_get_output_f32(qrt_session* session,
                                                 size_t index, float* data,
                                                 size_t count) {
  if (session == nullptr) return QRT_ERROR_INVALID_ARGUMENT;
  session->last_error[0] = '\0';
  const Model& m = *session->model;
  if (index >= m.outputs.size()) {
    return session->Fail(QRT_ERROR_INVALID_ARGUMENT,
                         "get_output: index %zu, but the model has %zu outputs",
                         index, m.outputs.size());
  }
  const int ti = m.outputs[index];
  const TensorDesc& t = m.tensors[(size_t)ti];
  if (data == nullptr || count != t.num_elements) {
    return session->Fail(QRT_ERROR_INVALID_ARGUMENT,
                         "get_output %zu (%s): room for %zu floats%s, the tensor "
                         "has shape %s = %zu elements", index,
                         qrt::rt::TensorText(ti, t).text, count,
                         data ? "" : " at NULL", qrt::rt::ShapeText(t).text,
                         t.num_elements);
  }
  const void* src = session->tensor_data[(size_t)ti];
  if (t.dtype == qrt::schema::DType::F32) {
    memcpy(data, src, count * sizeof(float));
  } else {
    qrt_dequantize_s8_f32__ref(count, static_cast<const int8_t*>(src), t.scale(),
                               t.storage_zero_point, data);
  }
  return QRT_OK;
}

extern "C" size_t qrt_session_num_tensors(const qrt_session* session) {
  return session ? session->model->tensors.size() : 0;
}

extern "C" qrt_status qrt_session_tensor_info(const qrt_session* session,
                                              size_t tensor_index,
                                              qrt_tensor_info* info) {
  if (session == nullptr || tensor_index >= session->model->tensors.size() ||
      !qrt::rt::OutStructOk(info, qrt::rt::kTensorInfoV1Size)) {
    return QRT_ERROR_INVALID_ARGUMENT;
  }
  const TensorDesc& t = session->model->tensors[tensor_index];
  qrt_tensor_info full;
  qrt::rt::FillTensorInfo(t, &full);
  if (!t.is_constant) {
    full.data = session->kept[tensor_index] ? session->tensor_data[tensor_index]
                                            : nullptr;
    if (session->storage == qrt::rt::kStorageF16 && session->model->f16[tensor_index]) {
      full.dtype = QRT_DTYPE_F16;
      full.storage_bytes = t.num_elements * 2;
    }
  }
  qrt::rt::CopyOutStruct(full, info);
  return QRT_OK;
}

extern "C" qrt_float_adds qrt_session_float_adds(const qrt_session* session,
                                                 size_t* num_f16_tensors) {
  const bool f16 = session != nullptr && session->storage == qrt::rt::kStorageF16;
  if (num_f16_tensors != nullptr) *num_f16_tensors = f16 ? session->model->num_f16 : 0;
  return f16 ? QRT_FLOAT_ADDS_F16 : QRT_FLOAT_ADDS_F32;
}

extern "C" qrt_status qrt_session_op_info(const qrt_session* session,
                                          size_t index, qrt_op_info* info) {
  if (session == nullptr || index >= session->model->ops.size() ||
      !qrt::rt::OutStructOk(info, qrt::rt::kOpInfoV1Size)) {
    return QRT_ERROR_INVALID_ARGUMENT;
  }
  const qrt::rt::OpPlan& op = session->model->ops[index];
  qrt_op_info full;
  qrt::rt::FillOpInfo(op, session->storage, &full);
  full.last_run_ns = session->op_ns[index];
  qrt::rt::CopyOutStruct(full, info);
  return QRT_OK;
}
