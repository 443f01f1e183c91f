// qrt_e2e_reference: writes a whole-model reference file (e2e_util.h) by
// running a .qrt on the pure reference kernels (QRT_KERNEL_PATH=ref, one
// thread). Run it on the host; the tests then require every kernel path, on
// every CPU and thread count, to reproduce the file bit for bit.
//
//   qrt_e2e_reference model.qrt out.ref file images.u8 COUNT
//   qrt_e2e_reference model.qrt out.ref random COUNT SEED
// (images.u8: raw HWC u8 pixels, COUNT images; written relative to out.ref)
// QRT_E2E_FLOAT_ADDS=f16 in the environment: a session with float_adds F16
// (the fp16 residual path; the *_f16.ref files), else F32.
#include <stdio.h>
#include <stdlib.h>

#include <string>

#include "e2e_util.h"
#include "qrt/qrt.h"

int main(int argc, char** argv) {
  if (argc != 6 && argc != 7) {
    fprintf(stderr,
            "usage: %s model.qrt out.ref file images.u8 COUNT\n"
            "       %s model.qrt out.ref random COUNT SEED\n", argv[0], argv[0]);
    return 2;
  }
  qrt_e2e::Reference ref;
  ref.input_kind = argv[3];
  std::string input_as_written;
  if (ref.input_kind == "file" && argc == 6) {
    input_as_written = argv[4];
    ref.count = (size_t)strtoul(argv[5], nullptr, 10);
    // Resolve like ReadReference does: relative to the output's folder.
    const std::string out = argv[2];
    const size_t slash = out.rfind('/');
    ref.input_file = input_as_written[0] == '/' || slash == std::string::npos
                         ? input_as_written
                         : out.substr(0, slash) + "/" + input_as_written;
  } else if (ref.input_kind == "random" && argc == 6) {
    ref.count = (size_t)strtoul(argv[4], nullptr, 10);
    ref.seed = (uint32_t)strtoul(argv[5], nullptr, 10);
  } else {
    fprintf(stderr, "%s: input must be 'file images.u8 COUNT' or 'random COUNT SEED'\n", argv[0]);
    return 2;
  }
  const char* fa = getenv("QRT_E2E_FLOAT_ADDS");
  const int float_adds = fa != nullptr && std::string(fa) == "f16" ? QRT_FLOAT_ADDS_F16
                                                                   : QRT_FLOAT_ADDS_F32;
  qrt_model* model = nullptr;
  qrt_error err;
  if (qrt_model_load_file(argv[1], &model, &err) != QRT_OK) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  qrt_tensor_info in;
  qrt_tensor_info_init(&in);
  qrt_model_input_info(model, 0, &in);
  qrt_model_destroy(model);
  std::string error;
  std::vector<uint8_t> pixels;
  qrt_e2e::RunResult result;
  if (!qrt_e2e::MakePixels(ref, in.num_elements, &pixels, &error) ||
      !qrt_e2e::RunModel(argv[1], "ref", 1, pixels, ref.count, &result, &error,
                         float_adds)) {
    fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  ref.bits = result.bits;
  ref.outputs = ref.bits.empty() ? 0 : ref.bits[0].size();
  if (!input_as_written.empty()) ref.input_file = input_as_written;
  if (!qrt_e2e::WriteReference(argv[2], ref, &error)) {
    fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  printf("wrote %s: %zu images x %zu outputs\n", argv[2], ref.count, ref.outputs);
  return 0;
}
