// Limits on what a calibration or evaluation file may make the readers
// allocate, and the checked arithmetic every size read from a file goes
// through.
//
// A data file is untrusted input: its header says how large it is, and a
// reader that believes a hostile header allocates without bound (a 128-byte
// .npy whose shape product wraps to 0 once grew memory forever). So every
// size computed from file contents is multiplied and added with overflow
// checks, and compared with a limit the user can see and change:
//
//   max_image_pixels     width x height of one image, read from its header
//                        before decoding, and of a resized image
//                        (--max-image-pixels; default 2^24 = 16,777,216,
//                        e.g. 4096 x 4096)
//   max_tensor_elements  elements of one .npy file or IDX file
//                        (--max-tensor-elements; default 2^28 = 268,435,456,
//                        1 GiB of float32)
//
// Over a limit, the error names the file, the field and the flag to raise.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qrt::data {

// The largest short side --resize-short accepts, and the largest --crop side.
constexpr int kMaxImageSide = 16384;

struct ReadLimits {
  uint64_t max_image_pixels = uint64_t(1) << 24;
  uint64_t max_tensor_elements = uint64_t(1) << 28;
};

// a * b, or false on overflow of 64 bits.
inline bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_mul_overflow(a, b, out); }
inline bool checked_add(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_add_overflow(a, b, out); }

// Throws (naming `where`, the image size and --max-image-pixels) when a
// width x height image is over the limit.
void check_image_pixels(const std::string& where, uint64_t width, uint64_t height, const ReadLimits& limits);

// Throws unless `elements` <= max_tensor_elements (naming `where` and
// --max-tensor-elements).
void check_tensor_elements(const std::string& where, uint64_t elements, const ReadLimits& limits);

// The product of `dims`, or throws naming `where` and the dims when it
// overflows 64 bits or is over max_tensor_elements.
uint64_t checked_elements(const std::string& where, const std::vector<uint64_t>& dims, const ReadLimits& limits);

}  // namespace qrt::data
