// Model queries, status strings and the version: the read-only side of the
// C API. Everything returned points into the model (lives until
// qrt_model_destroy) or is static.
#include <string.h>

#include "model.h"

#define QRT_STR2(x) #x
#define QRT_STR(x) QRT_STR2(x)
#define QRT_HEADER_VERSION_STRING \
  QRT_STR(QRT_VERSION_MAJOR) "." QRT_STR(QRT_VERSION_MINOR) "." QRT_STR(QRT_VERSION_PATCH)
#ifndef QRT_VERSION_STRING  // CMake passes project(VERSION)
#define QRT_VERSION_STRING QRT_HEADER_VERSION_STRING
#endif

namespace {
constexpr bool SameString(const char* a, const char* b) {
  return *a == *b && (*a == '\0' || SameString(a + 1, b + 1));
}
}  // namespace
static_assert(SameString(QRT_VERSION_STRING, QRT_HEADER_VERSION_STRING),
              "project(VERSION) in CMakeLists.txt and QRT_VERSION_MAJOR/MINOR/PATCH "
              "in runtime/include/qrt/qrt.h differ: change both");

using qrt::rt::Model;
using qrt::rt::TensorDesc;

namespace qrt {
namespace rt {

void FillTensorInfo(const TensorDesc& t, qrt_tensor_info* info) {
  memset(info, 0, sizeof(*info));
  info->struct_size = sizeof(*info);
  info->name = t.name;
  info->dtype = (qrt_dtype)t.dtype;
  info->rank = t.rank;
  for (int d = 0; d < t.rank; ++d) info->shape[d] = t.shape[d];
  info->num_elements = t.num_elements;
  info->scale = t.num_scales ? t.scales[0] : 0.0f;
  info->scales = t.scales;
  info->num_scales = t.num_scales;
  info->zero_point = t.zero_point;
  info->bits = t.quantized() ? t.bits : 0;
  info->storage_zero_point = t.storage_zero_point;
  info->storage_bytes = t.bytes;
  info->is_constant = t.is_constant ? 1 : 0;
  info->data = t.data;
}

}  // namespace rt
}  // namespace qrt

extern "C" const char* qrt_version_string(void) { return QRT_VERSION_STRING; }

extern "C" int32_t qrt_version(void) { return QRT_VERSION; }

extern "C" void qrt_tensor_info_init(qrt_tensor_info* info) {
  if (info == nullptr) return;
  memset(info, 0, sizeof(*info));
  info->struct_size = sizeof(*info);
}

extern "C" void qrt_preprocess_init(qrt_preprocess* pre) {
  if (pre == nullptr) return;
  memset(pre, 0, sizeof(*pre));
  pre->struct_size = sizeof(*pre);
}

extern "C" void qrt_op_info_init(qrt_op_info* info) {
  if (info == nullptr) return;
  memset(info, 0, sizeof(*info));
  info->struct_size = sizeof(*info);
}

extern "C" const char* qrt_status_string(qrt_status status) {
  switch (status) {
    case QRT_OK: return "ok";
    case QRT_ERROR_INVALID_ARGUMENT: return "invalid argument";
    case QRT_ERROR_INVALID_MODEL: return "invalid model";
    case QRT_ERROR_UNSUPPORTED: return "unsupported";
    case QRT_ERROR_OUT_OF_MEMORY: return "out of memory";
    case QRT_ERROR_IO: return "i/o error";
    case QRT_ERROR_INTERNAL: return "internal error";
  }
  return "unknown status";
}

extern "C" size_t qrt_model_num_inputs(const qrt_model* model) {
  return model ? model->inputs.size() : 0;
}

extern "C" size_t qrt_model_num_outputs(const qrt_model* model) {
  return model ? model->outputs.size() : 0;
}

extern "C" size_t qrt_model_num_tensors(const qrt_model* model) {
  return model ? model->tensors.size() : 0;
}

extern "C" size_t qrt_model_num_operators(const qrt_model* model) {
  return model ? model->ops.size() : 0;
}

