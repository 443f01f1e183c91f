// ONNX -> graph IR (graph/graph.h).
//
// Reads an ONNX ModelProto with libonnx's protobuf classes and builds a Graph
// with ONNX semantics kept (NCHW). Only the ops in supported_onnx_ops() (the
// table of import/supported_ops.h) are accepted; the others are reported
// all at once in one ConvertError: each op type with its count and its
// first node names. Import does not run the passes: call
// run_default_passes() (graph/passes.h) afterwards, or use
// load_onnx_model() which does both. docs/onnx-import.md lists the ops and
// their attributes.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace qrt {
namespace import {

// Op types the importer accepts, sorted.
const std::vector<std::string>& supported_onnx_ops();

// Import from a file. Throws ConvertError ("cannot open", "not a valid ONNX
// model", unsupported op, malformed attribute, ...), naming the file.
graph::Graph import_onnx(const std::string& path);
// Import from serialized ModelProto bytes; `origin` names the source in errors.
graph::Graph import_onnx_from_memory(const void* data, size_t size,
                              const std::string& origin = "<memory>");

// Parses a serialized ONNX TensorProto (e.g. ONNX test data input_0.pb) into
// a float Tensor. `where` names it in errors; `name` receives its name and
// `is_integer` whether its ONNX data type is an integer/bool type.
graph::Tensor parse_onnx_tensor(const void* data, size_t size, const std::string& where,
                         std::string* name = nullptr, bool* is_integer = nullptr);
graph::Tensor load_onnx_tensor(const std::string& path, std::string* name = nullptr,
                        bool* is_integer = nullptr);

// import_onnx + run_default_passes: the graph quantize/ lowers.
graph::Graph load_onnx_model(const std::string& path);

}  // namespace import
}  // namespace qrt
