#include "data/idx.h"

#include "data/file_io.h"

namespace qrt::data {

using detail::fail;

namespace {

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

}  // namespace

IdxArray read_idx_file(const std::string& path, uint8_t expect_type_code, int expect_ndims,
                       const ReadLimits& limits) {
  uint64_t max_bytes = 0;  // the data and a header of at most 255 dims
  if (!checked_add(limits.max_tensor_elements, 4 + 4 * 255, &max_bytes)) max_bytes = UINT64_MAX;
  const std::vector<uint8_t> bytes = detail::read_maybe_gzip(path, max_bytes, "--max-tensor-elements");
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
  std::vector<uint64_t> dims;
  for (int d = 0; d < ndims; ++d) {
    const uint32_t v = be32(&bytes[4 + 4 * d]);
    if (v == 0 || v > (1u << 28))
      fail(path + ": offset " + std::to_string(4 + 4 * d) + ": bad dimension " + std::to_string(v) +
           " (1 to 2^28)");
    a.dims.push_back(static_cast<int>(v));
    dims.push_back(v);
  }
  const uint64_t total = checked_elements(path + ": offset 4: IDX dimensions", dims, limits);
  if (bytes.size() - header != total)
    fail(path + ": expected " + std::to_string(header + total) + " bytes from the header, file has " +
         std::to_string(bytes.size()));
  a.data.assign(bytes.begin() + header, bytes.end());
  return a;
}

FashionMnistDataset::FashionMnistDataset(const std::string& images_path, const std::string& labels_path,
                                         const ReadLimits& limits)
    : images_path_(images_path) {
  IdxArray img = read_idx_file(images_path, 0x08, 3, limits);
  count_ = size_t(img.dims[0]);
  rows_ = img.dims[1];
  cols_ = img.dims[2];
  check_image_pixels(images_path + ": offset 8: IDX rows x columns", uint64_t(cols_), uint64_t(rows_), limits);
  pixels_ = std::move(img.data);
  if (!labels_path.empty()) {
    IdxArray lab = read_idx_file(labels_path, 0x08, 1, limits);
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

}  // namespace qrt::data
