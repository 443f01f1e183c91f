#include "data/file_io.h"

#include <zlib.h>

#include <sys/stat.h>

#include <cctype>
#include <cstdio>

#include "graph/graph.h"

namespace qrt::data::detail {

void fail(const std::string& msg) { throw ConvertError(msg); }

bool has_image_extension(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = name.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == "jpg" || ext == "jpeg" || ext == "png" || ext == "bmp" ||
         ext == "ppm" || ext == "pgm" || ext == "pnm";
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::vector<uint8_t> read_file(const std::string& path, uint64_t max_bytes) {
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) fail(path + ": cannot open");
  if (!S_ISREG(st.st_mode)) fail(path + ": not a regular file");
  if (uint64_t(st.st_size) > max_bytes)
    fail(path + ": " + std::to_string(st.st_size) + " bytes, more than the " + std::to_string(max_bytes) +
         " this reader takes");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail(path + ": cannot open");
  std::vector<uint8_t> out(size_t(st.st_size));
  const size_t n = out.empty() ? 0 : std::fread(out.data(), 1, out.size(), f);
  std::fclose(f);
  if (n != out.size()) fail(path + ": read error after " + std::to_string(n) + " bytes");
  return out;
}

std::vector<uint8_t> read_maybe_gzip(const std::string& path, uint64_t max_bytes, const std::string& limit_flag) {
  struct stat st{};
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) fail(path + ": is a directory, not a file");
  if (stat(path.c_str(), &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
    fail(path + ": is a device, not a file");
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) fail(path + ": cannot open");
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof(buf));
    if (n < 0) {
      int errnum = 0;
      const std::string what = gzerror(f, &errnum);
      gzclose(f);
      fail(path + ": read error after " + std::to_string(out.size()) + " bytes: " + what);
    }
    if (n == 0) break;
    if (uint64_t(out.size()) + uint64_t(n) > max_bytes) {
      gzclose(f);
      fail(path + ": more than " + std::to_string(max_bytes) + " bytes (after gzip inflation), over the limit" +
           (limit_flag.empty() ? std::string() : " (" + limit_flag + ")"));
    }
    out.insert(out.end(), buf, buf + n);
  }
  gzclose(f);
  return out;
}

}  // namespace qrt::data::detail
