#include "error.h"

#include <stdio.h>
#include <string.h>

#include "model.h"

namespace qrt {
namespace rt {

qrt_status SetErrorV(qrt_error* error, qrt_status status, const char* fmt,
                     va_list args) {
  if (error != nullptr) {
    error->status = status;
    vsnprintf(error->message, sizeof(error->message), fmt, args);
  }
  return status;
}

qrt_status SetError(qrt_error* error, qrt_status status, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  SetErrorV(error, status, fmt, args);
  va_end(args);
  return status;
}

void ClearError(qrt_error* error) {
  if (error != nullptr) {
    error->status = QRT_OK;
    error->message[0] = '\0';
  }
}

ShapeText::ShapeText(const TensorDesc& t) {
  size_t used = 0;
  text[used++] = '[';
  text[used] = '\0';
  for (int i = 0; i < t.rank && used < sizeof(text); ++i) {
    int n = snprintf(text + used, sizeof(text) - used, "%s%d", i ? "," : "",
                     (int)t.shape[i]);
    if (n < 0) break;
    used += (size_t)n;
  }
  if (used + 2 <= sizeof(text)) {
    text[used] = ']';
    text[used + 1] = '\0';
  }
}

TensorText::TensorText(int index, const TensorDesc& t) {
  snprintf(text, sizeof(text), "tensor %d '%s'", index, t.name);
}

}  // namespace rt
}  // namespace qrt
