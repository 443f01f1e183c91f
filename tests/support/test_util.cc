#include "test_util.h"

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "graph/float_executor.h"
#include "import/onnx_import.h"
#include "qrt/qrt.h"

namespace qrt::backend::testing {

TempDir::TempDir() {
  char tmpl[] = "/tmp/qrt-convtest-XXXXXX";
  const char* p = mkdtemp(tmpl);
  REQUIRE(p != nullptr);
  path_ = p;
}

TempDir::~TempDir() {
  for (const std::string& f : list_dir(path_)) std::remove(file(f).c_str());
  rmdir(path_.c_str());
}

bool file_exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  REQUIRE(out.good());
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.push_back(e->d_name);
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

void write_npy(const std::string& path, const std::vector<int64_t>& shape, const std::vector<float>& data) {
  std::string dims;
  for (int64_t d : shape) dims += std::to_string(d) + ",";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += char(header.size() & 0xff);
  bytes += char(header.size() >> 8);
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(data.data()), data.size() * 4);
  write_bytes(path, bytes);
}

ConvertOptions npy_options(const std::string& model_path, const std::string& npy_path) {
  ConvertOptions o;
  o.model_path = model_path;
  o.calib_npy = {npy_path};
  o.num_images = 0;
  o.show_progress = false;
  return o;
}

std::vector<float> run_qrt(const std::vector<uint8_t>& bytes, const frontend::Tensor& x) {
  qrt_model* model = nullptr;
  qrt_session* session = nullptr;
  qrt_error err{};
  INFO(err.message);
  REQUIRE(qrt_model_load_memory(bytes.data(), bytes.size(), &model, &err) == QRT_OK);
  REQUIRE(qrt_session_create(model, nullptr, &session, &err) == QRT_OK);
  const int64_t c = x.shape[1], hw = x.shape[2] * x.shape[3];
  std::vector<float> nhwc(x.data.size());
  for (int64_t k = 0; k < c; ++k)
    for (int64_t p = 0; p < hw; ++p) nhwc[size_t(p * c + k)] = x.data[size_t(k * hw + p)];
  REQUIRE(qrt_session_set_input_f32(session, 0, nhwc.data(), nhwc.size()) == QRT_OK);
  INFO(qrt_session_last_error(session));
  REQUIRE(qrt_session_run(session) == QRT_OK);
  qrt_tensor_info info{};
  qrt_tensor_info_init(&info);
  REQUIRE(qrt_model_output_info(model, 0, &info) == QRT_OK);
  std::vector<float> out(info.num_elements);
  REQUIRE(qrt_session_get_output_f32(session, 0, out.data(), out.size()) == QRT_OK);
  if (info.rank == 4) {  // NHWC -> NCHW, to compare with the float executor
    const size_t hw = size_t(info.shape[1]) * size_t(info.shape[2]), oc = size_t(info.shape[3]);
    std::vector<float> nchw(out.size());
    for (size_t k = 0; k < oc; ++k)
      for (size_t p = 0; p < hw; ++p) nchw[k * hw + p] = out[p * oc + k];
    out.swap(nchw);
  }
  qrt_session_destroy(session);
  qrt_model_destroy(model);
  return out;
}

std::vector<float> run_onnx_float(const std::string& model_path, const frontend::Tensor& x) {
  const frontend::Graph g = frontend::load_onnx_model(model_path);
  std::map<std::string, frontend::Tensor> in;
  in[g.inputs.at(0).name] = x;
  return frontend::run_float(g, in).at(g.outputs.at(0)).data;
}

int run_command(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

}  // namespace qrt::backend::testing
