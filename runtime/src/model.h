// The loaded model: what qrt_model_load_* builds and every session reads.
//
// Loading turns the FlatBuffers file into two flat tables the run path can
// use without looking at the file again:
// - TensorDesc per tensor: shape, storage size, quantization in the
//   runtime's int8 storage convention (U8 shifted by -128), and for
//   constants a pointer to their bytes (into the file copy, or into
//   `unpacked` for bit-packed weights and U8 constants).
// - OpPlan per operator, in execution order: tensor indices, the run
//   function its op file picked for the dtypes (ops/registry.h), and a
//   params block with everything computed once (kernel parameter structs,
//   requantization multipliers, clamp ranges).
// The model is immutable after load, so sessions share it.
#ifndef QRT_RUNTIME_MODEL_H_
#define QRT_RUNTIME_MODEL_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <memory>
#include <vector>

#include "qrt/qrt.h"
#include "qrt/schema/qrt_generated.h"

namespace qrt {
namespace rt {

struct TensorDesc {
  const schema::Tensor* fb = nullptr;
  const char* name = "";
  schema::DType dtype = schema::DType::F32;
  int rank = 0;
  int32_t shape[QRT_MAX_RANK] = {};
  size_t num_elements = 0;
  size_t element_bytes = 0;   // in storage: 1 for S8/U8, 4 for F32/S32
  size_t bytes = 0;           // num_elements * element_bytes

  // Quantization (S8, U8, S32). scales points into the file.
  const float* scales = nullptr;
  size_t num_scales = 0;
  int32_t zero_point = 0;         // as in the file (per tensor)
  int32_t bits = 8;
  int32_t storage_zero_point = 0; // U8: zero_point - 128
  int32_t storage_min = 0;        // int8 storage range for `bits`
  int32_t storage_max = 0;

  // Constants: bytes in storage form. Activations: nullptr.
  const void* data = nullptr;
  bool is_constant = false;

  bool quantized() const {
    return dtype == schema::DType::S8 || dtype == schema::DType::U8;
  }
  float scale() const { return num_scales ? scales[0] : 1.0f; }
  bool same_shape(const TensorDesc& o) const {
    bool same = rank == o.rank;
    for (int i = 0; same && i < rank; ++i) same = shape[i] == o.shape[i];
    return same;
  }
};

// Per-op state computed at load. Each op file derives its own struct.
struct OpParams {
  virtual ~OpParams() = default;
};

// How a session stores the float-adds activations (qrt_session_options.
// float_adds resolved): as in the file (fp32), or fp16 (ops/float16.h).
enum FloatStorage : int { kStorageF32 = 0, kStorageF16 = 1, kNumStorages = 2 };

struct OpPlan;
class ThreadPool;
// Pointers to every tensor's storage, indexed by tensor index.
struct RunContext {
  void* const* tensor_data;
  // The op's scratch block at a 64-byte aligned address: OpRun::scratch_bytes
  // shared bytes, then one ThreadScratchStride() slice per pool thread.
  void* scratch;
  ThreadPool* pool;     // never null; size() 1 when single-threaded
  size_t num_threads;   // pool->size()
  // The session's float-adds storage: every op runs OpPlan::run[storage].
  FloatStorage storage = kStorageF32;

  // Thread `thread`'s OpRun::thread_scratch_bytes (64-byte aligned).
  void* ThreadScratch(const OpPlan& op, size_t thread) const;
};
using RunFn = void (*)(const OpPlan& op, const RunContext& ctx);

// How an op runs in one float-adds storage: the run function, the kernel it
// reports (qrt_session_op_info; nullptr: the op's reference kernel, "ref")
// and the scratch it needs.
struct OpRun {
  RunFn fn = nullptr;
  const char* kernel_name = nullptr;
  size_t scratch_bytes = 0;         // shared by all threads
  size_t thread_scratch_bytes = 0;  // per thread (e.g. im2col rows)
};

// One thread's slice of an op's scratch: its bytes rounded up to 64.
// Saturates at SIZE_MAX (the planner then refuses the arena).
inline size_t ThreadScratchStride(size_t thread_scratch_bytes) {
  if (thread_scratch_bytes > SIZE_MAX - 63) return SIZE_MAX;
  return (thread_scratch_bytes + 63) & ~(size_t)63;
}

struct OpPlan {
  int index = 0;
  schema::OpType type = schema::OpType::CONV_2D;
  const char* name = "";
  std::vector<int> inputs;   // -1 = absent optional input
  std::vector<int> outputs;
  // Per float-adds storage. Prepare fills run[kStorageF32] (the kernel it
  // chose); the loader then copies it to run[kStorageF16], which
  // ops/float16.h replaces for the ops that touch an fp16 tensor.
  OpRun run[kNumStorages];
  // How the chosen kernel sums, for INT16 layers: chunk used (0 = int32).
  size_t int16_chunk = 0;
  size_t packed_bytes = 0;          // weights packed at load for the kernel
  std::unique_ptr<OpParams> params;

