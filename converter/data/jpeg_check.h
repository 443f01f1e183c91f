// A check of a JPEG's Huffman table definitions before stb_image sees them.
//
// Debian 12's stb_image (libstb-dev 0.0~git20220908) builds a Huffman table
// into `size[257]` from the 16 code counts of a DHT segment without checking
// that they sum to at most 256: a corrupt JPEG whose counts sum past 256
// writes past the table (found by fuzz_cifar10, finding D3). Calibration
// folders and CIFAR-10 archives are untrusted input, so every buffer goes
// through this check before stbi_info or stbi_load.
//
// The walk follows the segments the way stb_image finds them (it skips
// bytes to the next 0xFF between segments, and the entropy-coded data of a
// scan up to the first marker that is not a stuffed 0xFF00 or a restart
// marker), so every DHT segment stb_image would read is checked; where the
// walk meets something stb_image refuses by itself, it stops and leaves the
// refusal to stb_image.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace qrt::data {

// False, with *error naming the byte offset, when `data` is a JPEG with a
// Huffman table whose code counts sum past 256; true otherwise (also for
// data that is not a JPEG).
bool jpeg_huffman_tables_valid(const uint8_t* data, size_t size, std::string* error);

}  // namespace qrt::data
