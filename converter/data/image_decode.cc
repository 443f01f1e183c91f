#include "data/image_decode.h"

#include "stb_image.h"

namespace qrt::data {

namespace {
MemoryImageDecoder g_decoder = nullptr;
}  // namespace

bool decode_image_stb(const uint8_t* data, size_t size, int want_channels, Image* out, std::string* error) {
  int w = 0, h = 0, c = 0;
  uint8_t* px = stbi_load_from_memory(data, int(size), &w, &h, &c, want_channels);
  if (!px) {
    *error = stbi_failure_reason();
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
