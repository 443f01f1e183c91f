// libFuzzer target for the ONNX importer: bytes -> ModelProto (protobuf) ->
// graph IR (import_onnx_from_memory) -> the default graph passes (constant
// folding, normalization, shape inference). Any input is either imported or
// refused with an exception that says why; a crash, sanitizer report, hang
// or an allocation past libFuzzer's limits is a finding.
#include <stdint.h>
#include <stdlib.h>

#include <exception>

#include "graph/passes.h"
#include "import/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    qrt::graph::Graph g = qrt::import::import_onnx_from_memory(data, size, "<fuzz>");
    qrt::graph::run_default_passes(g);
  } catch (const std::exception& e) {
    if (e.what()[0] == '\0') abort();
  }
  return 0;
}
