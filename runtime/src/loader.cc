// Loading a verified model: turns the FlatBuffers file into the Model's
// tables (the entry points, reading and verifying the bytes, are in
// loader_api.cc).
//
// In order: preprocessing metadata, format version, buffers, tensors
// (shape, dtype, quantization, buffer size, constants unpacked), graph
// (model inputs and outputs, every op's tensor indices, each activation
// written once and before it is read), each op's Prepare (ops/op.h), and
// the value ranges of convs / FCs (loader_checks.h).
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <new>

#include "error.h"
#include "loader.h"
#include "loader_checks.h"
#include "model.h"
#include "ops/float16.h"
#include "ops/op.h"
#include "unpack.h"

namespace qrt {
namespace rt {

Model::~Model() { free(file); }

namespace {

using schema::DType;

size_t FileElementBytes(DType d) {
  switch (d) {
    case DType::F32: case DType::S32: return 4;
    case DType::F16: return 2;
    case DType::S8: case DType::U8: return 1;
  }
  return 0;
}

qrt_status LoadBuffers(const Model& m, qrt_error* error) {
  const auto* buffers = m.fb->buffers();
  if (buffers->size() == 0) {
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "model has no buffers; buffers[0] must exist (empty)");
  }
  const auto* b0 = buffers->Get(0);
  if (b0->data() != nullptr && b0->data()->size() != 0) {
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "buffers[0] must be empty but holds %u bytes",
                    b0->data()->size());
  }
  for (flatbuffers::uoffset_t i = 0; i < buffers->size(); ++i) {
    const int pb = buffers->Get(i)->packed_bits();
    if (pb != 0 && (pb < 4 || pb > 7)) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "buffer %u: packed_bits %d, expected 0 or 4..7", i, pb);
    }
  }
  return QRT_OK;
}

