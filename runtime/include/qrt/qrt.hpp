// qrt.hpp: a thin header-only C++ wrapper over qrt.h.
//
// RAII handles that free themselves; no exceptions (every fallible method
// returns qrt_status, like the C API) and nothing beyond qrt.h. A Session
// keeps a pointer to its Model's handle: keep the Model alive (and do not
// move it) while Sessions made from it exist.
//
//   qrt::Model model;
//   qrt_error err;
//   if (model.LoadFile("m.qrt", &err) != QRT_OK) { puts(err.message); ... }
//   qrt::Session session;
//   if (session.Create(model, nullptr, &err) != QRT_OK) ...
//   session.SetInput(0, pixels, n);  session.Run();  session.GetOutput(0, out, k);
//
// The query methods set the out struct's struct_size themselves (this
// header's sizeof): pass any qrt_tensor_info / qrt_op_info / qrt_preprocess.
#ifndef QRT_QRT_HPP_
#define QRT_QRT_HPP_

#include <stddef.h>

#include "qrt/qrt.h"

namespace qrt {

// Sets an out struct's struct_size to this header's version; NULL stays NULL.
template <typename T>
inline T* Sized(T* out) {
  if (out != nullptr) out->struct_size = sizeof(T);
  return out;
}

class Model {
 public:
  Model() = default;
  ~Model() { qrt_model_destroy(model_); }
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  Model(Model&& o) noexcept : model_(o.model_) { o.model_ = nullptr; }
  Model& operator=(Model&& o) noexcept {
    if (this != &o) {
      qrt_model_destroy(model_);
      model_ = o.model_;
      o.model_ = nullptr;
    }
    return *this;
  }

  // Replaces any model held before. `error` may be NULL.
  qrt_status LoadFile(const char* path, qrt_error* error = nullptr) {
    Reset();
    return qrt_model_load_file(path, &model_, error);
  }
  // Copies the bytes (see qrt_model_load_memory).
  qrt_status LoadMemory(const void* data, size_t size, qrt_error* error = nullptr) {
    Reset();
    return qrt_model_load_memory(data, size, &model_, error);
  }
  // With limits (qrt_model_load_file_with_options; qrt_load_options_init
  // first).
  qrt_status LoadFile(const char* path, const qrt_load_options& options,
                      qrt_error* error = nullptr) {
    Reset();
    return qrt_model_load_file_with_options(path, &options, &model_, error);
  }
  qrt_status LoadMemory(const void* data, size_t size, const qrt_load_options& options,
                        qrt_error* error = nullptr) {
    Reset();
    return qrt_model_load_memory_with_options(data, size, &options, &model_, error);
  }
  void Reset() {
    qrt_model_destroy(model_);
    model_ = nullptr;
  }

  const qrt_model* get() const { return model_; }
  explicit operator bool() const { return model_ != nullptr; }
  size_t num_inputs() const { return qrt_model_num_inputs(model_); }
  size_t num_outputs() const { return qrt_model_num_outputs(model_); }
  qrt_status input_info(size_t i, qrt_tensor_info* info) const {
    return qrt_model_input_info(model_, i, Sized(info));
  }
  qrt_status output_info(size_t i, qrt_tensor_info* info) const {
    return qrt_model_output_info(model_, i, Sized(info));
  }
  qrt_status tensor_info(size_t tensor_index, qrt_tensor_info* info) const {
    return qrt_model_tensor_info(model_, tensor_index, Sized(info));
  }
  qrt_status preprocess(qrt_preprocess* out) const {
    return qrt_model_preprocess(model_, Sized(out));
  }
  qrt_status arena_size(const qrt_session_options* options, size_t* bytes,
                        qrt_error* error = nullptr) const {
    return qrt_model_arena_size(model_, options, bytes, error);
  }
  size_t num_operators() const { return qrt_model_num_operators(model_); }
  qrt_status op_info(size_t i, qrt_op_info* info) const {
    return qrt_model_op_info(model_, i, Sized(info));
  }

 private:
  qrt_model* model_ = nullptr;
};

class Session {
 public:
  Session() = default;
  ~Session() { qrt_session_destroy(session_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session(Session&& o) noexcept : session_(o.session_) { o.session_ = nullptr; }
  Session& operator=(Session&& o) noexcept {
    if (this != &o) {
      qrt_session_destroy(session_);
      session_ = o.session_;
      o.session_ = nullptr;
    }
    return *this;
  }

  // `options` may be NULL (defaults). Replaces any session held before.
  qrt_status Create(const Model& model, const qrt_session_options* options = nullptr,
                    qrt_error* error = nullptr) {
    qrt_session_destroy(session_);
    session_ = nullptr;
    return qrt_session_create(model.get(), options, &session_, error);
  }

  qrt_session* get() const { return session_; }
  explicit operator bool() const { return session_ != nullptr; }
  qrt_status SetInput(size_t i, const float* data, size_t count) {
    return qrt_session_set_input_f32(session_, i, data, count);
  }
  // 8-bit pixels with the model's mean/std (qrt_session_set_input_u8).
  qrt_status SetInputPixels(size_t i, const uint8_t* pixels, size_t count) {
    return qrt_session_set_input_u8(session_, i, pixels, count);
  }
  qrt_status Run() { return qrt_session_run(session_); }
  qrt_status GetOutput(size_t i, float* data, size_t count) {
    return qrt_session_get_output_f32(session_, i, data, count);
  }
  qrt_status tensor_info(size_t tensor_index, qrt_tensor_info* info) const {
    return qrt_session_tensor_info(session_, tensor_index, Sized(info));
  }
  size_t arena_size() const { return qrt_session_arena_size(session_); }
  // QRT_FLOAT_ADDS_F32 or _F16 (options.float_adds with AUTO resolved).
  qrt_float_adds float_adds(size_t* num_f16_tensors = nullptr) const {
    return qrt_session_float_adds(session_, num_f16_tensors);
  }
  qrt_status op_info(size_t i, qrt_op_info* info) const {
    return qrt_session_op_info(session_, i, Sized(info));
  }
  const char* last_error() const { return qrt_session_last_error(session_); }

 private:
  qrt_session* session_ = nullptr;
};

}  // namespace qrt

#endif  // QRT_QRT_HPP_
