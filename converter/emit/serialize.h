// emit: a LoweredModel (quantize/lowered_model.h) becomes the bytes of a
// .qrt file (schema/qrt.fbs, docs/format.md), checked by the runtime's own
// loader, and written atomically.
//
// One shared validation: serialize_model() hands the exact bytes it made
// to qrt_model_load_memory (libqrt, the same code a device runs) and
// throws if the runtime would refuse them, so qrt-convert never writes a
// model the runtime rejects, and the two sets of checks cannot drift.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "quantize/lowered_model.h"

namespace qrt::emit {

// The format version written into Model.format_version.
constexpr uint32_t kQrtFormatVersion = 1;

// FlatBuffers bytes of a .qrt file (deterministic for equal inputs), after
// validate_model_bytes.
std::vector<uint8_t> serialize_model(const quantize::LoweredModel& model);

// Loads `bytes` with the runtime (qrt_model_load_memory) and throws a
// ConvertError with the runtime's message (naming the op, tensor or field)
// if it refuses them.
void validate_model_bytes(const std::vector<uint8_t>& bytes);

// Writes `bytes` to `path` atomically: `<path>.tmp.<pid>` (created
// exclusively), fsync, rename. Refused before anything is written: a
// `path` that exists and is not a regular file (a directory, a device such
// as /dev/null, a fifo, a socket), and a `path` that is the same file
// (device and inode, so also through another name or a symlink) as one of
// `inputs` (e.g. the ONNX model). On any failure the temporary file is
// removed, `path` is untouched, and a ConvertError names the path and the
// failing step.
void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes,
                       const std::vector<std::string>& inputs = {});

}  // namespace qrt::emit
