// File helpers shared by the host tests: a temporary folder, reading and
// writing files, running a command, a tar(.gz) writer that makes ustar
// archives byte by byte (so tests can also corrupt them on purpose), and
// image encoders (PNG lossless, JPEG) through stb_image_write.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qrt::testing {

// A fresh empty folder from mkdtemp under $TMPDIR (or /tmp); removed with
// everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

bool file_exists(const std::string& path);
// The whole file; REQUIREs that it opens.
std::vector<uint8_t> read_bytes(const std::string& path);
// Writes `bytes` (text or binary) as they are; REQUIREs success.
void write_bytes(const std::string& path, const std::string& bytes);
// Files in `dir` (names only, sorted; empty if it cannot be opened).
std::vector<std::string> list_dir(const std::string& dir);
// std::system; returns the exit status (-1 if it did not run).
int run_command(const std::string& cmd);

struct TarItem {
  std::string name;
  std::vector<uint8_t> data;
  char type = '0';            // '0' file, '5' directory
  bool gnu_long_name = false; // write the name as a GNU 'L' entry first
  bool ustar_prefix = false;  // split the name into ustar prefix + name at the last '/'
};

// The archive bytes (uncompressed): 512-byte headers with valid checksums,
// data padded to 512, two zero blocks at the end.
std::vector<uint8_t> make_tar(const std::vector<TarItem>& items);
// Writes bytes, gzip-compressed when `gzip` is true.
void write_file(const std::string& path, const std::vector<uint8_t>& bytes, bool gzip);

// Encodes 8-bit pixels (HWC, 1 or 3 channels).
std::vector<uint8_t> encode_png(int w, int h, int c, const std::vector<uint8_t>& pixels);
std::vector<uint8_t> encode_jpg(int w, int h, int c, const std::vector<uint8_t>& pixels);

}  // namespace qrt::testing
