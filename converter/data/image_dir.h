// A folder of images (.jpg .jpeg .png .bmp .ppm .pgm), decoded with
// stb_image. With labels.txt (`filename<TAB>class_index` per line) the
// samples are its lines, in order, with their labels; without it, every
// image file in the folder, sorted by name, unlabelled.
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"

namespace qrt::data {

class ImageDirDataset : public Dataset {
 public:
  explicit ImageDirDataset(const std::string& dir);  // throws if unusable
  size_t size() const override { return files_.size(); }
  Sample load(size_t i, int want_channels) const override;
  std::string describe() const override;
  bool has_labels() const { return has_labels_; }

 private:
  std::string dir_;
  std::vector<std::string> files_;
  std::vector<int> labels_;
  bool has_labels_ = false;
};

}  // namespace qrt::data
