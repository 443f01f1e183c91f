#include "files.h"

#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#endif
#include "stb_image_write.h"

#include <jpeglib.h>  // after <cstdio>: it uses FILE and size_t

namespace qrt::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/qrt_test_XXXXXX";
  if (!mkdtemp(&tmpl[0])) throw std::runtime_error("mkdtemp failed under " + tmpl);
  path_ = tmpl;
}

// Depth first (FTW_DEPTH), so a folder is empty when it is removed; links
// are removed, not followed (FTW_PHYS).
TempDir::~TempDir() {
  nftw(path_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return std::remove(p); }, 16,
       FTW_DEPTH | FTW_PHYS);
}

bool file_exists(const std::string& path) {
  struct stat s;
  return ::stat(path.c_str(), &s) == 0;
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  REQUIRE(out.good());
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.push_back(e->d_name);
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

int run_command(const std::string& cmd) {
  const int st = std::system(cmd.c_str());
  if (st == -1 || !WIFEXITED(st)) return -1;
  return WEXITSTATUS(st);
}

namespace {

void put_octal(uint8_t* field, size_t len, uint64_t v) {
  std::snprintf(reinterpret_cast<char*>(field), len, "%0*llo", int(len - 1), static_cast<unsigned long long>(v));
}

void put_header(std::vector<uint8_t>* out, const std::string& name, const std::string& prefix, size_t size,
                char type) {
  uint8_t h[512] = {};
  std::memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
  put_octal(h + 100, 8, type == '5' ? 0755 : 0644);
  put_octal(h + 108, 8, 0);
  put_octal(h + 116, 8, 0);
  put_octal(h + 124, 12, size);
  put_octal(h + 136, 12, 0);
  h[156] = uint8_t(type);
  std::memcpy(h + 257, "ustar\0" "00", 8);
  std::memcpy(h + 345, prefix.data(), std::min<size_t>(prefix.size(), 155));
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (uint8_t b : h) sum += b;
  std::snprintf(reinterpret_cast<char*>(h + 148), 8, "%06o", sum);  // 6 digits, NUL, space
  h[155] = ' ';
  out->insert(out->end(), h, h + 512);
}

void put_data(std::vector<uint8_t>* out, const std::vector<uint8_t>& data) {
  out->insert(out->end(), data.begin(), data.end());
  out->resize((out->size() + 511) / 512 * 512, 0);
}

void append_bytes(void* ctx, void* data, int size) {
  auto* v = static_cast<std::vector<uint8_t>*>(ctx);
  const uint8_t* p = static_cast<const uint8_t*>(data);
  v->insert(v->end(), p, p + size);
}

}  // namespace

std::vector<uint8_t> make_tar(const std::vector<TarItem>& items) {
  std::vector<uint8_t> out;
  for (const TarItem& it : items) {
    std::string name = it.name, prefix;
    if (it.gnu_long_name) {
      std::vector<uint8_t> long_name(it.name.begin(), it.name.end());
      long_name.push_back(0);
      put_header(&out, "././@LongLink", "", long_name.size(), 'L');
      put_data(&out, long_name);
      name = it.name.substr(0, 99);
    } else if (it.ustar_prefix) {
      const size_t slash = it.name.rfind('/');
      prefix = it.name.substr(0, slash);
      name = it.name.substr(slash + 1);
    }
    put_header(&out, name, prefix, it.type == '5' ? 0 : it.data.size(), it.type);
    if (it.type != '5') put_data(&out, it.data);
  }
  out.resize(out.size() + 1024, 0);
  return out;
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes, bool gzip) {
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    if (!f || gzwrite(f, bytes.data(), unsigned(bytes.size())) != int(bytes.size()) || gzclose(f) != Z_OK)
      throw std::runtime_error(path + ": gzip write failed");
    return;
  }
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!out) throw std::runtime_error(path + ": write failed");
}

std::vector<uint8_t> encode_png(int w, int h, int c, const std::vector<uint8_t>& pixels) {
  std::vector<uint8_t> out;
  if (!stbi_write_png_to_func(append_bytes, &out, w, h, c, pixels.data(), w * c)) throw std::runtime_error("png");
  return out;
}

// libjpeg's encoder (quality 95, libjpeg's default 4:2:0 for colour): on
// valid input it cannot fail, so its errors keep libjpeg's default (exit).
std::vector<uint8_t> encode_jpg(int w, int h, int c, const std::vector<uint8_t>& pixels) {
  if ((c != 1 && c != 3) || pixels.size() != size_t(w) * size_t(h) * size_t(c)) throw std::runtime_error("jpg");
  jpeg_compress_struct cinfo;
  jpeg_error_mgr err;
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  unsigned char* mem = nullptr;
  unsigned long mem_size = 0;
  jpeg_mem_dest(&cinfo, &mem, &mem_size);
  cinfo.image_width = JDIMENSION(w);
  cinfo.image_height = JDIMENSION(h);
  cinfo.input_components = c;
  cinfo.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 95, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(pixels.data()) + size_t(cinfo.next_scanline) * size_t(w) * size_t(c);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::vector<uint8_t> out(mem, mem + mem_size);
  jpeg_destroy_compress(&cinfo);
  std::free(mem);
  return out;
}

}  // namespace qrt::testing