extern "C" qrt_status qrt_model_tensor_info(const qrt_model* model,
                                            size_t tensor_index,
                                            qrt_tensor_info* info) {
  if (model == nullptr || tensor_index >= model->tensors.size() ||
      !qrt::rt::OutStructOk(info, qrt::rt::kTensorInfoV1Size)) {
    return QRT_ERROR_INVALID_ARGUMENT;
  }
  qrt_tensor_info full;
  qrt::rt::FillTensorInfo(model->tensors[tensor_index], &full);
  qrt::rt::CopyOutStruct(full, info);
  return QRT_OK;
}

extern "C" qrt_status qrt_model_input_info(const qrt_model* model, size_t index,
                                           qrt_tensor_info* info) {
  if (model == nullptr || index >= model->inputs.size()) {
    return QRT_ERROR_INVALID_ARGUMENT;
  }
  return qrt_model_tensor_info(model, (size_t)model->inputs[index], info);
}

extern "C" qrt_status qrt_model_output_info(const qrt_model* model, size_t index,
                                            qrt_tensor_info* info) {
  if (model == nullptr || index >= model->outputs.size()) {
    return QRT_ERROR_INVALID_ARGUMENT;
  }
  return qrt_model_tensor_info(model, (size_t)model->outputs[index], info);
}

extern "C" qrt_status qrt_model_preprocess(const qrt_model* model,
                                           qrt_preprocess* out) {
  if (model == nullptr || !qrt::rt::OutStructOk(out, qrt::rt::kPreprocessV1Size)) {
    return QRT_ERROR_INVALID_ARGUMENT;
  }
  qrt_preprocess r;
  qrt_preprocess_init(&r);
  const qrt::schema::Metadata* md = model->fb->metadata();
  const qrt::schema::Preprocess* p = md ? md->preprocess() : nullptr;
  if (p != nullptr) {
    r.has_preprocess = 1;
    r.resize_short = p->resize_short();
    r.crop_height = p->crop_height();
    r.crop_width = p->crop_width();
    if (p->mean()) {
      r.mean = p->mean()->data();
      r.num_mean = p->mean()->size();
    }
    if (p->std()) {
      r.std = p->std()->data();
      r.num_std = p->std()->size();
    }
    r.channel_order = p->channel_order() ? p->channel_order()->c_str() : nullptr;
  }
  qrt::rt::CopyOutStruct(r, out);
  return QRT_OK;
}

extern "C" size_t qrt_model_num_labels(const qrt_model* model) {
  if (model == nullptr || model->fb->metadata() == nullptr ||
      model->fb->metadata()->labels() == nullptr) {
    return 0;
  }
  return model->fb->metadata()->labels()->size();
}

extern "C" const char* qrt_model_label(const qrt_model* model, size_t index) {
  if (index >= qrt_model_num_labels(model)) return nullptr;
  return model->fb->metadata()->labels()->Get((flatbuffers::uoffset_t)index)->c_str();
}

void qrt::rt::FillOpInfo(const OpPlan& op, FloatStorage storage,
                         qrt_op_info* info) {
  const char* kernel = op.run[storage].kernel_name;
  info->struct_size = sizeof(*info);
  info->type = schema::EnumNameOpType(op.type);
  info->name = op.name;
  info->kernel = kernel != nullptr ? kernel : "ref";
  info->int16_chunk = op.int16_chunk;
  info->packed_weight_bytes = op.packed_bytes;
  info->last_run_ns = 0;
}

extern "C" qrt_status qrt_model_op_info(const qrt_model* model, size_t index,
                                        qrt_op_info* info) {
  if (model == nullptr || index >= model->ops.size() ||
      !qrt::rt::OutStructOk(info, qrt::rt::kOpInfoV1Size)) {
    return QRT_ERROR_INVALID_ARGUMENT;
  }
  qrt_op_info full;
  qrt::rt::FillOpInfo(model->ops[index], qrt::rt::kStorageF32, &full);
  qrt::rt::CopyOutStruct(full, info);
  return QRT_OK;
}
