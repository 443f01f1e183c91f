// Bit-packed weights (schema Buffer.packed_bits = 4..7).
//
// A packed buffer is one bit stream: element i occupies stream bits
// [i*b, i*b + b), stream bit k is bit (k % 8) of byte k / 8 (little-endian
// bit order), and the b bits are the element's two's complement, least
// significant bit first. Example, b = 4: byte 0x2F holds element 0 = 0xF
// = -1 and element 1 = 0x2 = 2. Unpacked once at load into one int8 each.
#ifndef QRT_RUNTIME_UNPACK_H_
#define QRT_RUNTIME_UNPACK_H_

#include <stddef.h>
#include <stdint.h>

namespace qrt {
namespace rt {

// Bytes a packed stream of n elements of `bits` bits takes: ceil(n*bits/8).
size_t PackedBytes(size_t n, int bits);

// Unpacks n elements of `bits` (1..8) bits from `src` (PackedBytes(n, bits)
// bytes) into sign-extended int8 values.
void UnpackBits(const uint8_t* src, size_t n, int bits, int8_t* dst);

// Sparse S8 weights (schema Buffer.sparse): a bitmap of BitmapBytes(n)
// bytes (bit i, LSB first, set = element i is non-zero), then the non-zero
// values, one byte each (bits 0 or 8) or packed at `bits` (4..7).
size_t BitmapBytes(size_t n);

// The number of set bits among the first n bitmap bits; *trailing_set
// (may be null) gets whether any bit past n in the last byte is set.
size_t BitmapCount(const uint8_t* bitmap, size_t n, bool* trailing_set);

// Decodes a sparse buffer of `size` bytes into n int8 values. Returns 0 on
// success; otherwise nothing is guaranteed about dst and the return value
// says why: 1 size does not match the bitmap's count, 2 a bit past n is
// set, 3 a value marked non-zero is 0 (*bad gets its element index).
int DecodeSparse(const uint8_t* src, size_t size, size_t n, int bits, int8_t* dst, size_t* bad);

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_UNPACK_H_
