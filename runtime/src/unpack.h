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

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_UNPACK_H_
