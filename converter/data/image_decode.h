// Decoding a compressed image held in memory: calibration folders
// (image_dir.h), CIFAR-10 archives (cifar10.h), qrt-eval. One decoder per
// format, the same in every tool:
//   JPEG          libjpeg(-turbo), as PIL decodes it (data/jpeg_decode.h);
//   PNG, BMP, PNM stb_image (Debian's libstb-dev), after the container
//                 checks it lacks (data/image_check.h).
// Channels convert as PIL's Image.convert does: RGB to 1 channel by
// (19595 R + 38470 G + 7471 B + 0x8000) >> 16, gray to RGB by repetition,
// alpha dropped. Every input is untrusted: a refusal returns false with a
// reason, and no image is decoded whose header states more than
// `max_pixels` pixels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "data/dataset.h"

namespace qrt::data {

// The width and height a JPEG/PNG/BMP/PNM header states, without decoding;
// false if the header is not one of these (or fails image_check.h).
bool image_header_size(const uint8_t* data, size_t size, int* width, int* height);

// Decodes `size` bytes into `out` with `want_channels` (1 or 3) channels;
// on failure returns false and sets *error.
bool decode_image(const uint8_t* data, size_t size, int want_channels, uint64_t max_pixels, Image* out,
                  std::string* error);

}  // namespace qrt::data
