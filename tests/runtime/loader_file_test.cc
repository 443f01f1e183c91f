// Files that are not models, and the load limits (runtime/src/loader_api.cc,
// docs/runtime.md "Load options and limits"): directories, fifos, files over
// the maximum model size (sparse files: nothing big is written), bytes after
// the FlatBuffer, and qrt_load_options itself.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"

using namespace qrt_test;
using qrt::schema::OpType;

namespace {

std::vector<uint8_t> SmallModel() {
  ModelBuilder b;
  int x = b.Activation("x", DType::S8, {1, 4}, 0.5f);
  int y = b.FloatActivation("y", {1, 4});
  b.Simple(OpType::DEQUANTIZE, "dq", x, y).Inputs({x}).Outputs({y});
  return b.Build();
}

// A fresh folder under $TMPDIR (or /tmp), removed (one level) at the end.
struct Folder {
  std::string path;
  Folder() {
    const char* t = getenv("TMPDIR");
    std::string tmpl = std::string(t && *t ? t : "/tmp") + "/qrt_loader_file_XXXXXX";
    REQUIRE(mkdtemp(&tmpl[0]) != nullptr);
    path = tmpl;
  }
  ~Folder() {
    const std::string cmd = "rm -rf '" + path + "'";
    if (system(cmd.c_str()) != 0) fprintf(stderr, "could not remove %s\n", path.c_str());
  }
  std::string File(const char* name) const { return path + "/" + name; }
};

void Write(const std::string& path, const std::vector<uint8_t>& bytes) {
  FILE* f = fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  REQUIRE(fclose(f) == 0);
}

qrt_status LoadFile(const std::string& path, std::string* msg,
                    const qrt_load_options* o = nullptr) {
  qrt_model* m = nullptr;
  qrt_error err;
  const qrt_status s = qrt_model_load_file_with_options(path.c_str(), o, &m, &err);
  CHECK((s == QRT_OK) == (m != nullptr));
  qrt_model_destroy(m);
  *msg = err.message;
  return s;
}

}  // namespace

TEST_CASE("a directory, a fifo: clear I/O errors", "[runtime][loader][file]") {
  Folder dir;
  std::string msg;
  CHECK(LoadFile(dir.path, &msg) == QRT_ERROR_IO);
  CHECK(msg == "'" + dir.path + "' is a directory");
  const std::string fifo = dir.File("model.qrt");
  REQUIRE(mkfifo(fifo.c_str(), 0644) == 0);
  CHECK(LoadFile(fifo, &msg) == QRT_ERROR_IO);  // returns at once: no writer needed
  CHECK(msg == "'" + fifo + "' is a fifo, not a regular file");
  qrt_model* m = nullptr;
  qrt_error err;
  CHECK(qrt_model_load_file("/dev/null", &m, &err) == QRT_ERROR_IO);
  CHECK(std::string(err.message) == "'/dev/null' is a character device, not a regular file");
}

TEST_CASE("files over the maximum model size are refused before reading",
          "[runtime][loader][file]") {
  Folder dir;
  std::string msg;
  const std::vector<uint8_t> model = SmallModel();
  SECTION("3 GiB and 2 GiB (sparse files), default limit") {
    const long long sizes[] = {3LL << 30, 2LL << 30, (1LL << 30) + 1};
    for (const long long size : sizes) {
      // A 32-bit off_t (armhf without large-file support) cannot make or
      // stat the 2 GiB files: their own message is checked below.
      if (size > INT32_MAX && sizeof(off_t) < 8) continue;
      const std::string path = dir.File("big.qrt");
      Write(path, model);
      REQUIRE(truncate(path.c_str(), (off_t)size) == 0);
      CHECK(LoadFile(path, &msg) == QRT_ERROR_INVALID_MODEL);
      CHECK(msg == path + ": model is " + std::to_string(size) +
                       " bytes, more than the maximum model size 1073741824 "
                       "(qrt_load_options.max_file_bytes)");
    }
  }
  SECTION("the limit is the caller's") {
    const std::string path = dir.File("m.qrt");
    Write(path, model);
    qrt_load_options o;
    qrt_load_options_init(&o);
    CHECK(LoadFile(path, &msg, &o) == QRT_OK);
    o.max_file_bytes = model.size();
    CHECK(LoadFile(path, &msg, &o) == QRT_OK);
    o.max_file_bytes = model.size() - 1;
    CHECK(LoadFile(path, &msg, &o) == QRT_ERROR_INVALID_MODEL);
    CHECK_THAT(msg, Catch::Contains("more than the maximum model size " +
                                    std::to_string(model.size() - 1)));
    // The FlatBuffers limit cannot be lifted: a 2 GiB file is refused
    // even at the largest limit.
    o.max_file_bytes = QRT_MAX_FILE_BYTES_LIMIT;
    if (sizeof(off_t) >= 8) {
      REQUIRE(truncate(path.c_str(), (off_t)(2LL << 30)) == 0);
      CHECK(LoadFile(path, &msg, &o) == QRT_ERROR_INVALID_MODEL);
    }
    o.max_file_bytes = QRT_MAX_FILE_BYTES_LIMIT + 1;
    CHECK(LoadFile(path, &msg, &o) == QRT_ERROR_INVALID_ARGUMENT);
    CHECK(msg == "qrt_load_options.max_file_bytes is 2147483647, at most 2147483646 "
                 "(QRT_MAX_FILE_BYTES_LIMIT)");
  }
  SECTION("memory: the size is checked before the bytes are read") {
    qrt_model* m = nullptr;
    qrt_error err;
    // Only the first bytes exist: a size check that read them all would crash.
    CHECK(qrt_model_load_memory(model.data(), (size_t)3 << 30, &m, &err) ==
          QRT_ERROR_INVALID_MODEL);
    CHECK(std::string(err.message) == "model is 3221225472 bytes, more than the maximum "
                                      "model size 1073741824 (qrt_load_options.max_file_bytes)");
    qrt_load_options o;
    qrt_load_options_init(&o);
    o.max_file_bytes = QRT_MAX_FILE_BYTES_LIMIT;
    CHECK(qrt_model_load_memory_with_options(model.data(), (size_t)2 << 30, &o, &m, &err) ==
          QRT_ERROR_INVALID_MODEL);
    CHECK(m == nullptr);
  }
}

