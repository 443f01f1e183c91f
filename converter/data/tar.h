// A tar archive reader (gzip-compressed or plain), for datasets shipped as
// one archive (cifar10.h): entries are read into memory, never unpacked.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace qrt::data {

// One regular file of a tar archive. `offset` is the byte offset of its
// header block in the uncompressed archive (what error messages name).
struct TarEntry {
  std::string name;
  uint64_t offset = 0;
  std::vector<uint8_t> data;
};

// Reads a tar archive, gzip-compressed or plain (zlib passes plain files
// through). Understands ustar/POSIX (name prefix), GNU long names ('L') and
// pax 'path' records; directories, links and other entry types are skipped.
// `keep(name)` selects which regular files' data are kept (all if empty).
// Throws ConvertError naming the file and the offset (and entry) for a bad
// header checksum or size field, a truncated header or entry, or a
// truncated/corrupt gzip stream. A missing end-of-archive marker is fine.
std::vector<TarEntry> read_tar(const std::string& path,
                               const std::function<bool(const std::string&)>& keep = {});

}  // namespace qrt::data
