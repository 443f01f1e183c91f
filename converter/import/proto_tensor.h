// Internal to import/ (onnx_import.cc, qdq.cc): reading ONNX TensorProtos.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "graph/graph.h"

namespace qrt::import {

// A TensorProto (float, double, int64, int32, int8, uint8, bool) as a
// float Tensor; integers beyond 2^24 are an error. `where` names it.
graph::Tensor tensor_from_proto(const onnx::TensorProto& t, const std::string& where);

// The exact values of an integer TensorProto (int8, uint8, int32, int64);
// any other type is an error naming `where`.
std::vector<int64_t> integer_values(const onnx::TensorProto& t, const std::string& where);

// An fp32 TensorProto `name` with `shape` and `values` (raw data).
onnx::TensorProto float_proto(const std::string& name, const std::vector<int64_t>& shape,
                              const std::vector<float>& values);

}  // namespace qrt::import
