#include "data/npy.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "data/file_io.h"

namespace qrt::data {

using detail::fail;

NpyArray read_npy_f32(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path + ": cannot open");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  static const uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0) fail(path + ": offset 0: not a .npy file");
  const int major = bytes[6];
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = bytes[8] | (size_t(bytes[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(path + ": truncated .npy header");
    header_len = bytes[8] | (size_t(bytes[9]) << 8) | (size_t(bytes[10]) << 16) | (size_t(bytes[11]) << 24);
    header_start = 12;
  } else {
    fail(path + ": offset 6: unsupported .npy version " + std::to_string(major));
  }
  if (bytes.size() < header_start + header_len) fail(path + ": truncated .npy header");
  const std::string header(bytes.begin() + header_start, bytes.begin() + header_start + header_len);
  auto field = [&](const std::string& key) -> std::string {
    const size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) fail(path + ": .npy header has no '" + key + "'");
    size_t v = header.find(':', k);
    return header.substr(v + 1);
  };
  const std::string descr = field("descr");
  if (descr.find("'<f4'") == std::string::npos && descr.find("'float32'") == std::string::npos)
    fail(path + ": .npy dtype must be little-endian float32 ('<f4'), header: " + header);
  const std::string fortran = field("fortran_order");
  if (fortran.find("True") < fortran.find("False"))
    fail(path + ": .npy fortran_order arrays are not supported");
  std::string shape_text = field("shape");
  const size_t open = shape_text.find('('), close = shape_text.find(')');
  if (open == std::string::npos || close == std::string::npos) fail(path + ": bad .npy shape in header");
  NpyArray a;
  std::stringstream ss(shape_text.substr(open + 1, close - open - 1));
  std::string item;
  size_t total = 1;
  while (std::getline(ss, item, ',')) {
    if (item.find_first_not_of(" ") == std::string::npos) continue;
    const long long d = std::stoll(item);
    if (d < 0) fail(path + ": negative dimension in .npy shape");
    a.shape.push_back(d);
    total *= size_t(d);
  }
  const size_t data_start = header_start + header_len;
  if (bytes.size() - data_start != total * 4)
    fail(path + ": .npy data is " + std::to_string(bytes.size() - data_start) + " bytes, shape needs " +
         std::to_string(total * 4));
  a.data.resize(total);
  std::memcpy(a.data.data(), bytes.data() + data_start, total * 4);  // host is little-endian
  return a;
}

NpyDataset::NpyDataset(const std::vector<std::string>& files) : files_(files) {
  if (files.empty()) fail("--calib-npy: no files given");
  for (size_t f = 0; f < files.size(); ++f) {
    arrays_.push_back(read_npy_f32(files[f]));
    const NpyArray& a = arrays_.back();
    const size_t items = (a.shape.size() == 4 && a.shape[0] > 1) ? size_t(a.shape[0]) : 1;
    for (size_t i = 0; i < items; ++i) index_.push_back({f, i});
  }
}

Sample NpyDataset::load(size_t i, int /*want_channels*/) const {
  const Entry& e = index_.at(i);
  const NpyArray& a = arrays_[e.file];
  Sample s;
  s.is_tensor = true;
  s.source = files_[e.file] + (a.shape.size() == 4 && a.shape[0] > 1 ? "[" + std::to_string(e.item) + "]" : "");
  s.shape = a.shape;
  if (a.shape.size() == 4) s.shape[0] = 1;
  const size_t per = a.data.size() / (a.shape.size() == 4 && a.shape[0] > 1 ? size_t(a.shape[0]) : 1);
  s.tensor.assign(a.data.begin() + e.item * per, a.data.begin() + (e.item + 1) * per);
  return s;
}

std::string NpyDataset::describe() const {
  std::string s = "npy:";
  for (size_t f = 0; f < files_.size(); ++f) s += (f ? "," : "") + files_[f];
  return s + " (" + std::to_string(index_.size()) + " tensors)";
}

}  // namespace qrt::data
