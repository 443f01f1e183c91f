// emit: a LoweredModel (quantize/lowered_model.h) becomes the bytes of a
// .qrt file (schema/qrt.fbs, docs/format.md), written atomically.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "quantize/lowered_model.h"

namespace qrt::emit {

// The format version written into Model.format_version.
constexpr uint32_t kQrtFormatVersion = 1;

// FlatBuffers bytes of a .qrt file (deterministic for equal inputs).
std::vector<uint8_t> serialize_model(const quantize::LoweredModel& model);

// Writes `bytes` to `path` atomically: `<path>.tmp.<pid>`, fsync, rename.
// On any failure the temporary file is removed, `path` is untouched, and a
// ConvertError names the path and the failing step.
void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace qrt::emit
