// .npy files of float32 tensors, already preprocessed (NCHW).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/limits.h"

namespace qrt::data {

// .npy float32 little-endian C-order arrays (format versions 1 to 3). The
// header is parsed strictly (every dimension a plain count, the element
// count checked against limits.max_tensor_elements without overflow); every
// error names the file and the field or byte offset.
struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<float> data;
};
NpyArray read_npy_f32(const std::string& path, const ReadLimits& limits = {});

// A file of shape [N, ...] with N > 1 (4-D) yields N samples of [1, ...];
// any other shape is one sample. Files are read whole at construction.
class NpyDataset : public Dataset {
 public:
  explicit NpyDataset(const std::vector<std::string>& files, const ReadLimits& limits = {});
  size_t size() const override { return index_.size(); }
  Sample load(size_t i, int want_channels) const override;
  std::string describe() const override;

 private:
  struct Entry { size_t file; size_t item; };
  std::vector<std::string> files_;
  std::vector<NpyArray> arrays_;
  std::vector<Entry> index_;
};

}  // namespace qrt::data
