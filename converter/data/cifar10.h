// CIFAR-10 as JPEG files in one archive: a tar or tar.gz of
// `<split>/<class>/<name>.jpg`, read without unpacking (tar.h) and each
// image decoded from memory (image_decode.h).
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/limits.h"
#include "data/tar.h"

namespace qrt::data {

// The usual CIFAR-10 class order: airplane automobile bird cat deer dog frog
// horse ship truck.
constexpr int kCifar10NumClasses = 10;
extern const char* const kCifar10Classes[kCifar10NumClasses];
// Index of a class name in kCifar10Classes, or -1.
int cifar10_class_index(const std::string& name);

// Every .jpg/.jpeg/.png/.bmp/.ppm of the archive, sorted by path; the label
// is the entry's parent folder (".../<class>/<file>"), which must be a
// CIFAR-10 class name (else an error naming the entry and its offset).
// Other files (no image extension) are ignored; no images is an error.
// The compressed JPEGs stay in memory (about 45 MB for the 50,000 train
// images) and are decoded in load().
class Cifar10Dataset : public Dataset {
 public:
  // An image whose header says it has more than limits.max_image_pixels
  // pixels is refused in load(), before decoding.
  explicit Cifar10Dataset(const std::string& archive_path, const ReadLimits& limits = {});
  size_t size() const override { return entries_.size(); }
  Sample load(size_t i, int want_channels) const override;
  std::string describe() const override;
  const std::string& entry_name(size_t i) const { return entries_.at(i).name; }
  int label(size_t i) const { return labels_.at(i); }

 private:
  std::string path_;
  ReadLimits limits_;
  std::vector<TarEntry> entries_;
  std::vector<int> labels_;
};

}  // namespace qrt::data
