// A folder of images (.jpg .jpeg .png .bmp .ppm .pgm), decoded with
// stb_image. With labels.txt (`filename<TAB>class_index` per line) the
// samples are its lines, in order, with their labels; without it, every
// image file in the folder, sorted by name, unlabelled.
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/limits.h"

namespace qrt::data {

class ImageDirDataset : public Dataset {
 public:
  // Throws if unusable. An image whose header says it has more than
  // limits.max_image_pixels pixels is refused in load(), before decoding.
  explicit ImageDirDataset(const std::string& dir, const ReadLimits& limits = {});
  size_t size() const override { return files_.size(); }
  Sample load(size_t i, int want_channels) const override;
  std::string describe() const override;
  bool has_labels() const { return has_labels_; }

 private:
  std::string dir_;
  ReadLimits limits_;
  std::vector<std::string> files_;
  std::vector<int> labels_;
  bool has_labels_ = false;
};

}  // namespace qrt::data