TEST_CASE("bytes after the FlatBuffer are refused with their offset",
          "[runtime][loader][file]") {
  const std::vector<uint8_t> model = SmallModel();
  std::string msg;
  REQUIRE(TryLoad(model, &msg) == QRT_OK);
  std::vector<uint8_t> more = model;
  more.insert(more.end(), {'g', 'a', 'r', 'b', 'a', 'g', 'e'});
  CHECK(TryLoad(more, &msg) == QRT_ERROR_INVALID_MODEL);
  CHECK(msg == "7 trailing bytes at file offset " + std::to_string(model.size()) +
                   ": the FlatBuffer ends there but the file has " +
                   std::to_string(more.size()) +
                   " bytes (a model with data appended, or two files joined)");
  std::vector<uint8_t> twice = model;
  twice.insert(twice.end(), model.begin(), model.end());
  CHECK(TryLoad(twice, &msg) == QRT_ERROR_INVALID_MODEL);
  std::vector<uint8_t> zeros = model;
  zeros.resize(model.size() + 15, 0);  // alignment padding a builder may leave
  CHECK(TryLoad(zeros, &msg) == QRT_OK);
  zeros.resize(model.size() + 16, 0);
  CHECK(TryLoad(zeros, &msg) == QRT_ERROR_INVALID_MODEL);
  zeros.resize(model.size() + 1024 * 1024, 0);  // a model plus zeros
  CHECK(TryLoad(zeros, &msg) == QRT_ERROR_INVALID_MODEL);
  CHECK_THAT(msg, Catch::StartsWith("1048576 trailing bytes at file offset"));
}

TEST_CASE("load options: struct_size and the element limit", "[runtime][loader][file]") {
  const std::vector<uint8_t> model = SmallModel();
  qrt_model* m = nullptr;
  qrt_error err;
  qrt_load_options o;
  qrt_load_options_init(&o);
  CHECK(o.struct_size == sizeof(o));
  CHECK(o.max_file_bytes == 0);
  CHECK(o.max_tensor_elements == 0);
  o.max_tensor_elements = 4;
  CHECK(qrt_model_load_memory_with_options(model.data(), model.size(), &o, &m, &err) == QRT_OK);
  qrt_model_destroy(m);
  o.max_tensor_elements = 3;
  CHECK(qrt_model_load_memory_with_options(model.data(), model.size(), &o, &m, &err) ==
        QRT_ERROR_INVALID_MODEL);
  CHECK(std::string(err.message) == "tensor 0 'x': more than 3 elements (the limit per tensor; "
                                    "qrt_load_options.max_tensor_elements)");
  o.max_tensor_elements = QRT_DEFAULT_MAX_TENSOR_ELEMENTS + 1;
  CHECK(qrt_model_load_memory_with_options(model.data(), model.size(), &o, &m, &err) ==
        QRT_ERROR_INVALID_ARGUMENT);
  // An older caller's struct (without max_tensor_elements) reads defaults.
  o.max_tensor_elements = 3;
  o.struct_size = offsetof(qrt_load_options, max_tensor_elements);
  CHECK(qrt_model_load_memory_with_options(model.data(), model.size(), &o, &m, &err) == QRT_OK);
  qrt_model_destroy(m);
  o.struct_size = 0;
  CHECK(qrt_model_load_memory_with_options(model.data(), model.size(), &o, &m, &err) ==
        QRT_ERROR_INVALID_ARGUMENT);
  CHECK_THAT(std::string(err.message), Catch::StartsWith("qrt_load_options.struct_size is 0"));
}

TEST_CASE("qrt.hpp: Model::LoadMemory / LoadFile with options", "[runtime][loader][file]") {
  const std::vector<uint8_t> model = SmallModel();
  qrt_load_options o;
  qrt_load_options_init(&o);
  o.max_file_bytes = 8;
  qrt::Model m;
  qrt_error err;
  CHECK(m.LoadMemory(model.data(), model.size(), o, &err) == QRT_ERROR_INVALID_MODEL);
  CHECK_FALSE(m);
  o.max_file_bytes = 0;
  CHECK(m.LoadMemory(model.data(), model.size(), o, &err) == QRT_OK);
  CHECK(m);
  CHECK(m.LoadFile("does/not/exist.qrt", o, &err) == QRT_ERROR_IO);
  CHECK_FALSE(m);
}
