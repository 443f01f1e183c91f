// qrt_model_load_file / qrt_model_load_memory (and _with_options): the
// limits, reading the file once, the FlatBuffers verifier and the check
// that nothing follows the FlatBuffer; then loader.cc.
//
// A file is read straight into the 64-byte aligned block the model keeps
// (no second copy), after fstat showed a regular file within
// max_file_bytes. The verifier never sees more than QRT_MAX_FILE_BYTES_LIMIT
// bytes, so FlatBuffers' own 2 GiB assertion cannot fire.
//
// Trailing bytes: FlatBuffers verifiers accept data after the buffer. The
// verifier is built with FLATBUFFERS_TRACK_VERIFIER_BUFFER_SIZE (set for
// the whole project in cmake/QrtDependencies.cmake), which records the end
// of the furthest object it verified; more than 15 bytes after that end, or
// any that are not zero (up to 15 zero bytes are the alignment padding a
// builder may leave after the first object it wrote), are refused with
// their offset. qrt-convert writes the model's `inputs` vector first
// (emit/serialize.cc), so its files end with an object every runtime
// version verifies, and fields added later stay inside that end.
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <new>

#include "error.h"
#include "loader.h"
#include "loader_checks.h"
#include "model.h"

#ifndef FLATBUFFERS_TRACK_VERIFIER_BUFFER_SIZE
#error "loader_api.cc needs FLATBUFFERS_TRACK_VERIFIER_BUFFER_SIZE (cmake/QrtDependencies.cmake)"
#endif

using qrt::rt::SetError;

