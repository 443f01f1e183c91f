// write_file_atomic: the .qrt file appears whole or not at all, and never
// in place of something that is not a regular file or is an input.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "emit/serialize.h"
#include "graph/graph.h"

namespace qrt::emit {
namespace {

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a fifo";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Refuses a target the rename would wrongly replace.
void check_target(const std::string& path, const std::vector<std::string>& inputs) {
  struct stat target;
  if (::stat(path.c_str(), &target) != 0) return;  // absent (or unreadable: open/rename report it)
  if (!S_ISREG(target.st_mode))
    throw ConvertError(path + ": the output exists and is " + file_kind(target.st_mode) +
                       "; refusing to replace it with the model (give a regular file's path)");
  for (const std::string& in : inputs) {
    struct stat source;
    if (::stat(in.c_str(), &source) == 0 && source.st_dev == target.st_dev && source.st_ino == target.st_ino)
      throw ConvertError(path + ": the output is the input file '" + in +
                         "' (same file); refusing to overwrite it");
  }
}

}  // namespace

void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes,
                       const std::vector<std::string>& inputs) {
  check_target(path, inputs);
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw ConvertError(path + ": cannot create temporary file " + tmp + ": " + std::strerror(errno));
  auto fail = [&](const std::string& step) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    throw ConvertError(path + ": " + step + " failed: " + std::strerror(err));
  };
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    done += size_t(n);
  }
  if (::fsync(fd) != 0) fail("fsync");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw ConvertError(path + ": close failed: " + std::strerror(err));
  }
  try {
    check_target(path, inputs);  // again, just before the rename (it may have appeared meanwhile)
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw ConvertError(path + ": rename from " + tmp + " failed: " + std::strerror(err));
  }
}

}  // namespace qrt::emit
