// Container checks of PNG and PNM data before stb_image reads it.
//
// Debian 12's stb_image (libstb-dev 0.0~git20220908) trusts two things a
// corrupt file controls (docs/reliability.md, "Findings"):
// - a PNG chunk's length: it grows its buffer to the stated length of an
//   IDAT chunk before reading it (a 105-byte PNG made it allocate 1.87 GB),
//   and copies an empty first IDAT to a null buffer;
// - a PNM's sample size: a 16-bit PNM (maxval > 255) converted to another
//   channel count is read past its buffer, and a file shorter than its
//   pixels gives uninitialized pixels.
// Calibration folders and CIFAR-10 archives are untrusted input, so every
// buffer goes through image_container_valid before stb_image sees it.
// (JPEG does not reach stb_image: data/jpeg_decode.h.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace qrt::data {

// False, with *error naming the byte offset, when `data` is a PNG whose
// chunks do not fit in the file (up to IEND) or whose first IDAT is empty,
// or a binary PNM (P5/P6) with a
// malformed header, maxval > 255 or fewer pixel bytes than its header
// states; true otherwise (also for data of other formats).
bool image_container_valid(const uint8_t* data, size_t size, std::string* error);

}  // namespace qrt::data
