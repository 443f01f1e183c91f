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

size_t BitmapBytes(size_t n) { return (n + 7) / 8; }

size_t BitmapCount(const uint8_t* bitmap, size_t n, bool* trailing_set) {
  size_t count = 0;
  for (size_t i = 0; i < n / 8; ++i) count += (size_t)__builtin_popcount(bitmap[i]);
  const size_t rest = n % 8;
  if (rest) count += (size_t)__builtin_popcount(bitmap[n / 8] & ((1u << rest) - 1u));
  if (trailing_set) *trailing_set = rest && (bitmap[n / 8] >> rest) != 0;
  return count;
}

int DecodeSparse(const uint8_t* src, size_t size, size_t n, int bits, int8_t* dst, size_t* bad) {
  const size_t map = BitmapBytes(n);
  if (size < map) return 1;
  bool trailing = false;
  const size_t nz = BitmapCount(src, n, &trailing);
  const bool packed = bits > 0 && bits < 8;
  if (size != map + (packed ? PackedBytes(nz, bits) : nz)) return 1;
  if (trailing) return 2;
  const uint8_t* values = src + map;
  // The non-zero values, unpacked in place at the front of dst, then spread
  // from the back (element i >= its value's index, so nothing is overwritten
  // before it is read).
  if (packed) {
    UnpackBits(values, nz, bits, dst);
  } else {
    for (size_t k = 0; k < nz; ++k) dst[k] = (int8_t)values[k];
  }
  size_t k = nz;
  for (size_t i = n; i-- > 0;) {
    if (src[i / 8] & (1u << (i % 8))) {
      const int8_t v = dst[--k];
      if (v == 0) {
        if (bad) *bad = i;
        return 3;
      }
      dst[i] = v;
    } else {
      dst[i] = 0;
    }
  }
  return 0;
}

}  // namespace rt
}  // namespace qrt
