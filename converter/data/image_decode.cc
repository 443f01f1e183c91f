#include "data/image_decode.h"

#include <climits>
#include <cstring>

#include "data/jpeg_check.h"
#include "stb_image.h"

namespace qrt::data {

namespace {
MemoryImageDecoder g_decoder = nullptr;
}  // namespace

bool image_header_size(const uint8_t* data, size_t size, int* width, int* height) {
  int c = 0;
  std::string bad_jpeg;
  if (!jpeg_huffman_tables_valid(data, size, &bad_jpeg)) return false;  // stb_image would write past a table
  if (size <= size_t(INT_MAX) && stbi_info_from_memory(data, int(size), width, height, &c) != 0) return true;
  // stb_image's header reader refuses images over 2^30 bytes itself; a PNG's
  // IHDR still says how large it claims to be, for the limit's message.
  static const uint8_t kPng[16] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  if (size < 24 || std::memcmp(data, kPng, 16) != 0) return false;
  const auto be32 = [](const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
  };
  if (be32(data + 16) > uint32_t(INT_MAX) || be32(data + 20) > uint32_t(INT_MAX)) return false;
  *width = int(be32(data + 16));
  *height = int(be32(data + 20));
  return true;
}

bool decode_image_stb(const uint8_t* data, size_t size, int want_channels, Image* out, std::string* error) {
  int w = 0, h = 0, c = 0;
  if (size > size_t(INT_MAX)) {
    *error = std::to_string(size) + " bytes, more than an image file may have (2 GiB)";
    return false;
  }
  if (!jpeg_huffman_tables_valid(data, size, error)) return false;  // before stb_image writes past a table
  uint8_t* px = stbi_load_from_memory(data, int(size), &w, &h, &c, want_channels);
  if (!px) {
    // stb_image leaves the reason empty (or null) for some zlib failures.
    const char* why = stbi_failure_reason();
    *error = why && *why ? why : "corrupt or unsupported image data (the decoder gave no reason)";
    return false;
  }
  out->width = w;
  out->height = h;
  out->channels = want_channels;
  out->pixels.assign(px, px + size_t(w) * h * want_channels);
  stbi_image_free(px);
  return true;
}

void set_memory_image_decoder(MemoryImageDecoder decoder) { g_decoder = decoder; }
MemoryImageDecoder memory_image_decoder() { return g_decoder ? g_decoder : decode_image_stb; }

}  // namespace qrt::data
