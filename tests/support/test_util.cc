#include "test_util.h"

#include <catch2/catch.hpp>
#include <map>

#include "graph/float_executor.h"
#include "import/onnx_import.h"
#include "qrt/qrt.h"

namespace qrt::testing {

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

convert::ConvertOptions npy_options(const std::string& model_path, const std::string& npy_path) {
  convert::ConvertOptions o;
  o.model_path = model_path;
  o.calib_npy = {npy_path};
  o.num_images = 0;
  o.show_progress = false;
  return o;
}

std::vector<float> run_qrt_inputs(const std::vector<uint8_t>& bytes, const std::vector<graph::Tensor>& inputs) {
  qrt_model* model = nullptr;
  qrt_session* session = nullptr;
  qrt_error err{};
  const qrt_status ls = qrt_model_load_memory(bytes.data(), bytes.size(), &model, &err);
  INFO(err.message);
  REQUIRE(ls == QRT_OK);
  REQUIRE(qrt_session_create(model, nullptr, &session, &err) == QRT_OK);
  for (size_t k = 0; k < inputs.size(); ++k) {
    const graph::Tensor& x = inputs[k];
    std::vector<float> v = x.data;
    if (x.shape.size() == 4) {
      const int64_t c = x.shape[1], hw = x.shape[2] * x.shape[3];
      for (int64_t b = 0; b < x.shape[0]; ++b)
        for (int64_t ch = 0; ch < c; ++ch)
          for (int64_t p = 0; p < hw; ++p) v[size_t((b * hw + p) * c + ch)] = x.data[size_t((b * c + ch) * hw + p)];
    }
    INFO(qrt_session_last_error(session));
    REQUIRE(qrt_session_set_input_f32(session, k, v.data(), v.size()) == QRT_OK);
  }
  REQUIRE(qrt_session_run(session) == QRT_OK);
  qrt_tensor_info info{};
  qrt_tensor_info_init(&info);
  REQUIRE(qrt_model_output_info(model, 0, &info) == QRT_OK);
  std::vector<float> out(info.num_elements);
  REQUIRE(qrt_session_get_output_f32(session, 0, out.data(), out.size()) == QRT_OK);
  if (info.rank == 4) {
    const size_t n = size_t(info.shape[0]), hw = size_t(info.shape[1]) * size_t(info.shape[2]),
                 c = size_t(info.shape[3]);
    std::vector<float> nchw(out.size());
    for (size_t b = 0; b < n; ++b)
      for (size_t ch = 0; ch < c; ++ch)
        for (size_t p = 0; p < hw; ++p) nchw[(b * c + ch) * hw + p] = out[(b * hw + p) * c + ch];
    out.swap(nchw);
  }
  qrt_session_destroy(session);
  qrt_model_destroy(model);
  return out;
}

std::vector<float> run_qrt(const std::vector<uint8_t>& bytes, const graph::Tensor& x) {
  return run_qrt_inputs(bytes, {x});
}

std::vector<float> run_onnx_float(const std::string& model_path, const graph::Tensor& x) {
  const graph::Graph g = import::load_onnx_model(model_path);
  std::map<std::string, graph::Tensor> in;
  in[g.inputs.at(0).name] = x;
  return graph::run_float(g, in).at(g.outputs.at(0)).data;
}

std::vector<int8_t> stored_int8(const qrt::schema::Buffer* b, size_t n) {
  const auto* d = b->data();
  const int bits = b->packed_bits() ? int(b->packed_bits()) : 8;
  auto stream = [&](size_t offset, size_t count) {  // `count` values of `bits` bits from byte `offset`
    std::vector<int8_t> v(count);
    for (size_t i = 0, bit = offset * 8; i < count; ++i) {
      uint32_t u = 0;
      for (int k = 0; k < bits; ++k, ++bit) u |= uint32_t((d->Get(uint32_t(bit / 8)) >> (bit % 8)) & 1u) << k;
      v[i] = int8_t(u & (1u << (bits - 1)) ? int32_t(u) - (1 << bits) : int32_t(u));
    }
    return v;
  };
  if (!b->sparse()) return stream(0, n);
  const size_t map = (n + 7) / 8;
  size_t nz = 0;
  for (size_t i = 0; i < n; ++i) nz += (d->Get(uint32_t(i / 8)) >> (i % 8)) & 1u;
  const std::vector<int8_t> values = stream(map, nz);
  std::vector<int8_t> out(n, 0);
  for (size_t i = 0, k = 0; i < n; ++i)
    if ((d->Get(uint32_t(i / 8)) >> (i % 8)) & 1u) out[i] = values[k++];
  return out;
}

}  // namespace qrt::testing
