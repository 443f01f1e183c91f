// The ONNX operators qrt-convert accepts, and what becomes of each.
//
// One table (supported_ops.cc) is the single list: import accepts exactly
// these op types (supported_onnx_ops()), `qrt-convert --list-ops` prints
// the table, docs/onnx-import.md repeats it. `what` says in one line what
// the graph passes (graph/passes.h) and lowering (quantize/) make of the
// op: folded as a constant, removed, rewritten to another op, executed as
// an int8 op, or float.
#pragma once

#include <string>
#include <vector>

namespace qrt {
namespace import {

struct OnnxOpSupport {
  const char* op;    // ONNX op type (default domain)
  const char* what;  // one line: what happens to it
};

// Sorted by op type.
const std::vector<OnnxOpSupport>& onnx_op_table();

// The table as "  Op    what\n" lines, for --list-ops.
std::string format_op_table();

}  // namespace import
}  // namespace qrt
