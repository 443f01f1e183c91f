// Fashion-MNIST as shipped: IDX files (big-endian header, unsigned bytes),
// gzip-compressed or raw (zlib reads both).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/limits.h"

namespace qrt::data {

// A whole IDX file. Throws if the type code or the number of dimensions is
// not the expected one, or the data size does not match the header; the
// dims' product is checked against limits.max_tensor_elements.
struct IdxArray {
  std::vector<int> dims;
  std::vector<uint8_t> data;
};
IdxArray read_idx_file(const std::string& path, uint8_t expect_type_code,
                       int expect_ndims, const ReadLimits& limits = {});

// Images from a [N, rows, cols] IDX file (gray; replicated to 3 channels
// when asked), labels from an optional [N] IDX file.
class FashionMnistDataset : public Dataset {
 public:
  // `labels_path` may be empty (calibration needs no labels).
  FashionMnistDataset(const std::string& images_path, const std::string& labels_path,
                      const ReadLimits& limits = {});
  size_t size() const override { return count_; }
  Sample load(size_t i, int want_channels) const override;
  std::string describe() const override;

 private:
  std::string images_path_;
  size_t count_ = 0;
  int rows_ = 0, cols_ = 0;
  std::vector<uint8_t> pixels_;
  std::vector<uint8_t> labels_;
};

}  // namespace qrt::data
