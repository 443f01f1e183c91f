// libFuzzer target: a .qrt file from untrusted bytes, loaded from memory
// and, when the loader accepts it, run once in a session. Whatever the bytes,
// the loader either accepts them or refuses them with a status and a
// message; an accepted model then creates a session, takes a fixed input and
// runs to the end (or refuses at create, e.g. an arena past the limit
// below). A crash, a sanitizer report, a hang or an allocation beyond
// libFuzzer's -rss_limit_mb is a finding (docs/reliability.md).
//
// Every accepted model runs twice: on the kernels the loader picks for this
// CPU, and with QRT_KERNEL_PATH=ref on the reference kernels. Both matter:
// the optimized kernels compute in GNU C vector types, whose int32 lanes
// wrap without UBSan seeing it, while the reference kernels are scalar C,
// where UBSan sees every overflow (a bias outside the accumulator bound,
// issue 13 finding 1, shows up there: fuzz/open/load_run/).
//
// Fast on purpose: in memory, no files, one thread, and models whose
// activations need more than kMaxArenaBytes or whose inputs hold more than
// kMaxInputElements values are loaded but not run (their run would measure
// the machine, not the loader).
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vector>

#include "qrt/qrt.h"

namespace {

constexpr size_t kMaxArenaBytes = size_t{16} << 20;
constexpr size_t kMaxInputElements = size_t{1} << 20;

// Aborts (a finding) when a status is not one the API documents or an error
// comes without a message.
void CheckRefusal(qrt_status s, const char* message) {
  if (s != QRT_ERROR_INVALID_ARGUMENT && s != QRT_ERROR_INVALID_MODEL &&
      s != QRT_ERROR_UNSUPPORTED && s != QRT_ERROR_OUT_OF_MEMORY && s != QRT_ERROR_IO)
    __builtin_trap();
  if (message == nullptr || message[0] == '\0') __builtin_trap();
}

void RunOnce(const qrt_model* model) {
  qrt_session_options options;
  qrt_session_options_init(&options);
  options.num_threads = 1;
  size_t arena = 0;
  qrt_error err;
  qrt_status s = qrt_model_arena_size(model, &options, &arena, &err);
  if (s != QRT_OK) return CheckRefusal(s, err.message);
  if (arena > kMaxArenaBytes) return;
  size_t total_inputs = 0;
  for (size_t i = 0; i < qrt_model_num_inputs(model); ++i) {
    qrt_tensor_info info;
    qrt_tensor_info_init(&info);
    if (qrt_model_input_info(model, i, &info) != QRT_OK) __builtin_trap();
    total_inputs += info.num_elements;
    if (total_inputs > kMaxInputElements) return;
  }
  qrt_session* session = nullptr;
  s = qrt_session_create(model, &options, &session, &err);
  if (s != QRT_OK) {
    if (session != nullptr) __builtin_trap();
    return CheckRefusal(s, err.message);
  }
  std::vector<float> buffer;
  for (size_t i = 0; i < qrt_model_num_inputs(model); ++i) {
    qrt_tensor_info info;
    qrt_tensor_info_init(&info);
    qrt_model_input_info(model, i, &info);
    buffer.resize(info.num_elements);
    // A fixed input covering negative, zero and large values.
    for (size_t k = 0; k < buffer.size(); ++k) buffer[k] = (float)((int)(k * 37 % 511) - 255) * 0.01f;
    s = qrt_session_set_input_f32(session, i, buffer.data(), buffer.size());
    if (s != QRT_OK) CheckRefusal(s, qrt_session_last_error(session));
  }
  s = qrt_session_run(session);
  if (s != QRT_OK) CheckRefusal(s, qrt_session_last_error(session));
  for (size_t i = 0; s == QRT_OK && i < qrt_model_num_outputs(model); ++i) {
    qrt_tensor_info info;
    qrt_tensor_info_init(&info);
    if (qrt_model_output_info(model, i, &info) != QRT_OK) __builtin_trap();
    if (info.num_elements > kMaxArenaBytes) continue;
    buffer.resize(info.num_elements);
    const qrt_status g = qrt_session_get_output_f32(session, i, buffer.data(), buffer.size());
    if (g != QRT_OK) CheckRefusal(g, qrt_session_last_error(session));
  }
  qrt_session_destroy(session);
}

// Loads (QRT_KERNEL_PATH=ref when `ref`) and runs; false if refused.
bool LoadAndRun(const uint8_t* data, size_t size, bool ref) {
  if (ref) setenv("QRT_KERNEL_PATH", "ref", 1);  // read at load
  qrt_model* model = nullptr;
  qrt_error err;
  const qrt_status s = qrt_model_load_memory(data, size, &model, &err);
  if (ref) unsetenv("QRT_KERNEL_PATH");
  if (s != QRT_OK) {
    if (model != nullptr) __builtin_trap();
    CheckRefusal(s, err.message);
    return false;
  }
  RunOnce(model);
  qrt_model_destroy(model);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (LoadAndRun(data, size, false)) LoadAndRun(data, size, true);
  return 0;
}