  template <typename T>
  const T& Params() const { return *static_cast<const T*>(params.get()); }
};

struct Model {
  ~Model();
  void* file = nullptr;  // 64-byte aligned copy of the file (owned)
  size_t file_size = 0;
  // qrt_load_options.max_tensor_elements, resolved (loader_api.cc).
  size_t max_tensor_elements = (size_t)QRT_DEFAULT_MAX_TENSOR_ELEMENTS;
  const schema::Model* fb = nullptr;
  std::vector<TensorDesc> tensors;
  std::vector<OpPlan> ops;
  std::vector<int> inputs;
  std::vector<int> outputs;
  // Per model input: the index of the QUANTIZE op that is its only reader,
  // when the input is F32 and no model output; else -1 (loader.cc). A
  // session without keep_all_tensors folds that op into set_input_f32: the
  // float tensor gets no arena memory, set_input_f32 quantizes straight
  // into the QUANTIZE's output (QuantizeInto, ops/convert_common.h) and the
  // op does nothing at run time.
  std::vector<int> input_quantize;
  std::vector<std::unique_ptr<int8_t[]>> unpacked;  // storage behind constants
  // Per tensor: stored as fp16 (2 bytes per element) in F16 float-adds
  // sessions (ops/float16.h, decided once at load).
  std::vector<bool> f16;
  size_t num_f16 = 0;
};

inline void* RunContext::ThreadScratch(const OpPlan& op, size_t thread) const {
  const OpRun& r = op.run[storage];
  return static_cast<uint8_t*>(scratch) + ThreadScratchStride(r.scratch_bytes) +
         thread * ThreadScratchStride(r.thread_scratch_bytes);
}

// Fills `info` (this runtime's whole struct) from an operator as it runs in
// `storage` (last_run_ns 0).
void FillOpInfo(const OpPlan& op, FloatStorage storage, qrt_op_info* info);

// Fills `info` (this runtime's whole struct) from a tensor (data stays as
// TensorDesc::data).
void FillTensorInfo(const TensorDesc& t, qrt_tensor_info* info);

// The versioned out structs of qrt.h: the size of each one's first version
// (the end of its last first-version field), below which a caller's
// struct_size is refused. Fields added later do not move these.
constexpr size_t kTensorInfoV1Size = offsetof(qrt_tensor_info, data) + sizeof(const void*);
constexpr size_t kPreprocessV1Size = offsetof(qrt_preprocess, channel_order) + sizeof(const char*);
constexpr size_t kOpInfoV1Size = offsetof(qrt_op_info, last_run_ns) + sizeof(uint64_t);

// True when the caller's out struct is there and at least `v1_size` bytes.
template <typename T>
bool OutStructOk(const T* out, size_t v1_size) {
  return out != nullptr && out->struct_size >= v1_size;
}

// Writes `full` (this runtime's version, filled) into the caller's struct:
// the fields that fit in its struct_size bytes; the bytes of a larger
// (newer) struct beyond this runtime's fields are not touched, nor is
// struct_size.
template <typename T>
void CopyOutStruct(const T& full, T* out) {
  const size_t n = out->struct_size < sizeof(T) ? out->struct_size : sizeof(T);
  T v = full;
  v.struct_size = out->struct_size;
  memcpy(out, &v, n);
}

}  // namespace rt
}  // namespace qrt

// The opaque handle is the model itself.
struct qrt_model : qrt::rt::Model {};

#endif  // QRT_RUNTIME_MODEL_H_