// Shape, dtype and quantization of tensor i (no data yet).
qrt_status DescribeTensor(int i, const schema::Tensor* fb, size_t max_elements,
                          TensorDesc* t, qrt_error* error) {
  t->fb = fb;
  t->name = fb->name()->c_str();
  t->dtype = fb->dtype();
  const TensorText where(i, *t);
  if (FileElementBytes(t->dtype) == 0) {
    return SetError(error, QRT_ERROR_INVALID_MODEL, "%s: unknown dtype %d",
                    where.text, (int)t->dtype);
  }
  if (t->dtype == DType::F16) {
    return SetError(error, QRT_ERROR_UNSUPPORTED,
                    "%s: dtype F16 is not supported by this runtime", where.text);
  }
  const auto* shape = fb->shape();
  if (shape->size() > QRT_MAX_RANK) {
    return SetError(error, QRT_ERROR_UNSUPPORTED, "%s: rank %u exceeds %d",
                    where.text, shape->size(), QRT_MAX_RANK);
  }
  t->rank = (int)shape->size();
  size_t n = 1;
  for (int d = 0; d < t->rank; ++d) {
    t->shape[d] = shape->Get((flatbuffers::uoffset_t)d);
    if (t->shape[d] <= 0) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "%s: dimension %d is %d, must be positive", where.text, d,
                      (int)t->shape[d]);
    }
    if (__builtin_mul_overflow(n, (size_t)t->shape[d], &n) || n > max_elements) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "%s: more than %zu elements (the limit per tensor; "
                      "qrt_load_options.max_tensor_elements)", where.text, max_elements);
    }
  }
  t->num_elements = n;
  t->element_bytes = t->dtype == DType::F32 || t->dtype == DType::S32 ? 4 : 1;
  if (__builtin_mul_overflow(n, t->element_bytes, &t->bytes)) {
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "%s: %zu elements of %zu bytes do not fit in size_t", where.text, n,
                    t->element_bytes);
  }

  const schema::Quantization* q = fb->quant();
  const bool needs_quant = t->dtype != DType::F32;
  if (q == nullptr || q->scale() == nullptr || q->scale()->size() == 0) {
    if (needs_quant) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "%s: dtype %s needs quantization scales", where.text,
                      schema::EnumNameDType(t->dtype));
    }
    return QRT_OK;
  }
  if (!needs_quant) return QRT_OK;  // quant on F32 is ignored
  t->scales = q->scale()->data();
  t->num_scales = q->scale()->size();
  for (size_t c = 0; c < t->num_scales; ++c) {
    // Not 0, negative, denormal, NaN or inf: a denormal scale's reciprocal
    // (quantizing) is inf, and products of scales underflow to 0.
    if (!(t->scales[c] > 0.0f) || !isnormal(t->scales[c])) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "%s: scale[%zu] = %g, must be a positive normal float (not 0, "
                      "denormal, NaN or inf)", where.text, c, (double)t->scales[c]);
    }
  }
  const auto* zp = q->zero_point();
  if (zp != nullptr && zp->size() != 0 && zp->size() != t->num_scales) {
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "%s: %u zero points for %zu scales", where.text, zp->size(),
                    t->num_scales);
  }
  if (zp != nullptr) {
    for (flatbuffers::uoffset_t c = 1; c < zp->size(); ++c) {
      if (zp->Get(c) != zp->Get(0)) {
        return SetError(error, QRT_ERROR_UNSUPPORTED,
                        "%s: per-channel zero points are not supported",
                        where.text);
      }
    }
  }
  t->zero_point = (zp != nullptr && zp->size() != 0) ? zp->Get(0) : 0;
  if (t->num_scales > 1) {
    if (q->axis() != 0 || t->rank == 0 || (size_t)t->shape[0] != t->num_scales) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "%s: %zu scales need axis 0 of size %zu (axis %d, shape %s)",
                      where.text, t->num_scales, t->num_scales, (int)q->axis(),
                      ShapeText(*t).text);
    }
  }
  t->bits = q->bits();
  if (t->dtype == DType::S32) {
    if (t->zero_point != 0) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "%s: S32 zero point must be 0, is %d", where.text,
                      (int)t->zero_point);
    }
    return QRT_OK;
  }
  if (t->bits < 4 || t->bits > 8) {
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "%s: bits = %d, expected 4..8", where.text, (int)t->bits);
  }
  int32_t qmin, qmax;
  if (t->dtype == DType::S8) {
    qmax = (1 << (t->bits - 1)) - 1;
    qmin = -qmax;
  } else {
    qmin = 0;
    qmax = (1 << t->bits) - 1;
  }
  if (t->zero_point < qmin || t->zero_point > qmax) {
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "%s: zero point %d outside [%d, %d] for %s with %d bits",
                    where.text, (int)t->zero_point, (int)qmin, (int)qmax,
                    schema::EnumNameDType(t->dtype), (int)t->bits);
  }
  const int32_t shift = t->dtype == DType::U8 ? 128 : 0;
  t->storage_zero_point = t->zero_point - shift;
  t->storage_min = qmin - shift;
  t->storage_max = qmax - shift;
  return QRT_OK;
}

// An int8 constant's values must lie in its storage range.
qrt_status CheckConstantRange(const TensorDesc& t, const TensorText& where, qrt_error* error) {
  if (!t.quantized()) return QRT_OK;
  const int8_t* v = static_cast<const int8_t*>(t.data);
  for (size_t k = 0; k < t.num_elements; ++k) {
    if (v[k] < t.storage_min || v[k] > t.storage_max) {
      const int32_t shown = v[k] + (t.dtype == DType::U8 ? 128 : 0);
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "%s: element %zu = %d is outside the %d-bit %s range",
                      where.text, k, (int)shown, (int)t.bits,
                      schema::EnumNameDType(t.dtype));
    }
  }
  return QRT_OK;
}