namespace qrt {
namespace rt {
namespace {

struct Limits {
  uint64_t max_file_bytes = QRT_DEFAULT_MAX_FILE_BYTES;
  size_t max_tensor_elements = kMaxTensorElements;
};

qrt_status ReadLimits(const qrt_load_options* in, Limits* out, qrt_error* error) {
  if (in == nullptr) return QRT_OK;
  if (in->struct_size < offsetof(qrt_load_options, max_file_bytes) + sizeof(uint64_t)) {
    return SetError(error, QRT_ERROR_INVALID_ARGUMENT,
                    "qrt_load_options.struct_size is %zu; set it to "
                    "sizeof(qrt_load_options) (qrt_load_options_init)",
                    in->struct_size);
  }
  qrt_load_options o;
  qrt_load_options_init(&o);
  memcpy(&o, in, in->struct_size < sizeof(o) ? in->struct_size : sizeof(o));
  if (o.max_file_bytes > QRT_MAX_FILE_BYTES_LIMIT) {
    return SetError(error, QRT_ERROR_INVALID_ARGUMENT,
                    "qrt_load_options.max_file_bytes is %llu, at most %llu "
                    "(QRT_MAX_FILE_BYTES_LIMIT)", (unsigned long long)o.max_file_bytes,
                    (unsigned long long)QRT_MAX_FILE_BYTES_LIMIT);
  }
  if (o.max_tensor_elements > kMaxTensorElements) {
    return SetError(error, QRT_ERROR_INVALID_ARGUMENT,
                    "qrt_load_options.max_tensor_elements is %llu, at most %llu",
                    (unsigned long long)o.max_tensor_elements,
                    (unsigned long long)kMaxTensorElements);
  }
  if (o.max_file_bytes != 0) out->max_file_bytes = o.max_file_bytes;
  if (o.max_tensor_elements != 0) out->max_tensor_elements = (size_t)o.max_tensor_elements;
  return QRT_OK;
}

qrt_status CheckSize(uint64_t size, const Limits& limits, qrt_error* error) {
  if (size > limits.max_file_bytes) {
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "model is %llu bytes, more than the maximum model size %llu "
                    "(qrt_load_options.max_file_bytes)", (unsigned long long)size,
                    (unsigned long long)limits.max_file_bytes);
  }
  if (size < 8) {  // the root offset and the file identifier
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "model is %llu bytes, too short for a qrt file", (unsigned long long)size);
  }
  return QRT_OK;
}

// A model owning a 64-byte aligned block of `size` bytes (zero padded to
// a multiple of 64).
qrt_model* NewModel(size_t size, const Limits& limits) {
  qrt_model* m = new (std::nothrow) qrt_model();
  if (m == nullptr) return nullptr;
  const size_t rounded = (size + 63) / 64 * 64;  // size < 2^31: no overflow
  m->file = aligned_alloc(64, rounded);
  if (m->file == nullptr) {
    delete m;
    return nullptr;
  }
  memset(static_cast<uint8_t*>(m->file) + size, 0, rounded - size);
  m->file_size = size;
  m->max_tensor_elements = limits.max_tensor_elements;
  return m;
}

// Verifies m's bytes and loads them; frees m on failure.
qrt_status LoadOwned(qrt_model* m, qrt_model** out_model, qrt_error* error) {
  const uint8_t* bytes = static_cast<const uint8_t*>(m->file);
  const size_t size = m->file_size;
  if (!flatbuffers::BufferHasIdentifier(bytes, schema::ModelIdentifier())) {
    const unsigned char* id = bytes + 4;
    SetError(error, QRT_ERROR_INVALID_MODEL,
             "file identifier at offset 4 is \"%c%c%c%c\" (0x%02x%02x%02x%02x), "
             "expected \"%s\": not a qrt model",
             isprint(id[0]) ? id[0] : '?', isprint(id[1]) ? id[1] : '?',
             isprint(id[2]) ? id[2] : '?', isprint(id[3]) ? id[3] : '?',
             id[0], id[1], id[2], id[3], schema::ModelIdentifier());
    delete m;  // after the message: id points into m's bytes
    return QRT_ERROR_INVALID_MODEL;
  }
  flatbuffers::Verifier verifier(bytes, size);
  if (!schema::VerifyModelBuffer(verifier)) {
    delete m;
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "FlatBuffers verification failed: the %zu-byte file is "
                    "truncated or corrupt (an offset, length or required field "
                    "is invalid)", size);
  }
  const size_t end = verifier.GetComputedSize();
  size_t first_nonzero = end;
  while (first_nonzero < size && bytes[first_nonzero] == 0) ++first_nonzero;
  if (end == 0 || size - end >= 16 || first_nonzero < size) {
    const size_t at = end == 0 ? 0 : end;
    delete m;
    return SetError(error, QRT_ERROR_INVALID_MODEL,
                    "%zu trailing bytes at file offset %zu: the FlatBuffer ends there "
                    "but the file has %zu bytes (a model with data appended, or "
                    "two files joined)", size - at, at, size);
  }
  m->fb = schema::GetModel(m->file);
  const qrt_status s = LoadVerified(*m, error);
  if (s != QRT_OK) {
    delete m;
    return s;
  }
  *out_model = m;
  return QRT_OK;
}

// Names the file in front of a message that does not name it yet.
qrt_status NameFile(const char* path, qrt_status s, qrt_error* error) {
  if (s != QRT_OK && error != nullptr) {
    char detail[QRT_ERROR_MESSAGE_SIZE];
    memcpy(detail, error->message, sizeof(detail));
    SetError(error, s, "%s: %s", path, detail);
  }
  return s;
}

const char* FileKind(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISCHR(mode)) return "is a character device, not a regular file";
  if (S_ISBLK(mode)) return "is a block device, not a regular file";
  if (S_ISFIFO(mode)) return "is a fifo, not a regular file";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file";
  return "is not a regular file";
}

