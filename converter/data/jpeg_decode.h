// JPEG decoding with libjpeg(-turbo), the decoder PIL uses: integer "islow"
// IDCT and fancy upsampling (libjpeg's defaults), so calibration and
// evaluation see the pixels the model's trainers saw. (stb_image's JPEG
// decoder differs by 1-3 levels in about 7% of CIFAR-10's pixel values, and
// Debian's copy has undefined behaviour on corrupt data: finding D5,
// docs/reliability.md; it is not compiled in.)
//
// Untrusted input: every libjpeg error returns false with libjpeg's message;
// warnings about corrupt data are ignored as PIL ignores them (the pixels
// libjpeg reconstructs are used); a progressive JPEG may have at most
// kMaxJpegScans scans (each scan re-reads the whole image: a small file with
// many scans would take minutes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "data/dataset.h"

namespace qrt::data {

constexpr int kMaxJpegScans = 1000;

// True when `data` starts as a JPEG does (FF D8 FF).
bool is_jpeg(const uint8_t* data, size_t size);
// The width, height and output channels (1 for a grayscale JPEG, else 3:
// RGB) of a JPEG's headers; false (with *error) when libjpeg cannot read them.
bool jpeg_header(const uint8_t* data, size_t size, int* width, int* height, int* channels, std::string* error);
// Decodes into `out` with the channels jpeg_header states.
bool decode_jpeg(const uint8_t* data, size_t size, Image* out, std::string* error);

}  // namespace qrt::data
