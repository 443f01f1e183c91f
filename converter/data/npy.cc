#include "data/npy.h"

#include <sys/stat.h>

#include <cstring>
#include <fstream>

#include "data/file_io.h"

namespace qrt::data {

using detail::fail;

namespace {

// The value of 'key' in the header dict, up to the next top-level ',' or '}'
// (the shape tuple is one value).
std::string header_field(const std::string& path, const std::string& header, const std::string& key) {
  const size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) fail(path + ": .npy header has no '" + key + "': " + header);
  const size_t colon = header.find(':', k);
  if (colon == std::string::npos) fail(path + ": .npy header: no value for '" + key + "': " + header);
  size_t end = colon + 1;
  int depth = 0;
  for (; end < header.size(); ++end) {
    const char c = header[end];
    if (c == '(') ++depth;
    else if (c == ')') --depth;
    else if ((c == ',' || c == '}') && depth <= 0) break;
  }
  std::string v = header.substr(colon + 1, end - colon - 1);
  const size_t a = v.find_first_not_of(" "), b = v.find_last_not_of(" ");
  return a == std::string::npos ? std::string() : v.substr(a, b - a + 1);
}

// "(2, 3, 4)" -> dims; each must be a plain decimal count.
std::vector<uint64_t> parse_shape(const std::string& path, const std::string& text) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')')
    fail(path + ": .npy header: shape " + text + " is not a tuple like (N, C, H, W)");
  std::vector<uint64_t> dims;
  std::string item;
  const std::string inner = text.substr(1, text.size() - 2);
  for (size_t i = 0; i <= inner.size(); ++i) {
    if (i < inner.size() && inner[i] != ',') {
      if (inner[i] != ' ') item += inner[i];
      continue;
    }
    if (item.empty()) {
      if (i == inner.size()) break;  // trailing ',' of (N,)
      fail(path + ": .npy header: shape " + text + " has an empty dimension");
    }
    uint64_t d = 0;
    for (char c : item) {
      if (c < '0' || c > '9')
        fail(path + ": .npy header: shape " + text + ": '" + item + "' is not a dimension (a count 0, 1, 2, ...)");
      if (!checked_mul(d, 10, &d) || !checked_add(d, uint64_t(c - '0'), &d) || d > (uint64_t(1) << 62))
        fail(path + ": .npy header: shape " + text + ": dimension " + item + " is too large");
    }
    dims.push_back(d);
    item.clear();
  }
  return dims;
}

}  // namespace

NpyArray read_npy_f32(const std::string& path, const ReadLimits& limits) {
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) fail(path + ": cannot open");
  if (!S_ISREG(st.st_mode)) fail(path + ": not a regular file (a .npy file is expected)");
  // The largest .npy the element limit allows: data plus a header of at
  // most 4 GiB (format 2), so a huge file is refused before it is read.
  uint64_t max_bytes = 0;
  if (!checked_mul(limits.max_tensor_elements, 4, &max_bytes) || !checked_add(max_bytes, uint64_t(1) << 32, &max_bytes))
    max_bytes = UINT64_MAX;
  if (uint64_t(st.st_size) > max_bytes)
    fail(path + ": " + std::to_string(st.st_size) + " bytes, more than a .npy of " +
         std::to_string(limits.max_tensor_elements) + " float32 elements (--max-tensor-elements)");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path + ": cannot open");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  static const uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0) fail(path + ": offset 0: not a .npy file");
  const int major = bytes[6];
  uint64_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = bytes[8] | (uint64_t(bytes[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(path + ": offset 8: truncated .npy header length (file has " +
                                std::to_string(bytes.size()) + " bytes)");
    header_len = bytes[8] | (uint64_t(bytes[9]) << 8) | (uint64_t(bytes[10]) << 16) | (uint64_t(bytes[11]) << 24);
    header_start = 12;
  } else {
    fail(path + ": offset 6: unsupported .npy version " + std::to_string(major) + " (1, 2 and 3 are read)");
  }
  if (bytes.size() - header_start < header_len)
    fail(path + ": offset 8: header length " + std::to_string(header_len) + " runs past the end of the file (" +
         std::to_string(bytes.size()) + " bytes)");
  const std::string header(bytes.begin() + std::ptrdiff_t(header_start),
                           bytes.begin() + std::ptrdiff_t(header_start + header_len));
  const std::string descr = header_field(path, header, "descr");
  if (descr != "'<f4'" && descr != "'float32'")
    fail(path + ": .npy dtype " + descr + ": little-endian float32 ('<f4') is needed (numpy: x.astype(np.float32))");
  const std::string fortran = header_field(path, header, "fortran_order");
  if (fortran != "False")
    fail(path + ": .npy fortran_order " + fortran + ": only C-order arrays (fortran_order False) are read");
  const std::string shape_text = header_field(path, header, "shape");
  NpyArray a;
  const std::vector<uint64_t> dims = parse_shape(path, shape_text);
  const uint64_t total = checked_elements(path + ": .npy shape", dims, limits);
  if (total == 0)  // a calibration sample of nothing (and no bytes to copy)
    fail(path + ": .npy shape " + shape_text + " has 0 elements: a calibration tensor needs at least one value");
  for (uint64_t d : dims) a.shape.push_back(int64_t(d));
  const uint64_t data_start = header_start + header_len;
  const uint64_t data_bytes = bytes.size() - data_start;
  if (data_bytes != total * 4)
    fail(path + ": offset " + std::to_string(data_start) + ": " + std::to_string(data_bytes) +
         " bytes of data, shape " + shape_text + " needs " + std::to_string(total * 4));
  a.data.resize(size_t(total));
  std::memcpy(a.data.data(), bytes.data() + data_start, size_t(total) * 4);  // host is little-endian
  return a;
}

NpyDataset::NpyDataset(const std::vector<std::string>& files, const ReadLimits& limits) : files_(files) {
  if (files.empty()) fail("--calib-npy: no files given");
  for (size_t f = 0; f < files.size(); ++f) {
    arrays_.push_back(read_npy_f32(files[f], limits));
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
