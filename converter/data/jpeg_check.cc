#include "data/jpeg_check.h"

namespace qrt::data {

namespace {

bool is_restart(uint8_t m) { return m >= 0xD0 && m <= 0xD7; }

}  // namespace

bool jpeg_huffman_tables_valid(const uint8_t* data, size_t size, std::string* error) {
  // Bytes past the end read as 0, as stb_image reads them from memory.
  const auto at = [&](size_t i) -> unsigned { return i < size ? data[i] : 0u; };
  // stb_image takes a buffer for a JPEG when it starts with 0xFF (any
  // number of them) and then 0xD8 (start of image).
  size_t pos = 0;
  if (at(0) != 0xFF) return true;
  while (pos < size && data[pos] == 0xFF) ++pos;
  if (at(pos) != 0xD8) return true;
  ++pos;
  for (;;) {
    while (pos < size && data[pos] != 0xFF) ++pos;  // stb_image skips to the next 0xFF
    while (pos < size && data[pos] == 0xFF) ++pos;  // and over fill bytes
    if (pos >= size) return true;
    const size_t marker_at = pos - 1;
    const uint8_t m = data[pos++];
    if (m == 0xD9) return true;                                    // end of image
    if (m == 0x00 || m == 0x01 || is_restart(m) || m == 0xD8) continue;  // no length (refused by stb_image)
    const size_t length = (at(pos) << 8) | at(pos + 1);
    if (length < 2) return true;  // stb_image refuses a length shorter than itself
    if (m == 0xC4) {  // DHT: tables of (class/id, 16 counts, the symbols), read as stb_image reads them,
                      // past the end of a truncated file too (as zeros)
      size_t p = pos + 2;
      long left = long(length) - 2;
      while (left > 0) {
        const unsigned q = at(p);
        if ((q >> 4) > 1 || (q & 15) > 3) return true;  // stb_image refuses the header
        unsigned codes = 0;
        for (int i = 0; i < 16; ++i) codes += at(p + 1 + size_t(i));
        if (codes > 256) {
          *error = "offset " + std::to_string(p) + ": JPEG Huffman table (DHT segment at offset " +
                   std::to_string(marker_at) + ") defines " + std::to_string(codes) +
                   " codes, more than the 256 a table may have (corrupt JPEG)";
          return false;
        }
        p += 17 + codes;
        left -= long(17 + codes);
      }
      if (left != 0) return true;  // stb_image refuses a table that overruns its segment
      pos = p;
      continue;
    }
    pos += length;
    if (m == 0xDA) {  // start of scan: entropy-coded data up to the next marker
      while (pos < size) {
        if (data[pos] != 0xFF) {
          ++pos;
          continue;
        }
        size_t q = pos + 1;
        while (q < size && data[q] == 0xFF) ++q;
        if (q >= size) return true;
        if (data[q] == 0x00 || is_restart(data[q])) {  // stuffed byte or restart: still scan data
          pos = q + 1;
          continue;
        }
        break;  // a marker: the outer loop reads it
      }
    }
  }
}

}  // namespace qrt::data
