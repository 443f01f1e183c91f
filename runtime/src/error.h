// Error messages that name the place.
//
// Every failing call builds one message, e.g.
//   operator 3 'conv2' (CONV_2D): weight tensor 7 'conv2.weight' has shape
//   [16,3,3,8] but input tensor 2 'x' has 4 channels
// and hands it to the caller: the load/create functions write it into the
// caller's optional qrt_error, session calls into the session's own buffer
// (qrt_session_last_error). Formatting uses vsnprintf into fixed buffers:
// nothing allocates, so the run path can report errors too.
#ifndef QRT_RUNTIME_ERROR_H_
#define QRT_RUNTIME_ERROR_H_

#include <stdarg.h>
#include <stddef.h>

#include "qrt/qrt.h"

namespace qrt {
namespace rt {

struct TensorDesc;

#if defined(__GNUC__)
#define QRT_PRINTF(fmt_index, first_arg) \
  __attribute__((format(printf, fmt_index, first_arg)))
#else
#define QRT_PRINTF(fmt_index, first_arg)
#endif

// Writes status + message into `error` (may be NULL) and returns status.
qrt_status SetError(qrt_error* error, qrt_status status, const char* fmt, ...)
    QRT_PRINTF(3, 4);
qrt_status SetErrorV(qrt_error* error, qrt_status status, const char* fmt,
                     va_list args);
// Clears `error` (may be NULL) to QRT_OK and "".
void ClearError(qrt_error* error);

// "[16,3,3,8]": a tensor's shape as text, in a buffer of its own.
struct ShapeText {
  explicit ShapeText(const TensorDesc& t);
  char text[96];
};

// "tensor 7 'conv2.weight'".
struct TensorText {
  TensorText(int index, const TensorDesc& t);
  char text[160];
};

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_ERROR_H_
