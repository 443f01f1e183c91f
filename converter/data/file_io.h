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

// Reads a whole file through zlib: gzip streams are inflated, plain files
// pass through unchanged.
std::vector<uint8_t> read_maybe_gzip(const std::string& path);

}  // namespace qrt::data::detail
