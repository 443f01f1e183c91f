// Helpers the data readers share (internal to qrt_data: not for callers).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qrt::data::detail {

// Throws qrt::ConvertError(msg).
[[noreturn]] void fail(const std::string& msg);

// .jpg .jpeg .png .bmp .ppm .pgm .pnm, any case.
bool has_image_extension(const std::string& name);

// dir + "/" + name (no doubled '/').
std::string join_path(const std::string& dir, const std::string& name);

// Reads a whole regular file (not through zlib); more than `max_bytes` is
// an error naming the file.
std::vector<uint8_t> read_file(const std::string& path, uint64_t max_bytes);

// Reads a whole file through zlib: gzip streams are inflated, plain files
// pass through unchanged. More than `max_bytes` (after inflating) is an
// error naming `limit_flag`, so a small gzip bomb cannot fill memory.
std::vector<uint8_t> read_maybe_gzip(const std::string& path, uint64_t max_bytes = UINT64_MAX,
                                     const std::string& limit_flag = "");

}  // namespace qrt::data::detail
