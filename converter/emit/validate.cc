// validate_model_bytes: the runtime's loader on the converter's bytes.
#include <string>

#include "emit/serialize.h"
#include "graph/graph.h"
#include "qrt/qrt.h"

namespace qrt::emit {

void validate_model_bytes(const std::vector<uint8_t>& bytes) {
  qrt_model* model = nullptr;
  qrt_error error;
  const qrt_status s = qrt_model_load_memory(bytes.data(), bytes.size(), &model, &error);
  qrt_model_destroy(model);
  if (s == QRT_OK) return;
  throw ConvertError(std::string("the converted model fails the runtime's load checks (") +
                     qrt_status_string(s) + "): " + error.message +
                     "; nothing was written (qrt-convert loads every model with libqrt before writing it)");
}

}  // namespace qrt::emit
