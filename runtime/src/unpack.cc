#include "unpack.h"

namespace qrt {
namespace rt {

size_t PackedBytes(size_t n, int bits) { return (n * (size_t)bits + 7) / 8; }

void UnpackBits(const uint8_t* src, size_t n, int bits, int8_t* dst) {
  const size_t total = PackedBytes(n, bits);
  const uint32_t mask = (1u << bits) - 1u;
  const uint32_t sign = 1u << (bits - 1);
  for (size_t i = 0; i < n; ++i) {
    const size_t bit = i * (size_t)bits;
    const size_t byte = bit / 8;
    uint32_t window = src[byte];
    if (byte + 1 < total) window |= (uint32_t)src[byte + 1] << 8;
    const uint32_t v = (window >> (bit % 8)) & mask;
    dst[i] = (int8_t)((int32_t)(v ^ sign) - (int32_t)sign);  // sign-extend
  }
}

}  // namespace rt
}  // namespace qrt
