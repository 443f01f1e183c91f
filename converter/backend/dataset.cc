#include "dataset.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "frontend/graph.h"

#include "stb_image.h"

namespace qrt::backend {
namespace {

[[noreturn]] void fail(const std::string& msg) { throw ConvertError(msg); }

bool has_image_extension(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = name.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == "jpg" || ext == "jpeg" || ext == "png" || ext == "bmp" ||
         ext == "ppm" || ext == "pgm" || ext == "pnm";
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

// Reads a file through zlib: gzip streams are inflated, plain files pass.
std::vector<uint8_t> read_maybe_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) fail(path + ": cannot open");
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof(buf));
    if (n < 0) {
      int errnum = 0;
      const std::string what = gzerror(f, &errnum);
      gzclose(f);
      fail(path + ": read error after " + std::to_string(out.size()) + " bytes: " + what);
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  gzclose(f);
  return out;
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

}  // namespace

// ---------------------------------------------------------------- images

ImageDirDataset::ImageDirDataset(const std::string& dir) : dir_(dir) {
  const std::string labels_path = join_path(dir, "labels.txt");
  std::ifstream in(labels_path);
  if (in) {
    has_labels_ = true;
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      const size_t tab = line.find('\t');
      if (tab == std::string::npos || tab == 0)
        fail(labels_path + ":" + std::to_string(line_no) + ": expected 'filename<TAB>class_index'");
      const std::string label_text = line.substr(tab + 1);
      char* end = nullptr;
      const long label = std::strtol(label_text.c_str(), &end, 10);
      if (label_text.empty() || *end != '\0' || label < 0)
        fail(labels_path + ":" + std::to_string(line_no) + ": bad class index '" + label_text + "'");
      files_.push_back(line.substr(0, tab));
      labels_.push_back(static_cast<int>(label));
    }
    if (files_.empty()) fail(labels_path + ": no entries");
    return;
  }
  DIR* d = opendir(dir.c_str());
  if (!d) fail(dir + ": cannot open image directory (and no labels.txt)");
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (has_image_extension(name)) files_.push_back(name);
  }
  closedir(d);
  std::sort(files_.begin(), files_.end());  // deterministic order
  if (files_.empty()) fail(dir + ": no image files (.jpg .jpeg .png .bmp .ppm .pgm)");
  labels_.assign(files_.size(), -1);
}

Sample ImageDirDataset::load(size_t i, int want_channels) const {
  const std::string path = join_path(dir_, files_.at(i));
  int w = 0, h = 0, c = 0;
  uint8_t* px = stbi_load(path.c_str(), &w, &h, &c, want_channels);
  if (!px) fail(path + ": cannot decode image: " + stbi_failure_reason());
  Sample s;
  s.image.width = w;
  s.image.height = h;
  s.image.channels = want_channels;
  s.image.pixels.assign(px, px + size_t(w) * h * want_channels);
  s.image.source = path;
  stbi_image_free(px);
  s.label = labels_[i];
  s.source = path;
  return s;
}

std::string ImageDirDataset::describe() const {
  return "images:" + dir_ + " (" + std::to_string(files_.size()) + " files" +
         (has_labels_ ? ", labels.txt)" : ")");
}

// ---------------------------------------------------------------- IDX

IdxArray read_idx_file(const std::string& path, uint8_t expect_type_code, int expect_ndims) {
  const std::vector<uint8_t> bytes = read_maybe_gzip(path);
  if (bytes.size() < 4) fail(path + ": too short for an IDX header (" + std::to_string(bytes.size()) + " bytes)");
  if (bytes[0] != 0 || bytes[1] != 0) fail(path + ": offset 0: not an IDX file (bad magic)");
  if (bytes[2] != expect_type_code)
    fail(path + ": offset 2: IDX type code " + std::to_string(bytes[2]) + ", expected " +
         std::to_string(expect_type_code) + " (unsigned byte)");
  const int ndims = bytes[3];
  if (ndims != expect_ndims)
    fail(path + ": offset 3: " + std::to_string(ndims) + " dimensions, expected " + std::to_string(expect_ndims));
  const size_t header = 4 + 4 * size_t(ndims);
  if (bytes.size() < header) fail(path + ": truncated IDX header");
  IdxArray a;
  size_t total = 1;
  for (int d = 0; d < ndims; ++d) {
    const uint32_t v = be32(&bytes[4 + 4 * d]);
    if (v == 0 || v > (1u << 28)) fail(path + ": offset " + std::to_string(4 + 4 * d) + ": bad dimension " + std::to_string(v));
    a.dims.push_back(static_cast<int>(v));
    total *= v;
  }
  if (bytes.size() != header + total)
    fail(path + ": expected " + std::to_string(header + total) + " bytes from the header, file has " +
         std::to_string(bytes.size()));
  a.data.assign(bytes.begin() + header, bytes.end());
  return a;
}

FashionMnistDataset::FashionMnistDataset(const std::string& images_path, const std::string& labels_path)
    : images_path_(images_path) {
  IdxArray img = read_idx_file(images_path, 0x08, 3);
  count_ = size_t(img.dims[0]);
  rows_ = img.dims[1];
  cols_ = img.dims[2];
  pixels_ = std::move(img.data);
  if (!labels_path.empty()) {
    IdxArray lab = read_idx_file(labels_path, 0x08, 1);
    if (size_t(lab.dims[0]) != count_)
      fail(labels_path + ": " + std::to_string(lab.dims[0]) + " labels but " + images_path + " has " +
           std::to_string(count_) + " images");
    labels_ = std::move(lab.data);
  }
}

Sample FashionMnistDataset::load(size_t i, int want_channels) const {
  if (i >= count_) fail(images_path_ + ": image index " + std::to_string(i) + " out of range");
  Sample s;
  s.source = images_path_ + "[" + std::to_string(i) + "]";
  s.image.width = cols_;
  s.image.height = rows_;
  s.image.channels = want_channels;
  s.image.source = s.source;
  const uint8_t* src = &pixels_[i * size_t(rows_) * cols_];
  const size_t n = size_t(rows_) * cols_;
  s.image.pixels.resize(n * want_channels);
  for (size_t p = 0; p < n; ++p)
    for (int c = 0; c < want_channels; ++c) s.image.pixels[p * want_channels + c] = src[p];
  s.label = labels_.empty() ? -1 : labels_[i];
  return s;
}

std::string FashionMnistDataset::describe() const {
  return "fashion-mnist:" + images_path_ + " (" + std::to_string(count_) + " images)";
}

// ---------------------------------------------------------------- NPY

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

}  // namespace qrt::backend
