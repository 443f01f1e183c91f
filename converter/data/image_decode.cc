#include "data/image_decode.h"

#include <climits>
#include <cstring>
#include <utility>
#include <vector>

#include "data/image_check.h"
#include "data/jpeg_decode.h"
#include "stb_image.h"

namespace qrt::data {

namespace {

// PIL's Image.convert: "L" from RGB is (19595 R + 38470 G + 7471 B + 0x8000)
// >> 16 (ITU-R 601-2 luma); "RGB" from L repeats it; alpha is dropped.
void convert_channels(const uint8_t* src, int from, size_t pixels, int to, std::vector<uint8_t>* dst) {
  dst->resize(pixels * size_t(to));
  uint8_t* d = dst->data();
  for (size_t i = 0; i < pixels; ++i, src += from) {
    if (from <= 2) {  // L or LA
      for (int c = 0; c < to; ++c) *d++ = src[0];
    } else if (to == 3) {  // RGB or RGBA
      *d++ = src[0];
      *d++ = src[1];
      *d++ = src[2];
    } else {
      *d++ = uint8_t((19595u * src[0] + 38470u * src[1] + 7471u * src[2] + 0x8000u) >> 16);
    }
  }
}

}  // namespace

bool image_header_size(const uint8_t* data, size_t size, int* width, int* height) {
  std::string why;
  int c = 0;
  if (is_jpeg(data, size)) return jpeg_header(data, size, width, height, &c, &why);
  if (!image_container_valid(data, size, &why)) return false;
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

bool decode_image(const uint8_t* data, size_t size, int want_channels, uint64_t max_pixels, Image* out,
                  std::string* error) {
  if (size > size_t(INT_MAX)) {
    *error = std::to_string(size) + " bytes, more than an image file may have (2 GiB)";
    return false;
  }
  if (want_channels != 1 && want_channels != 3) {
    *error = "images decode to 1 or 3 channels, not " + std::to_string(want_channels);
    return false;
  }
  if (!image_container_valid(data, size, error)) return false;
  int w = 0, h = 0;
  if (image_header_size(data, size, &w, &h) && uint64_t(w) * uint64_t(h) > max_pixels) {
    *error = "image is " + std::to_string(w) + "x" + std::to_string(h) + " (" +
             std::to_string(uint64_t(w) * uint64_t(h)) + " pixels), over the limit of " + std::to_string(max_pixels) +
             " pixels (--max-image-pixels)";
    return false;
  }
  Image native;
  if (is_jpeg(data, size)) {
    if (!decode_jpeg(data, size, &native, error)) return false;
  } else {
    int c = 0;
    uint8_t* px = stbi_load_from_memory(data, int(size), &w, &h, &c, 0);  // the file's channels
    if (!px) {
      // stb_image leaves the reason empty (or null) for some zlib failures.
      const char* why = stbi_failure_reason();
      *error = why && *why ? why : "corrupt or unsupported image data (the decoder gave no reason)";
      return false;
    }
    native.width = w;
    native.height = h;
    native.channels = c;
    native.pixels.assign(px, px + size_t(w) * size_t(h) * size_t(c));
    stbi_image_free(px);
  }
  out->width = native.width;
  out->height = native.height;
  out->channels = want_channels;
  if (native.channels == want_channels)
    out->pixels = std::move(native.pixels);
  else
    convert_channels(native.pixels.data(), native.channels, size_t(native.width) * size_t(native.height),
                     want_channels, &out->pixels);
  return true;
}

}  // namespace qrt::data