qrt_status LoadFile(const char* path, const Limits& limits, qrt_model** out_model,
                    qrt_error* error) {
  // O_NONBLOCK: opening a fifo must not wait for a writer (it is refused).
  const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return SetError(error, QRT_ERROR_IO, "cannot open '%s': %s", path, strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    if (err == EOVERFLOW) {  // 32-bit off_t: the file is 2 GiB or larger
      return SetError(error, QRT_ERROR_INVALID_MODEL,
                      "%s: model is 2 GiB or larger, more than the maximum model size "
                      "%llu (qrt_load_options.max_file_bytes)", path,
                      (unsigned long long)limits.max_file_bytes);
    }
    return SetError(error, QRT_ERROR_IO, "cannot stat '%s': %s", path, strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return SetError(error, QRT_ERROR_IO, "'%s' %s", path, FileKind(st.st_mode));
  }
  qrt_status s = CheckSize((uint64_t)st.st_size, limits, error);
  if (s != QRT_OK) {
    close(fd);
    return NameFile(path, s, error);
  }
  const size_t size = (size_t)st.st_size;
  qrt_model* m = NewModel(size, limits);
  if (m == nullptr) {
    close(fd);
    return SetError(error, QRT_ERROR_OUT_OF_MEMORY, "no memory to read '%s' (%zu bytes)",
                    path, size);
  }
  size_t done = 0;
  while (done < size) {
    const ssize_t n = read(fd, static_cast<uint8_t*>(m->file) + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : 0;
      close(fd);
      delete m;
      return SetError(error, QRT_ERROR_IO, "read %zu of %zu bytes of '%s'%s%s", done, size,
                      path, err ? ": " : " (the file shrank)", err ? strerror(err) : "");
    }
    done += (size_t)n;
  }
  close(fd);
  return NameFile(path, LoadOwned(m, out_model, error), error);
}

}  // namespace
}  // namespace rt
}  // namespace qrt

extern "C" void qrt_load_options_init(qrt_load_options* options) {
  if (options == nullptr) return;
  memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
}

extern "C" qrt_status qrt_model_load_memory_with_options(const void* data, size_t size,
                                                         const qrt_load_options* options,
                                                         qrt_model** out_model,
                                                         qrt_error* error) {
  qrt::rt::ClearError(error);
  if (out_model == nullptr) {
    return SetError(error, QRT_ERROR_INVALID_ARGUMENT,
                    "qrt_model_load_memory: out_model is NULL");
  }
  *out_model = nullptr;
  if (data == nullptr && size != 0) {
    return SetError(error, QRT_ERROR_INVALID_ARGUMENT,
                    "qrt_model_load_memory: data is NULL");
  }
  qrt::rt::Limits limits;
  qrt_status s = qrt::rt::ReadLimits(options, &limits, error);
  if (s == QRT_OK) s = qrt::rt::CheckSize((uint64_t)size, limits, error);
  if (s != QRT_OK) return s;
  // A 64-byte aligned private copy: the caller's buffer may go away, and
  // the verifier checks alignment relative to the buffer start.
  qrt_model* m = qrt::rt::NewModel(size, limits);
  if (m == nullptr) {
    return SetError(error, QRT_ERROR_OUT_OF_MEMORY,
                    "no memory to copy the %zu-byte model", size);
  }
  memcpy(m->file, data, size);
  return qrt::rt::LoadOwned(m, out_model, error);
}

extern "C" qrt_status qrt_model_load_memory(const void* data, size_t size,
                                            qrt_model** out_model, qrt_error* error) {
  return qrt_model_load_memory_with_options(data, size, nullptr, out_model, error);
}

extern "C" qrt_status qrt_model_load_file_with_options(const char* path,
                                                       const qrt_load_options* options,
                                                       qrt_model** out_model,
                                                       qrt_error* error) {
  qrt::rt::ClearError(error);
  if (out_model != nullptr) *out_model = nullptr;
  if (path == nullptr || out_model == nullptr) {
    return SetError(error, QRT_ERROR_INVALID_ARGUMENT,
                    "qrt_model_load_file: path or out_model is NULL");
  }
  qrt::rt::Limits limits;
  qrt_status s = qrt::rt::ReadLimits(options, &limits, error);
  if (s != QRT_OK) return s;
  return qrt::rt::LoadFile(path, limits, out_model, error);
}

extern "C" qrt_status qrt_model_load_file(const char* path, qrt_model** out_model,
                                          qrt_error* error) {
  return qrt_model_load_file_with_options(path, nullptr, out_model, error);
}

extern "C" void qrt_model_destroy(qrt_model* model) { delete model; }
