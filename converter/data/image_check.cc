#include "data/image_check.h"

#include <cstring>

namespace qrt::data {

namespace {

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

std::string chunk_type(const uint8_t* p) {
  std::string t;
  for (int i = 0; i < 4; ++i) t += (p[i] >= 32 && p[i] < 127) ? char(p[i]) : '?';
  return t;
}

bool png_valid(const uint8_t* data, size_t size, std::string* error) {
  size_t pos = 8;  // after the signature
  bool image_data = false;
  while (pos < size) {
    if (size - pos < 12) {
      *error = "offset " + std::to_string(pos) + ": PNG chunk header cut off (" + std::to_string(size - pos) +
               " bytes left, a chunk takes at least 12; truncated PNG)";
      return false;
    }
    const uint32_t length = be32(data + pos);
    const std::string type = chunk_type(data + pos + 4);
    if (length > 0x7FFFFFFFu || length > size - pos - 12) {
      *error = "offset " + std::to_string(pos) + ": PNG chunk '" + type + "' says " + std::to_string(length) +
               " bytes, the file has " + std::to_string(size - pos - 12) + " after its header (truncated or corrupt PNG)";
      return false;
    }
    if (type == "IDAT" && length == 0 && !image_data) {
      // stb_image would copy 0 bytes to its not yet allocated buffer (a
      // null pointer); no encoder writes an empty first IDAT.
      *error = "offset " + std::to_string(pos) + ": empty IDAT chunk before any image data (corrupt PNG)";
      return false;
    }
    image_data = image_data || type == "IDAT";
    pos += 12 + size_t(length);
    if (type == "IEND") break;
  }
  return true;
}

bool pnm_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// The header as stb_image reads it: magic, then width, height and maxval,
// each after whitespace and '#' comments (to the end of the line), and one
// byte after maxval.
bool pnm_valid(const uint8_t* data, size_t size, std::string* error) {
  const int channels = data[1] == '6' ? 3 : 1;
  size_t pos = 2;
  const char* const what[3] = {"width", "height", "maxval"};
  uint64_t v[3] = {0, 0, 0};
  for (int k = 0; k < 3; ++k) {
    for (;;) {
      while (pos < size && pnm_space(data[pos])) ++pos;
      if (pos >= size || data[pos] != '#') break;
      while (pos < size && data[pos] != '\n' && data[pos] != '\r') ++pos;
    }
    const size_t start = pos;
    while (pos < size && data[pos] >= '0' && data[pos] <= '9' && pos - start < 10) v[k] = v[k] * 10 + (data[pos++] - '0');
    if (pos == start || (pos < size && data[pos] >= '0' && data[pos] <= '9')) {
      *error = "offset " + std::to_string(start) + ": PNM " + what[k] +
               (pos == start ? " missing" : " has more than 10 digits") + " (corrupt PNM header)";
      return false;
    }
    if (v[k] == 0 || v[k] > 0x7FFFFFFFu) {
      *error = "offset " + std::to_string(start) + ": PNM " + what[k] + " " + std::to_string(v[k]) +
               " is out of range (1 to 2147483647)";
      return false;
    }
  }
  if (v[2] > 255) {
    *error = "PNM maxval " + std::to_string(v[2]) + ": 16-bit PNM is not supported (convert to 8 bits, maxval <= 255)";
    return false;
  }
  const size_t pixels_at = pos + 1;  // the one whitespace byte after maxval
  const uint64_t need = v[0] * v[1] * uint64_t(channels);  // each < 2^31: no wrap
  const uint64_t have = pixels_at <= size ? uint64_t(size - pixels_at) : 0;
  if (have < need) {
    *error = "offset " + std::to_string(pixels_at) + ": PNM " + std::to_string(v[0]) + "x" + std::to_string(v[1]) +
             "x" + std::to_string(channels) + " needs " + std::to_string(need) + " pixel bytes, the file has " +
             std::to_string(have) + " (truncated PNM)";
    return false;
  }
  return true;
}

}  // namespace

bool image_container_valid(const uint8_t* data, size_t size, std::string* error) {
  static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size >= 8 && std::memcmp(data, kPng, 8) == 0) return png_valid(data, size, error);
  if (size >= 2 && data[0] == 'P' && (data[1] == '5' || data[1] == '6')) return pnm_valid(data, size, error);
  return true;
}

}  // namespace qrt::data
