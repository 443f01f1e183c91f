// Reference files and model runs for the whole-model tests (e2e_util.h).
#include "e2e_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fstream>
#include <sstream>

#include "qrt/qrt.hpp"

namespace qrt_e2e {

namespace {

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool Fail(std::string* error, const std::string& message) {
  if (error) *error = message;
  return false;
}

}  // namespace

bool ReadReference(const std::string& path, Reference* ref, std::string* error) {
  std::ifstream in(path);
  if (!in) return Fail(error, "cannot open reference file " + path);
  std::string magic;
  int version = 0;
  in >> magic >> version;
  if (magic != "qrt-e2e-reference" || version != 1) {
    return Fail(error, path + ": not a qrt-e2e-reference 1 file");
  }
  std::string word;
  in >> word >> ref->input_kind;
  if (word != "input") return Fail(error, path + ": expected 'input'");
  if (ref->input_kind == "file") {
    in >> ref->input_file >> ref->count;
    if (!ref->input_file.empty() && ref->input_file[0] != '/') {
      ref->input_file = DirName(path) + "/" + ref->input_file;
    }
  } else if (ref->input_kind == "random") {
    in >> ref->count >> ref->seed;
  } else {
    return Fail(error, path + ": unknown input kind '" + ref->input_kind + "'");
  }
  in >> word >> ref->outputs;
  if (!in || word != "outputs") return Fail(error, path + ": expected 'outputs N'");
  ref->bits.assign(ref->count, std::vector<uint32_t>(ref->outputs));
  for (size_t i = 0; i < ref->count; ++i) {
    for (size_t j = 0; j < ref->outputs; ++j) {
      std::string hex;
      in >> hex;
      if (!in) {
        return Fail(error, path + ": image " + std::to_string(i) +
                               " has fewer than " + std::to_string(ref->outputs) +
                               " outputs");
      }
      ref->bits[i][j] = (uint32_t)strtoul(hex.c_str(), nullptr, 16);
    }
  }
  return true;
}

bool WriteReference(const std::string& path, const Reference& ref,
                    std::string* error) {
  std::ofstream out(path);
  if (!out) return Fail(error, "cannot write " + path);
  out << "qrt-e2e-reference 1\ninput " << ref.input_kind << " ";
  if (ref.input_kind == "file") {
    out << ref.input_file << " " << ref.count << "\n";
  } else {
    out << ref.count << " " << ref.seed << "\n";
  }
  out << "outputs " << ref.outputs << "\n";
  char hex[16];
  for (const std::vector<uint32_t>& row : ref.bits) {
    for (size_t j = 0; j < row.size(); ++j) {
      snprintf(hex, sizeof(hex), "%08x", row[j]);
      out << (j ? " " : "") << hex;
    }
    out << "\n";
  }
  return (bool)out || Fail(error, "error writing " + path);
}

bool MakePixels(const Reference& ref, size_t elements,
                std::vector<uint8_t>* pixels, std::string* error) {
  pixels->assign(ref.count * elements, 0);
  if (ref.input_kind == "random") {
    uint32_t s = ref.seed * 2246822519u + 1u;
    for (uint8_t& p : *pixels) {
      s = s * 1664525u + 1013904223u;
      p = (uint8_t)(s >> 24);
    }
    return true;
  }
  std::ifstream in(ref.input_file, std::ios::binary);
  if (!in) return Fail(error, "cannot open input images " + ref.input_file);
  in.read(reinterpret_cast<char*>(pixels->data()), (std::streamsize)pixels->size());
  if ((size_t)in.gcount() != pixels->size()) {
    return Fail(error, ref.input_file + " holds fewer than " +
                           std::to_string(ref.count) + " images of " +
                           std::to_string(elements) + " bytes");
  }
  return true;
}

bool RunModel(const std::string& model_path, const std::string& path,
              int threads, const std::vector<uint8_t>& pixels, size_t count,
              RunResult* result, std::string* error, int float_adds, bool u8_input,
              bool keep_all_tensors) {
  if (path.empty()) {
    unsetenv("QRT_KERNEL_PATH");
  } else {
    setenv("QRT_KERNEL_PATH", path.c_str(), 1);
  }
  qrt::Model model;
  qrt_error err;
  const qrt_status s = model.LoadFile(model_path.c_str(), &err);
  unsetenv("QRT_KERNEL_PATH");  // the choice is made at load
  if (s != QRT_OK) return Fail(error, err.message);
  qrt_session_options o;
  qrt_session_options_init(&o);
  o.num_threads = threads;
  o.float_adds = float_adds;
  o.keep_all_tensors = keep_all_tensors;
  qrt::Session session;
  if (session.Create(model, &o, &err) != QRT_OK) return Fail(error, err.message);
  result->arena_bytes = session.arena_size();
  result->float_adds = (int)session.float_adds(&result->num_f16_tensors);

  qrt_tensor_info in, out;
  model.input_info(0, &in);
  model.output_info(0, &out);
  qrt_preprocess pre;
  model.preprocess(&pre);
  const size_t channels = (size_t)in.shape[in.rank - 1];
  const size_t elements = in.num_elements;
  if (pixels.size() < count * elements) return Fail(error, "too few pixels");
  std::vector<float> x(elements), y(out.num_elements);
  result->bits.assign(count, std::vector<uint32_t>(out.num_elements));
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* px = pixels.data() + i * elements;
    for (size_t e = 0; e < elements; ++e) {
      const size_t c = e % channels;
      float v = (float)px[e] / 255.0f;
      if (pre.num_mean > 0) v -= pre.mean[c % pre.num_mean];
      if (pre.num_std > 0) v /= pre.std[c % pre.num_std];
      x[e] = v;
    }
    const qrt_status set = u8_input ? session.SetInputPixels(0, px, elements)
                                    : session.SetInput(0, x.data(), x.size());
    if (set != QRT_OK ||
        session.Run() != QRT_OK ||
        session.GetOutput(0, y.data(), y.size()) != QRT_OK) {
      return Fail(error, session.last_error());
    }
    memcpy(result->bits[i].data(), y.data(), y.size() * sizeof(float));
  }
  result->kernels.clear();
  for (size_t k = 0; k < qrt_model_num_operators(model.get()); ++k) {
    qrt_op_info info;
    session.op_info(k, &info);  // the session's: F16 ops name their fp16 kernel
    result->kernels.push_back(info.kernel);
  }
  return true;
}

}  // namespace qrt_e2e
