// Runs ONNX's own backend node tests (Debian libonnx-testdata) through
// import_onnx + run_default_passes + FloatExecutor and compares with the
// expected outputs (|got - want| <= 1e-4 + 1e-4 * |want|).
//
// Selected: every case whose name starts with one of the supported op
// families below. Cases using something import does not support must
// fail with a ConvertError; they are listed in kExpectedUnsupported with the
// reason, so a newly failing or newly passing case is caught.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include <onnx/onnx_pb.h>

#include "graph/float_executor.h"
#include "import/onnx_import.h"
#include "graph/passes.h"

using namespace qrt::graph;
using namespace qrt::import;

namespace {

const char* kDataDir = "/usr/share/libonnx-testdata/data/node";

const char* kPrefixes[] = {"test_add", "test_averagepool", "test_basic_conv", "test_batchnorm", "test_clip",
                           "test_concat", "test_constant", "test_conv", "test_flatten", "test_gemm",
                           "test_globalaveragepool", "test_identity", "test_matmul", "test_maxpool", "test_relu",
                           "test_reshape", "test_softmax"};

// case -> why it must fail cleanly.
const std::map<std::string, std::string> kExpectedUnsupported = {
    {"test_add_uint8", "uint8 graph inputs (float only)"},
    {"test_averagepool_1d_default", "1-D pooling (2-D only)"},
    {"test_averagepool_3d_default", "3-D pooling (2-D only)"},
    {"test_maxpool_1d_default", "1-D pooling (2-D only)"},
    {"test_maxpool_3d_default", "3-D pooling (2-D only)"},
    {"test_maxpool_2d_uint8", "uint8 graph inputs (float only)"},
    {"test_maxpool_with_argmax_2d_precomputed_pads", "MaxPool Indices output"},
    {"test_maxpool_with_argmax_2d_precomputed_strides", "MaxPool Indices output"},
    {"test_batchnorm_epsilon_training_mode", "BatchNormalization training mode"},
    {"test_batchnorm_example_training_mode", "BatchNormalization training mode"},
    {"test_clip_default_int8_inbounds", "int8 graph inputs (float only)"},
    {"test_clip_default_int8_max", "int8 graph inputs (float only)"},
    {"test_clip_default_int8_min", "int8 graph inputs (float only)"},
    {"test_constant_pad", "Pad operator"},
    {"test_constantofshape_float_ones", "ConstantOfShape operator"},
    {"test_constantofshape_int_shape_zero", "ConstantOfShape operator"},
    {"test_constantofshape_int_zeros", "ConstantOfShape operator"},
    {"test_basic_convinteger", "uint8 graph inputs; ConvInteger operator"},
    {"test_convinteger_with_padding", "ConvInteger operator"},
    {"test_convinteger_without_padding", "ConvInteger operator"},
    {"test_convtranspose", "ConvTranspose operator"},
    {"test_convtranspose_1d", "ConvTranspose operator"},
    {"test_convtranspose_3d", "ConvTranspose operator"},
    {"test_convtranspose_autopad_same", "ConvTranspose operator"},
    {"test_convtranspose_dilations", "ConvTranspose operator"},
    {"test_convtranspose_kernel_shape", "ConvTranspose operator"},
    {"test_convtranspose_output_shape", "ConvTranspose operator"},
    {"test_convtranspose_pad", "ConvTranspose operator"},
    {"test_convtranspose_pads", "ConvTranspose operator"},
    {"test_convtranspose_with_kernel", "ConvTranspose operator"},
    {"test_identity_opt", "optional-typed graph input"},
    {"test_identity_sequence", "sequence-typed graph input"},
    {"test_matmulinteger", "MatMulInteger operator"},
    {"test_softmax_axis_0_expanded", "ReduceMax/Exp/ReduceSum (expanded function body)"},
    {"test_softmax_axis_1_expanded", "ReduceMax/Exp/ReduceSum (expanded function body)"},
    {"test_softmax_axis_2_expanded", "ReduceMax/Exp/ReduceSum (expanded function body)"},
    {"test_softmax_default_axis_expanded", "ReduceMax/Exp/ReduceSum (expanded function body)"},
    {"test_softmax_example_expanded", "ReduceMax/Exp/ReduceSum (expanded function body)"},
    {"test_softmax_large_number_expanded", "ReduceMax/Exp/ReduceSum (expanded function body)"},
    {"test_softmax_negative_axis_expanded", "ReduceMax/Exp/ReduceSum (expanded function body)"},
};

bool is_dir(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> list_dir(const std::string& p) {
  std::vector<std::string> out;
  if (DIR* d = opendir(p.c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') out.push_back(e->d_name);
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_file(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

std::vector<std::string> selected_cases() {
  std::vector<std::string> out;
  for (const auto& name : list_dir(kDataDir))
    for (const char* p : kPrefixes)
      if (name.rfind(p, 0) == 0) {
        out.push_back(name);
        break;
      }
  return out;
}

// Runs one case; returns "" on success, else the failure text. Integer
// (int64) test inputs are shape tensors: they become initializers.
std::string run_case(const std::string& name, bool* convert_error) {
  *convert_error = false;
  const std::string dir = std::string(kDataDir) + "/" + name;
  onnx::ModelProto model;
  const std::string bytes = read_file(dir + "/model.onnx");
  if (!model.ParseFromString(bytes)) return "cannot parse model.onnx";
  std::vector<std::string> runtime_inputs;
  std::vector<int> elem_types;  // 0: not a tensor (optional, sequence)
  for (const auto& vi : model.graph().input()) {
    bool init = false;
    for (const auto& t : model.graph().initializer()) init = init || t.name() == vi.name();
    if (init) continue;
    runtime_inputs.push_back(vi.name());
    elem_types.push_back(vi.type().has_tensor_type() ? vi.type().tensor_type().elem_type() : 0);
  }
  int sets = 0;
  std::string failure;
  for (const auto& set : list_dir(dir)) {
    if (set.rfind("test_data_set_", 0) != 0) continue;
    ++sets;
    onnx::ModelProto m = model;
    std::map<std::string, Tensor> feeds;
    for (size_t k = 0; k < runtime_inputs.size(); ++k) {
      const std::string f = dir + "/" + set + "/input_" + std::to_string(k) + ".pb";
      if (elem_types[k] == 0) continue;  // not a tensor: import must reject the model
      onnx::TensorProto tp;
      if (!tp.ParseFromString(read_file(f))) return "cannot parse " + f;
      if (tp.data_type() == onnx::TensorProto_DataType_INT64) {
        *m.mutable_graph()->add_initializer() = tp;
        m.mutable_graph()->mutable_initializer()->rbegin()->set_name(runtime_inputs[k]);
        auto* ins = m.mutable_graph()->mutable_input();
        for (int i = 0; i < ins->size(); ++i)
          if (ins->Get(i).name() == runtime_inputs[k]) {
            ins->DeleteSubrange(i, 1);
            break;
          }
      } else if (elem_types[k] == onnx::TensorProto_DataType_FLOAT) {
        feeds[runtime_inputs[k]] = load_onnx_tensor(f);
      }
    }
    std::map<std::string, Tensor> got;
    Graph g;
    try {
      const std::string mb = m.SerializeAsString();
      g = import_onnx_from_memory(mb.data(), mb.size(), name);
      run_default_passes(g);
      got = run_float(g, feeds);
    } catch (const qrt::ConvertError& e) {
      *convert_error = true;
      return e.what();
    }
    for (size_t k = 0; k < g.outputs.size(); ++k) {
      const Tensor want = load_onnx_tensor(dir + "/" + set + "/output_" + std::to_string(k) + ".pb");
      const Tensor& y = got.at(g.outputs[k]);
      if (num_elements(y.shape) != num_elements(want.shape) || y.shape.size() != want.shape.size())
        return set + ": output " + std::to_string(k) + " shape " + shape_to_string(y.shape) + ", want " +
               shape_to_string(want.shape);
      for (size_t i = 0; i < want.data.size(); ++i) {
        const float w = want.data[i], v = y.data[i];
        if (!(std::fabs(v - w) <= 1e-4f + 1e-4f * std::fabs(w)))
          return set + ": output " + std::to_string(k) + "[" + std::to_string(i) + "] = " + std::to_string(v) +
                 ", want " + std::to_string(w);
      }
    }
  }
  return sets ? failure : "no test_data_set_*";
}

}  // namespace

TEST_CASE("ONNX backend node tests for the supported ops", "[import][onnx]") {
  if (!is_dir(kDataDir)) {
    WARN("skipped: " << kDataDir << " is absent (Debian package libonnx-testdata)");
    return;
  }
  const auto cases = selected_cases();
  int passed = 0, unsupported = 0;
  std::set<std::string> seen;
  for (const auto& name : cases) {
    seen.insert(name);
    bool convert_error = false;
    const std::string err = run_case(name, &convert_error);
    const auto expected = kExpectedUnsupported.find(name);
    INFO("case " << name << ": " << err);
    if (expected == kExpectedUnsupported.end()) {
      CHECK(err.empty());
      passed += err.empty();
    } else {
      INFO("expected unsupported: " << expected->second);
      CHECK(convert_error);  // failed with a clear ConvertError, not wrong numbers
      unsupported += convert_error;
    }
  }
  for (const auto& kv : kExpectedUnsupported) {
    INFO("listed case " << kv.first << " not found in the test data");
    CHECK(seen.count(kv.first));
  }
  WARN("ONNX node tests: " << cases.size() << " selected, " << passed << " passed, " << unsupported
                           << " expected-unsupported rejected cleanly");
  CHECK(cases.size() >= 100);
}