// Points a constant tensor at its bytes (unpacking / shifting if needed)
// and checks its size and, for int8, its range.
qrt_status BindConstant(Model& m, int i, TensorDesc* t, qrt_error* error) {
  const TensorText where(i, *t);
  const uint32_t bi = t->fb->buffer();
  const auto* buffers = m.fb->buffers();
  if (bi >= buffers->size()) {
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "%s: buffer index %u out of range (%u buffers)", where.text,
                    bi, buffers->size());
  }
  const schema::Buffer* b = buffers->Get(bi);
  const uint8_t* bytes = b->data() ? b->data()->data() : nullptr;
  const size_t size = b->data() ? b->data()->size() : 0;
  const int pb = b->packed_bits();
  if (b->sparse()) {
    if (t->dtype != DType::S8) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "%s: buffer %u is sparse on a %s tensor (only S8 weights are stored sparse)",
                      where.text, bi, schema::EnumNameDType(t->dtype));
    }
    std::unique_ptr<int8_t[]> owned(new (std::nothrow) int8_t[t->num_elements ? t->num_elements : 1]);
    if (!owned) {
      return SetError(error, QRT_ERROR_OUT_OF_MEMORY,
                      "%s: no memory to decode %zu sparse weights", where.text, t->num_elements);
    }
    size_t bad = 0;
    const int rc = DecodeSparse(bytes, size, t->num_elements, pb, owned.get(), &bad);
    if (rc == 1) {
      const size_t map = BitmapBytes(t->num_elements);
      const size_t nz = size >= map ? BitmapCount(bytes, t->num_elements, nullptr) : 0;
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "%s: sparse buffer %u holds %zu bytes; a bitmap of %zu bytes%s marking %zu non-zero "
                      "elements%s needs %zu",
                      where.text, bi, size, map, size >= map ? "" : " (truncated)", nz,
                      pb ? " (bit-packed)" : "",
                      map + (pb ? PackedBytes(nz, pb) : nz));
    }
    if (rc == 2) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "%s: sparse buffer %u: bitmap bits past element %zu are set", where.text, bi,
                      t->num_elements);
    }
    if (rc == 3) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "%s: sparse buffer %u: element %zu is marked non-zero but stored as 0", where.text,
                      bi, bad);
    }
    t->is_constant = true;
    t->data = owned.get();
    m.unpacked.push_back(std::move(owned));
    return CheckConstantRange(*t, where, error);
  }
  const size_t want = pb ? PackedBytes(t->num_elements, pb)
                         : t->num_elements * FileElementBytes(t->dtype);
  if (size != want) {
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "%s: buffer %u holds %zu bytes, shape %s of %s%s needs %zu",
                    where.text, bi, size, ShapeText(*t).text,
                    schema::EnumNameDType(t->dtype),
                    pb ? " (bit-packed)" : "", want);
  }
  const size_t align = t->element_bytes;
  if (((uintptr_t)bytes % align) != 0) {
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "%s: buffer %u data at file offset %zu is not %zu-byte aligned",
                    where.text, bi, (size_t)(bytes - (const uint8_t*)m.file), align);
  }
  t->is_constant = true;
  t->data = bytes;
  if (pb != 0 || t->dtype == DType::U8) {
    if (pb != 0 && t->dtype != DType::S8) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "%s: packed_bits %d on a %s tensor (only S8 is packed)",
                      where.text, pb, schema::EnumNameDType(t->dtype));
    }
    std::unique_ptr<int8_t[]> owned(new (std::nothrow) int8_t[t->num_elements]);
    if (!owned) {
      return SetError(error, QRT_ERROR_OUT_OF_MEMORY,
                      "%s: no memory to unpack %zu weights", where.text,
                      t->num_elements);
    }
    if (pb != 0) {
      UnpackBits(bytes, t->num_elements, pb, owned.get());
    } else {
      for (size_t k = 0; k < t->num_elements; ++k) {
        owned[k] = (int8_t)((int32_t)bytes[k] - 128);
      }
    }
    t->data = owned.get();
    m.unpacked.push_back(std::move(owned));
  }
  return CheckConstantRange(*t, where, error);
}

qrt_status LoadTensors(Model& m, qrt_error* error) {
  const auto* tensors = m.fb->tensors();
  m.tensors.resize(tensors->size());
  for (flatbuffers::uoffset_t i = 0; i < tensors->size(); ++i) {
    TensorDesc* t = &m.tensors[i];
    qrt_status s = DescribeTensor((int)i, tensors->Get(i), m.max_tensor_elements, t, error);
    if (s != QRT_OK) return s;
    if (t->fb->buffer() != 0) {
      s = BindConstant(m, (int)i, t, error);
      if (s != QRT_OK) return s;
    } else if (t->dtype == DType::S32) {
      return SetError(error, QRT_ERROR_UNSUPPORTED,
                      "%s: S32 is only supported for constants (bias)",
                      TensorText((int)i, *t).text);
    }
  }
  return QRT_OK;
}

