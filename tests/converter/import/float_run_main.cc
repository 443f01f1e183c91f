// import_float_run MODEL.onnx INPUT.f32 OUTPUT.f32
//
// A tool for torchvision_float_check.py (not a ctest test): imports MODEL,
// runs the default passes, prints the node kinds that remain ("Conv+relu"
// for a fused activation: lowering's to-do list), runs the float executor
// on INPUT (raw little-endian fp32 of the first graph input's shape) and
// writes the first graph output as raw fp32. Exit 1 with the error text on
// any ConvertError.
#include <cstdio>
#include <fstream>
#include <map>

#include "graph/float_executor.h"
#include "graph/passes.h"
#include "import/onnx_import.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: import_float_run MODEL.onnx INPUT.f32 OUTPUT.f32\n");
    return 2;
  }
  try {
    qrt::graph::Graph g = qrt::import::load_onnx_model(argv[1]);
    std::map<std::string, int> kinds;
    for (const auto& n : g.nodes) {
      std::string k = n.op_type;
      if (n.fused_activation != qrt::graph::FusedActivation::kNone)
        k += std::string("+") + qrt::graph::fused_activation_name(n.fused_activation);
      ++kinds[k];
    }
    std::printf("%zu nodes:", g.nodes.size());
    for (const auto& [k, c] : kinds) std::printf(" %s %d,", k.c_str(), c);
    std::printf("\n");
    qrt::graph::Tensor x(g.inputs.at(0).shape);
    std::ifstream in(argv[2], std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(x.data.data()), std::streamsize(x.data.size() * sizeof(float))))
      throw qrt::ConvertError(std::string(argv[2]) + ": fewer than " + std::to_string(x.data.size()) + " floats");
    const auto y = qrt::graph::run_float(g, {{g.inputs[0].name, x}}).at(g.outputs.at(0));
    std::ofstream out(argv[3], std::ios::binary);
    out.write(reinterpret_cast<const char*>(y.data.data()), std::streamsize(y.data.size() * sizeof(float)));
    return out ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "import_float_run: error: %s\n", e.what());
    return 1;
  }
}
