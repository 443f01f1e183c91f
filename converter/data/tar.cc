#include "data/tar.h"

#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "data/file_io.h"

namespace qrt::data {

using detail::fail;

namespace {

constexpr size_t kBlock = 512;
constexpr uint64_t kReadChunk = uint64_t(1) << 20;       // an entry's data is read 1 MiB at a time
constexpr uint64_t kMaxNameRecord = uint64_t(1) << 20;   // a GNU 'L' / pax 'x' record

// Reads exactly n bytes from a gz stream (plain files pass through). Returns
// the count read (< n only at the end of the stream); a corrupt or truncated
// gzip stream throws, naming the uncompressed offset reached.
size_t gz_read_exact(gzFile f, const std::string& path, uint64_t at, uint8_t* dst, size_t n) {
  size_t got = 0;
  while (got < n) {
    const unsigned chunk = unsigned(std::min<size_t>(n - got, 1u << 30));
    const int r = gzread(f, dst + got, chunk);
    int errnum = Z_OK;
    const char* what = gzerror(f, &errnum);
    if (r < 0 || (errnum != Z_OK && errnum != Z_BUF_ERROR))
      fail(path + ": corrupt gzip stream near uncompressed offset " + std::to_string(at + got) + ": " + what);
    if (errnum == Z_BUF_ERROR)  // zlib's "unexpected end of file"
      fail(path + ": gzip stream truncated at uncompressed offset " + std::to_string(at + got + size_t(r > 0 ? r : 0)));
    if (r == 0) break;
    got += size_t(r);
  }
  return got;
}

// A numeric header field: octal digits (space/NUL padded), or GNU base-256
// when the first byte has its top bit set.
bool parse_tar_number(const uint8_t* p, size_t len, uint64_t* out) {
  uint64_t v = 0;
  if (p[0] & 0x80) {
    if (p[0] != 0x80) return false;  // negative or too large
    for (size_t i = 1; i < len; ++i) {
      if (v >> 56) return false;
      v = (v << 8) | p[i];
    }
    *out = v;
    return true;
  }
  size_t i = 0;
  while (i < len && p[i] == ' ') ++i;
  bool any = false;
  for (; i < len && p[i] >= '0' && p[i] <= '7'; ++i) {
    if (v >> 60) return false;
    v = v * 8 + uint64_t(p[i] - '0');
    any = true;
  }
  for (; i < len; ++i)
    if (p[i] != ' ' && p[i] != 0) return false;
  *out = v;
  return any;
}

std::string field_string(const uint8_t* p, size_t len) {
  size_t n = 0;
  while (n < len && p[n] != 0) ++n;
  return std::string(reinterpret_cast<const char*>(p), n);
}

// The "path" record of a pax extended header ("<len> path=<value>\n"...).
std::string pax_path(const std::vector<uint8_t>& data) {
  std::string rec(data.begin(), data.end()), path;
  size_t pos = 0;
  while (pos < rec.size()) {
    const size_t sp = rec.find(' ', pos);
    if (sp == std::string::npos) break;
    const size_t len = size_t(std::strtoull(rec.c_str() + pos, nullptr, 10));
    if (len == 0 || pos + len > rec.size()) break;
    const std::string kv = rec.substr(sp + 1, pos + len - sp - 2);  // without '\n'
    if (kv.compare(0, 5, "path=") == 0) path = kv.substr(5);
    pos += len;
  }
  return path;
}

}  // namespace

std::vector<TarEntry> read_tar(const std::string& path, const std::function<bool(const std::string&)>& keep) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) fail(path + ": cannot open");
  struct Closer {
    gzFile f;
    ~Closer() { gzclose(f); }
  } closer{f};
  gzbuffer(f, 1 << 17);

  std::vector<TarEntry> out;
  uint64_t at = 0;  // uncompressed offset of the next block
  std::string long_name;  // from a GNU 'L' or pax 'x' entry, for the next one
  uint8_t h[kBlock];
  for (;;) {
    const size_t got = gz_read_exact(f, path, at, h, kBlock);
    if (got == 0) break;  // no end-of-archive blocks: accepted
    if (got < kBlock)
      fail(path + ": truncated tar header at offset " + std::to_string(at) + " (" + std::to_string(got) +
           " of 512 bytes)");
    if (std::all_of(h, h + kBlock, [](uint8_t b) { return b == 0; })) break;  // end of archive

    uint64_t stored = 0;
    if (!parse_tar_number(h + 148, 8, &stored))
      fail(path + ": offset " + std::to_string(at) + ": not a tar header (bad checksum field)");
    uint64_t sum = 0;
    int64_t ssum = 0;
    for (size_t i = 0; i < kBlock; ++i) {
      const uint8_t b = (i >= 148 && i < 156) ? uint8_t(' ') : h[i];
      sum += b;
      ssum += int8_t(b);
    }
    if (stored != sum && int64_t(stored) != ssum)
      fail(path + ": offset " + std::to_string(at) + ": tar header checksum mismatch (stored " +
           std::to_string(stored) + ", computed " + std::to_string(sum) + "): not a tar archive or corrupted");

    std::string name = field_string(h, 100);
    if (std::memcmp(h + 257, "ustar\0", 6) == 0) {  // POSIX ustar: name prefix
      const std::string prefix = field_string(h + 345, 155);
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    if (!long_name.empty()) name = long_name;
    uint64_t size = 0;
    if (!parse_tar_number(h + 124, 12, &size))
      fail(path + ": entry '" + name + "' at offset " + std::to_string(at) + ": bad size field");
    const char type = char(h[156]);
    const bool regular = type == '0' || type == '\0' || type == '7';
    const bool meta = type == 'L' || type == 'x';
    const bool want = meta || (regular && (!keep || keep(name)));
    const uint64_t padded = (size + kBlock - 1) / kBlock * kBlock;
    const uint64_t data_at = at + kBlock;

    TarEntry e;
    e.name = name;
    e.offset = at;
    if (want) {
      if (size > (uint64_t(1) << 32))
        fail(path + ": entry '" + name + "' at offset " + std::to_string(at) + ": size field (offset " +
             std::to_string(at + 124) + ") says " + std::to_string(size) +
             " bytes, more than the 4 GiB an entry may have");
      if (meta && size > kMaxNameRecord)
        fail(path + ": entry '" + name + "' at offset " + std::to_string(at) + ": a long-name record of " +
             std::to_string(size) + " bytes (at most " + std::to_string(kMaxNameRecord) + ")");
      // Grown as the data arrives, so a size field larger than the archive
      // fails at the archive's end instead of allocating it up front.
      uint64_t n = 0;
      while (n < padded) {
        const size_t step = size_t(std::min<uint64_t>(padded - n, kReadChunk));
        e.data.resize(size_t(n) + step);
        const size_t got = gz_read_exact(f, path, data_at + n, e.data.data() + n, step);
        n += got;
        if (got < step) break;
      }
      if (n < size)
        fail(path + ": entry '" + name + "' at offset " + std::to_string(at) + ": data truncated (" +
             std::to_string(size) + " bytes, archive ends after " + std::to_string(n) + ")");
      e.data.resize(size_t(size));
    } else {
      uint8_t skip[1 << 14];
      uint64_t left = padded;
      while (left > 0) {
        const size_t step = size_t(std::min<uint64_t>(left, sizeof(skip)));
        const size_t n = gz_read_exact(f, path, data_at + (padded - left), skip, step);
        left -= n;
        if (n < step && padded - left < size)
          fail(path + ": entry '" + name + "' at offset " + std::to_string(at) + ": data truncated (" +
               std::to_string(size) + " bytes, archive ends after " + std::to_string(padded - left) + ")");
        if (n < step) break;
      }
    }
    at = data_at + padded;

    if (type == 'L') {
      long_name = field_string(e.data.data(), e.data.size());
      continue;
    }
    if (type == 'x') {
      long_name = pax_path(e.data);
      continue;
    }
    long_name.clear();
    if (want) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace qrt::data