// Model inputs/outputs and every op's indices; each activation is written
// once, before it is read.
qrt_status LoadGraph(Model& m, qrt_error* error) {
  const int num_tensors = (int)m.tensors.size();
  std::vector<int> producer(m.tensors.size(), -2);  // -2: none, -1: model input
  for (flatbuffers::uoffset_t k = 0; k < m.fb->inputs()->size(); ++k) {
    const int i = m.fb->inputs()->Get(k);
    if (i < 0 || i >= num_tensors) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "model input %u: tensor index %d out of range (%d tensors)",
                      k, i, num_tensors);
    }
    const TensorDesc& t = m.tensors[(size_t)i];
    if (t.is_constant || producer[(size_t)i] != -2) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "model input %u: %s is %s", k, TensorText(i, t).text,
                      t.is_constant ? "a constant" : "listed twice");
    }
    if (t.dtype != DType::F32 && !t.quantized()) {
      return SetError(error, QRT_ERROR_UNSUPPORTED,
                      "model input %u: %s has dtype %s (F32, S8 or U8 only)", k,
                      TensorText(i, t).text, schema::EnumNameDType(t.dtype));
    }
    producer[(size_t)i] = -1;
    m.inputs.push_back(i);
  }
  const auto* ops = m.fb->operators();
  m.ops.resize(ops->size());
  for (flatbuffers::uoffset_t k = 0; k < ops->size(); ++k) {
    const schema::Operator* fb = ops->Get(k);
    OpPlan& op = m.ops[k];
    op.index = (int)k;
    op.type = fb->type();
    op.name = fb->name() ? fb->name()->c_str() : "";
    const char* type_name =
        (size_t)op.type <= (size_t)schema::OpType::MAX ? schema::EnumNameOpType(op.type) : "?";
    for (flatbuffers::uoffset_t s = 0; s < fb->inputs()->size(); ++s) {
      const int i = fb->inputs()->Get(s);
      if (i == -1) {
        op.inputs.push_back(i);
        continue;
      }
      if (i < 0 || i >= num_tensors) {
        return SetError(error, QRT_ERROR_INVALID_MODEL,
                        "operator %u '%s' (%s): input %u is tensor index %d, out "
                        "of range (%d tensors)", k, op.name, type_name, s, i,
                        num_tensors);
      }
      const TensorDesc& t = m.tensors[(size_t)i];
      if (!t.is_constant && producer[(size_t)i] == -2) {
        return SetError(error, QRT_ERROR_INVALID_MODEL,
                        "operator %u '%s' (%s): input %u %s is read before any "
                        "operator writes it (and is no model input)", k, op.name,
                        type_name, s, TensorText(i, t).text);
      }
      op.inputs.push_back(i);
    }
    for (flatbuffers::uoffset_t s = 0; s < fb->outputs()->size(); ++s) {
      const int i = fb->outputs()->Get(s);
      if (i < 0 || i >= num_tensors) {
        return SetError(error, QRT_ERROR_INVALID_MODEL,
                        "operator %u '%s' (%s): output %u is tensor index %d, "
                        "out of range (%d tensors)", k, op.name, type_name, s, i,
                        num_tensors);
      }
      const TensorDesc& t = m.tensors[(size_t)i];
      if (t.is_constant || producer[(size_t)i] != -2) {
        return SetError(error, QRT_ERROR_INVALID_MODEL,
                        "operator %u '%s' (%s): output %u %s is %s", k, op.name,
                        type_name, s, TensorText(i, t).text,
                        t.is_constant ? "a constant" : "already written");
      }
      producer[(size_t)i] = (int)k;
      op.outputs.push_back(i);
    }
  }
  if (m.fb->outputs()->size() == 0) {
    return SetError(error, QRT_ERROR_INVALID_MODEL, "model has no outputs");
  }
  for (flatbuffers::uoffset_t k = 0; k < m.fb->outputs()->size(); ++k) {
    const int i = m.fb->outputs()->Get(k);
    if (i < 0 || i >= num_tensors) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "model output %u: tensor index %d out of range (%d tensors)",
                      k, i, num_tensors);
    }
    const TensorDesc& t = m.tensors[(size_t)i];
    if (producer[(size_t)i] == -2) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "model output %u: %s is %s", k, TensorText(i, t).text,
                      t.is_constant ? "a constant" : "never written");
    }
    if (t.dtype != DType::F32 && !t.quantized()) {
      return SetError(error, QRT_ERROR_UNSUPPORTED,
                      "model output %u: %s has dtype %s (F32, S8 or U8 only)", k,
                      TensorText(i, t).text, schema::EnumNameDType(t.dtype));
    }
    const auto seen = std::find(m.outputs.begin(), m.outputs.end(), i);
    if (seen != m.outputs.end()) {
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "model output %u: %s is already model output %d", k,
                      TensorText(i, t).text, (int)(seen - m.outputs.begin()));
    }
    m.outputs.push_back(i);
  }
  return QRT_OK;
}

