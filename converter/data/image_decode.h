// Decoding a compressed image (JPEG/PNG/...) held in memory, as archive
// datasets (cifar10.h) need, through a replaceable process-wide hook.
//
// Different JPEG decoders differ by a few levels per pixel (stb_image's
// IDCT and colour conversion are not libjpeg's), enough to move a CIFAR-10
// top-1 by a few images; to reproduce numbers measured with PIL (libjpeg),
// install a libjpeg decoder (qrt-eval does: eval/qrt_eval_jpeg.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "data/dataset.h"

namespace qrt::data {

// Decodes `size` bytes into `out` with `want_channels` channels; on failure
// returns false and sets *error.
using MemoryImageDecoder = bool (*)(const uint8_t* data, size_t size, int want_channels, Image* out,
                                    std::string* error);
// The width and height a JPEG/PNG/BMP/PNM header states, without decoding;
// false if the header is not one of these.
bool image_header_size(const uint8_t* data, size_t size, int* width, int* height);
// stb_image (the default).
bool decode_image_stb(const uint8_t* data, size_t size, int want_channels, Image* out, std::string* error);
// The decoder archive datasets use; nullptr restores stb_image. Process-wide:
// set it once at start-up, before loading images.
void set_memory_image_decoder(MemoryImageDecoder decoder);
MemoryImageDecoder memory_image_decoder();

}  // namespace qrt::data
