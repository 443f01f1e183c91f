// Whole-model bit-exactness: reference files, inputs, and one run of a .qrt
// on a chosen kernel path and thread count.
//
// A reference file (text, written by qrt_e2e_reference on the host with
// QRT_KERNEL_PATH=ref) says which inputs were used and what came out, as the
// exact bit patterns of the float outputs:
//
//   qrt-e2e-reference 1
//   input file fashion_mnist_t10k_first8.u8 8     (raw u8 HWC pixels, next to
//                                                   the reference file)
//   input random 20 1234                          (or: 20 LCG images, seed)
//   outputs 10
//   3f1a2b3c 40a00000 ...                          (one line per image)
//
// Pixels become floats with the model's preprocess (x / 255 - mean) / std,
// then qrt_session_set_input_f32 quantizes them; so a match also proves the
// host and the device agree on preprocessing and quantization.
#ifndef QRT_TESTS_E2E_E2E_UTIL_H_
#define QRT_TESTS_E2E_E2E_UTIL_H_

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "qrt/qrt.h"

namespace qrt_e2e {

struct Reference {
  std::string input_kind;  // "file" or "random"
  std::string input_file;  // absolute path (file)
  size_t count = 0;
  uint32_t seed = 0;       // random
  size_t outputs = 0;
  std::vector<std::vector<uint32_t>> bits;  // [count][outputs]
};

// Reads `path`; relative input files resolve next to it.
bool ReadReference(const std::string& path, Reference* ref, std::string* error);
// Writes `ref` (input_file written as given: keep it relative).
bool WriteReference(const std::string& path, const Reference& ref,
                    std::string* error);

// Pixels [count][elements] for `ref` (from the file, or the LCG).
bool MakePixels(const Reference& ref, size_t elements,
                std::vector<uint8_t>* pixels, std::string* error);

// The result of running every image through a model.
struct RunResult {
  std::vector<std::vector<uint32_t>> bits;  // [image][output element]
  std::vector<std::string> kernels;         // per op: qrt_session_op_info .kernel
  size_t arena_bytes = 0;                   // qrt_session_arena_size
  int float_adds = 0;                       // qrt_session_float_adds
  size_t num_f16_tensors = 0;
};

// Loads `model_path` with QRT_KERNEL_PATH=`path` ("" = unset, the default
// choice), creates a session with `threads` threads and options.float_adds
// = `float_adds` (the committed F32 references: QRT_FLOAT_ADDS_F32, so AUTO
// on an fp16 CPU cannot change them) and runs `count` images of `pixels`.
// With u8_input the pixels go in through qrt_session_set_input_u8 (the
// model's mean/std applied by the runtime) instead of the floats above;
// keep_all_tensors sets that session option (the input QUANTIZE then runs
// as an op instead of being folded into set_input).
// false with a message on any failure.
bool RunModel(const std::string& model_path, const std::string& path,
              int threads, const std::vector<uint8_t>& pixels, size_t count,
              RunResult* result, std::string* error,
              int float_adds = QRT_FLOAT_ADDS_F32, bool u8_input = false,
              bool keep_all_tensors = false);

}  // namespace qrt_e2e

#endif  // QRT_TESTS_E2E_E2E_UTIL_H_