qrt_status PrepareOps(Model& m, qrt_error* error) {
  for (OpPlan& op : m.ops) {
    const OpRegistration* reg = FindOp(op.type);
    if (reg == nullptr) {
      return SetError(error, QRT_ERROR_UNSUPPORTED,
                      "operator %d '%s': op type %d is not supported by this "
                      "runtime", op.index, op.name, (int)op.type);
    }
    PrepareContext ctx(m, op, error);
    if (!reg->prepare(ctx)) {
      if (error == nullptr) return QRT_ERROR_INVALID_MODEL;
      return error->status;
    }
    if (op.run[kStorageF32].fn == nullptr) {
      return SetError(error, QRT_ERROR_INTERNAL,
                      "operator %d '%s': Prepare picked no kernel", op.index,
                      op.name);
    }
    // F16 float-adds sessions run it the same way unless PrepareFloat16
    // (ops/float16.h) gives the op an fp16 run of its own.
    op.run[kStorageF16] = op.run[kStorageF32];
  }
  return QRT_OK;
}

// Model.input_quantize: an F32 model input read by exactly one operator
// slot, a QUANTIZE (the converter always emits that), and not a model
// output, can be quantized by set_input_f32 directly.
void FindInputQuantizes(Model& m) {
  m.input_quantize.assign(m.inputs.size(), -1);
  for (size_t k = 0; k < m.inputs.size(); ++k) {
    const int t = m.inputs[k];
    if (m.tensors[(size_t)t].dtype != DType::F32) continue;
    if (std::find(m.outputs.begin(), m.outputs.end(), t) != m.outputs.end()) continue;
    int reader = -1, reads = 0;
    for (const OpPlan& op : m.ops) {
      for (int i : op.inputs) {
        if (i == t) {
          reader = op.index;
          ++reads;
        }
      }
    }
    if (reads == 1 && m.ops[(size_t)reader].type == schema::OpType::QUANTIZE) {
      m.input_quantize[k] = reader;
    }
  }
}

}  // namespace

qrt_status LoadVerified(Model& m, qrt_error* error) {
  if (m.fb->format_version() != QRT_FORMAT_VERSION) {
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "format_version is %u, this runtime reads version %d",
                    m.fb->format_version(), QRT_FORMAT_VERSION);
  }
  qrt_status s = CheckPreprocess(m, error);
  if (s == QRT_OK) s = LoadBuffers(m, error);
  if (s == QRT_OK) s = LoadTensors(m, error);
  if (s == QRT_OK) s = LoadGraph(m, error);
  if (s == QRT_OK) s = PrepareOps(m, error);
  if (s == QRT_OK) s = CheckLinearRanges(m, error);
  if (s == QRT_OK) s = PrepareFloat16(m, error);
  if (s == QRT_OK) FindInputQuantizes(m);
  return s;
}

}  // namespace rt
}  // namespace qrt
